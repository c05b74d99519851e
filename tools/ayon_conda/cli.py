"""``ayon-conda``: the command line. Thin: parse options, call one flow function, report.

Every command prints progress on stderr, a short result on stdout, and with ``--json`` one JSON
object on stdout instead. Failures the user can fix print one line and exit non-zero.
"""

from __future__ import annotations

import functools
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from . import __version__
from .errors import EXIT_CHECK_FAILED, EXIT_ERROR, EXIT_USAGE, AyonCondaError
from .progress import Progress

EXIT_CODES = f"""Exit codes:

\b
  0  success
  {EXIT_ERROR}  bad input, configuration or environment (the message names it and what to do)
  {EXIT_USAGE}  command line usage error
  {EXIT_CHECK_FAILED}  verify, release: the package does not install or its 'ayon' does not run
"""

_PathArg = functools.partial(click.Path, path_type=Path)


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
            if json_out:
                click.echo(json.dumps({"error": exc.line(), "exit_code": exc.exit_code}))
            click.echo(f"error: {exc.line()}", err=True)
            sys.exit(exc.exit_code)

    return wrapper


def _server_option(func: Callable) -> Callable:
    return click.option(
        "--server",
        envvar="AYON_SERVER_URL",
        metavar="URL",
        help="AYON server for bundles and server-hosted addon sources [env: AYON_SERVER_URL]; "
        "the API key is read from AYON_API_KEY only, never from the command line.",
    )(func)


def _load_bundle(command: str, bundle_file: Path | None, server: str | None, select: str):
    """The bundle from a file, else from the AYON server."""
    from .bundle import fetch_bundle, load_bundle_file

    if bundle_file is not None:
        return load_bundle_file(bundle_file, select)
    if server:
        return fetch_bundle(server, os.environ.get("AYON_API_KEY"), select)
    raise AyonCondaError(command, "no bundle given", "pass a bundle JSON file, or --server URL (or AYON_SERVER_URL)")


def _ayon_server(url: str | None):
    from .sources import AyonServer

    return AyonServer(url, os.environ.get("AYON_API_KEY")) if url else None


def run() -> None:
    """The ``ayon-conda`` entry point: :func:`main`, then exit without finalization (see shutdown.py)."""
    from .shutdown import run_and_exit

    run_and_exit(main)


@click.group(epilog=EXIT_CODES)
@click.version_option(__version__, prog_name="ayon-conda")
def main() -> None:
    """Pin, build, verify and publish the ayon-publish conda package.

    \b
    The flow for one AYON bundle:
      ayon-conda pin BUNDLE.json -o bundle.lock.json   # exact versions and hashes
      ayon-conda build bundle.lock.json -o dist        # dist/noarch/ayon-publish-*.conda
      ayon-conda verify dist/noarch/ayon-publish-*.conda --channel conda-forge
      ayon-conda publish dist/noarch/ayon-publish-*.conda --channel s3://bucket/channel

    Or all four at once: ayon-conda release BUNDLE.json --channel s3://bucket/channel
    """


@main.command()
@click.argument("bundle_file", required=False, type=_PathArg(dir_okay=False))
@click.option("-o", "--output", "lock_path", required=True, type=_PathArg(dir_okay=False), help="Where to write the lock (JSON).")
@_server_option
@click.option(
    "--bundle", "select", default="production", show_default=True, metavar="NAME|production|staging",
    help="Which bundle: from the server, or from a file holding the whole get_bundles() answer.",
)
@click.option("--config", "config_path", type=_PathArg(dir_okay=False), envvar="AYON_CONDA_CONFIG",
              help="Component config [default: recipe/components.yaml; env: AYON_CONDA_CONFIG].")
@click.option("--build-number", type=click.IntRange(min=0), default=0, show_default=True,
              help="Build number; a rebuild of an already published addon set needs a higher one.")
@click.option("--addon", "extra_addons", multiple=True, metavar="NAME",
              help="Bake this addon too (it needs a source entry in the config). Repeatable.")
@click.option("--exclude-newer", metavar="DATE",
              help="Resolve as if it were DATE (RFC 3339): only distributions uploaded before it.")
@_command
def pin(bundle_file: Path | None, lock_path: Path, server: str | None, select: str, config_path: Path | None,
        build_number: int, extra_addons: tuple[str, ...], exclude_newer: str | None, progress: Progress, json_out: bool) -> None:
    """Pin a bundle: resolve its package exactly and write the lock.

    BUNDLE_FILE is a bundle as the AYON server returns it (JSON). Without it the bundle is
    read from --server with ayon-python-api.
    """
    from .config import load_config
    from .pinning import make_lock
    from .sources import Sources

    config = load_config(config_path)
    bundle = _load_bundle("pin", bundle_file, server, select)
    sources = Sources(progress, server=_ayon_server(server))
    lock = make_lock(bundle, config, sources, lock_path, progress, build_number=build_number,
                     extra_addons=extra_addons, exclude_newer=exclude_newer)
    lock.write(lock_path)
    pin_ = lock.pin
    _emit(json_out, {"lock": str(lock_path), "bundle": bundle.name, "spec": pin_.spec, "exact_spec": pin_.exact_spec,
                     "filename": pin_.filename, "vendored": len(lock.vendored), "run_requirements": lock.run_requirements},
          f"{lock_path}: {pin_.exact_spec} ({len(lock.vendored)} vendored, depends: {', '.join(lock.run_requirements)})")


def _build_options(progress: Progress, offline: bool, wheelhouse: Path | None, server: str | None):
    from .building import BuildOptions

    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch is not None and not epoch.isdigit():
        raise AyonCondaError("SOURCE_DATE_EPOCH", f"'{epoch}' is not a number of seconds", "unset it or fix it")
    if wheelhouse is not None and not wheelhouse.is_dir():
        raise AyonCondaError(wheelhouse, "no such directory", "fill one with ayon-conda fetch LOCK --wheelhouse DIR")
    return BuildOptions(progress=progress, offline=offline, wheelhouse=wheelhouse, server=_ayon_server(server),
                        source_date_epoch=int(epoch) if epoch else None)


def _offline_options(func: Callable) -> Callable:
    func = click.option("--wheelhouse", type=_PathArg(file_okay=False),
                        help="Directory of wheels and addon archives to use before the cache and the network.")(func)
    return click.option("--offline", is_flag=True, help="No network: everything from the wheelhouse or the cache.")(func)


@main.command()
@click.argument("lock_path", metavar="LOCK", type=_PathArg(dir_okay=False))
@click.option("-o", "--output-dir", required=True, type=_PathArg(file_okay=False),
              help="Channel-shaped output: the package is written to DIR/noarch/.")
@click.option("--backend", default="native", show_default=True, help="Build backend.")
@_offline_options
@_server_option
@_command
def build(lock_path: Path, output_dir: Path, backend: str, offline: bool, wheelhouse: Path | None, server: str | None,
          progress: Progress, json_out: bool) -> None:
    """Build the package of a lock into DIR/noarch/.

    Every addon source and wheel is checked against the lock's sha256 first. The bytes are
    reproducible: timestamps come from SOURCE_DATE_EPOCH, else from the lock.
    """
    from .backends import get_backend
    from .building import build as run_build
    from .lock import Lock

    lock = Lock.load(lock_path)
    result = run_build(lock, output_dir, get_backend(backend), _build_options(progress, offline, wheelhouse, server))
    _emit(json_out, result.to_dict(), f"{result.path}  sha256:{result.sha256}")


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
    from .verify import DEFAULT_CHANNELS, verify as run_verify

    if (package is None) == (spec is None):
        raise click.UsageError("pass either a PACKAGE file or --spec MATCHSPEC")
    result = run_verify(package, list(channels or DEFAULT_CHANNELS), progress, prefix=prefix, spec=spec,
                        endpoint_url=endpoint_url)
    _emit(json_out, result.to_dict(), f"ok: {result.spec}\n{result.version_output.rstrip()}")


@main.command()
@click.argument("lock_path", metavar="LOCK", type=_PathArg(dir_okay=False))
@click.option("--wheelhouse", required=True, type=_PathArg(file_okay=False), help="Directory to fill.")
@_server_option
@_command
def fetch(lock_path: Path, wheelhouse: Path, server: str | None, progress: Progress, json_out: bool) -> None:
    """Download every wheel and addon archive of a lock into a wheelhouse, verified.

    Build with --offline --wheelhouse DIR afterwards, here or on a machine with no network.
    """
    import shutil

    from .lock import Lock
    from .sources import Sources, wheelhouse_name
    from .wheels import fetch_wheels

    lock = Lock.load(lock_path)
    wheelhouse.mkdir(parents=True, exist_ok=True)
    copied = []
    for name, path in fetch_wheels(lock, progress).items():
        target = wheelhouse / path.name
        if not target.exists():
            shutil.copyfile(path, target)
        copied.append(target.name)
    sources = Sources(progress, server=_ayon_server(server))
    for addon in lock.addons:
        archive = sources.archive(addon)
        if archive is not None:
            target = wheelhouse / wheelhouse_name(addon.name, addon.version, addon.source.location)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(archive, target)
            copied.append(str(target.relative_to(wheelhouse)))
    _emit(json_out, {"wheelhouse": str(wheelhouse), "files": copied}, f"{wheelhouse}: {len(copied)} files")


@main.command()
@click.argument("lock_path", metavar="LOCK", type=_PathArg(dir_okay=False))
@click.option("--site-packages", required=True, type=_PathArg(file_okay=False),
              help="Where to stage (a recipe passes $SP_DIR).")
@_offline_options
@_server_option
@_command
def stage(lock_path: Path, site_packages: Path, offline: bool, wheelhouse: Path | None, server: str | None,
          progress: Progress, json_out: bool) -> None:
    """Stage the package's files into a site-packages directory (used by the recipes)."""
    from .building import fetch_and_stage
    from .lock import Lock

    lock = Lock.load(lock_path)
    tree, _ = fetch_and_stage(lock, site_packages, _build_options(progress, offline, wheelhouse, server))
    _emit(json_out, {"package_dir": str(tree.package_dir)}, str(tree.package_dir))


def _channel_options(func: Callable) -> Callable:
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
@_channel_options
@click.option("--dry-run", is_flag=True, help="Check the packages and the channel, print the plan, write nothing.")
@_command
def publish(packages: tuple[Path, ...], channel_url: str, endpoint_url: str | None, public: bool, dry_run: bool,
            progress: Progress, json_out: bool) -> None:
    """Publish conda packages to an append-only channel and index it.

    Any valid conda package can be published. Each goes to CHANNEL/<subdir>/ (the subdir its
    info/index.json names) with a create-only write; the same file again is "already
    published", a different file under a published name is refused, and nothing is ever
    replaced or deleted. Packages are uploaded and checked (size, sha256) before the index
    (repodata.json, .zst and shards, written by py-rattler) names them; concurrent publishers
    do not lose each other's packages. If a publish is interrupted, run the same command again.
    """
    from .channels import open_channel
    from .publishing import publish as run_publish

    channel = open_channel(channel_url, endpoint_url=endpoint_url, public=public)
    result = run_publish(list(packages), channel, progress, dry_run=dry_run)
    _emit(json_out, result.to_dict(), "\n".join(result.lines()))


@main.command()
@click.argument("bundle_file", required=False, type=_PathArg(dir_okay=False))
@_channel_options
@_server_option
@click.option(
    "--bundle", "select", default="production", show_default=True, metavar="NAME|production|staging",
    help="Which bundle: from the server, or from a file holding the whole get_bundles() answer.",
)
@click.option("--config", "config_path", type=_PathArg(dir_okay=False), envvar="AYON_CONDA_CONFIG",
              help="Component config [default: recipe/components.yaml; env: AYON_CONDA_CONFIG].")
@click.option("--addon", "extra_addons", multiple=True, metavar="NAME",
              help="Bake this addon too (it needs a source entry in the config). Repeatable.")
@click.option("--exclude-newer", metavar="DATE",
              help="Resolve as if it were DATE (RFC 3339): only distributions uploaded before it.")
@click.option("--verify-channel", "verify_channels", multiple=True, metavar="URL",
              help="Channel for python and the run requirements when verifying (name or URL). Repeatable. "
              "[default: conda-forge]")
@click.option("-o", "--output-dir", type=_PathArg(file_okay=False),
              help="Keep the lock and the package here (default: a temporary directory).")
@click.option("--backend", default="native", show_default=True, help="Build backend.")
@_offline_options
@click.option("--rebuild", is_flag=True,
              help="Build and publish the next build number even when the bundle's package is already in the channel.")
@click.option("--dry-run", is_flag=True, help="Say whether the bundle would be built and published; build and write nothing.")
@_command
def release(bundle_file: Path | None, channel_url: str, endpoint_url: str | None, public: bool, server: str | None,
            select: str, config_path: Path | None, extra_addons: tuple[str, ...], exclude_newer: str | None,
            verify_channels: tuple[str, ...], output_dir: Path | None, backend: str, offline: bool,
            wheelhouse: Path | None, rebuild: bool, dry_run: bool, progress: Progress, json_out: bool) -> None:
    """Release a bundle: pin, build, verify and publish its package in one step.

    When a package of the bundle's pin (any build number) is already in CHANNEL, nothing is
    built and the command succeeds, printing what is there: a job releasing many bundles can
    simply be run again. A release interrupted after the upload is finished by indexing.
    """
    from .channels import open_channel
    from .config import load_config
    from .releasing import ReleaseOptions, release as run_release
    from .verify import DEFAULT_CHANNELS

    config = load_config(config_path)
    bundle = _load_bundle("release", bundle_file, server, select)
    channel = open_channel(channel_url, endpoint_url=endpoint_url, public=public)
    options = ReleaseOptions(
        verify_channels=list(verify_channels or DEFAULT_CHANNELS),
        build=_build_options(progress, offline, wheelhouse, server),
        output_dir=output_dir, backend=backend, rebuild=rebuild, dry_run=dry_run,
        extra_addons=extra_addons, exclude_newer=exclude_newer, endpoint_url=endpoint_url,
    )
    result = run_release(bundle, config, channel, options, progress)
    _emit(json_out, result.to_dict(), "\n".join(result.lines()))
