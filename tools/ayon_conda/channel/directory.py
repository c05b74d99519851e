"""A channel in a directory (or ``file://`` URL), e.g. one a web server or file share serves.

Append-only on a file system: a package is copied to a hidden temporary name in its subdir,
checked (size and sha256 of what landed on disk), and then given its final name with
``os.link``, which fails instead of replacing when the name exists. So a reader, an indexer or a
concurrent publisher sees either no file or the whole file, and a published file is never
overwritten.

Indexing uses py-rattler's ``index_fs``, which writes the index files in place; a publish killed
in the middle of that write would leave a truncated ``repodata.json``. So the index is built in
a hidden scratch directory inside the channel and the results are renamed into place, each
rename atomic. The scratch copy holds hard links to the packages and to the existing shards
(``shards/<sha256>.msgpack.zst``, content-addressed, so the indexer writes only new ones) and
copies of the current ``repodata.json`` and ``repodata_shards.msgpack.zst``: indexing stays
incremental, reading only new packages and writing only changed shards.

A lock file serialises indexers (and updates of the about index), so the last one always lists
every package uploaded before it started; the operating system releases it when a publisher is killed. It sits beside the
channel, not in it (``<parent>/.<channel>.ayon-conda-index.lock``), so neither clients nor a
mirror of the channel's tree ever see it; where the parent directory is not writable, it is in
the user's cache directory (then only publishers on this machine are serialised).
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, nullcontext
from pathlib import Path

from ayon_conda.cache import cache_dir, sha256_file
from ayon_conda.channel.indexer import (
    Quarantined,
    index_error,
    quarantined_in,
    screen,
    with_quarantine,
)
from ayon_conda.channel.protocol import INDEX_FILES
from ayon_conda.errors import AyonCondaError
from ayon_conda.package_file import EXTENSIONS, PackageFile
from ayon_conda.progress import Progress
from ayon_conda.s3 import ALREADY_PRESENT, CREATED, StoredObject

LOCK_SUFFIX = ".ayon-conda-index.lock"
SCRATCH_PREFIX = ".ayon-conda-index-"
LOCK_TIMEOUT_SECONDS = 600
_CHUNK = 1 << 20


class LocalChannel:
    """A channel directory; created on first publish."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root).absolute()
        self.url = str(self.root)

    def location(self, subdir: str, filename: str) -> str:
        return str(self.root / subdir / filename)

    def check(self) -> None:
        if self.root.exists() and not self.root.is_dir():
            raise AyonCondaError(self.root, "is not a directory", "pass a channel directory, file:// URL or s3:// URL")
        existing = self.root
        while not existing.exists():
            existing = existing.parent
        if not existing.is_dir() or not os.access(existing, os.W_OK | os.X_OK):
            raise AyonCondaError(self.root, f"cannot write to {existing}", "choose a writable channel directory")

    def stat(self, subdir: str, filename: str) -> StoredObject | None:
        path = self.root / subdir / filename
        if not path.is_file():
            return None
        return StoredObject(path.stat().st_size, sha256_file(path))

    def filenames(self, subdir: str, prefix: str = "") -> list[str]:
        directory = self.root / subdir
        if not directory.is_dir():
            return []
        return sorted(e.name for e in os.scandir(directory)
                      if e.is_file() and e.name.startswith(prefix) and e.name.endswith(EXTENSIONS) and not e.name.startswith("."))

    def repodata(self, subdir: str) -> dict | None:
        return _read_json(self.root / subdir / "repodata.json")

    def subdirs(self) -> list[str]:
        if not self.root.is_dir():
            return []
        return sorted(e.name for e in os.scandir(self.root) if e.is_dir() and not e.name.startswith(".")
                      and (self.filenames(e.name) or (self.root / e.name / "repodata.json").is_file()))

    def read(self, subdir: str, name: str) -> bytes | None:
        path = self.root / subdir / name
        return path.read_bytes() if path.is_file() else None

    def local_copy(self, subdir: str, filename: str) -> nullcontext[Path]:
        return nullcontext(self.root / subdir / filename)

    def upload(self, package: PackageFile, progress: Progress) -> str:
        subdir = self.root / package.subdir
        final = subdir / package.filename
        try:
            subdir.mkdir(parents=True, exist_ok=True)
            fd, tmp_name = tempfile.mkstemp(prefix=f".{package.filename}.", suffix=".partial", dir=subdir)
        except OSError as exc:
            raise AyonCondaError(self.root, f"cannot write there ({exc.strerror})", "choose a writable channel directory") from None
        tmp = Path(tmp_name)
        try:
            with os.fdopen(fd, "wb") as out, open(package.path, "rb") as src, \
                    progress.bar(f"Copying {package.filename}", package.size) as advance:
                while chunk := src.read(_CHUNK):
                    out.write(chunk)
                    advance(len(chunk))
                out.flush()
                os.fsync(out.fileno())
            os.chmod(tmp, 0o644)
            if tmp.stat().st_size != package.size or sha256_file(tmp) != package.sha256:
                raise AyonCondaError(final, "the copy does not match the package (size or sha256)",
                                     "check the disk and run the command again")
            try:
                os.link(tmp, final)
            except FileExistsError:
                return self._already_there(final, package)
            except OSError as exc:
                raise AyonCondaError(self.root, f"cannot create {package.filename} there ({exc.strerror})",
                                     "the channel needs a file system with hard links") from None
            return CREATED
        finally:
            tmp.unlink(missing_ok=True)

    @staticmethod
    def _already_there(final: Path, package: PackageFile) -> str:
        existing = sha256_file(final)
        if existing != package.sha256:
            raise AyonCondaError(final, f"already exists with different content (sha256 {existing[:12]}...)",
                                 "published files are never overwritten: rebuild with a higher --build-number")
        return ALREADY_PRESENT

    def index(self, subdirs: Sequence[str], progress: Progress, published: Sequence[PackageFile] = ()) -> list[Quarantined]:
        subdirs = sorted({*subdirs, "noarch"})
        (self.root / "noarch").mkdir(parents=True, exist_ok=True)
        trusted = {p.filename for p in published}
        with self._index_lock():
            self._remove_stale_scratch()
            scratch = Path(tempfile.mkdtemp(prefix=SCRATCH_PREFIX, dir=self.root))
            try:
                self._mirror(scratch, subdirs)
                quarantined = [self._quarantine(scratch, subdir, trusted) for subdir in subdirs]
                self._run_indexer(scratch)
                for subdir in subdirs:
                    self._install_index(scratch / subdir, self.root / subdir)
            finally:
                shutil.rmtree(scratch, ignore_errors=True)
        return [entry for found in quarantined for entry in found]

    def update_file(self, subdir: str, name: str, update: Callable[[bytes | None], bytes | None]) -> None:
        path = self.root / subdir / name
        with self._index_lock():
            current = path.read_bytes() if path.is_file() else None
            new = update(current)
            if new is None or new == current:
                return
            fd, tmp_name = tempfile.mkstemp(prefix=f".{name}.", suffix=".partial", dir=path.parent)
            try:
                with os.fdopen(fd, "wb") as fh:
                    fh.write(new)
                os.chmod(tmp_name, 0o644)
                os.replace(tmp_name, path)
            except BaseException:
                Path(tmp_name).unlink(missing_ok=True)
                raise

    @contextmanager
    def _index_lock(self) -> Iterator[None]:
        """Hold the indexers' lock (:meth:`lock_path`), or fail with one line after
        :data:`LOCK_TIMEOUT_SECONDS`."""
        from filelock import FileLock, Timeout

        lock = FileLock(self.lock_path())
        try:
            lock.acquire(timeout=LOCK_TIMEOUT_SECONDS, poll_interval=0.05)
        except Timeout:
            raise AyonCondaError(self.root, f"another publisher has held {lock.lock_file} for {LOCK_TIMEOUT_SECONDS} s",
                                 "wait for it to finish and run the command again") from None
        try:
            yield
        finally:
            lock.release()

    def lock_path(self) -> Path:
        """The indexers' lock file: beside the channel, else in the user's cache directory."""
        parent = self.root.parent
        if self.root.name and os.access(parent, os.W_OK | os.X_OK):
            return parent / f".{self.root.name}{LOCK_SUFFIX}"
        key = hashlib.sha256(str(self.root.resolve()).encode()).hexdigest()[:16]
        path = cache_dir() / "channel-locks" / f"{key}{LOCK_SUFFIX}"
        path.parent.mkdir(parents=True, exist_ok=True)
        return path

    def _remove_stale_scratch(self) -> None:
        """Scratch directories of killed publishers (safe: we hold the lock)."""
        for entry in self.root.glob(f"{SCRATCH_PREFIX}*"):
            shutil.rmtree(entry, ignore_errors=True)

    def _mirror(self, scratch: Path, subdirs: Sequence[str]) -> None:
        """Hard links to every package and shard; copies of the index files the indexer reads."""
        for subdir in subdirs:
            source, target = self.root / subdir, scratch / subdir
            target.mkdir()
            for name in self.filenames(subdir):
                os.link(source / name, target / name)
            if (source / "shards").is_dir():
                (target / "shards").mkdir()
                for entry in os.scandir(source / "shards"):
                    if entry.is_file() and not entry.name.startswith("."):
                        os.link(entry.path, target / "shards" / entry.name)
            for name in ("repodata.json", "repodata_shards.msgpack.zst"):
                if (source / name).is_file():
                    shutil.copyfile(source / name, target / name)  # copies: the indexer rewrites them

    def _quarantine(self, scratch: Path, subdir: str, trusted: set[str]) -> list[Quarantined]:
        """Quarantine the subdir's unlisted files that fail the package check (see
        :mod:`ayon_conda.channel.indexer`) in the scratch copy of its repodata.json."""
        current = scratch / subdir / "repodata.json"
        repodata = _read_json(current)
        found = screen(subdir, self.filenames(subdir), repodata, lambda name: self.local_copy(subdir, name), trusted)
        if found:
            current.write_text(json.dumps(with_quarantine(repodata, subdir, found)), encoding="utf-8")
        return quarantined_in(subdir, repodata) + [entry for entry, _ in found]

    def _run_indexer(self, scratch: Path) -> None:
        from rattler.index import index_fs

        try:
            asyncio.run(index_fs(scratch, force=False))
        except Exception as exc:
            raise index_error(exc, self.url) from None

    @staticmethod
    def _install_index(built: Path, subdir: Path) -> None:
        """Shards first (new names only: they are content-addressed), then the index files, each atomically."""
        shards = built / "shards"
        if shards.is_dir():
            (subdir / "shards").mkdir(exist_ok=True)
            for shard in shards.iterdir():
                target = subdir / "shards" / shard.name
                if not target.exists():
                    os.replace(shard, target)
        for name in INDEX_FILES:
            if (built / name).is_file():
                os.replace(built / name, subdir / name)


def _read_json(path: Path) -> dict | None:
    """A repodata.json, or None when there is none or it is not a JSON object (the indexer starts over)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeError, ValueError, RecursionError):
        return None
    return data if isinstance(data, dict) else None
