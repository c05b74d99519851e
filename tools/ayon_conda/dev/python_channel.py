"""A local conda channel whose ``python`` is the running interpreter (demos and tests only).

A noarch package needs a ``python`` package in the environment to install; in real use it
comes from conda-forge. Where conda-forge cannot be reached (this project's CI, an offline
demo), this makes one from the running interpreter, venv-shaped: ``bin/python`` is a copy of
the base interpreter and ``pyvenv.cfg`` at the prefix root points at its home, so the
standard library comes from the interpreter's own installation. It works only on the machine
that made it. Never publish it. ``ayon-conda local-channel DIR`` makes one.
"""

from __future__ import annotations

import asyncio
import json
import platform
import shutil
import sys
import sysconfig
import tempfile
from pathlib import Path

from ayon_conda.build.conda_archive import payload_files, write_conda
from ayon_conda.build.conda_metadata import paths_json
from ayon_conda.reproducible_zip import ZIP_EPOCH_MIN

BUILD = "local_interpreter_0"


def current_subdir() -> str:
    """The conda subdir of this machine (``linux-64``, ``win-64``, ...)."""
    from rattler import Subdir

    return str(Subdir.current())


def _base_executable() -> Path:
    return Path(getattr(sys, "_base_executable", sys.executable)).resolve()


def _stage(root: Path) -> None:
    base = _base_executable()
    version = platform.python_version()
    short = sysconfig.get_python_version()
    bindir = root / "bin"
    bindir.mkdir(parents=True)
    for name in ("python", "python3", f"python{short}"):
        shutil.copy2(base, bindir / name)
    (root / "pyvenv.cfg").write_text(
        f"home = {base.parent}\ninclude-system-site-packages = false\nversion = {version}\n", encoding="utf-8"
    )
    site = root / "lib" / f"python{short}" / "site-packages"
    site.mkdir(parents=True)
    (site / "README.local-interpreter").write_text("python made from a local interpreter by ayon_conda.dev\n")
    files = payload_files(root)
    info = root / "info"
    info.mkdir()
    index = {
        "arch": platform.machine(),
        "build": BUILD,
        "build_number": 0,
        "depends": [],
        "license": "PSF-2.0",
        "name": "python",
        "platform": sys.platform,
        "subdir": current_subdir(),
        "timestamp": ZIP_EPOCH_MIN * 1000,
        "version": version,
    }
    (info / "index.json").write_text(json.dumps(index, indent=2, sort_keys=True))
    (info / "paths.json").write_text(json.dumps(paths_json(root, files), indent=2, sort_keys=True))
    (info / "files").write_text("".join(f"{f}\n" for f in files))
    (info / "about.json").write_text(json.dumps({"summary": f"local interpreter {base} (tests only)"}))


def make_python_channel(channel: Path) -> str:
    """Create (or reuse) ``channel`` holding the running interpreter; returns its URL."""
    from rattler.index import index_fs

    channel = Path(channel).resolve()
    subdir = channel / current_subdir()
    stem = f"python-{platform.python_version()}-{BUILD}"
    target = subdir / f"{stem}.conda"
    if not target.exists():
        subdir.mkdir(parents=True, exist_ok=True)
        (channel / "noarch").mkdir(exist_ok=True)
        with tempfile.TemporaryDirectory() as tmp:
            _stage(Path(tmp))
            write_conda(Path(tmp), target, stem, ZIP_EPOCH_MIN, level=3)
        asyncio.run(index_fs(channel, write_zst=False, write_shards=False, force=True))
    return channel.as_uri()

