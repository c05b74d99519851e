"""Reading a channel: its package index and its packages' own metadata, through a cache.

**The index.** ``noarch/repodata.json.zst`` (≈6x smaller; when a zstd decoder is importable),
else ``noarch/repodata.json``, is kept in ``<cache>/channels/<hash of the URL>/`` with its ETag.
Every read revalidates with one conditional request (HTTP ``If-None-Match``, S3 ``IfNoneMatch``)
and parses the cached copy when the answer is "not modified"; within a process the parsed index
is kept too, so a warm read is one small round trip and no parsing. ``max_age`` skips even that
request for a while; it defaults to 0 because a rebuild published a minute ago must be what the
next submission pins, and the round trip costs milliseconds.

Sharded repodata (CEP-16, which py-rattler's indexer also writes) is not read: it splits the
index by package *name*, and an ayon-publish channel is essentially one name, so its one shard
is the whole index again, and reading it would need a msgpack decoder in the DCC.

**Package metadata.** ``info/about.json`` (what a package bakes, its AYON server, launcher and
python ranges) is not in repodata; :mod:`ayon_publish_submit.package_about` reads it with range requests
(up to ``remote.CONCURRENT_REQUESTS`` at once, from a thread pool) and it is cached by the
package's sha256 in ``<cache>/package-info/``: published files never change (channels are
append-only), so a cached entry never needs revalidating. When many are wanted at once (the
matrix), the channel's about index (:mod:`ayon_publish_submit.about_index`, written by ``ayon-conda
publish``) gives them in one request; only its entries whose sha256 matches repodata's are used.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import about_index
from .errors import UserError
from .package_about import PackageAbout, read_about, zstd_decompress
from .remote import CONCURRENT_REQUESTS, Counters, Missing, Remote, open_remote

SUBDIR = "noarch"
#: Uncached packages from which on the about index is read first (one request for all of them,
#: against one range request each; a few are cheaper read from the packages themselves).
ABOUT_INDEX_WORTH = 16
REPODATA = "repodata.json"
REPODATA_ZST = "repodata.json.zst"

# Parsed indexes of this process, by (channel URL, file, ETag): a warm read does not parse.
_parsed: dict[tuple[str, str, str], tuple[PackageRecord, ...]] = {}
_parsed_lock = threading.Lock()


@dataclass(frozen=True)
class PackageRecord:
    """One package as the channel's repodata lists it."""

    filename: str
    name: str
    version: str
    build: str
    build_number: int
    sha256: str
    size: int
    timestamp: int | None = None  # ms; index.json's (for ayon-publish: the bundle's createdAt)
    indexed_timestamp: int | None = None  # ms; when the indexer added it (rattler-index writes it)

    @property
    def exact_spec(self) -> str:
        return f"{self.name} =={self.version} {self.build}"

    @property
    def build_prefix(self) -> str:
        """``pyh<hash>`` of ``pyh<hash>_<n>``: which addon set."""
        return self.build.rpartition("_")[0]

    @classmethod
    def from_repodata(cls, filename: str, entry: dict[str, Any]) -> PackageRecord:
        return cls(
            filename=filename,
            name=str(entry["name"]),
            version=str(entry["version"]),
            build=str(entry["build"]),
            build_number=int(entry.get("build_number", 0)),
            sha256=str(entry.get("sha256", "")),
            size=int(entry.get("size", 0)),
            timestamp=entry.get("timestamp"),
            indexed_timestamp=entry.get("indexed_timestamp"),
        )


def _write_atomic(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}")
    try:
        tmp.write_bytes(data)
        os.replace(tmp, path)
    except OSError:
        tmp.unlink(missing_ok=True)
        raise


def _parse_repodata(data: bytes, filename: str) -> tuple[PackageRecord, ...]:
    """Records of a repodata file; raises ValueError when it is not one."""
    if filename.endswith(".zst"):
        decompress = zstd_decompress()
        if decompress is None:
            raise ValueError("no zstd decoder")
        data = decompress(data)
    doc = json.loads(data)
    if not isinstance(doc, dict):
        raise ValueError("not a JSON object")
    conda = doc.get("packages.conda") or {}
    records = [PackageRecord.from_repodata(fn, entry) for fn, entry in conda.items()]
    records += [PackageRecord.from_repodata(fn, entry) for fn, entry in (doc.get("packages") or {}).items()
                if f"{fn.removesuffix('.tar.bz2')}.conda" not in conda]  # same build in both formats
    return tuple(records)


class Channel:
    """A conda channel (``s3://``, ``http(s)://``, ``file://`` or a directory), read through the
    cache. Every :meth:`records` call revalidates the index (unless within ``max_age``), so one
    object can serve a whole DCC session. ``counters`` tells how many requests and bytes it cost."""

    def __init__(self, url: str, *, endpoint_url: str | None = None, cache: Path | None = None,
                 max_age: float = 0.0) -> None:
        self.remote: Remote = open_remote(url, endpoint_url)
        self.url = self.remote.url
        self.max_age = max_age
        if cache is None:
            from .cache import cache_dir

            cache = cache_dir()
        self._cache = Path(cache)

    @property
    def counters(self) -> Counters:
        return self.remote.counters

    @property
    def _index_dir(self) -> Path:
        return self._cache / "channels" / hashlib.sha256(self.url.encode()).hexdigest()[:16]

    def file_url(self, record: PackageRecord) -> str:
        return self.remote.file_url(f"{SUBDIR}/{record.filename}")

    # -- the index --------------------------------------------------------------------------

    def records(self, name: str | None = None) -> list[PackageRecord]:
        """Every package of the channel's ``noarch`` index (of ``name`` only, if given)."""
        return [r for r in self._load_index() if name is None or r.name == name]

    def _load_state(self) -> dict[str, Any] | None:
        try:
            state = json.loads((self._index_dir / "state.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if not isinstance(state, dict) or state.get("url") != self.url or not (self._index_dir / str(state.get("file"))).is_file():
            return None
        return state

    def _save(self, filename: str, etag: str | None, data: bytes | None) -> None:
        try:
            if data is not None:
                _write_atomic(self._index_dir / filename, data)
            state = {"url": self.url, "file": filename, "etag": etag, "checked": time.time()}
            _write_atomic(self._index_dir / "state.json", json.dumps(state).encode())
        except OSError:
            pass  # a cache that cannot be written only makes the next read slower

    def _cached_records(self, filename: str, etag: str | None) -> tuple[PackageRecord, ...] | None:
        key = (self.url, filename, etag or "")
        with _parsed_lock:
            if key in _parsed:
                return _parsed[key]
        try:
            records = _parse_repodata((self._index_dir / filename).read_bytes(), filename)
        except (OSError, ValueError):
            return None  # a damaged cache entry: fetch the index again
        with _parsed_lock:
            _parsed[key] = records
        return records

    def _load_index(self) -> tuple[PackageRecord, ...]:
        state = self._load_state()
        if state and self.max_age > 0 and time.time() - float(state.get("checked", 0)) < self.max_age:
            records = self._cached_records(state["file"], state.get("etag"))
            if records is not None:
                return records
        candidates = [REPODATA_ZST, REPODATA] if zstd_decompress() else [REPODATA]
        if state:
            candidates.sort(key=lambda name: name != state["file"])  # revalidate what we have first
        for filename in candidates:
            etag = state.get("etag") if state and state["file"] == filename else None
            try:
                fetched = self.remote.get(f"{SUBDIR}/{filename}", etag)
            except Missing:
                continue
            if fetched is None:
                records = self._cached_records(filename, etag)
                if records is not None:
                    self._save(filename, etag, None)
                    return records
                fetched = self.remote.get(f"{SUBDIR}/{filename}")
                assert fetched is not None
            try:
                records = _parse_repodata(fetched.data, filename)
            except ValueError as exc:
                raise UserError(self.remote.file_url(f"{SUBDIR}/{filename}"), f"not a valid index ({exc})",
                                     "index the channel again (rattler-index / ayon-conda publish)") from None
            self._save(filename, fetched.etag, fetched.data)
            with _parsed_lock:
                _parsed[(self.url, filename, fetched.etag or "")] = records
            return records
        raise UserError(self.url, f"has no {SUBDIR}/{REPODATA}: not a conda channel, or not indexed yet",
                             "check --channel, or index the channel")

    # -- package metadata -------------------------------------------------------------------

    def _about_path(self, record: PackageRecord) -> Path:
        return self._cache / "package-info" / f"{record.sha256 or hashlib.sha256(self.file_url(record).encode()).hexdigest()}.json"

    def cached_about(self, record: PackageRecord) -> PackageAbout | None:
        try:
            return PackageAbout.from_json(json.loads(self._about_path(record).read_text(encoding="utf-8")))
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def about(self, record: PackageRecord) -> PackageAbout:
        """``info/about.json`` and ``info/index.json`` of ``record``: from the cache, else read."""
        cached = self.cached_about(record)
        return cached if cached is not None else self._read_about(record)

    def _read_about(self, record: PackageRecord) -> PackageAbout:
        """Read ``record``'s metadata from the channel and cache it."""
        found = read_about(self.remote, f"{SUBDIR}/{record.filename}", record.size)
        try:
            _write_atomic(self._about_path(record), json.dumps(found.to_json()).encode())
        except OSError:
            pass  # uncached: read again next time
        return found

    def indexed_abouts(self, wanted: Iterable[PackageRecord] = ()) -> about_index.Entries:
        """The channel's about index (:mod:`ayon_publish_submit.about_index`), ``{}`` when it has none.

        The copy in the cache is used without a request when it covers every ``wanted`` record:
        its entries are checked against repodata's sha256 by whoever uses them, so an old copy
        can be incomplete, never wrong."""
        cached_path = self._index_dir / about_index.FILENAME
        try:
            cached = about_index.parse(cached_path.read_bytes())
        except OSError:
            cached = {}
        wanted = list(wanted)
        if wanted and all(r.filename in cached and cached[r.filename][0] == r.sha256 for r in wanted):
            return cached
        try:
            fetched = self.remote.get(f"{SUBDIR}/{about_index.FILENAME}")
        except Missing:
            return {}
        if fetched is None:
            return {}
        try:
            _write_atomic(cached_path, fetched.data)
        except OSError:
            pass  # uncached: fetched again next time
        return about_index.parse(fetched.data)

    def abouts(self, records: Iterable[PackageRecord], done: Callable[[int], None] | None = None) -> dict[str, PackageAbout]:
        """:meth:`about` of many records (by filename), fetching uncached ones in parallel."""
        records = list(records)
        found: dict[str, PackageAbout] = {}
        missing = []
        for record in records:
            cached = self.cached_about(record)
            if cached is None:
                missing.append(record)
            else:
                found[record.filename] = cached
        if len(missing) >= ABOUT_INDEX_WORTH:
            indexed = self.indexed_abouts(missing)
            for record in missing:
                entry = indexed.get(record.filename)
                if entry is not None and entry[0] == record.sha256:
                    found[record.filename] = entry[1]
            missing = [r for r in missing if r.filename not in found]
        if done and len(found):
            done(len(found))
        if missing:
            from concurrent.futures import ThreadPoolExecutor

            with ThreadPoolExecutor(max_workers=CONCURRENT_REQUESTS) as pool:
                for record, about in zip(missing, pool.map(self._read_about, missing)):
                    found[record.filename] = about
                    if done:
                        done(1)
        return {r.filename: found[r.filename] for r in records}
