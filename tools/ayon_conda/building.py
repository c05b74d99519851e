"""``ayon-conda build``: a lock becomes ``DIR/noarch/<name>-<version>-<build>.conda``.

The flow shared by every backend: check the output directory can be written -> fetch and verify
every source and wheel -> stage -> let the backend write the archive -> move it into place.
The archive appears in the output directory only when it is complete; any failure before that
leaves the directory as it was.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from .addon_tree import AddonMeta, addon_meta
from .cache import sha256_file
from .errors import AyonCondaError
from .lock import Lock
from .progress import Progress
from .sources import AyonServer, Sources
from .stage import StagedTree, stage
from .wheels import fetch_wheels

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

    def epoch(self, lock: Lock) -> int:
        return self.source_date_epoch if self.source_date_epoch is not None else lock.package.source_date_epoch


@dataclass(frozen=True)
class BuildResult:
    path: Path
    sha256: str
    size: int
    spec: str
    exact_spec: str

    def to_dict(self) -> dict:
        return {"path": str(self.path), "sha256": self.sha256, "size": self.size, "spec": self.spec, "exact_spec": self.exact_spec}


class Backend(Protocol):
    """Writes the archive of a lock at ``out_path`` (a temporary name in the output subdir)."""

    name: str

    def build(self, lock: Lock, out_path: Path, options: BuildOptions) -> None: ...


def fetch_and_stage(lock: Lock, site_packages: Path, options: BuildOptions) -> tuple[StagedTree, dict[str, AddonMeta]]:
    """Fetch every source and wheel of ``lock`` (checked against its sha256) and stage them."""
    progress = options.progress
    sources = Sources(progress, offline=options.offline, server=options.server, wheelhouse=options.wheelhouse, cache=options.cache)
    trees = {}
    for addon in lock.addons:
        progress.step(f"Addon {addon.name} {addon.version} ({addon.source.kind})")
        trees[addon.name] = sources.open(addon, lock)
    progress.step(f"Wheels: {len(lock.vendored)} vendored distributions")
    wheels = fetch_wheels(lock, progress, wheelhouse=options.wheelhouse, offline=options.offline, cache=options.cache)
    tree = stage(lock, trees, wheels, site_packages)
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


def build(lock: Lock, output_dir: Path, backend: Backend, options: BuildOptions) -> BuildResult:
    output_dir = Path(output_dir)
    _probe_writable(output_dir)
    pin = lock.pin
    subdir = output_dir / SUBDIR
    final = subdir / pin.filename
    created = [p for p in (output_dir, subdir) if not p.exists()]
    options.progress.step(f"Building {pin.filename} with the {backend.name} backend")
    try:
        subdir.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(prefix=f".{pin.stem}.", suffix=".partial", dir=subdir)
        os.close(fd)
    except OSError as exc:
        _remove_empty(created)
        raise AyonCondaError(output_dir, f"cannot write there ({exc.strerror})", "choose a writable --output-dir") from None
    tmp = Path(tmp_name)
    try:
        backend.build(lock, tmp, options)
        os.replace(tmp, final)
    finally:
        tmp.unlink(missing_ok=True)
        if not final.exists():
            _remove_empty(created)
    result = BuildResult(final, sha256_file(final), final.stat().st_size, pin.spec, pin.exact_spec)
    options.progress.step(f"Wrote {final} ({result.size / 1e6:.1f} MB, sha256 {result.sha256[:12]}...)")
    return result
