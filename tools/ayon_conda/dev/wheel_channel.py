"""Conda packages made from PyPI wheels for the running interpreter (local channels only).

ayon-publish's run requirements (pillow, opentimelineio, opencolorio, ..., and boto3 for
ayon-publish-core) come from conda-forge in real use. Where conda-forge cannot be reached (this
project's CI, an offline demo, ``ayon-conda local-channel``), this makes them and their
dependencies from PyPI wheels with the pipeline's own parts: the resolver (uv, through
:func:`ayon_conda.pin.python_deps.run_uv_lock`, for this interpreter's platform and Python
minor), the sha256-checked download cache (:func:`ayon_conda.build.vendored_wheels.wheel_for`),
pypa/installer (:func:`ayon_conda.build.vendor_tree.install_wheel`) and the package writer
(:func:`ayon_conda.build.conda_metadata.write_info_files`,
:func:`ayon_conda.build.conda_archive.write_conda`).

:func:`conda_from_wheel` is the one wheel -> conda conversion. A pure-Python wheel
(``none-any``) becomes a ``noarch: python`` package (files under ``site-packages/``, which the
installer moves); a wheel with compiled code becomes a package of this machine's subdir
(``linux-64``, ...) with its files under ``lib/pythonX.Y/site-packages`` and a run requirement on
``python X.Y.*``. Each package depends, with exact versions, on the distributions the resolution
says it needs (markers evaluated for this interpreter, extras merged in), so a solve of any one
of them brings what it imports. Wheels' console scripts and data files are not shipped. These
are not conda-forge's packages (no tests, no entry points, no recipe): never publish them.
"""

from __future__ import annotations

import asyncio
import platform
import shutil
import sys
import sysconfig
import tempfile
from collections import deque
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from packaging.markers import Marker, default_environment
from packaging.tags import sys_tags
from packaging.utils import parse_wheel_filename

from ayon_conda.build.conda_archive import write_conda
from ayon_conda.build.conda_metadata import write_info_files
from ayon_conda.build.vendor_tree import install_wheel
from ayon_conda.build.vendored_wheels import wheel_for
from ayon_conda.dev.python_channel import current_subdir
from ayon_conda.errors import AyonCondaError
from ayon_conda.pin.component_config import Config, normalize_name
from ayon_conda.pin.lock import Requirement, VendoredDist
from ayon_conda.pin.python_deps import ROOT, run_uv_lock
from ayon_conda.progress import SILENT, Progress

BUILD = "pypi_dev_0"
EPOCH = 315532800
ORIGIN = "local channel"


@dataclass(frozen=True)
class WheelDist:
    """One distribution of a resolution for this interpreter: its wheel and what it needs."""

    dist: VendoredDist  # name, version and the wheel chosen for this interpreter
    needs: tuple[str, ...]  # normalized names of the distributions it depends on here


def is_pure(wheel_name: str) -> bool:
    """Whether a wheel file name says pure Python (every tag ``none-any``)."""
    _, _, _, tags = parse_wheel_filename(wheel_name)
    return all(t.abi == "none" and t.platform == "any" for t in tags)


def _python_minor() -> str:
    return f"{sys.version_info.major}.{sys.version_info.minor}"


def _site_packages() -> str:
    """Prefix-relative site-packages of a conda environment of this interpreter's Python."""
    return "Lib/site-packages" if sys.platform == "win32" else f"lib/python{_python_minor()}/site-packages"


def conda_from_wheel(wheel: Path, channel: Path, name: str, version: str, depends: Sequence[str]) -> Path:
    """Write ``wheel`` as a conda package into ``channel/<subdir>/`` (kept if already there).

    Pure wheels become ``noarch: python`` packages; compiled ones a package of this machine's
    subdir for this interpreter's Python minor. ``name`` is the conda name, ``depends`` the run
    requirements besides python. Returns the package's path.
    """
    pure = is_pure(wheel.name)
    subdir = "noarch" if pure else current_subdir()
    build = BUILD if pure else f"py{_python_minor().replace('.', '')}_{BUILD}"
    stem = f"{name}-{version}-{build}"
    target = Path(channel) / subdir / f"{stem}.conda"
    if target.exists():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    python = "python" if pure else f"python {_python_minor()}.*"
    index: dict[str, Any] = {"build": build, "build_number": 0, "depends": [python, *depends], "license": "",
                             "name": name, "subdir": subdir, "timestamp": EPOCH * 1000, "version": version}
    if pure:
        index.update(arch=None, noarch="python", platform=None)
    else:
        index.update(arch=platform.machine(), platform=sys.platform)
    link = {"noarch": {"type": "python"}, "package_metadata_version": 1} if pure else None
    about = {"summary": f"{wheel.name} from PyPI, repackaged for a local channel (never publish)"}
    with tempfile.TemporaryDirectory(prefix="ayon-conda-dev-") as tmp:
        root = Path(tmp)
        install_wheel(wheel, root / ("site-packages" if pure else _site_packages()), root / "discarded")
        shutil.rmtree(root / "discarded", ignore_errors=True)
        write_info_files(root, index, link, about)
        write_conda(root, target, stem, EPOCH, level=3)
    return target


def _interpreter_config() -> Config:
    """A component config that resolves for this interpreter's Python minor only."""
    return Config(path=Path(ORIGIN), package_name="local", python=f"=={_python_minor()}.*", license="", summary="",
                  home="", bake=(), addons={}, requirements=(), exclude={}, conda_names={})


def _best_wheel(package: Mapping[str, Any]) -> Mapping[str, Any]:
    """The wheel of a uv.lock package that this interpreter would install (pip's tag order)."""
    rank = {tag: i for i, tag in enumerate(sys_tags())}
    best, best_rank = None, len(rank)
    for wheel in package.get("wheels", []):
        _, _, _, tags = parse_wheel_filename(wheel["url"].rsplit("/", 1)[-1])
        score = min((rank[t] for t in tags if t in rank), default=len(rank))
        if score < best_rank:
            best, best_rank = wheel, score
    if best is None:
        raise AyonCondaError(
            f"{package['name']} {package['version']}",
            f"has no wheel for this interpreter (Python {sys.version.split()[0]}, {sysconfig.get_platform()})",
            "run this with a Python the distribution publishes wheels for",
        )
    return best


def interpreter_closure(uv_lock: Mapping[str, Any]) -> list[WheelDist]:
    """Every distribution a uv.lock installs for this interpreter, with its wheel and needs.

    Dependency markers are evaluated for this interpreter; the dependencies of a requested
    extra are merged into the needs of the distribution that offers it.
    """
    packages: dict[str, Mapping[str, Any]] = {}
    for package in uv_lock.get("package", []):
        name = normalize_name(package["name"])
        if name in packages:
            raise AyonCondaError(name, "resolves to several versions for this interpreter",
                                 "pin one version with a requirement")
        packages[name] = package
    environment: dict[str, str] = {**default_environment(), "extra": ""}

    def edges(name: str, extras: Iterable[str]) -> Iterable[tuple[str, tuple[str, ...]]]:
        package = packages[name]
        deps = list(package.get("dependencies", []))
        for extra in extras:
            deps += package.get("optional-dependencies", {}).get(extra, [])
        for dep in deps:
            if "marker" not in dep or Marker(dep["marker"]).evaluate(environment):
                yield normalize_name(dep["name"]), tuple(dep.get("extra", ()))

    root = normalize_name(ROOT)
    needs: dict[str, set[str]] = {root: set()}
    seen: set[tuple[str, tuple[str, ...]]] = {(root, ())}
    queue: deque[tuple[str, tuple[str, ...]]] = deque(seen)
    while queue:
        name, extras = queue.popleft()
        for dep, dep_extras in edges(name, extras):
            needs[name].add(dep)
            needs.setdefault(dep, set())
            if (dep, dep_extras) not in seen:
                seen.add((dep, dep_extras))
                queue.append((dep, dep_extras))
    out = []
    for name in sorted(needs.keys() - {root}):
        package = packages[name]
        wheel = _best_wheel(package)
        dist = VendoredDist(name=name, version=str(package["version"]), file=wheel["url"].rsplit("/", 1)[-1],
                            url=wheel["url"], sha256=wheel["hash"].removeprefix("sha256:"))
        out.append(WheelDist(dist, tuple(sorted(needs[name] - {name}))))
    return out


def add_wheel_packages(channel: Path, requirements: Sequence[str], progress: Progress = SILENT, *,
                       conda_names: Mapping[str, str] | None = None) -> list[Path]:
    """Resolve ``requirements`` (PEP 508) for this interpreter, write one conda package per
    distribution into ``channel`` (kept if already there) and index the channel.

    ``conda_names`` maps normalized PyPI names to conda names (default: the PyPI name).
    """
    from rattler.index import index_fs

    names = dict(conda_names or {})
    uv_lock = run_uv_lock([Requirement(r, ORIGIN) for r in requirements], _interpreter_config(), progress,
                          exclude_newer=None, offline=False, platforms=(sys.platform,))
    closure = interpreter_closure(uv_lock)
    versions = {w.dist.name: w.dist.version for w in closure}
    written = []
    for item in closure:
        wheel = wheel_for(item.dist, progress, wheelhouse=None, offline=False, cache=None)
        depends = [f"{names.get(n, n)} =={versions[n]}" for n in item.needs]
        written.append(conda_from_wheel(wheel, Path(channel), names.get(item.dist.name, item.dist.name),
                                        item.dist.version, depends))
    progress.step(f"Indexing {channel}")
    (Path(channel) / "noarch").mkdir(parents=True, exist_ok=True)  # every channel has one
    asyncio.run(index_fs(Path(channel), write_zst=False, write_shards=False, force=True))
    return written

