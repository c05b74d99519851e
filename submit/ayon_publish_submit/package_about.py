"""What a published package records about itself, read without downloading the package.

A ``.conda`` file is an uncompressed zip: ``metadata.json``, ``pkg-<stem>.tar.zst`` (the files)
and ``info-<stem>.tar.zst`` (``info/``). The zip's central directory at the end of the file says
where the info member is, so reading ``info/index.json`` and ``info/about.json`` takes one range
request for the end of the file (which usually holds the whole info member too: our writer puts
it last) and at most one more for the member itself; the ~MB payload is never fetched. The
standard library's :mod:`zipfile` does the zip parsing over :class:`RangeFile`, a seekable file
that fetches only the ranges read. (conda-package-streaming has a lazy HTTP reader too, but it
needs requests, does a HEAD first and cannot read S3; the file size comes from repodata here.)

The ``info`` tarball is zstd-compressed: Python 3.14's ``compression.zstd``, else
``backports.zstd`` (what the pipeline depends on); without either, reading it is a one-line error
(the index itself is then read as plain ``repodata.json``).
"""

from __future__ import annotations

import functools
import io
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from .errors import UserError
from .remote import Fetched, Remote

#: First request: the last bytes of the file (central directory, and usually the info member).
TAIL_BYTES = 64 * 1024
#: Room for a local file header's variable part beyond what the central directory says.
_HEADER_SLACK = 1024
#: What is read from a package's info tarball.
_WANTED = ("info/index.json", "info/about.json")


@functools.cache  # a failed import is not cached by Python: look once per process
def _zstd() -> Any:
    """The zstd module of the standard library (3.14+) or backports.zstd, else None."""
    try:
        from compression import zstd  # novermin (Python 3.14; the ImportError is the point)
    except ImportError:
        try:
            from backports import zstd
        except ImportError:
            return None
    return zstd


def zstd_decompress() -> Callable[[bytes], bytes] | None:
    """zstd decompression from the standard library (3.14+) or backports.zstd, else None.

    The function returned raises ValueError for data that is not zstd.
    """
    zstd = _zstd()
    if zstd is None:
        return None

    def decompress(data: bytes) -> bytes:
        try:
            return zstd.decompress(data)
        except zstd.ZstdError as exc:
            raise ValueError(f"not valid zstd data ({exc})") from None

    return decompress


def require_zstd(subject: str) -> Any:
    """The zstd module, or a one-line error naming ``subject``."""
    zstd = _zstd()
    if zstd is None:
        raise UserError(subject, "reading its package metadata needs a zstd decoder, which this Python does not have",
                        "install backports.zstd for it (Python 3.14 has one built in)")
    return zstd


class RangeFile(io.RawIOBase):
    """A read-only seekable view of a remote file of known ``size`` that fetches only what is
    read. :meth:`load` prefetches a range; reads outside loaded ranges fetch on demand."""

    def __init__(self, fetch: Callable[[int, int], Fetched], size: int, name: str) -> None:
        super().__init__()
        self._fetch = fetch
        self.name = name
        self.size = size
        self._pos = 0
        self._chunks: list[tuple[int, bytes]] = []  # sorted, non-overlapping, non-adjacent
        self.last_modified: float | None = None

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._pos

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._pos, io.SEEK_END: self.size}[whence]
        self._pos = max(0, base + offset)
        return self._pos

    def load(self, start: int, end: int) -> None:
        """Make bytes ``start``..``end`` available, fetching only the parts not loaded yet."""
        start, end = max(0, start), min(self.size, end)
        cursor = start
        for chunk_start, data in list(self._chunks):
            chunk_end = chunk_start + len(data)
            if chunk_end <= cursor:
                continue
            if chunk_start >= end:
                break
            if chunk_start > cursor:
                self._add(cursor, chunk_start)
            cursor = max(cursor, chunk_end)
        if cursor < end:
            self._add(cursor, end)

    def _add(self, start: int, end: int) -> None:
        fetched = self._fetch(start, end)
        if len(fetched.data) != end - start:
            raise UserError(self.name, f"asked for bytes {start}-{end - 1}, got {len(fetched.data)} bytes",
                                 "the file is not the size the channel's index says: index the channel again")
        self.last_modified = fetched.last_modified or self.last_modified
        merged: list[tuple[int, bytes]] = []
        for chunk_start, data in sorted([*self._chunks, (start, fetched.data)]):
            if merged and merged[-1][0] + len(merged[-1][1]) >= chunk_start:
                prev_start, prev = merged[-1]
                merged[-1] = (prev_start, prev + data[prev_start + len(prev) - chunk_start:])
            else:
                merged.append((chunk_start, data))
        self._chunks = merged

    def _cached(self, start: int, end: int) -> bytes | None:
        for chunk_start, data in self._chunks:
            if chunk_start <= start and end <= chunk_start + len(data):
                return data[start - chunk_start:end - chunk_start]
        return None

    def read(self, size: int = -1) -> bytes:
        end = self.size if size is None or size < 0 else min(self.size, self._pos + size)
        if end <= self._pos:
            return b""
        data = self._cached(self._pos, end)
        if data is None:
            self.load(self._pos, end)
            data = self._cached(self._pos, end)
            assert data is not None
        self._pos = end
        return data

    def readinto(self, buffer: Any) -> int:
        data = self.read(len(buffer))
        buffer[:len(data)] = data
        return len(data)


@dataclass(frozen=True)
class PackageAbout:
    """``info/index.json`` and ``info/about.json`` of one published package."""

    index: Mapping[str, Any]
    about: Mapping[str, Any]
    last_modified: float | None = None  # the file's Last-Modified (its upload), if the channel says

    @property
    def extra(self) -> Mapping[str, Any]:
        return self.about.get("extra") or {}

    def components(self, kind: str) -> dict[str, str]:
        """``name -> version`` of the recorded components of ``kind`` (addon, vendored, conda)."""
        return {str(c.get("name")): str(c.get("version")) for c in self.extra.get("components") or []
                if isinstance(c, Mapping) and c.get("kind") == kind}

    @property
    def addons(self) -> dict[str, str]:
        """The baked addon set."""
        return self.components("addon")

    @property
    def compatibility(self) -> Mapping[str, Any]:
        return self.extra.get("compatibility") or {}

    @property
    def server_range(self) -> str | None:
        return self.compatibility.get("ayon_server_version")

    @property
    def bundle_name(self) -> str | None:
        return (self.extra.get("bundle") or {}).get("name")

    def to_json(self) -> dict[str, Any]:
        return {"index": self.index, "about": self.about, "last_modified": self.last_modified}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> PackageAbout:
        return cls(data["index"], data["about"], data.get("last_modified"))


def read_about(remote: Remote, path: str, size: int) -> PackageAbout:
    """Read the info member of the ``.conda`` file at ``path`` (``size`` bytes) in ``remote``."""
    import tarfile  # imported here, as zipfile: most submissions never read package metadata
    import zipfile

    url = remote.file_url(path)
    zstd = require_zstd(url)
    view = RangeFile(lambda start, end: remote.get_range(path, start, end), size, url)
    view.load(size - TAIL_BYTES, size)
    try:
        with zipfile.ZipFile(view) as archive:  # type: ignore[arg-type]
            member = next((m for m in archive.infolist()
                           if m.filename.startswith("info-") and m.filename.endswith(".tar.zst")), None)
            if member is None:
                raise UserError(url, "has no info-*.tar.zst member", "the channel holds a file that is not a .conda package")
            header = 30 + len(member.filename.encode()) + len(member.extra) + _HEADER_SLACK
            view.load(member.header_offset, member.header_offset + header + member.compress_size)
            blob = archive.read(member)
        # Streamed, uncompressed tar ("r|"): decompress and read only up to the two files wanted
        # (a package's info/ also holds paths.json and the recipe, which can be far larger).
        found = {}
        with zstd.ZstdFile(io.BytesIO(blob)) as stream, tarfile.open(fileobj=stream, mode="r|") as tar:
            for entry in tar:
                if entry.name in _WANTED:
                    handle = tar.extractfile(entry)
                    found[entry.name] = json.loads(handle.read() if handle else b"")
                    if len(found) == len(_WANTED):
                        break
        missing = [name for name in _WANTED if name not in found]
        if missing:
            raise KeyError(missing[0])
    except (zipfile.BadZipFile, tarfile.TarError, KeyError, ValueError, EOFError, zstd.ZstdError,
            RuntimeError, NotImplementedError) as exc:  # an encrypted member, a compression zipfile lacks
        raise UserError(url, f"cannot read its package metadata ({type(exc).__name__}: {exc})",
                             "the channel holds a broken package: remove it from the index") from None
    return PackageAbout(found["info/index.json"], found["info/about.json"], view.last_modified)
