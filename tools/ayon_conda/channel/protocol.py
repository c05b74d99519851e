"""Conda channels we publish to: one small protocol, two implementations, chosen in one place.

A channel is ``<channel>/<subdir>/<package files>`` plus the index py-rattler writes next to
them (``repodata.json``, ``repodata.json.zst`` and sharded repodata). Every implementation keeps
the same promises (DESIGN decision 8):

* **append-only**: :meth:`Channel.upload` creates a file name or finds the identical bytes
  already there; it never replaces or deletes anything;
* **complete before visible**: a package appears under its final name only whole, with the
  size and sha256 it was sent with;
* **index last**: :meth:`Channel.index` lists what is there, so an index names only files that
  exist, and concurrent publishers cannot lose each other's packages.

:func:`open_channel` picks the implementation from the URL: a directory or ``file://`` URL is a
:class:`~ayon_conda.channel.directory.LocalChannel`, ``s3://bucket/prefix`` an
:class:`~ayon_conda.channel.s3_bucket.S3Channel`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Protocol
from urllib.parse import unquote, urlparse

from ayon_conda.channel.indexer import Quarantined, is_quarantine, records
from ayon_conda.errors import AyonCondaError
from ayon_conda.package_file import PackageFile
from ayon_conda.progress import Progress
from ayon_conda.s3 import ALREADY_PRESENT, CREATED, StoredObject

__all__ = ["ALREADY_PRESENT", "CREATED", "Channel", "StoredObject", "open_channel", "INDEX_FILES", "released_builds"]

#: What py-rattler writes into each subdir (besides ``shards/``); clients read these.
INDEX_FILES = ("repodata.json", "repodata.json.zst", "repodata_shards.msgpack.zst")


class Channel(Protocol):
    """Where packages are published."""

    url: str

    def check(self) -> None:
        """Fail early, without writing, when the channel cannot be reached."""

    def stat(self, subdir: str, filename: str) -> StoredObject | None:
        """Size and sha256 of a published file, or None."""

    def upload(self, package: PackageFile, progress: Progress) -> str:
        """Create ``<subdir>/<filename>`` whole; :data:`CREATED` or :data:`ALREADY_PRESENT` (same bytes)."""

    def index(self, subdirs: Sequence[str], progress: Progress, published: Sequence[PackageFile] = ()) -> list[Quarantined]:
        """Bring the index of ``subdirs`` (and ``noarch``) up to date with the files present.

        ``published`` are the packages of this publish, checked already (a ``--public`` S3
        channel makes them and their shards readable). Files that cannot be read are kept out
        of the index (:mod:`ayon_conda.channel.indexer`) and returned.
        """

    def update_file(self, subdir: str, name: str, update: Callable[[bytes | None], bytes | None]) -> None:
        """Replace ``<subdir>/<name>``, a file beside the index (never a package), with
        ``update(current bytes or None)``; ``None`` (or the same bytes) leaves it. Atomic, and a
        concurrent publisher's update is never lost: ``update`` may be called again with it."""

    def filenames(self, subdir: str, prefix: str = "") -> list[str]:
        """Package files present in ``subdir`` whose names start with ``prefix``."""

    def repodata(self, subdir: str) -> dict | None:
        """The subdir's ``repodata.json``, or None when it has none yet."""

    def location(self, subdir: str, filename: str) -> str:
        """Where a file is, for messages and output."""

    def subdirs(self) -> list[str]:
        """The subdirs that hold package files or an index."""

    def read(self, subdir: str, name: str) -> bytes | None:
        """The bytes of ``<subdir>/<name>`` (an index file, a shard), or None when there is none."""

    def local_copy(self, subdir: str, filename: str) -> AbstractContextManager[Path]:
        """A local path holding the package file's bytes while the context lasts (to read it whole)."""


def build_prefix(build: str) -> str:
    """A build string without its trailing build number: ``pyh1a2b3c4d_2`` -> ``pyh1a2b3c4d``.

    >>> build_prefix("pyh1a2b3c4d_2"), build_prefix("py311h0_0"), build_prefix("custom")
    ('pyh1a2b3c4d', 'py311h0', 'custom')
    """
    return re.sub(r"_\d+$", "", build)


def released_builds(channel: Channel, subdir: str, name: str, version: str, prefix: str) -> dict[str, int]:
    """Files in ``subdir`` that are builds of ``name``/``version`` whose build string is
    ``<prefix>_<number>``, with their numbers: for our pins, every rebuild of one addon set."""
    stem = f"{name}-{version}-{prefix}_"
    pattern = re.compile(re.escape(stem) + r"(\d+)\.(conda|tar\.bz2)")
    return {f: int(m.group(1)) for f in channel.filenames(subdir, prefix=stem) if (m := pattern.fullmatch(f))}


def without_quarantined(channel: Channel, subdir: str, builds: dict[str, int]) -> dict[str, int]:
    """``builds`` (from :func:`released_builds`) minus the files the index keeps out as unreadable."""
    if not builds:
        return builds
    known = records(channel.repodata(subdir))
    return {f: n for f, n in builds.items() if not is_quarantine(known.get(f, {}))}


def open_channel(url: str, endpoint_url: str | None = None, public: bool = False) -> Channel:
    """The channel at ``url``: a directory, ``file://`` URL or ``s3://bucket/prefix``."""
    if url.startswith("s3://"):
        from ayon_conda.channel.s3_bucket import S3Channel

        return S3Channel(url, endpoint_url=endpoint_url, public=public)
    parsed = urlparse(url)
    if parsed.scheme not in ("", "file") and len(parsed.scheme) > 1:  # one letter: a Windows drive
        raise AyonCondaError(url, f"cannot publish to a {parsed.scheme}:// channel",
                             "publish to a directory, a file:// URL or s3://bucket/prefix")
    if public:
        raise AyonCondaError(url, "--public applies to s3:// channels only",
                             "a directory channel is as public as the server that serves it")
    from ayon_conda.channel.directory import LocalChannel

    path = Path(unquote(parsed.path)) if parsed.scheme == "file" else Path(url)
    return LocalChannel(path)
