"""The native backend: stage, write ``info/``, archive; all in-process."""

from __future__ import annotations

import tempfile
from pathlib import Path

from ..archive import write_conda
from ..building import BuildOptions, fetch_and_stage
from ..metadata import write_info
from ..packages import Package


class NativeBackend:
    name = "native"

    def build(self, package: Package, out_path: Path, options: BuildOptions) -> None:
        with tempfile.TemporaryDirectory(prefix="ayon-conda-build-") as tmp:
            root = Path(tmp)
            _, metas = fetch_and_stage(package, root / "site-packages", options, prefix=root)
            write_info(root, package, metas)
            options.progress.step("Compressing")
            write_conda(root, out_path, package.pin.stem, options.epoch(package.lock))
