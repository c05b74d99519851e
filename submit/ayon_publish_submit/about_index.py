"""The channel's about index: the metadata of its ayon-publish packages in one file.

Reading ``info/about.json`` of every package costs one range request per package: 1000 packages
took ~7 s of a reader's CPU over boto3 (README, ``bench_matrix.py``). ``ayon-conda publish``
therefore also writes ``noarch/ayon-about.json.gz`` after indexing: for each ``ayon-publish`` and
``ayon-publish-core`` package in the channel, its sha256 and its ``info/index.json`` and
``info/about.json``, so a cold reader needs one request for all of them.

The file is only a shortcut, never the truth: a reader uses an entry only when its sha256 is the
one repodata lists for that filename, and reads every other package from the package itself. A
missing, stale, partial or malformed index costs time, never a wrong answer. It is gzip (in
every Python's standard library), not zstd, so a reader without a zstd decoder can use it.
"""

from __future__ import annotations

import gzip
import json
import zlib
from collections.abc import Mapping
from typing import Any

from .package_about import PackageAbout
from .pin_scheme import CORE_PACKAGE, DEFAULT_PACKAGE

FILENAME = "ayon-about.json.gz"
#: The package names the index covers: the ones the matrix lists and resolve picks from.
NAMES = (DEFAULT_PACKAGE, CORE_PACKAGE)
FORMAT = 1
#: Every publish rewrites the file: level 1 took ~5 ms for 1000 packages (level 6: 17 ms, 30% smaller).
GZIP_LEVEL = 1

Entries = dict[str, tuple[str, PackageAbout]]  # filename -> (sha256, metadata)


def raw_entries(data: bytes | None) -> dict[str, dict[str, Any]]:
    """The entries of an about index as stored (``sha256`` and ``index``/``about``, or
    ``unreadable``: why the package's metadata could not be read); ``{}`` for none or for
    anything that is not an about index."""
    if not data:
        return {}
    try:
        document = json.loads(gzip.decompress(data))
        packages = document["packages"] if document.get("format") == FORMAT else {}
        return {str(filename): entry for filename, entry in packages.items()
                if isinstance(entry, dict) and isinstance(entry.get("sha256"), str)}
    except (OSError, EOFError, zlib.error, ValueError, TypeError, KeyError, AttributeError, RecursionError):
        return {}


def parse(data: bytes | None) -> Entries:
    """The readable entries of an about index, for readers.

    >>> data = serialize({"a-1-0.conda": entry("ab" * 32, PackageAbout({"name": "a"}, {"summary": "x"})),
    ...                   "b-1-0.conda": entry("cd" * 32, None, "has no info/about.json")})
    >>> sorted(parse(data)), parse(b"not gzip"), parse(None)
    (['a-1-0.conda'], {}, {})
    """
    found: Entries = {}
    for filename, raw in raw_entries(data).items():
        if isinstance(raw.get("index"), dict) and isinstance(raw.get("about"), dict):
            found[filename] = (raw["sha256"], PackageAbout(raw["index"], raw["about"]))
    return found


def entry(sha256: str, about: PackageAbout | None, unreadable: str = "") -> dict[str, Any]:
    """One stored entry: a package's metadata, or why it could not be read (kept so that the
    next publish does not read the same broken package again)."""
    if about is None:
        return {"sha256": sha256, "unreadable": unreadable}
    return {"sha256": sha256, "index": about.index, "about": about.about}


def serialize(entries: Mapping[str, Mapping[str, Any]]) -> bytes:
    """The about index of ``entries`` (see :func:`entry`); the same entries give the same bytes."""
    text = json.dumps({"format": FORMAT, "packages": dict(sorted(entries.items()))}, separators=(",", ":"))
    return gzip.compress(text.encode("utf-8"), compresslevel=GZIP_LEVEL, mtime=0)
