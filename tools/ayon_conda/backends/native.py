"""The native backend: stage, write ``info/``, archive; all in-process."""

from __future__ import annotations

import tempfile
from pathlib import Path

from ..archive import write_conda
from ..building import BuildOptions, fetch_and_stage
from ..lock import Lock
from ..metadata import write_info


class NativeBackend:
    name = "native"

    def build(self, lock: Lock, out_path: Path, options: BuildOptions) -> None:
        with tempfile.TemporaryDirectory(prefix="ayon-conda-build-") as tmp:
            root = Path(tmp)
            _, metas = fetch_and_stage(lock, root / "site-packages", options)
            write_info(root, lock, metas)
            options.progress.step("Compressing")
            write_conda(root, out_path, lock.pin.stem, options.epoch(lock))
