"""Indexing with py-rattler, kept working when a channel already holds a file it cannot read.

py-rattler's ``index_fs`` and ``index_s3`` read every package file the subdir's current
``repodata.json`` does not list yet. One file they cannot read (a malformed or symlinked
``info/run_exports.json`` or ``info/index.json``, a truncated archive) fails the whole subdir with
a message that does not name it, so every later publish into that channel fails the same way;
and a file with two ``info/index.json`` members is indexed as the *last* one (py-rattler 0.28,
tests/channel/test_indexer.py). Publishers cannot delete (channels are append-only, and their
IAM policies forbid it), so such a file stays.

So before the indexer runs, every file the index does not list yet is read whole, as
:mod:`ayon_conda.package_file` checks packages for publishing. A file that fails is
*quarantined in the index's eyes*: an entry under its file name is added to ``repodata.json``
before the indexer reads that, so the indexer counts it as known and never opens the file, and
the entry keeps the file out of every solve: its package name is :data:`QUARANTINED` (never a
name a client asks for) and it depends on :data:`UNINSTALLABLE`, which no channel provides. The
indexer carries the entry into ``repodata.json.zst`` and the shards like any other. Each publish
names the quarantined files in a warning; ``ayon-conda check CHANNEL`` says what is wrong with each.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ayon_conda.cache import sha256_file
from ayon_conda.errors import AyonCondaError
from ayon_conda.package_file import PackageDefect, check_package_file
from ayon_conda.progress import Progress

FIX_INDEX = "the packages are in place: run the same command again to finish the index"
QUARANTINED = "ayon-conda-quarantined"
UNINSTALLABLE = "ayon-conda-quarantined-file-cannot-be-installed"
RECORD_KEYS = ("packages", "packages.conda")


def _one_line(text: object) -> str:
    return " ".join(line.strip() for line in str(text).splitlines() if line.strip())


def index_error(exc: BaseException, url: str) -> AyonCondaError:
    return AyonCondaError(url, f"indexing failed: {_one_line(exc)}", FIX_INDEX)


@dataclass(frozen=True)
class Quarantined:
    """A package file the index keeps out of every solve; ``problem`` is empty when it was
    quarantined by an earlier publish (``ayon-conda check`` reads it again)."""

    subdir: str
    filename: str
    problem: str = ""

    def to_dict(self) -> dict[str, str]:
        return {"subdir": self.subdir, "filename": self.filename, "problem": self.problem}

    def warning(self, channel: str) -> str:
        why = self.problem or "quarantined earlier; 'ayon-conda check' says why"
        return (f"{channel}/{self.subdir}/{self.filename} fails the package check and is kept out of every solve "
                f"({why}); ask whoever can delete in the channel to remove it")


def records(repodata: Mapping[str, Any] | None) -> dict[str, Mapping[str, Any]]:
    """Every entry of a ``repodata.json``: file name -> record."""
    found: dict[str, Mapping[str, Any]] = {}
    for key in RECORD_KEYS:
        section = (repodata or {}).get(key)
        if isinstance(section, Mapping):
            found.update({name: r for name, r in section.items() if isinstance(r, Mapping)})
    return found


def is_quarantine(record: Mapping[str, Any]) -> bool:
    return record.get("name") == QUARANTINED


def quarantine_record(subdir: str, size: int, sha256: str) -> dict[str, Any]:
    """The index entry of a quarantined file: known to the indexer, never solvable."""
    return {"name": QUARANTINED, "version": "0", "build": "quarantined", "build_number": 0, "subdir": subdir,
            "depends": [UNINSTALLABLE], "size": size, "sha256": sha256}


def quarantined_in(subdir: str, repodata: Mapping[str, Any] | None) -> list[Quarantined]:
    return [Quarantined(subdir, name) for name, record in sorted(records(repodata).items()) if is_quarantine(record)]


#: Gives a readable local path of a package file of the subdir (the file itself, or a download).
Opener = Callable[[str], AbstractContextManager[Path]]


def screen(subdir: str, listed: Iterable[str], repodata: Mapping[str, Any] | None, open_file: Opener,
           trusted: Collection[str] = ()) -> list[tuple[Quarantined, dict[str, Any]]]:
    """Files of ``subdir`` the index does not list yet that fail the package check, each with
    its quarantine record. ``trusted`` names files this publish has just checked and uploaded."""
    known = records(repodata)
    found = []
    for filename in sorted(listed):
        if filename in known or filename in trusted:
            continue
        with open_file(filename) as path:
            try:
                check_package_file(path, subdir)
            except PackageDefect as exc:
                record = quarantine_record(subdir, path.stat().st_size, sha256_file(path))
                found.append((Quarantined(subdir, filename, str(exc)), record))
    return found


def with_quarantine(repodata: Mapping[str, Any] | None, subdir: str, found: Iterable[tuple[Quarantined, dict]]) -> dict:
    """``repodata`` with the quarantine records of ``found`` added (a new one when there is none)."""
    updated = dict(repodata or {"info": {"subdir": subdir}, "packages": {}, "packages.conda": {}, "repodata_version": 1})
    for entry, record in found:
        key = "packages.conda" if entry.filename.endswith(".conda") else "packages"
        section = updated[key] = dict(updated.get(key) or {})
        section[entry.filename] = record
    return updated


def warn(progress: Progress, channel: str, quarantined: Iterable[Quarantined]) -> None:
    for entry in quarantined:
        progress.warn(entry.warning(channel))


def shard_digests(shard_index: bytes) -> dict[str, str]:
    """Package name -> sha256 (hex) of its shard, from ``repodata_shards.msgpack.zst`` (CEP 16)."""
    import msgpack

    try:  # Python 3.14+
        from compression import zstd
    except ImportError:  # pragma: no cover - older Pythons
        from backports import zstd

    decoded = msgpack.unpackb(zstd.decompress(shard_index), raw=False)
    return {name: bytes(digest).hex() for name, digest in decoded.get("shards", {}).items()}

