"""The conda environment of a Deadline Cloud session: solved, created or reused on the node, activated.

This file is a script that runs on a worker, and the one source of the install logic of both
``channel/queue-environment.yaml`` (whose embedded file is generated from it) and the publish
step's environment that :func:`ayon_publish_submit.add_publish_step_environment` adds to a job
(:mod:`ayon_publish_submit.openjd_environment` embeds it in both, compacted). It imports only the
standard library at the top; py-rattler, and PyYAML for condarc files, are imported when needed
and pip-installed into the cache directory when the worker's Python lacks them. Python 3.9+.
OpenJD would substitute ``{{...}}`` inside it, so it takes everything as arguments::

    python ayon_conda_session.py enter PACKAGES CHANNELS PRIORITY CACHE_DIR
    python ayon_conda_session.py exit CACHE_DIR KEEP_DAYS

``enter`` solves the space-separated match specs ``PACKAGES`` (parsed strictly, as the solver
parses them) against ``CHANNELS`` with py-rattler; ``s3://`` channels are read with the session's
AWS chain (the queue role), ``AWS_ENDPOINT_URL`` path-style, and condarc ``custom_channels``
(``deadline-cloud`` on service-managed fleets) are honoured. One environment per exact solved
package set lives under ``CACHE_DIR/envs/KEY`` (created under a file lock, completed by a
marker written last, an incomplete one replaced), is activated with bash (its activate.d
scripts run; a conda environment already active is deactivated first) and the changes are
printed as ``openjd_env`` lines, with ``AYON_CONDA_PYTHON`` naming the Python that ran this, so
that a later environment of the session (the publish step's) runs on it rather than on the
activated environment's ``python``, which may have neither py-rattler nor pip. ``exit`` removes the environments unused for ``KEEP_DAYS``
days (0: keep all). Failures print one ``openjd_fail`` line and exit 1.
"""

import asyncio
import contextlib
import hashlib
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

RATTLER = "py-rattler>=0.28,<0.29"  # installed when missing; an installed >= 0.28 is used as it is
CONDARC = ["/etc/conda/condarc", "/etc/conda/.condarc", "C:/ProgramData/conda/condarc", "~/.condarc"]
NOISE = {"_", "SHLVL", "PWD", "OLDPWD"}  # the shell's own variables, not the activation's
DUMP = "import json, os, sys; json.dump(dict(os.environ), open(sys.argv[1], 'w'))"
PYTHON = "AYON_CONDA_PYTHON"  # this Python, for later environments: the session's conda one may lack pip


class Failure(Exception):
    def __init__(self, subject, problem, fix):
        super().__init__(f"{subject}: {problem}; {fix}")


def say(text):
    print(text, flush=True)


def one_line(text):  # without URL queries: a presigned S3 URL's signature is a credential
    flat = " ".join(line.strip() for line in str(text).splitlines() if line.strip()).rstrip(".")
    return re.sub(r"(\w+://[^\s?]+)\?[^\s)]*", r"\1", flat)


def try_lock(handle, take=True):
    try:
        if os.name == "nt":
            import msvcrt
            handle.seek(0)
            msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK if take else msvcrt.LK_UNLCK, 1)
        else:
            import fcntl
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB if take else fcntl.LOCK_UN)
        return True
    except OSError:
        return False


@contextlib.contextmanager
def locked(path, waiting=None):
    """Between processes (the OS releases it when its holder dies); yields False at once when
    another holds it and ``waiting`` is None, else waits, saying ``waiting``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+") as handle:
        held = try_lock(handle)
        if not held and waiting:
            say(waiting)
            while not try_lock(handle):
                time.sleep(0.2)
            held = True
        try:
            yield held
        finally:
            if held:
                try_lock(handle, take=False)


def remove(path):
    if path.is_dir():
        shutil.rmtree(path)
    elif path.exists():
        path.unlink()


def import_rattler(root, need_yaml):
    from importlib import invalidate_caches, metadata, util

    site = root / "python" / ("py%d.%d" % sys.version_info[:2])
    sys.path.insert(0, str(site))

    def usable():
        invalidate_caches()
        try:
            found = tuple(int(p) for p in metadata.version("py-rattler").split(".")[:2])
        except (metadata.PackageNotFoundError, ValueError):
            return False
        return found >= (0, 28) and (not need_yaml or util.find_spec("yaml") is not None)

    if not usable():
        with locked(root / "locks" / "python.lock", "Waiting for another session installing py-rattler"):
            if not usable():
                pip_install(site, [RATTLER, "pyyaml>=6,<7"])
    invalidate_caches()
    import rattler
    return rattler


def pip_install(site, requirements):
    say(f"Installing {', '.join(requirements)} for {sys.executable} into {site}")
    site.parent.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix=".install-", dir=site.parent))
    try:
        pip = subprocess.run([sys.executable, "-m", "pip", "install", "--disable-pip-version-check", "--target",
                              str(scratch), *requirements], stderr=subprocess.PIPE, text=True)
        if pip.returncode:
            raise Failure(sys.executable, f"pip cannot install py-rattler ({one_line(pip.stderr)[-300:]})",
                          f"install {RATTLER} for it, or set {PYTHON} to a Python 3.10+ with it or pip")
        remove(site)
        scratch.rename(site)  # complete, or not there
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def channel_urls(names, condarcs):  # condarc custom_channels; rattler ignores them
    import yaml

    aliases = {}
    for path in condarcs:
        try:
            custom = (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("custom_channels") or {}
            aliases.update({str(k): f"{str(v).rstrip('/')}/{k}" for k, v in custom.items()})
        except (OSError, ValueError, AttributeError, yaml.YAMLError) as exc:
            raise Failure(path, f"not a valid condarc file ({one_line(exc)})", "fix or remove it") from None
    return [aliases.get(name, name) for name in names]


def client_for(channels):
    from rattler.networking import Client
    from rattler.networking.middleware import AuthenticationMiddleware, RetryMiddleware, S3Config, S3Middleware

    endpoint = os.environ.get("AWS_ENDPOINT_URL_S3") or os.environ.get("AWS_ENDPOINT_URL")
    region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1"
    s3 = {c[5:].split("/")[0]: S3Config(endpoint, region, "path") for c in channels if endpoint and c[:5] == "s3://"}
    return Client([RetryMiddleware(), AuthenticationMiddleware(), S3Middleware(s3)])


def match_specs(rattler, specs):
    """Each spec parsed strictly, as the solver parses a spec given as text."""
    parsed = []
    for spec in specs:
        try:
            parsed.append(rattler.MatchSpec(spec, strict=True))
        except Exception as exc:
            raise Failure("CondaPackages", f"'{spec}' is not a conda match spec ({one_line(exc)})",
                          "write specs like 'ayon-publish==1.9.0[build=pyh1a2b3c4d_2]'") from None
    return parsed


async def solve(rattler, specs, channels, priority, root, client):
    """With the cached index, then a fresh one: it may be minutes old, the job's package newer."""
    from rattler import Gateway, SourceConfig, Subdir, VirtualPackage
    from rattler.exceptions import SolverError

    for action in ("cache-or-fetch", "no-cache"):
        gateway = Gateway(cache_dir=root / "repodata", client=client, default_config=SourceConfig(cache_action=action))
        try:
            return await rattler.solve(
                [rattler.Channel(c) for c in channels], specs, gateway, [Subdir.current(), Subdir("noarch")],
                virtual_packages=VirtualPackage.detect(), channel_priority=getattr(rattler.ChannelPriority, priority))
        except SolverError as exc:
            unsolvable = exc
            say("Not solvable with the cached index; fetching the index again")
        except Exception as exc:
            raise Failure(f"CondaChannels '{' '.join(channels)}'", f"cannot be read ({one_line(exc)})",
                          "check the channels, and that the queue role can read the s3:// ones") from None
    raise Failure("CondaPackages", f"cannot be solved with the channels {' '.join(channels)} ({one_line(unsolvable)})",
                  "check the specs and CondaChannels")


async def create_or_reuse(rattler, specs, channels, priority, root):
    """envs/KEY (KEY: hash of every package's URL and sha256), installed in place (prefixes are
    not relocatable) under a lock; envs/KEY.json, written last, marks it complete and its mtime
    says when it was last used."""
    client = client_for(channels)
    start = time.monotonic()
    records = await solve(rattler, specs, channels, priority, root, client)
    say(f"Solved {len(records)} packages in {time.monotonic() - start:.1f} s:")
    for r in sorted(records, key=lambda r: r.name.normalized):
        say(f"  {r.name.normalized} {r.version} {r.build}  {r.channel}")
    ids = sorted(f"{r.url}#{r.sha256.hex() if r.sha256 else ''}" for r in records)
    key = hashlib.sha256("\n".join(["v1", *ids]).encode()).hexdigest()[:16]
    prefix, marker = root / "envs" / key, root / "envs" / f"{key}.json"
    with locked(root / "locks" / f"{key}.lock", f"Waiting for another session creating {prefix}"):
        if is_complete(marker, ids):
            os.utime(marker)
            say(f"Reusing the environment {prefix}")
            return prefix
        if prefix.exists() or marker.exists():
            say(f"Replacing the incomplete environment {prefix}")
            remove(marker)
            remove(prefix)
        say(f"Creating the environment {prefix}")
        start = time.monotonic()
        try:
            await rattler.install(records, prefix, cache_dir=root / "pkgs", client=client, show_progress=False)
        except Exception as exc:
            raise Failure(prefix, f"the install failed ({one_line(exc)})", "check the channels and the disk") from None
        scratch = marker.with_name(f"{key}.{os.getpid()}.tmp")
        scratch.write_text(json.dumps({"packages": ids, "specs": [str(s) for s in specs], "channels": channels}))
        os.replace(scratch, marker)
        say(f"Created the environment in {time.monotonic() - start:.1f} s")
    return prefix


def is_complete(marker, ids):
    try:
        return json.loads(marker.read_text(encoding="utf-8"))["packages"] == ids
    except (OSError, ValueError, KeyError, TypeError):
        return False


def activate(prefix):
    """py-rattler's bash activation (activate.d scripts run); the environment after it."""
    from rattler.shell import ActivationVariables, PathModificationBehavior, Shell, activate as activation

    active = os.environ.get("CONDA_PREFIX")  # e.g. the queue environment's, before a step's: deactivated
    current = ActivationVariables(Path(active) if active and Path(active).is_dir() else None,
                                  os.environ["PATH"].split(os.pathsep), PathModificationBehavior.Replace)
    script = activation(prefix, current, Shell.bash).script
    with tempfile.TemporaryDirectory(prefix="ayon-conda-session-") as work:
        dump, runner = Path(work) / "env.json", Path(work) / "activate.sh"
        runner.write_text(f"{script}\n{shlex.join([sys.executable, '-c', DUMP, str(dump)])}\n", encoding="utf-8")
        try:
            code = subprocess.run(["bash", str(runner)]).returncode
        except OSError as exc:
            raise Failure(prefix, f"cannot run bash to activate it ({one_line(exc)})",
                          "install bash (Git for Windows on Windows)") from None
        if not dump.is_file():
            raise Failure(prefix, f"the activation stopped (exit code {code})", "see the output above")
        if code:
            say(f"warning: an activate.d script failed (exit code {code}, see above)")
        return json.loads(dump.read_text(encoding="utf-8"))


def env_changes(before, after):
    lines = [f"openjd_env: {json.dumps(f'{k}={v}')}" for k, v in sorted(after.items())
             if k not in NOISE and before.get(k) != v]
    return lines + [f"openjd_unset_env: {k}" for k in sorted(before) if k not in after and k not in NOISE]


def cache_root(given):
    if given.strip():
        return Path(given.strip()).expanduser()
    if os.name == "nt":
        return Path(os.environ.get("LOCALAPPDATA", "~")).expanduser() / "ayon-publish" / "Cache" / "conda"
    return Path(os.environ.get("XDG_CACHE_HOME", "~/.cache")).expanduser() / "ayon-publish" / "conda"


def enter(packages, channels, priority, cache_dir):
    specs, names = packages.split(), channels.split()
    if not specs:
        return say("CondaPackages is empty: no conda environment for this session")
    if not names:
        raise Failure("CondaChannels", "is empty", "name the channels that hold CondaPackages")
    root = cache_root(cache_dir)
    condarcs = [p for p in (Path(n).expanduser() for n in [*CONDARC, os.environ.get("CONDARC", "")] if n) if p.is_file()]
    rattler = import_rattler(root, need_yaml=bool(condarcs))
    parsed, urls = match_specs(rattler, specs), channel_urls(names, condarcs) if condarcs else names
    say(f"py-rattler {rattler.__version__}, Python {sys.version.split()[0]}, cache {root}\n"
        f"Packages: {' '.join(specs)}\nChannels: {' '.join(urls)}")
    prefix = asyncio.run(create_or_reuse(rattler, parsed, urls, priority, root))
    for line in env_changes(dict(os.environ), {**activate(prefix), PYTHON: sys.executable}):
        say(line)


def leave(cache_dir, days):
    """Removes the environments unused for ``days`` days (their markers were last touched when a
    session entered them), each under its lock (one that a session is creating is skipped),
    its marker first."""
    envs, days = cache_root(cache_dir) / "envs", int(days)
    if not days or not envs.is_dir():
        return
    cutoff = time.time() - days * 86400
    for path in sorted(envs.iterdir()):
        key = path.name.split(".")[0]
        marker, prefix = envs / f"{key}.json", envs / key
        with locked(envs.parent / "locks" / f"{key}.lock") as held:
            try:
                if held and (marker if marker.exists() else path).stat().st_mtime < cutoff:
                    say(f"Removing {prefix}, unused for {days} days")
                    for item in (marker, path, prefix):
                        remove(item)
            except OSError:
                pass  # removed meanwhile


def main(argv):
    try:
        {"enter": enter, "exit": leave}[argv[0]](*argv[1:])
    except Failure as exc:
        say(f"openjd_fail: {exc}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
