"""``ayon-conda build``: a lock becomes ``DIR/noarch/<name>-<version>-<build>.conda``, once per
package of the lock (``ayon-publish`` and ``ayon-publish-core``, see :mod:`ayon_conda.build.lock_packages`).

The flow shared by every backend: check the output directory can be written -> for each package:
fetch and verify every source and wheel -> stage -> let the backend write the archive under a
temporary name -> move all archives into place. They appear in the output directory only when
every one is complete; any failure before that leaves the directory as it was.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from ayon_conda.build.conda_archive import ZSTD_LEVEL
from ayon_conda.build.lock_packages import Package, packages
from ayon_conda.build.stage import StagedTree, inside, stage
from ayon_conda.build.vendor_tree import vendor_tree
from ayon_conda.cache import sha256_file
from ayon_conda.errors import AyonCondaError
from ayon_conda.pin.addon_sources import AyonServer, Sources
from ayon_conda.pin.addon_tree import AddonMeta, addon_meta
from ayon_conda.pin.headless import check_requirements
from ayon_conda.pin.lock import Lock
from ayon_conda.progress import Progress

SUBDIR = "noarch"


@dataclass(frozen=True)
class BuildOptions:
    progress: Progress = field(default_factory=Progress)
    offline: bool = False
    wheelhouse: Path | None = None
    server: AyonServer | None = None
    cache: Path | None = None
    source_date_epoch: int | None = None  # overrides the lock's (SOURCE_DATE_EPOCH)
    channels: tuple[str, ...] = ("conda-forge",)  # rattler-build/conda-build: build and test environments
    compression_level: int = ZSTD_LEVEL  # native backend: zstd level of the .conda (part of its bytes)

    def epoch(self, lock: Lock) -> int:
        return self.source_date_epoch if self.source_date_epoch is not None else lock.package.source_date_epoch


@dataclass(frozen=True)
class BuildResult:
    name: str
    path: Path
    sha256: str
    size: int
    spec: str
    exact_spec: str

    def to_dict(self) -> dict:
        return {"name": self.name, "path": str(self.path), "sha256": self.sha256, "size": self.size,
                "spec": self.spec, "exact_spec": self.exact_spec}


class Backend(Protocol):
    """Writes the archive of one package at ``out_path`` (a temporary name in the output subdir);
    ``package.lock`` is the lock it is built from."""

    name: str

    def build(self, package: Package, out_path: Path, options: BuildOptions) -> None: ...


def fetch_and_stage(
    package: Package, site_packages: Path, options: BuildOptions, prefix: Path | None = None, *,
    sources: Sources | None = None, link: bool = False,
) -> tuple[StagedTree, dict[str, AddonMeta]]:
    """Fetch every source and wheel of ``package`` (checked against its sha256) and stage them.

    ``sources``: one for every package of a build, so each source is opened (and checked) once;
    ``link``: see :func:`ayon_conda.build.stage.stage`.
    """
    progress, lock = options.progress, package.lock
    # a Qt binding named in the lock is refused before anything is fetched or unpacked
    check_requirements(str(lock.path), [d.name for d in lock.vendored], [r.conda_name for r in lock.conda_requirements])
    if sources is None:
        sources = Sources(progress, offline=options.offline, server=options.server, wheelhouse=options.wheelhouse,
                          cache=options.cache)
    trees = {}
    for addon in package.addons:
        progress.step(f"Addon {addon.name} {addon.version} ({addon.source.kind})")
        trees[addon.name] = sources.open(addon)
    with tempfile.TemporaryDirectory(prefix="ayon-conda-vendor-") as scratch:
        vendor = vendor_tree(lock, progress, Path(scratch), wheelhouse=options.wheelhouse, offline=options.offline,
                             cache=options.cache) if package.vendored else None
        tree = stage(package, trees, vendor, site_packages, prefix, link=link)
    return tree, {name: addon_meta(path) for name, path in trees.items()}


def _probe_writable(output_dir: Path) -> None:
    """Fail before any work when the output directory cannot take a file."""
    existing = output_dir
    while not existing.exists():
        existing = existing.parent
    if not existing.is_dir():
        raise AyonCondaError(output_dir, f"{existing} is not a directory", "choose another --output-dir")
    try:
        with tempfile.TemporaryFile(dir=existing):
            pass
    except OSError as exc:
        raise AyonCondaError(output_dir, f"cannot write there ({exc.strerror})", "choose a writable --output-dir") from None


def _remove_empty(dirs: list[Path]) -> None:
    for path in reversed(dirs):
        if path.is_dir() and not any(path.iterdir()):
            path.rmdir()


def build(lock: Lock, output_dir: Path, backend: Backend, options: BuildOptions) -> list[BuildResult]:
    """Build every package of ``lock`` into ``output_dir/noarch/``; one result per package."""
    output_dir = Path(output_dir)
    _probe_writable(output_dir)
    subdir = output_dir / SUBDIR
    created = [p for p in (output_dir, subdir) if not p.exists()]
    built: list[tuple[Package, Path]] = []
    done = False
    try:
        for package in packages(lock):
            options.progress.step(f"Building {package.pin.filename} with the {backend.name} backend")
            inside(subdir, package.pin.filename, origin=str(lock.path or "lock"))
            try:
                subdir.mkdir(parents=True, exist_ok=True)
                fd, tmp_name = tempfile.mkstemp(prefix=f".{package.pin.stem}.", suffix=".partial", dir=subdir)
                os.close(fd)
            except OSError as exc:
                raise AyonCondaError(output_dir, f"cannot write there ({exc.strerror})", "choose a writable --output-dir") from None
            built.append((package, Path(tmp_name)))
            backend.build(package, Path(tmp_name), options)
        for package, tmp in built:
            os.replace(tmp, subdir / package.pin.filename)
        done = True
    finally:
        for _, tmp in built:
            tmp.unlink(missing_ok=True)
        if not done:
            _remove_empty(created)
    results = []
    for package, _ in built:
        pin, final = package.pin, subdir / package.pin.filename
        result = BuildResult(pin.name, final, sha256_file(final), final.stat().st_size, pin.spec, pin.exact_spec)
        options.progress.step(f"Wrote {final} ({result.size / 1e6:.1f} MB, sha256 {result.sha256[:12]}...)")
        results.append(result)
    return results
