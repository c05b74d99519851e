"""``ayon-conda check CHANNEL``: every package file read whole, every index entry compared with its file.

What a client relies on, checked from the channel's own bytes: each package file of each subdir
is read as :mod:`ayon_conda.package_file` reads a package before publishing, and every entry of
each index view clients read (``repodata.json``, ``repodata.json.zst``, the sharded repodata)
must name a file that is there, with that file's size, sha256, name, version, build, build
number and dependencies. Findings:

``unreadable``
    a package file that fails the check; ``quarantined`` says whether the index already keeps it
    out of every solve (:mod:`ayon_conda.channel.indexer`), which the next publish does otherwise.
``mismatch``
    an index entry that disagrees with its file (a spoofed or stale index).
``missing``
    an index entry for a file the channel does not hold.
``not-indexed``
    a readable file no index names yet (an interrupted publish): a note, not a problem; publishing
    again indexes it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ayon_conda.cache import sha256_file
from ayon_conda.channel.indexer import is_quarantine, records, shard_digests
from ayon_conda.channel.protocol import INDEX_FILES, Channel
from ayon_conda.package_file import PackageDefect, PackageFile, check_package_file
from ayon_conda.progress import Progress

try:  # Python 3.14+
    from compression import zstd
except ImportError:  # pragma: no cover - older Pythons
    from backports import zstd

UNREADABLE, MISMATCH, MISSING, NOT_INDEXED = "unreadable", "mismatch", "missing", "not-indexed"
#: Fields of an index entry that must equal the file's own ``info/index.json``.
COMPARED = ("name", "version", "build", "build_number", "depends")


@dataclass(frozen=True)
class Finding:
    kind: str
    subdir: str
    filename: str
    detail: str
    view: str = ""  # the index view an entry is from
    quarantined: bool = False

    @property
    def problem(self) -> bool:
        return self.kind != NOT_INDEXED

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "subdir": self.subdir, "filename": self.filename, "view": self.view or None,
                "detail": self.detail, "quarantined": self.quarantined}

    def line(self) -> str:
        where = f" ({self.view})" if self.view else ""
        kept = " [quarantined: kept out of every solve]" if self.quarantined else ""
        return f"{self.kind:11}  {self.subdir}/{self.filename}{where}: {self.detail}{kept}"


@dataclass(frozen=True)
class AuditResult:
    channel: str
    subdirs: list[str]
    files: int
    entries: int
    findings: list[Finding] = field(default_factory=list)

    @property
    def problems(self) -> list[Finding]:
        return [f for f in self.findings if f.problem]

    def to_dict(self) -> dict[str, Any]:
        return {"channel": self.channel, "subdirs": self.subdirs, "files": self.files, "entries": self.entries,
                "ok": not self.problems, "findings": [f.to_dict() for f in self.findings]}

    def lines(self) -> list[str]:
        summary = (f"{self.channel}: {self.files} files, {self.entries} index entries in {', '.join(self.subdirs) or 'no subdir'}: "
                   + (f"{len(self.problems)} problems" if self.problems else "ok"))
        return [f.line() for f in self.findings] + [summary]


def index_views(channel: Channel, subdir: str) -> dict[str, dict[str, Mapping[str, Any]]]:
    """Each index view of ``subdir`` that exists: view name -> {filename: record}; a view that
    cannot be read is one finding's worth of ``None`` records under its name."""
    views: dict[str, dict[str, Mapping[str, Any]]] = {}
    plain, packed, shard_index = (channel.read(subdir, name) for name in INDEX_FILES)
    try:
        if plain is not None:
            views[INDEX_FILES[0]] = records(json.loads(plain))
        if packed is not None:
            views[INDEX_FILES[1]] = records(json.loads(zstd.decompress(packed)))
        if shard_index is not None:
            import msgpack

            shards: dict[str, Mapping[str, Any]] = {}
            for digest in shard_digests(shard_index).values():
                data = channel.read(subdir, f"shards/{digest}.msgpack.zst")
                shards.update(records(msgpack.unpackb(zstd.decompress(data), raw=False)) if data else {})
            views["shards"] = shards
    except (ValueError, UnicodeError, RecursionError, zstd.ZstdError, TypeError) as exc:
        raise _Unreadable(subdir, f"an index file cannot be read ({type(exc).__name__}: {exc})") from None
    return views


class _Unreadable(Exception):
    def __init__(self, subdir: str, detail: str) -> None:
        super().__init__(detail)
        self.subdir, self.detail = subdir, detail


def _hex(value: Any) -> str:
    return bytes(value).hex() if isinstance(value, (bytes, bytearray)) else str(value)


def _compare(record: Mapping[str, Any], package: PackageFile | None, size: int, sha: str) -> str:
    """What an index entry says that its file does not (empty: they agree)."""
    if record.get("size") != size:
        return f"the index says {record.get('size')} bytes, the file has {size}"
    if _hex(record.get("sha256")) != sha:
        return f"the index says sha256 {_hex(record.get('sha256'))}, the file has {sha}"
    if package is None:
        return ""
    own = {"name": package.name, "version": package.version, "build": package.build,
           "build_number": package.build_number, "depends": list(package.depends)}
    for key in COMPARED:
        if record.get(key, [] if key == "depends" else None) != own[key]:
            return f"the index says {key} {record.get(key)!r}, the file's info/index.json {own[key]!r}"
    return ""


def _audit_subdir(channel: Channel, subdir: str, progress: Progress) -> tuple[list[Finding], int, int]:
    try:
        views = index_views(channel, subdir)
    except _Unreadable as exc:
        return [Finding(MISMATCH, subdir, "", exc.detail)], 0, 0
    quarantined = {name for view in views.values() for name, r in view.items() if is_quarantine(r)}
    findings, files = [], {}
    names = channel.filenames(subdir)
    progress.step(f"Reading {len(names)} package files in {subdir}/")
    for filename in names:
        with channel.local_copy(subdir, filename) as path:
            size, sha = path.stat().st_size, sha256_file(path)
            try:
                package = check_package_file(path, subdir)
            except PackageDefect as exc:
                package = None
                findings.append(Finding(UNREADABLE, subdir, filename, str(exc), quarantined=filename in quarantined))
        files[filename] = (package, size, sha)
    entries = 0
    for view, listed in views.items():
        for filename, record in sorted(listed.items()):
            entries += 1
            if filename not in files:
                findings.append(Finding(MISSING, subdir, filename, "the index names a file the channel does not hold", view))
                continue
            package, size, sha = files[filename]
            if is_quarantine(record):
                detail = _compare(record, None, size, sha) or (
                    "quarantined, but the file reads fine" if package is not None else "")
            else:
                detail = _compare(record, package, size, sha) or (
                    "indexed, but the file cannot be read" if package is None else "")
            if detail:
                findings.append(Finding(MISMATCH, subdir, filename, detail, view))
    listed = views.get(INDEX_FILES[0], {})
    for filename, (package, _, _) in sorted(files.items()):
        if package is not None and filename not in listed:
            findings.append(Finding(NOT_INDEXED, subdir, filename, "no index names it yet; publishing again indexes it"))
    return findings, len(files), entries


def audit(channel: Channel, progress: Progress, subdirs: Iterable[str] | None = None) -> AuditResult:
    """Check every package file and index entry of ``channel`` (of ``subdirs``, default all)."""
    chosen = sorted(subdirs) if subdirs else channel.subdirs()
    findings, files, entries = [], 0, 0
    for subdir in chosen:
        found, n_files, n_entries = _audit_subdir(channel, subdir, progress)
        findings += found
        files += n_files
        entries += n_entries
    return AuditResult(channel.url, chosen, files, entries, findings)
