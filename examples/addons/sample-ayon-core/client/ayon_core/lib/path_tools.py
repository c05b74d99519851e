"""File identity for published files, SAMPLE core addon (not AYON code).

``source_hash`` has the shape of ayon-core's: ``<name with dots as commas>|<mtime>|<size>``.
"""
from __future__ import annotations

import os


def source_hash(filepath: str) -> str:
    """Cheap identity of a file: its name, modification time and size."""
    stat = os.stat(filepath)
    name = os.path.basename(filepath).replace(".", ",")
    mtime = str(stat.st_mtime).replace(".", ",")
    return f"{name}|{mtime}|{stat.st_size}"
