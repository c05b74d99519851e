"""``ayon-conda``: the command line. Thin: parse options, call one flow function, report.

Every command prints progress on stderr, a short result on stdout, and with ``--json`` one JSON
object on stdout instead. Failures the user can fix print one line and exit non-zero.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
from ayon_publish import names

from ayon_conda import __version__
from ayon_conda.errors import (
    EXIT_CHECK_FAILED,
    EXIT_ERROR,
    EXIT_OK,
    EXIT_UNREACHABLE,
    EXIT_USAGE,
    AyonCondaError,
)
from ayon_conda.progress import Progress

EXIT_CODES = f"""Exit codes (each failure is one line on stderr naming the input, channel or host):

\b
  {EXIT_OK}  success
  {EXIT_ERROR}  bad input or configuration (the message says what to do)
  {EXIT_USAGE}  command line usage error
  {EXIT_CHECK_FAILED}  verify, release: the package does not install or its 'ayon' does not run;
     check: the channel holds unreadable files or index entries that disagree with them
  {EXIT_UNREACHABLE}  a channel, AYON server or package index cannot be reached or read, or
     credentials are missing or refused (AWS, AYON_API_KEY)
"""

_PathArg = functools.partial(click.Path, path_type=Path)


class _HelpFormatter(click.HelpFormatter):
    """click's help layout, except that a word is never broken: a URL, path or command longer
    than the column overflows it, and no line breaks at a hyphen inside a word. (click wraps
    with a ``TextWrapper`` that breaks both; it offers no option, so its class is swapped for
    one that does not while this formatter writes.)"""

    def write_text(self, text: str) -> None:
        with _whole_words():
            super().write_text(text)

    def write_dl(self, rows: Any, col_max: int = 30, col_spacing: int = 2) -> None:
        with _whole_words():
            super().write_dl(rows, col_max, col_spacing)


@contextlib.contextmanager
def _whole_words() -> Any:
    from click import _textwrap

    wrapper = _textwrap.TextWrapper

    class WholeWords(wrapper):  # type: ignore[misc, valid-type]
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, break_long_words=False, break_on_hyphens=False, **kwargs)

    _textwrap.TextWrapper = WholeWords
    try:
        yield
    finally:
        _textwrap.TextWrapper = wrapper


class _Context(click.Context):
    formatter_class = _HelpFormatter


class _Command(click.Command):
    context_class = _Context


class _Group(click.Group):
    """``ayon-conda`` and its sub-groups: every command gets the help layout above."""

    context_class = _Context
    command_class = _Command
    group_class = type  # sub-groups are _Groups too


def _emit(json_out: bool, data: dict[str, Any], text: str) -> None:
    if json_out:
        click.echo(json.dumps(data, indent=2))
    else:
        click.echo(text)


def _command(func: Callable) -> Callable:
    """Shared options (--json, --quiet) and error reporting for every command."""

    @click.option("--json", "json_out", is_flag=True, help="Print one JSON object on stdout (no progress).")
    @click.option("--quiet", "-q", is_flag=True, help="No progress output on stderr.")
    @functools.wraps(func)
    def wrapper(*args: Any, json_out: bool, quiet: bool, **kwargs: Any) -> None:
        progress = Progress(enabled=not (quiet or json_out))
        try:
            func(*args, progress=progress, json_out=json_out, **kwargs)
        except AyonCondaError as exc:
            line = names.one_line(exc.line())  # names from outside never break the line
            if json_out:
                click.echo(json.dumps({"error": line, "exit_code": exc.exit_code}))
            click.echo(f"error: {line}", err=True)
            sys.exit(exc.exit_code)

    return wrapper


def _valid(check: Callable[[Any, str], str]) -> Callable:
    """A click callback that checks an option's value(s) with a :mod:`ayon_publish.names` check."""

    def callback(ctx: click.Context, param: click.Parameter, value: Any) -> Any:
        flag = param.opts[0] if param.opts else param.name
        try:
            for item in (value if isinstance(value, tuple) else (value,)):
                if item is not None:
                    check(item, flag)
        except names.InvalidName as exc:
            raise click.BadParameter(names.one_line(str(exc).removeprefix(f"{flag} ")), ctx, param) from None
        return value

    return callback


def _server_option(func: Callable) -> Callable:
    return click.option(
        "--server",
        envvar="AYON_SERVER_URL",
        metavar="URL",
        help="AYON server for bundles and server-hosted addon sources [env: AYON_SERVER_URL]; "
        "the API key is read from AYON_API_KEY only, never from the command line.",
    )(func)


def _bundle_options(func: Callable) -> Callable:
    """Where a bundle comes from: BUNDLE_FILE, or --server; --bundle picks one."""
    func = click.option(
        "--bundle", "select", default="production", show_default=True, metavar="NAME|production|staging",
        callback=_valid(names.bundle_name),
        help="Which bundle: from the server, or from a file holding the whole get_bundles() answer.")(func)
    func = _server_option(func)
    return click.argument("bundle_file", required=False, type=_PathArg(dir_okay=False))(func)


_CONFIG_HELP = ("Component config [env: AYON_CONDA_CONFIG; default: <bundle>.components.yaml beside a "
                "bundle file, else recipe/components.yaml].")


def _config_option(func: Callable) -> Callable:
    return click.option("--config", "config_path", type=_PathArg(dir_okay=False), envvar="AYON_CONDA_CONFIG",
                        help=_CONFIG_HELP)(func)


def _load_config(config_path: Path | None, bundle_file: Path | None, progress: Progress):
    """The component config: --config, AYON_CONDA_CONFIG, beside the bundle file, or the default."""
    from ayon_conda.pin.component_config import choose_config, load_config

    source = click.get_current_context().get_parameter_source("config_path")
    path, how = choose_config(config_path, from_environment=source is click.core.ParameterSource.ENVIRONMENT,
                              bundle_file=bundle_file)
    config = load_config(path, how)
    progress.step(f"Component config: {config.describe()}")
    return config


def _pin_options(func: Callable) -> Callable:
    """What pin and release share besides the bundle and the config."""
    func = click.option("--skip-run-check", is_flag=True,
                        help="Do not prove that the compiled run requirements install for each Python in the "
                        "package's range (recorded in the lock as unchecked).")(func)
    func = click.option("--exclude-newer", metavar="DATE",
                        help="Resolve as if it were DATE (RFC 3339): only distributions uploaded before it.")(func)
    return click.option("--addon", "extra_addons", multiple=True, metavar="NAME", callback=_valid(names.addon_name),
                        help="Bake this addon too (it needs a source entry in the config). Repeatable.")(func)


def _load_bundle(command: str, bundle_file: Path | None, server: str | None, select: str, project: str | None = None):
    """The bundle from a file, else from the AYON server (with a project's override)."""
    from ayon_conda.pin.bundle_source import fetch_bundle, load_bundle_file

    if project is not None and (bundle_file is not None or not server):
        raise AyonCondaError("--project", "needs the bundle from a server", "pass --server URL (or AYON_SERVER_URL) instead of a bundle file")
    if bundle_file is not None:
        return load_bundle_file(bundle_file, select)
    if server:
        return fetch_bundle(server, os.environ.get("AYON_API_KEY"), select, project)
    raise AyonCondaError(command, "no bundle given", "pass a bundle JSON file, or --server URL (or AYON_SERVER_URL)")


def _ayon_server(url: str | None):
    from ayon_conda.pin.addon_sources import AyonServer

    return AyonServer(url, os.environ.get("AYON_API_KEY")) if url else None


def run() -> None:
    """The ``ayon-conda`` entry point: :func:`main`, then exit without finalization (see shutdown.py)."""
    from ayon_conda.shutdown import run_and_exit

    run_and_exit(main)


@click.group(cls=_Group, epilog=EXIT_CODES)
@click.version_option(__version__, prog_name="ayon-conda")
def main() -> None:
    """Pin, build, verify and publish the ayon-publish conda package.

    \b
    The flow for one AYON bundle; from the repository root the sample runs as shown
    (without conda-forge: its compiled run requirement is proven against the local channel):
      ayon-conda pin examples/bundles/sample.json -o sample.lock.json --skip-run-check
      ayon-conda local-channel ./local-channel --lock sample.lock.json
      ayon-conda pin examples/bundles/sample.json -o sample.lock.json --channel ./local-channel
      ayon-conda build sample.lock.json -o dist
      ayon-conda verify dist/noarch/ayon-publish-[0-9]*.conda --channel ./local-channel
      ayon-conda publish dist/noarch/*.conda --channel ./channel
    Or all four at once (nothing is built when the bundle's package is there):
      ayon-conda release examples/bundles/sample.json --channel ./channel --verify-channel ./local-channel --skip-run-check
    For real bundles, verify with --channel conda-forge and publish to s3://bucket/prefix.
    'ayon-conda doctor' shows the config, cache, channels, AWS and AYON server in use.
    """


@main.command()
@_bundle_options
@click.option("-o", "--output", "lock_path", required=True, type=_PathArg(dir_okay=False), help="Where to write the lock (JSON).")
@_config_option
@click.option("--build-number", type=click.IntRange(min=0), default=0, show_default=True,
              help="Build number; a rebuild of an already published addon set needs a higher one.")
@click.option("-c", "--channel", "run_channels", multiple=True, metavar="URL",
              help="Channel the compiled run requirements come from (name or URL), to prove they install for "
              "each Python in the package's range. Repeatable. [default: the config's 'channels', else conda-forge]")
@click.option("--endpoint-url", envvar="AWS_ENDPOINT_URL", help="S3 endpoint for s3:// channels (env: AWS_ENDPOINT_URL).")
@_pin_options
@_command
def pin(bundle_file: Path | None, lock_path: Path, server: str | None, select: str, config_path: Path | None,
        build_number: int, run_channels: tuple[str, ...], endpoint_url: str | None, extra_addons: tuple[str, ...],
        exclude_newer: str | None, skip_run_check: bool, progress: Progress, json_out: bool) -> None:
    """Pin a bundle: resolve its package exactly and write the lock.

    BUNDLE_FILE is a bundle as the AYON server returns it (JSON). Without it the bundle is
    read from --server with ayon-python-api. Compiled dependencies become conda run
    requirements; pin solves them with py-rattler for each Python in the package's range and
    narrows the package's python requirement to the versions where they install.
    """
    from ayon_conda.pin.addon_sources import Sources
    from ayon_conda.pin.make_lock import make_lock

    config = _load_config(config_path, bundle_file, progress)
    bundle = _load_bundle("pin", bundle_file, server, select)
    sources = Sources(progress, server=_ayon_server(server))
    lock = make_lock(bundle, config, sources, lock_path, progress, build_number=build_number,
                     extra_addons=extra_addons, exclude_newer=exclude_newer,
                     run_channels=None if skip_run_check else run_channels, endpoint_url=endpoint_url)
    lock.write(lock_path)
    pin_ = lock.pin
    _emit(json_out, {"lock": str(lock_path), "bundle": bundle.name, "spec": pin_.spec, "exact_spec": pin_.exact_spec,
                     "filename": pin_.filename, "vendored": len(lock.vendored), "run_requirements": lock.run_requirements},
          f"{lock_path}: {pin_.exact_spec} ({len(lock.vendored)} vendored, depends: {', '.join(lock.run_requirements)})")


def _build_options(progress: Progress, offline: bool, wheelhouse: Path | None, server: str | None,
                   channels: tuple[str, ...] = (), compression_level: int | None = None):
    from ayon_conda.build.build_lock import BuildOptions
    from ayon_conda.reproducible_zip import ZIP_EPOCH_MAX

    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch is not None and not (epoch.isascii() and epoch.isdigit() and len(epoch) <= 11 and int(epoch) <= ZIP_EPOCH_MAX):
        raise AyonCondaError("SOURCE_DATE_EPOCH", f"{names.shown(epoch)} is not a number of seconds up to "
                             f"{ZIP_EPOCH_MAX} (2107, the last date a zip can hold)", "unset it or fix it")
    if wheelhouse is not None and not wheelhouse.is_dir():
        raise AyonCondaError(wheelhouse, "no such directory", "fill one with ayon-conda fetch LOCK --wheelhouse DIR")
    extra: dict[str, Any] = {"channels": channels} if channels else {}
    if compression_level is not None:
        extra["compression_level"] = compression_level
    return BuildOptions(progress=progress, offline=offline, wheelhouse=wheelhouse, server=_ayon_server(server),
                        source_date_epoch=int(epoch) if epoch else None, **extra)


def _offline_options(func: Callable) -> Callable:
    func = click.option("--wheelhouse", type=_PathArg(file_okay=False),
                        help="Directory of wheels and addon archives to use before the cache and the network.")(func)
    return click.option("--offline", is_flag=True, help="No network: everything from the wheelhouse or the cache.")(func)


def _backend_option(func: Callable) -> Callable:
    from ayon_conda.build import BACKEND_NAMES

    return click.option(
        "--backend", type=click.Choice(BACKEND_NAMES), default="native", show_default=True,
        help="Build backend: native (in-process), rattler-build or conda-build (run recipe/recipe.yaml "
             "or recipe/meta.yaml rendered from the lock, then the recipe's tests; rattler-build is the "
             "executable on PATH, else the py-rattler-build module; conda-build must be on PATH, e.g. through pixi).")(func)


@main.command()
@click.argument("lock_path", metavar="LOCK", type=_PathArg(dir_okay=False))
@click.option("-o", "--output-dir", required=True, type=_PathArg(file_okay=False),
              help="Channel-shaped output: the package is written to DIR/noarch/.")
@_backend_option
@click.option("-c", "--channel", "channels", multiple=True, metavar="URL",
              help="rattler-build/conda-build: channel for the build and test environments. Repeatable. [default: conda-forge]")
@click.option("--compression-level", type=click.IntRange(1, 22), default=None, metavar="1-22",
              help="native backend: zstd level of the packages (part of their bytes: keep it for identical "
              "rebuilds). [default: 6, fast; conda's usual is 19]")
@_offline_options
@_server_option
@_command
def build(lock_path: Path, output_dir: Path, backend: str, channels: tuple[str, ...], compression_level: int | None,
          offline: bool, wheelhouse: Path | None, server: str | None, progress: Progress, json_out: bool) -> None:
    """Build the packages of a lock into DIR/noarch/.

    Writes ayon-publish (every baked addon) and ayon-publish-core (ayon-core alone, with
    activation scripts that sync the bundle's other addons from S3). Every addon source and
    wheel is checked against the lock's sha256 first. With the native backend the bytes are
    reproducible: timestamps come from SOURCE_DATE_EPOCH, else from the lock. rattler-build and
    conda-build stamp their own build time.
    """
    from ayon_conda.build.backends import get_backend
    from ayon_conda.build.build_lock import build as run_build
    from ayon_conda.pin.lock import Lock

    chosen = get_backend(backend)
    lock = Lock.load(lock_path)
    results = run_build(lock, output_dir, chosen,
                        _build_options(progress, offline, wheelhouse, server, channels, compression_level))
    # The top-level keys describe the full package (as before); "packages" lists every package.
    _emit(json_out, {**results[0].to_dict(), "packages": [r.to_dict() for r in results]},
          "\n".join(f"{r.path}  sha256:{r.sha256}" for r in results))


@main.command()
@click.argument("package", required=False, type=_PathArg(dir_okay=False))
@click.option("-c", "--channel", "channels", multiple=True, metavar="URL",
              help="Channel for python and the run requirements (name or URL; with --spec, also the channel "
              "that holds the package: directory, file://, http(s):// or s3://). Repeatable. [default: conda-forge]")
@click.option("--spec", metavar="MATCHSPEC",
              help="Instead of a PACKAGE file: install the best match from the channels, e.g. "
              "'ayon-publish ==1.9.0 pyh1a2b3c4d_*' (what a Deadline Cloud job pins).")
@click.option("--endpoint-url", metavar="URL",
              help="S3-compatible endpoint for s3:// channels (path-style). [env: AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL]")
@click.option("--prefix", type=_PathArg(file_okay=False), help="Install here and keep it (default: a temporary prefix).")
@_command
def verify(package: Path | None, channels: tuple[str, ...], spec: str | None, endpoint_url: str | None,
           prefix: Path | None, progress: Progress, json_out: bool) -> None:
    """Install PACKAGE (or --spec from the channels) with py-rattler into a fresh prefix and run its 'ayon' there.

    Runs 'ayon --version' and 'ayon --self-check' (imports ayon_core, ayon_api, pyblish and
    every baked addon with Qt imports blocked).
    """
    from ayon_conda.build.verify import verify as run_verify
    from ayon_conda.rattler_channels import DEFAULT_CHANNELS

    if (package is None) == (spec is None):
        raise click.UsageError("pass either a PACKAGE file or --spec MATCHSPEC")
    result = run_verify(package, list(channels or DEFAULT_CHANNELS), progress, prefix=prefix, spec=spec,
                        endpoint_url=endpoint_url)
    _emit(json_out, result.to_dict(), f"ok: {result.spec}\n{result.version_output.rstrip()}")


@main.command("local-channel")
@click.argument("directory", metavar="DIR", type=_PathArg(file_okay=False))
@click.option("--lock", "lock_paths", multiple=True, metavar="LOCK", type=_PathArg(dir_okay=False),
              help="Add the run requirements of this lock's packages (compiled dependencies, boto3). Repeatable.")
@click.option("--requirement", "requirements", multiple=True, metavar="REQ",
              help="Add this PyPI distribution and its dependencies, e.g. 'boto3==1.35.0'. Repeatable.")
@_command
def local_channel(directory: Path, lock_paths: tuple[Path, ...], requirements: tuple[str, ...], progress: Progress,
                  json_out: bool) -> None:
    """Make a local conda channel for verifying packages without conda-forge.

    \b
    DIR gets python made from this interpreter and, with --lock, the run requirements of the
    lock's packages (pillow, opentimelineio, ... and ayon-publish-core's boto3) made from
    PyPI wheels for this interpreter: compiled ones as packages of this machine's subdir,
    pure ones as noarch. Needs PyPI (or uv's and ayon-conda's caches). Works only on this
    machine; never publish it. Running it again adds to DIR. Then, e.g.:
      ayon-conda local-channel ./local-channel --lock bundle.lock.json
      ayon-conda verify dist/noarch/ayon-publish-[0-9]*.conda --channel ./local-channel
    """
    from ayon_conda.dev.local_channel import make_local_channel
    from ayon_conda.pin.lock import Lock

    locks = [Lock.load(path) for path in lock_paths]
    result = make_local_channel(directory, locks, requirements, progress)
    _emit(json_out, result.to_dict(), result.url)


@main.command()
@click.argument("lock_path", metavar="LOCK", type=_PathArg(dir_okay=False))
@click.option("--wheelhouse", required=True, type=_PathArg(file_okay=False), help="Directory to fill.")
@_server_option
@_command
def fetch(lock_path: Path, wheelhouse: Path, server: str | None, progress: Progress, json_out: bool) -> None:
    """Download every wheel and addon archive of a lock into a wheelhouse, verified.

    Build with --offline --wheelhouse DIR afterwards, here or on a machine with no network.
    """
    from ayon_conda.build.wheelhouse import fill_wheelhouse
    from ayon_conda.pin.lock import Lock

    lock = Lock.load(lock_path)
    copied = fill_wheelhouse(lock, wheelhouse, progress, server=_ayon_server(server))
    _emit(json_out, {"wheelhouse": str(wheelhouse), "files": copied}, f"{wheelhouse}: {len(copied)} files")


@main.command()
@click.argument("lock_path", metavar="LOCK", type=_PathArg(dir_okay=False))
@click.option("--site-packages", required=True, type=_PathArg(file_okay=False),
              help="Where to stage (a recipe passes $SP_DIR).")
@click.option("--package", "package_name", metavar="NAME",
              help="Which package of the lock to stage [default: the full one, ayon-publish; or ayon-publish-core].")
@click.option("--prefix", type=_PathArg(file_okay=False),
              help="Where files outside site-packages go (ayon-publish-core's etc/conda/activate.d scripts; "
                   "a recipe passes $PREFIX).")
@_offline_options
@_server_option
@_command
def stage(lock_path: Path, site_packages: Path, package_name: str | None, prefix: Path | None, offline: bool,
          wheelhouse: Path | None, server: str | None, progress: Progress, json_out: bool) -> None:
    """Stage a package's files into a site-packages directory (used by the recipes)."""
    from ayon_conda.build.build_lock import fetch_and_stage
    from ayon_conda.build.lock_packages import package_named
    from ayon_conda.pin.lock import Lock

    package = package_named(Lock.load(lock_path), package_name)
    tree, _ = fetch_and_stage(package, site_packages, _build_options(progress, offline, wheelhouse, server), prefix)
    _emit(json_out, {"package": package.name, "package_dir": str(tree.package_dir),
                     "prefix": str(tree.prefix) if tree.prefix else None}, str(tree.package_dir))


@main.command()
@click.argument("lock_path", metavar="LOCK", type=_PathArg(dir_okay=False))
@click.option("-o", "--output-dir", required=True, type=_PathArg(file_okay=False),
              help="A new (or empty) directory: requirements.txt and wheelhouse/ are written there.")
@click.option("--format", "fmt", type=click.Choice(["requirements"]), default="requirements", show_default=True,
              help="requirements: a hash-pinned requirements.txt for uv pip install --require-hashes (or pip).")
@_offline_options
@_server_option
@_command
def export(lock_path: Path, output_dir: Path, fmt: str, offline: bool, wheelhouse: Path | None, server: str | None,
           progress: Progress, json_out: bool) -> None:
    """Export a lock's publish environment for farms without conda (Deadline 10, HPS).

    \b
    Writes DIR/requirements.txt (every vendored and compiled dependency pinned with its
    sha256, and the package's own wheel: the ayon bootstrap and the baked addons) and
    DIR/wheelhouse/ (those wheels). On the worker, with no network:
      uv venv ayon-env
      uv pip install --python ayon-env --require-hashes --offline --no-index \\
          --find-links DIR/wheelhouse -r DIR/requirements.txt
      ayon-env/bin/ayon --version
    """
    from ayon_conda.export import export as run_export
    from ayon_conda.pin.lock import Lock

    result = run_export(Lock.load(lock_path), output_dir, _build_options(progress, offline, wheelhouse, server), fmt)
    text = f"{result.requirements}\n{result.wheel}"
    if result.compiled:
        text += "\ncompiled (add their wheels for the worker's platform to the wheelhouse): " + " ".join(result.compiled)
    _emit(json_out, result.to_dict(), text)


@main.command()
@click.argument("lock_path", metavar="LOCK", type=_PathArg(dir_okay=False))
@click.option("-o", "--output-dir", required=True, type=_PathArg(file_okay=False),
              help="Where to write the recipe directory DIR/<name>-<version>-<build>/ (replaced if it exists).")
@_offline_options
@_server_option
@_command
def render(lock_path: Path, output_dir: Path, offline: bool, wheelhouse: Path | None, server: str | None,
           progress: Progress, json_out: bool) -> None:
    """Write the rattler-build and conda-build recipes of a lock's packages, ready to build.

    \b
    One directory per package (ayon-publish, ayon-publish-core):
    DIR/<name>-<version>-<build>/
      rattler-build/recipe.yaml   recipe/recipe.yaml filled from the lock
      conda-build/meta.yaml       recipe/meta.yaml filled from the lock
      payload/                    the recipes' source: the lock, every wheel and addon source
                                  (checked against the lock's sha256)

    \b
    Then, e.g.:
      rattler-build build --recipe DIR/<...>/rattler-build/recipe.yaml -c conda-forge
      conda-build DIR/<...>/conda-build -c conda-forge
    (ayon-conda build LOCK -o DIST --backend rattler-build does both steps.)
    """
    from ayon_conda.build.lock_packages import packages
    from ayon_conda.build.recipes import render as run_render
    from ayon_conda.pin.lock import Lock

    lock = Lock.load(lock_path)
    options = _build_options(progress, offline, wheelhouse, server)
    rendered = [run_render(package, output_dir, options) for package in packages(lock)]
    # The top-level keys describe the full package (as for build); "packages" lists every one.
    _emit(json_out, {**rendered[0].to_dict(), "packages": [r.to_dict() for r in rendered]},
          "\n".join(f"{r.rattler_build}\n{r.conda_build}" for r in rendered))


def _channel_options(func: Callable) -> Callable:
    func = click.option("--endpoint-url", metavar="URL",
                        help="S3-compatible endpoint for s3:// channels [env: AWS_ENDPOINT_URL]; credentials come "
                        "from the standard AWS chain (AWS_PROFILE, role, environment).")(func)
    return click.option("-c", "--channel", required=True, metavar="URL",
                        help="The ayon-publish channel: s3://bucket/prefix, https://host/path, file:// or a directory.")(func)


def _publish_channel_options(func: Callable) -> Callable:
    """Where to publish: --channel, --endpoint-url, --public."""
    func = click.option(
        "--public", is_flag=True,
        help="S3: make packages and index files readable anonymously (public-read ACL), for channels "
        "served over HTTPS. Default: private; readers need credentials.")(func)
    func = click.option(
        "--endpoint-url", metavar="URL",
        help="S3-compatible endpoint (MinIO, moto, ...); path-style addressing is used with it. "
        "[env: AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL]")(func)
    return click.option(
        "--channel", "channel_url", required=True, metavar="CHANNEL",
        help="Channel to publish to: a directory, a file:// URL or s3://bucket/prefix "
        "(credentials and region from the standard AWS chain).")(func)


@main.command()
@click.argument("packages", nargs=-1, required=True, type=_PathArg(dir_okay=False))
@_publish_channel_options
@click.option("--dry-run", is_flag=True, help="Check the packages and the channel, print the plan, write nothing.")
@click.option("--skip-released", is_flag=True,
              help="Keep the channel as it is for a package when another build of it (same name, version and "
              "build string up to the build number: for ayon-publish, the same addon set) is published. "
              "For ayon-publish-core, whose name depends on the core version alone.")
@_command
def publish(packages: tuple[Path, ...], channel_url: str, endpoint_url: str | None, public: bool, dry_run: bool,
            skip_released: bool, progress: Progress, json_out: bool) -> None:
    """Publish conda packages to an append-only channel and index it.

    Any valid conda package can be published. Each goes to CHANNEL/<subdir>/ (the subdir its
    info/index.json names) with a create-only write; the same file again is "already
    published", a different file under a published name is refused, and nothing is ever
    replaced or deleted. Packages are uploaded and checked (size, sha256) before the index
    (repodata.json, .zst and shards, written by py-rattler) names them; concurrent publishers
    do not lose each other's packages. If a publish is interrupted, run the same command again.
    """
    from ayon_conda.channel.protocol import open_channel
    from ayon_conda.channel.publish import publish as run_publish

    channel = open_channel(channel_url, endpoint_url=endpoint_url, public=public)
    result = run_publish(list(packages), channel, progress, dry_run=dry_run,
                         keep_released=packages if skip_released else ())
    _emit(json_out, result.to_dict(), "\n".join(result.lines()))


@main.command("check")
@click.argument("channel_url", metavar="CHANNEL")
@click.option("--endpoint-url", metavar="URL",
              help="S3-compatible endpoint for an s3:// CHANNEL [env: AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL].")
@click.option("--subdir", "subdirs", multiple=True, metavar="SUBDIR",
              help="Check only this subdir (noarch, linux-64, ...). Repeatable. [default: every subdir]")
@_command
def check_channel(channel_url: str, endpoint_url: str | None, subdirs: tuple[str, ...], progress: Progress,
                  json_out: bool) -> None:
    """Read every package file of a channel whole and compare every index entry with its file.

    CHANNEL is a directory, file:// URL or s3://bucket/prefix (read only; S3 files are
    downloaded to a temporary directory one at a time). Lists package files that cannot be read
    (and whether the index already keeps them out of every solve), index entries (in
    repodata.json, repodata.json.zst or the shards) that disagree with their file or name a
    missing one, and files no index names yet. Exits 3 when there is any problem.
    """
    from ayon_conda.channel.audit import audit
    from ayon_conda.channel.protocol import open_channel

    channel = open_channel(channel_url, endpoint_url=endpoint_url)
    channel.check()
    result = audit(channel, progress, subdirs)
    _emit(json_out, result.to_dict(), "\n".join(result.lines()))
    if result.problems:
        if not json_out:
            click.echo(f"error: {channel.url}: {len(result.problems)} files or index entries clients cannot rely on; "
                       "have them removed by someone who can delete in the channel, then publish again", err=True)
        sys.exit(EXIT_CHECK_FAILED)


@main.command()
@_bundle_options
@_channel_options
@click.option("--project", metavar="NAME", callback=_valid(names.project_name),
              help="Use this project's override of the production/staging bundle (with --server).")
@click.option("--server-version", metavar="VERSION",
              help="Refuse a package whose recorded AYON server range excludes this version "
              "[default: the version of --server, if given].")
@click.option("--addon", "extra_addons", multiple=True, metavar="NAME", callback=_valid(names.addon_name),
              help="The package bakes this addon too (as pin --addon); then only that addon set matches. "
              "Without it, the addon sets recorded by the channel's packages are tried too. Repeatable.")
@_command
def resolve(bundle_file: Path | None, channel: str, endpoint_url: str | None, server: str | None, select: str,
            project: str | None, server_version: str | None, extra_addons: tuple[str, ...], progress: Progress,
            json_out: bool) -> None:
    """Find the exact package of a bundle in a channel (what a job submission pins).

    BUNDLE_FILE is a bundle as the AYON server returns it (JSON); without it the bundle is
    read from --server (--bundle, --project). Prints the exact spec (highest build of the
    bundle's addon set), its URL and sha256. The channel index is cached and revalidated with
    one conditional request (cache: AYON_CONDA_CACHE_DIR).
    """
    from ayon_publish_submit.pin_scheme import DEFAULT_BAKE
    from ayon_publish_submit.submission import resolve as run_resolve

    from ayon_conda.pin.bundle_source import fetch_server_version

    bundle = _load_bundle("resolve", bundle_file, server, select, project)
    if server_version is None and server:
        server_version = fetch_server_version(server)
    progress.step(f"Resolving bundle '{bundle.name}' in {channel}")
    result = run_resolve(bundle, channel, endpoint_url=endpoint_url, server_version=server_version,
                         bake=(*DEFAULT_BAKE, *extra_addons) if extra_addons else None)
    _emit(json_out, {**result.to_dict(), "server_version": server_version},
          f"{result.spec}\n  url     {result.url}\n  sha256  {result.sha256}")


@main.command()
@_channel_options
@click.option("--format", "fmt", type=click.Choice(["md", "json", "html"]), default="md", show_default=True,
              help="Markdown table, JSON document, or a self-contained HTML page.")
@click.option("-o", "--output", type=_PathArg(dir_okay=False),
              help="Write the matrix to this file (atomically) instead of stdout.")
@_command
def matrix(channel: str, endpoint_url: str | None, fmt: str, output: Path | None, progress: Progress, json_out: bool) -> None:
    """The compatibility matrix of a channel: one row per published package.

    Rows for ayon-publish and ayon-publish-core (ayon-core alone, option C) alike.

    Columns: spec, bundle, ayon-core, deadline_cloud addon, ayon-python-api, pyblish-base, the
    AYON server, launcher and python ranges, and the publish date, read from each package's own
    info/about.json with range requests and cached by sha256, so a second run downloads
    nothing new.
    """
    from ayon_publish_submit.channel_reader import Channel

    from ayon_conda.matrix import matrix_rows, packages, render, write_output

    source = Channel(channel, endpoint_url=endpoint_url)
    rows = matrix_rows(source, progress)
    text = render(rows, fmt, source.url)
    if output is not None:
        write_output(output, text)
    stats = {"requests": source.counters.requests, "bytes_fetched": source.counters.bytes}
    if json_out:
        _emit(True, {"channel": source.url, "output": str(output) if output else None, "packages": len(rows),
                     **stats, "rows": [row.to_dict() for row in rows]}, "")
    elif output is not None:
        click.echo(f"{output}: {packages(len(rows))} ({stats['requests']} requests, {stats['bytes_fetched']} bytes fetched)")
    else:
        click.echo(text, nl=False)


@main.command()
@click.argument("bundle_file", required=False, type=_PathArg(dir_okay=False))
@_config_option
@click.option("-c", "--channel", "channels", multiple=True, metavar="URL",
              help="Check this channel (name, directory or URL: s3://, https://, file://). Repeatable. "
                   "[default: conda-forge]")
@click.option("--endpoint-url", metavar="URL",
              help="S3-compatible endpoint for s3:// channels and STS [env: AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL].")
@_server_option
@_command
def doctor(bundle_file: Path | None, config_path: Path | None, channels: tuple[str, ...], endpoint_url: str | None,
           server: str | None, progress: Progress, json_out: bool) -> None:
    """Report what this machine would use and whether each part can be reached.

    \b
    The component config a pin would use and why (of BUNDLE_FILE, if given), the cache
    and the size of each part, each channel (its index read, its packages counted), the
    AWS identity (account and ARN, never a key), the AYON server's version and whether
    AYON_API_KEY is accepted, and the build backends and tools found. Read-only. Each
    check is ok, -- (absent: not set up here, not asked for) or NO (failed). Exits 1 when
    the config fails, else 4 when a channel, AWS or the server fails, else 0. E.g.:
      ayon-conda doctor examples/bundles/sample.json -c conda-forge
      ayon-conda doctor -c s3://studio-conda/ayon --json
    """
    from ayon_conda.doctor import doctor as run_doctor

    source = click.get_current_context().get_parameter_source("config_path")
    report = run_doctor(progress, config_path=config_path, bundle_file=bundle_file,
                        config_from_environment=source is click.core.ParameterSource.ENVIRONMENT,
                        channels=channels or ("conda-forge",), endpoint_url=endpoint_url, server=server)
    _emit(json_out, report.to_dict(), "\n".join(report.lines()))
    if report.failed("config"):
        sys.exit(EXIT_ERROR)
    if report.failed():
        sys.exit(EXIT_UNREACHABLE)


@main.group()
def addons() -> None:
    """Addons for the worker-side sync (option C) of ayon-publish-core.

    Workers that install ayon-publish-core (ayon-core alone) sync the bundle's other addons from
    S3 when the environment is activated; 'addons upload' puts them there.
    """


@addons.command("upload")
@_bundle_options
@click.option("--to", "destination", required=True, metavar="s3://BUCKET/PREFIX",
              help="Where workers sync from (their AYON_ADDONS_S3_URI): a prefix outside the job attachments "
                   "root that queue roles can only read, e.g. next to the channel (channel/iam/).")
@click.option("--endpoint-url", metavar="URL",
              help="S3-compatible endpoint (MinIO, tests) [default: AWS_ENDPOINT_URL, else AWS].")
@click.option("--config", "config_path", type=_PathArg(dir_okay=False), envvar="AYON_CONDA_CONFIG",
              help=f"{_CONFIG_HELP} Addons it does not list come from --server.")
@click.option("--exclude", multiple=True, metavar="NAME", callback=_valid(names.addon_name),
              help="Leave this addon of the bundle out (workers will not have it). Repeatable.")
@_offline_options
@_command
def addons_upload(bundle_file: Path | None, destination: str, endpoint_url: str | None, server: str | None,
                  select: str, config_path: Path | None, exclude: tuple[str, ...], offline: bool,
                  wheelhouse: Path | None, progress: Progress, json_out: bool) -> None:
    """Upload a bundle's addons and its manifest to S3, append-only.

    BUNDLE_FILE is a bundle as the AYON server returns it (JSON); without it the bundle is read
    from --server. Each addon's client code goes up once, as a zip named by its sha256 with a
    manifest (addons/{name}_{version}.json); then bundles/<bundle>.json names every addon with
    its version and sha256. Re-uploading the same addons reports 'already present'; other files
    under a published addon version or bundle are refused.

    An addon's client dependencies (client/pyproject.toml) are resolved as 'pin' resolves them:
    pure-Python wheels that ayon-publish-core does not vendor already go up beside the addon and
    are put on ayon's sys.path by the sync; compiled ones are mapped to their conda-forge names
    (refused without one) and recorded, and the sync checks the workers' environment holds them.
    """
    from ayon_conda import s3
    from ayon_conda.addons_upload import upload_addons, workers_env
    from ayon_conda.pin.addon_sources import Sources

    location = s3.S3Location.parse(destination)
    config = _load_config(config_path, bundle_file, progress)
    bundle = _load_bundle("addons upload", bundle_file, server, select)
    sources = Sources(progress, server=_ayon_server(server), offline=offline, wheelhouse=wheelhouse)
    result = upload_addons(bundle, config, sources, location, s3.client(endpoint_url), progress, exclude=exclude)
    lines = [f"{a.status:15}  {a.entry.name} {a.entry.version}" for a in result.addons]
    lines.append(f"{result.manifest_status:15}  {result.manifest_url}")
    lines.append("workers: " + " ".join(f"{k}={v}" for k, v in workers_env(location, bundle.name).items()))
    _emit(json_out, result.to_dict(), "\n".join(lines))


@main.command()
@click.argument("source", metavar="SRC")
@click.argument("destination", metavar="DST")
@click.option("--src-endpoint-url", metavar="URL",
              help="S3-compatible endpoint for an s3:// SRC [env: AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL].")
@click.option("--dst-endpoint-url", metavar="URL",
              help="S3-compatible endpoint for an s3:// DST [env: AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL].")
@click.option("--subdir", "subdirs", multiple=True, metavar="SUBDIR",
              help="Mirror only this subdir (noarch, linux-64, ...). Repeatable. [default: every subdir SRC has]")
@click.option("--public", is_flag=True, help="S3 DST: make the copied packages and index readable anonymously.")
@click.option("--dry-run", is_flag=True, help="Read both channels and print what would be copied; write nothing.")
@_command
def mirror(source: str, destination: str, src_endpoint_url: str | None, dst_endpoint_url: str | None,
           subdirs: tuple[str, ...], public: bool, dry_run: bool, progress: Progress, json_out: bool) -> None:
    """Copy a channel (S3 <-> disk) for air-gapped sites, checking every sha256, and index the copy.

    SRC is any channel a client can read: a directory, file://, https:// or s3://bucket/prefix.
    DST is a directory or s3://bucket/prefix, written append-only as publish writes. Every file
    is checked against SRC's index before anything is written; files DST already holds are
    skipped, so running the command again finishes an interrupted mirror.
    """
    from ayon_conda.channel.mirror import mirror as run_mirror
    from ayon_conda.channel.protocol import open_channel

    channel = open_channel(destination, endpoint_url=dst_endpoint_url, public=public)
    result = run_mirror(source, channel, progress, source_endpoint_url=src_endpoint_url,
                        subdirs=subdirs or None, dry_run=dry_run)
    _emit(json_out, result.to_dict(), "\n".join(result.lines()))


@main.command()
@_bundle_options
@_publish_channel_options
@_config_option
@_pin_options
@click.option("--verify-channel", "verify_channels", multiple=True, metavar="URL",
              help="Channel for python and the run requirements when verifying (name or URL). Repeatable. "
              "[default: conda-forge]")
@click.option("-o", "--output-dir", type=_PathArg(file_okay=False),
              help="Keep the lock and the package here (default: a temporary directory).")
@_backend_option
@_offline_options
@click.option("--rebuild", is_flag=True,
              help="Build and publish the next build number even when the bundle's package is already in the channel.")
@click.option("--dry-run", is_flag=True, help="Say whether the bundle would be built and published; build and write nothing.")
@_command
def release(bundle_file: Path | None, channel_url: str, endpoint_url: str | None, public: bool, server: str | None,
            select: str, config_path: Path | None, extra_addons: tuple[str, ...], exclude_newer: str | None,
            skip_run_check: bool, verify_channels: tuple[str, ...], output_dir: Path | None, backend: str, offline: bool,
            wheelhouse: Path | None, rebuild: bool, dry_run: bool, progress: Progress, json_out: bool) -> None:
    """Release a bundle: pin, build, verify and publish its package in one step.

    When a package of the bundle's pin (any build number) is already in CHANNEL, nothing is
    built and the command succeeds, printing what is there: a job releasing many bundles can
    simply be run again. A release interrupted after the upload is finished by indexing.
    """
    from ayon_conda.channel.protocol import open_channel
    from ayon_conda.rattler_channels import DEFAULT_CHANNELS
    from ayon_conda.release import ReleaseOptions
    from ayon_conda.release import release as run_release

    config = _load_config(config_path, bundle_file, progress)
    bundle = _load_bundle("release", bundle_file, server, select)
    channel = open_channel(channel_url, endpoint_url=endpoint_url, public=public)
    options = ReleaseOptions(
        verify_channels=list(verify_channels or DEFAULT_CHANNELS),
        build=_build_options(progress, offline, wheelhouse, server),
        output_dir=output_dir, backend=backend, rebuild=rebuild, dry_run=dry_run,
        extra_addons=extra_addons, exclude_newer=exclude_newer, endpoint_url=endpoint_url,
        run_check=not skip_run_check,
    )
    result = run_release(bundle, config, channel, options, progress)
    _emit(json_out, result.to_dict(), "\n".join(result.lines()))
