"""``ayon-conda mirror SRC DST``: copy a channel for air-gapped sites, every file checked.

SRC is read as a client reads a channel (:mod:`ayon_publish_submit.remote`: a directory, ``file://``,
``https://`` or ``s3://``); DST is written as ``publish`` writes (:mod:`ayon_conda.channel.publish`: a
directory or ``s3://``, append-only, indexed by py-rattler). The flow:

1. read SRC's ``repodata.json`` of every subdir it has (or the ones asked for);
2. plan against DST: files already there with the same sha256 are skipped (so an interrupted or
   repeated mirror only copies what is missing); a DST file with other content under a SRC name
   is refused before anything is downloaded or written;
3. download what is missing into a scratch directory, each checked against the size and sha256
   SRC's index gives it, so a corrupted source file stops the mirror before DST is touched;
4. publish the downloaded files to DST (create-only uploads, each checked in DST) and index it.
"""

from __future__ import annotations

import hashlib
import json
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from ayon_publish import names
from ayon_publish_submit.remote import Missing, open_remote

from ayon_conda.channel.indexer import is_quarantine, records, warn
from ayon_conda.channel.protocol import Channel
from ayon_conda.channel.publish import PublishResult, publish
from ayon_conda.errors import AyonCondaError, names_checked
from ayon_conda.progress import Progress

#: Subdirs looked for when none are given (conda's platforms that AYON workers and studios use).
KNOWN_SUBDIRS = ("noarch", "linux-64", "linux-aarch64", "win-64", "osx-64", "osx-arm64")
COPY = "copy"
_DAMAGED = "the source channel's index is damaged: index it again"
PRESENT = "already mirrored"


@dataclass(frozen=True)
class Entry:
    subdir: str
    filename: str
    sha256: str
    size: int
    action: str = COPY

    @property
    def path(self) -> str:
        return f"{self.subdir}/{self.filename}"


@dataclass(frozen=True)
class MirrorResult:
    source: str
    destination: str
    entries: list[Entry]
    dry_run: bool
    published: PublishResult | None = field(default=None, repr=False)

    def to_dict(self) -> dict:
        return {"source": self.source, "destination": self.destination, "dry_run": self.dry_run,
                "copied": [e.path for e in self.entries if e.action == COPY] if not self.dry_run else [],
                "to_copy": [e.path for e in self.entries if e.action == COPY] if self.dry_run else [],
                "already_mirrored": [e.path for e in self.entries if e.action == PRESENT]}

    def lines(self) -> list[str]:
        verb = "would copy" if self.dry_run else "copied"
        copied = [e for e in self.entries if e.action == COPY]
        return [f"{verb}: {e.path}" for e in copied] + [
            f"{len(copied)} {verb}, {len(self.entries) - len(copied)} {PRESENT}: {self.source} -> {self.destination}"]


def source_entries(remote, subdirs: tuple[str, ...] | None, progress: Progress) -> list[Entry]:
    """Every package SRC's index lists, in the given subdirs (or every known one it has); files
    its index keeps out as unreadable (:mod:`ayon_conda.channel.indexer`) are left behind."""
    entries = []
    found = []
    for subdir in subdirs or KNOWN_SUBDIRS:
        try:
            fetched = remote.get(f"{subdir}/repodata.json")
        except Missing:
            if subdirs:
                raise AyonCondaError(remote.file_url(f"{subdir}/repodata.json"), "not found",
                                     "check --subdir; the source channel has no such subdir") from None
            continue
        try:
            repodata = json.loads(fetched.data)
        except (ValueError, RecursionError):
            raise AyonCondaError(remote.file_url(f"{subdir}/repodata.json"), "not valid JSON", _DAMAGED) from None
        found.append(subdir)
        for filename, record in sorted(records(repodata if isinstance(repodata, dict) else {}).items()):
            if is_quarantine(record):
                progress.warn(f"{remote.file_url(f'{subdir}/{filename}')} is quarantined in the source index "
                              "(it fails the package check): not mirrored")
                continue
            sha256, size = record.get("sha256"), record.get("size")
            with names_checked(remote.file_url(f"{subdir}/repodata.json"), _DAMAGED):
                names.file_name(filename, "package file name")
            if not isinstance(sha256, str) or not isinstance(size, int):
                raise AyonCondaError(remote.file_url(f"{subdir}/repodata.json"),
                                     f"its entry for {filename} has no sha256 and size", _DAMAGED)
            entries.append(Entry(subdir, filename, sha256, size))
    if "noarch" not in found:
        raise AyonCondaError(remote.url, "has no noarch/repodata.json", "point SRC at a conda channel (its root)")
    return entries


def plan(entries: list[Entry], destination: Channel) -> list[Entry]:
    """Mark what DST has already; refuse a DST file that holds other content under a SRC name."""
    planned = []
    for entry in entries:
        stored = destination.stat(entry.subdir, entry.filename)
        if stored is None:
            planned.append(entry)
        elif stored.sha256 == entry.sha256:
            planned.append(Entry(entry.subdir, entry.filename, entry.sha256, entry.size, PRESENT))
        else:
            raise AyonCondaError(destination.location(entry.subdir, entry.filename),
                                 f"already exists with different content than {entry.path} in the source",
                                 "the channels have diverged: mirror into a new destination")
    return planned


def download(remote, entry: Entry, scratch: Path, advance) -> Path:
    """One package from SRC, checked against SRC's index; returns its local path."""
    data = remote.get(entry.path).data
    digest = hashlib.sha256(data).hexdigest()
    if len(data) != entry.size or digest != entry.sha256:
        raise AyonCondaError(remote.file_url(entry.path),
                             f"does not match the source index (sha256 {digest[:12]}..., expected {entry.sha256[:12]}...)",
                             "the source channel holds a damaged file: nothing was written to the destination")
    path = scratch / entry.subdir / entry.filename
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    advance(len(data))
    return path


def mirror(source: str, destination: Channel, progress: Progress, *, source_endpoint_url: str | None = None,
           subdirs: tuple[str, ...] | None = None, dry_run: bool = False) -> MirrorResult:
    remote = open_remote(source, endpoint_url=source_endpoint_url)
    progress.step(f"Reading the index of {remote.url}")
    entries = source_entries(remote, subdirs, progress)
    destination.check()
    planned = plan(entries, destination)
    todo = [e for e in planned if e.action == COPY]
    if dry_run:
        return MirrorResult(remote.url, destination.url, planned, dry_run=True)
    published = None
    with tempfile.TemporaryDirectory(prefix="ayon-conda-mirror-") as tmp:
        with progress.bar(f"Downloading {len(todo)} packages", sum(e.size for e in todo)) as advance:
            paths = [download(remote, entry, Path(tmp), advance) for entry in todo]
        if paths:
            published = publish(paths, destination, progress)
        else:
            progress.step(f"Nothing to copy; indexing {destination.url}")
            warn(progress, destination.url, destination.index(sorted({e.subdir for e in planned} | {"noarch"}), progress))
    return MirrorResult(remote.url, destination.url, planned, dry_run=False, published=published)
