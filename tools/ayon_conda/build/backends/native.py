"""The native backend: stage, write ``info/``, archive; all in-process.

Staging links rather than copies: the vendored libraries from their unpacked tree in the cache
(:mod:`ayon_conda.build.vendor_tree`), the addons from their checked source trees; nothing writes
to the staged tree before it is archived. One backend instance builds every package of a
``build``: it opens (and checks) each source once, and reads each file the packages share once.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from ayon_conda.build.build_lock import BuildOptions, fetch_and_stage
from ayon_conda.build.conda_archive import TarMemo, payload_files, tar_files, write_conda
from ayon_conda.build.conda_metadata import write_info
from ayon_conda.build.lock_packages import Package
from ayon_conda.pin.addon_sources import Sources
from ayon_conda.pin.lock import Lock


class NativeBackend:
    name = "native"

    def __init__(self) -> None:
        self._sources: tuple[Lock, Sources] | None = None  # one per lock: each source is checked once
        self._tarred: TarMemo = {}  # members of the files the packages share, read once

    def _sources_for(self, lock: Lock, options: BuildOptions) -> Sources:
        if self._sources is None or self._sources[0] is not lock:  # another lock: start afresh
            self._sources = (lock, Sources(options.progress, offline=options.offline, server=options.server,
                                           wheelhouse=options.wheelhouse, cache=options.cache))
            self._tarred.clear()
        return self._sources[1]

    def build(self, package: Package, out_path: Path, options: BuildOptions) -> None:
        with tempfile.TemporaryDirectory(prefix="ayon-conda-build-") as tmp:
            root = Path(tmp)
            # linked: the staged tree is only read, then archived and removed
            tree, metas = fetch_and_stage(package, root / "site-packages", options, prefix=root,
                                          sources=self._sources_for(package.lock, options), link=True)
            epoch = options.epoch(package.lock)
            payload = tar_files(root, payload_files(root), epoch, self._tarred)  # read once: tar and paths.json
            write_info(root, package, metas, payload.digests)
            options.progress.step("Compressing")
            write_conda(root, out_path, package.pin.stem, epoch, options.compression_level, payload)
