"""The native backend: stage, write ``info/``, archive; all in-process.

The packages of one lock carry the same vendored libraries: the backend unpacks the wheels for
the first package it builds and links that tree into the others (one backend instance builds
every package of a ``build``).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from ayon_conda.build.build_lock import BuildOptions, fetch_and_stage
from ayon_conda.build.conda_archive import write_conda
from ayon_conda.build.conda_metadata import write_info
from ayon_conda.build.lock_packages import Package
from ayon_conda.pin.lock import Lock


class NativeBackend:
    name = "native"

    def __init__(self) -> None:
        self._scratch = tempfile.TemporaryDirectory(prefix="ayon-conda-vendor-")
        self._vendor: tuple[Lock, Path] | None = None  # (lock, its installed vendored tree)

    def build(self, package: Package, out_path: Path, options: BuildOptions) -> None:
        vendor_from = self._vendor[1] if self._vendor and self._vendor[0] is package.lock else None
        with tempfile.TemporaryDirectory(prefix="ayon-conda-build-") as tmp:
            root = Path(tmp)
            tree, metas = fetch_and_stage(package, root / "site-packages", options, prefix=root,
                                          vendor_from=vendor_from)
            if package.vendored and vendor_from is None:
                kept = Path(self._scratch.name) / "vendor"
                shutil.rmtree(kept, ignore_errors=True)
                shutil.copytree(tree.vendor_dir, kept, copy_function=os.link)
                self._vendor = (package.lock, kept)
            write_info(root, package, metas)
            options.progress.step("Compressing")
            write_conda(root, out_path, package.pin.stem, options.epoch(package.lock), options.compression_level)
