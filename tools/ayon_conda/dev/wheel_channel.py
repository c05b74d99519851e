"""noarch conda packages made from PyPI wheels, for a local test channel (tests and demos only).

ayon-publish-core needs ``boto3`` at run time; in real use it comes from conda-forge. Where
conda-forge cannot be reached (this project's CI, an offline demo), this makes it and its
pure-Python dependencies from their PyPI wheels with the pipeline's own parts: the resolver
(uv, :func:`ayon_conda.pin.python_deps.resolve`), the sha256-checked download cache
(:func:`ayon_conda.build.vendored_wheels.wheel_for`), pypa/installer (:func:`ayon_conda.build.stage.install_wheel`)
and the package writer (:func:`ayon_conda.build.conda_metadata.write_info_files`,
:func:`ayon_conda.build.conda_archive.write_conda`). Each package depends on python and, unversioned, on the
distributions the resolution says it needs: the channel holds exactly one resolved set. They are
not conda-forge's packages (no tests, no entry points, no recipe). Never publish them.

    python -m ayon_conda.dev.wheel_channel DIR boto3==1.35.0   # adds them to the channel DIR
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from ayon_conda.build.conda_archive import write_conda
from ayon_conda.build.conda_metadata import write_info_files
from ayon_conda.build.stage import install_wheel
from ayon_conda.build.vendored_wheels import wheel_for
from ayon_conda.pin.component_config import Config
from ayon_conda.pin.lock import Requirement
from ayon_conda.pin.python_deps import resolve
from ayon_conda.progress import SILENT, Progress

BUILD = "pypi_dev_0"
EPOCH = 315532800
ORIGIN = "dev channel"


def _config(python: str) -> Config:
    """A component config that resolves only ``requirements`` (every one must be pure Python)."""
    return Config(path=Path(ORIGIN), package_name="dev", python=python, license="", summary="", home="",
                  bake=(), addons={}, requirements=(), exclude={}, conda_names={})


def add_wheel_packages(channel: Path, requirements: Sequence[str], progress: Progress = SILENT) -> list[Path]:
    """Resolve ``requirements`` for the running Python, write one noarch package per
    distribution into ``channel/noarch`` (kept if already there) and re-index the channel."""
    from rattler.index import index_fs

    python = f"=={sys.version_info.major}.{sys.version_info.minor}.*"
    resolution = resolve([Requirement(r, ORIGIN) for r in requirements], _config(python), progress)
    noarch = Path(channel) / "noarch"
    noarch.mkdir(parents=True, exist_ok=True)
    written = []
    for dist in resolution.vendored:
        stem = f"{dist.name}-{dist.version}-{BUILD}"
        target = noarch / f"{stem}.conda"
        if not target.exists():
            wheel = wheel_for(dist, progress, wheelhouse=None, offline=False, cache=None)
            needs = sorted(d.name for d in resolution.vendored if dist.name in d.required_by)
            with tempfile.TemporaryDirectory(prefix="ayon-conda-dev-") as tmp:
                root = Path(tmp)
                install_wheel(wheel, root / "site-packages", root / "discarded")
                index = {"arch": None, "build": BUILD, "build_number": 0, "depends": ["python", *needs],
                         "license": "", "name": dist.name, "noarch": "python", "platform": None,
                         "subdir": "noarch", "timestamp": EPOCH * 1000, "version": dist.version}
                link = {"noarch": {"type": "python"}, "package_metadata_version": 1}
                about = {"summary": f"{dist.file} from PyPI, repackaged for tests (never publish)"}
                _remove(root / "discarded")
                write_info_files(root, index, link, about)
                write_conda(root, target, stem, EPOCH, level=3)
        written.append(target)
    asyncio.run(index_fs(Path(channel), write_zst=False, write_shards=False, force=True))
    return written


def _remove(path: Path) -> None:
    import shutil

    shutil.rmtree(path, ignore_errors=True)


if __name__ == "__main__":
    if len(sys.argv) < 3:
        sys.exit("usage: python -m ayon_conda.dev.wheel_channel DIR REQUIREMENT...")
    for path in add_wheel_packages(Path(sys.argv[1]), sys.argv[2:], Progress()):
        print(path)
