"""The ``ayon`` entry point of the ayon-publish conda package.

It does what the AYON launcher would do before ayon-core runs, and nothing more:

* puts the package's private ``vendor`` directory (ayon-python-api, pyblish-base and the other
  pure-Python libraries, pinned by the lock) at the front of ``sys.path``, so that other conda
  packages in the environment can neither clash with nor replace them;
* puts the baked ayon-core on ``sys.path`` and sets defaults for what ayon-core reads from the
  launcher, without overriding anything already set: ``AYON_ADDONS_DIR`` (the baked addons, in
  AYON's ``{name}_{version}`` layout), ``AYON_ROOT`` (a launcher-shaped directory in the package
  whose ``version.py`` holds the bundle's launcher version, which ayon-core reads),
  ``AYON_HEADLESS_MODE=1``, ``AYON_SITE_ID`` (stable per host), ``AYON_EXECUTABLE`` (this
  command, for subprocesses), ``AYON_BUNDLE_NAME`` and ``AYON_VERSION`` (the bundle the package
  was built from, and its launcher version);
* checks, with one short request, that the AYON server is set, answers, accepts the key and has
  the bundle with the addon versions the package bakes (:mod:`ayon_publish.preflight`): ayon-core
  connects before it parses its arguments, and would end in a traceback instead of a line;
* runs ayon-core's CLI: ``ayon publish PATH --targets farm``,
  ``ayon addon deadline_cloud publish ...``.

In ``ayon-publish-core`` the activation scripts may have synced the bundle's other addons from S3
(:mod:`ayon_publish.addon_sync`) and set ``AYON_ADDONS_DIR`` to that cache, which is then kept,
and ``AYON_ADDONS_PYTHONPATH`` to their dependencies, which go on ``sys.path`` after the
package's own (``ayon`` and the subprocesses it starts as ``AYON_EXECUTABLE`` see them; the
environment's other programs do not).
ayon-core itself always comes from the package: its version is the package's version (the pin),
the sync refuses a bundle that names another core, and ayon-core never loads the ``core`` entry
of ``AYON_ADDONS_DIR`` as an addon. If that sync failed, ``AYON_ADDONS_SYNC_ERROR`` holds its
one-line reason and ``ayon`` refuses to run with it (only ``--version`` still answers), so a job
fails clearly even where the activation's own failure was ignored; it refuses too when the sync
is configured but the activation never ran it (:func:`sync_refusal`).

Three options are its own and need no server: ``ayon --version`` prints what the package holds,
``ayon --self-check`` imports the publish code paths and every publish plugin with every Qt
binding blocked (:mod:`ayon_publish.self_check`), and ``ayon --help`` explains these and the exit
codes.
Python 3.9 compatible: it runs on whatever python the worker's environment has.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import socket
import sys
from pathlib import Path
from typing import Any, Mapping, MutableMapping, Sequence

from ayon_publish import preflight, self_check

HERE = Path(__file__).resolve().parent
VENDOR_DIR = HERE / "vendor"
ADDONS_DIR = HERE / "addons"
BUILD_INFO = HERE / "build_info.json"

LAUNCHER_DIR = HERE / "launcher"
#: Set by ayon-publish-core's activation when the addon sync failed (ayon_publish.addon_sync).
SYNC_ERROR_VAR = "AYON_ADDONS_SYNC_ERROR"
#: Set by the same activation: the synced addons' dependency directories, for this process's sys.path only.
SYNC_PYTHONPATH_VAR = "AYON_ADDONS_PYTHONPATH"
SELF_CHECK_FAILED = 2


def build_info() -> dict[str, Any]:
    """What the package was built from (written by the build's staging step)."""
    return json.loads(BUILD_INFO.read_text(encoding="utf-8"))


def stable_site_id(hostname: str | None = None) -> str:
    """A site id that stays the same on one host across sessions (the launcher keeps one
    in its user data; farm workers have none)."""
    host = hostname or socket.gethostname()
    return "ayon-publish-" + hashlib.sha256(host.encode("utf-8")).hexdigest()[:12]


def setup(environ: MutableMapping[str, str] | None = None) -> dict[str, Any]:
    """Prepare ``sys.path`` and the environment for ayon-core; returns the build info."""
    env = os.environ if environ is None else environ
    info = build_info()
    core_dir = ADDONS_DIR / info["addons"]["core"]["dir"]
    synced = [p for p in env.get(SYNC_PYTHONPATH_VAR, "").split(os.pathsep) if p]
    for path in (*reversed(synced), str(core_dir), str(VENDOR_DIR)):  # the package's own first
        if path in sys.path:
            sys.path.remove(path)
        sys.path.insert(0, path)
    env.setdefault("AYON_ADDONS_DIR", str(ADDONS_DIR))
    env.setdefault("AYON_ROOT", str(LAUNCHER_DIR))
    env.setdefault("AYON_HEADLESS_MODE", "1")
    env.setdefault("AYON_SITE_ID", stable_site_id())
    env.setdefault("AYON_BUNDLE_NAME", info["bundle"]["name"])
    env.setdefault("AYON_VERSION", info["launcher"]["version"])
    if sys.argv and sys.argv[0]:
        env.setdefault("AYON_EXECUTABLE", os.path.abspath(sys.argv[0]))
    return info


def sync_refusal(environ: Mapping[str, str]) -> str | None:
    """Why ``ayon`` must not run: the activation's addon sync failed, or, in ayon-publish-core, it
    is configured but never ran (it always records what it set in ``AYON_ADDONS_SYNC_ACTIVE``)."""
    if environ.get(SYNC_ERROR_VAR):
        return f"the addon sync failed when the environment was activated: {environ[SYNC_ERROR_VAR]}"
    try:
        from ayon_publish import addon_sync, shell_env  # ayon-publish-core only
    except ImportError:
        return None
    if addon_sync.is_configured(environ) and SYNC_ERROR_VAR not in environ.get(shell_env.ACTIVE, "").split(","):
        return ("the addon sync is configured but did not run; activate the environment with its "
                "etc/conda/activate.d scripts (conda, pixi or rattler activation) before running ayon")
    return None


def missing_addon_hint(environ: Mapping[str, str], name: str) -> str:
    """What to do when the job's command needs addon ``name`` and AYON_ADDONS_DIR does not hold it."""
    try:
        from ayon_publish import addon_sync  # ayon-publish-core only
    except ImportError:
        return (f"this package does not bake {name}: pin its bundle with 'ayon-conda pin --addon {name}', or run "
                "ayon-publish-core with the addon sync")
    if not addon_sync.is_configured(environ):
        return (f"the addon sync is not configured: set {addon_sync.URI_VAR} to where 'ayon-conda addons upload' put "
                f"the bundle's addons (the publish step's environment, add_publish_step_environment(addons_s3_uri=...)), "
                f"or to '{addon_sync.JOB_ATTACHMENTS}' with worker agents 0.29.1 or later")
    return (f"the synced bundle '{environ.get(addon_sync.BUNDLE_VAR, '')}' does not hold it: upload the bundle with "
            f"'ayon-conda addons upload' without --exclude {name}, or set {addon_sync.BUNDLE_VAR} to the job's bundle")


def version_text(info: dict[str, Any]) -> str:
    pkg = info["package"]
    lines = [f"{pkg['name']} {pkg['version']} {pkg['build']}", f"bundle {info['bundle']['name']}"]
    lines += [f"addon {name} {addon['version']}" for name, addon in sorted(info["addons"].items())]
    lines += [f"python-lib {name} {version}" for name, version in sorted(info["vendored"].items())]
    lines.append(f"python {platform.python_version()}")
    return "\n".join(lines)


HELP = """\
usage: ayon [--version | --self-check | --help] | ayon COMMAND [ARGS]...

The ayon command of the ayon-publish conda package: AYON's CLI (ayon-core) with what the AYON
launcher would set, for a publish on a farm worker.

  ayon --version      what the package holds: package, bundle, addons, libraries, python
  ayon --self-check   the publish code and every publish plugin import with Qt blocked
  ayon --help         this text (these three need no AYON server)

  ayon publish PATH --targets farm                 ayon-core's commands: need AYON_SERVER_URL
  ayon addon deadline_cloud publish ... PATH       and AYON_API_KEY, and the server must know
  ayon COMMAND --help                              the bundle (AYON_BUNDLE_NAME, default: the
                                                   bundle the package was built for)

Exit codes: 0 success; 1 ayon-core failed (its own message above); 69 the AYON server cannot be
reached; 77 the server refused AYON_API_KEY; 78 configuration: a variable is not set, the bundle
is not on the server or names other addon versions than the package bakes, the addon sync
failed, or the addon of `ayon addon NAME` is not in the bundle or not in AYON_ADDONS_DIR;
2 the self-check failed.
"""


def _refuse(code: int, line: str) -> int:
    print(f"error: {line}", file=sys.stderr)
    return code


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    info = setup()
    if args in (["--version"], ["-V"]):
        print(version_text(info))
        return 0
    if args in ([], ["--help"], ["-h"]):
        print(HELP, end="")
        return 0
    refusal = sync_refusal(os.environ)
    if refusal:
        return _refuse(preflight.EX_CONFIG, refusal)
    if args == ["--self-check"]:
        failed = 0
        for status, text in self_check.run(ADDONS_DIR, info["addons"]):
            stream = sys.stderr if status == "FAILED" else sys.stdout
            print(f"{status} {text}", file=stream)
            failed += status == "FAILED"
        return SELF_CHECK_FAILED if failed else 0
    baked = {name: addon["version"] for name, addon in info["addons"].items()}
    try:
        command_addon = args[1] if len(args) > 1 and args[0] == "addon" else None
        preflight.check(os.environ, baked, command_addon=command_addon,
                        missing_hint=missing_addon_hint(os.environ, command_addon) if command_addon else "")
    except preflight.PreflightError as exc:
        return _refuse(exc.code, exc.line)
    from ayon_core.cli import main as ayon_main

    sys.argv = [sys.argv[0] if sys.argv else "ayon", *args]
    return ayon_main() or 0


if __name__ == "__main__":
    sys.exit(main())
