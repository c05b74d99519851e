"""Small valid conda packages for tests and benchmarks (channels with many packages).

Each holds one text file and the ``info/`` files an indexer and an installer need. Not for
publishing anywhere real.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Sequence
from pathlib import Path

from ayon_conda.build.conda_archive import payload_files, write_conda
from ayon_conda.build.conda_metadata import paths_json

EPOCH = 315532800


def make_package(directory: Path, name: str, version: str = "1.0", build_number: int = 0, *,
                 subdir: str = "noarch", depends: Sequence[str] = (), payload: str = "") -> Path:
    """Write ``directory/<name>-<version>-<build>.conda``; returns its path.

    The build string is ``h0_<n>`` (``0`` for noarch: generic); ``payload`` changes the bytes
    without changing the name, for "different file under a published name" cases.
    """
    build = f"h0_{build_number}"
    stem = f"{name}-{version}-{build}"
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="tiny-package-") as tmp:
        root = Path(tmp)
        share = root / "share" / name
        share.mkdir(parents=True)
        (share / "README").write_text(f"{stem}\n{payload}", encoding="utf-8")
        files = payload_files(root)
        info = root / "info"
        info.mkdir()
        index = {"name": name, "version": version, "build": build, "build_number": build_number,
                 "depends": list(depends), "license": "MIT", "subdir": subdir, "timestamp": EPOCH * 1000}
        if subdir == "noarch":
            index["noarch"] = "generic"
        (info / "index.json").write_text(json.dumps(index, indent=2, sort_keys=True))
        (info / "paths.json").write_text(json.dumps(paths_json(root, files), indent=2, sort_keys=True))
        (info / "files").write_text("".join(f"{f}\n" for f in files))
        return write_conda(root, directory / f"{stem}.conda", stem, EPOCH, level=1)
