"""Safe extraction of zip and tar archives: all or nothing, and nothing outside the destination.

The one implementation of these rules. The worker-side addon sync (:mod:`ayon_publish.addon_sync`)
uses it on the archives it downloads, and the pipeline uses it on addon sources
(``ayon_conda.pin.source_archives`` wraps it). It lives in the shipped package because shipped code may
import nothing from the pipeline, while the pipeline may import shipped code.

Extraction goes member by member rather than with ``extractall``: every entry is checked first
(no absolute path, no ``..``, no symlink, hardlink or device), the whole archive is refused if
one entry is bad, and the result is renamed into place only when complete. The stdlib's
``tarfile`` data filter would silently rewrite or skip some of these instead of refusing the
archive, and does not cover zip files. Python 3.9 compatible.
"""

from __future__ import annotations

import os
import shutil
import stat
import tarfile
import tempfile
import zipfile
from pathlib import Path, PurePosixPath
from typing import IO, Callable, Dict, Iterable, Iterator, Optional, Set, Tuple

#: Why an archive was refused: an unsafe entry, an entry outside ``strip``, not an archive at all.
UNSAFE = "unsafe"
OUTSIDE_STRIP = "outside-strip"
NOT_AN_ARCHIVE = "not-an-archive"

_Entry = Tuple[PurePosixPath, bool, int, Optional[IO[bytes]]]


class UnsafeArchive(ValueError):
    """An archive that must not be extracted; ``problem`` names the entry and what is wrong."""

    def __init__(self, problem: str, kind: str = UNSAFE) -> None:
        super().__init__(problem)
        self.problem = problem
        self.kind = kind


def member_path(name: str, strip: str | None = None) -> PurePosixPath | None:
    """The safe relative path of an entry, or None for the stripped top directory itself.

    >>> member_path("ayon_core/lib/__init__.py")
    PurePosixPath('ayon_core/lib/__init__.py')
    >>> member_path("top/a.py", strip="top")
    PurePosixPath('a.py')
    >>> member_path("a/../../b.py")
    Traceback (most recent call last):
    ...
    ayon_publish.safe_archive.UnsafeArchive: entry 'a/../../b.py' has a '..' component
    """
    posix = name.replace("\\", "/")
    if posix.startswith("/") or (len(posix) > 1 and posix[1] == ":"):
        raise UnsafeArchive(f"entry '{name}' has an absolute path")
    path = PurePosixPath(posix)
    if ".." in path.parts:
        raise UnsafeArchive(f"entry '{name}' has a '..' component")
    parts = [p for p in path.parts if p not in ("", ".")]
    if strip:
        if not parts or parts[0] != strip:
            raise UnsafeArchive(f"entry '{name}' is outside the top directory '{strip}'", OUTSIDE_STRIP)
        parts = parts[1:]
    return PurePosixPath(*parts) if parts else None


def check_layout(entries: Iterable[Tuple[PurePosixPath, bool, str]]) -> None:
    """Refuse entries that cannot all be extracted as given: a path that is both a file and a
    directory, or the same file twice (the last would silently win). ``entries`` are
    ``(relative path, is a directory, name in the archive)``.

    >>> check_layout([(PurePosixPath("a"), False, "a"), (PurePosixPath("a/b.py"), False, "a/b.py")])
    Traceback (most recent call last):
    ...
    ayon_publish.safe_archive.UnsafeArchive: entry 'a' is a file, and a directory in other entries
    """
    files: Dict[PurePosixPath, str] = {}
    dirs: Set[PurePosixPath] = set()
    for rel, is_dir, name in entries:
        if is_dir:
            dirs.add(rel)
        elif rel in files:
            raise UnsafeArchive(f"entry '{name}' appears twice")
        else:
            files[rel] = name
        dirs.update(rel.parents)
    clash = sorted(set(files) & dirs)
    if clash:
        raise UnsafeArchive(f"entry '{files[clash[0]]}' is a file, and a directory in other entries")


def _tar_entries(archive: Path, strip: str | None) -> Iterator[_Entry]:
    with tarfile.open(archive) as tar:
        checked = []
        for member in tar.getmembers():
            rel = member_path(member.name, strip)
            if member.issym() or member.islnk():
                raise UnsafeArchive(f"entry '{member.name}' is a link")
            if not (member.isfile() or member.isdir()):
                raise UnsafeArchive(f"entry '{member.name}' is not a file or directory")
            if rel is not None:
                checked.append((rel, member))
        check_layout((rel, member.isdir(), member.name) for rel, member in checked)
        for rel, member in checked:
            yield rel, member.isdir(), member.mode, None if member.isdir() else tar.extractfile(member)


def _zip_entries(archive: Path, strip: str | None) -> Iterator[_Entry]:
    with zipfile.ZipFile(archive) as zf:
        checked = []
        for info in zf.infolist():
            rel = member_path(info.filename, strip)
            if stat.S_ISLNK(info.external_attr >> 16):
                raise UnsafeArchive(f"entry '{info.filename}' is a link")
            if rel is not None:
                checked.append((rel, info))
        check_layout((rel, info.is_dir(), info.filename) for rel, info in checked)
        for rel, info in checked:
            mode = (info.external_attr >> 16) or 0o644
            if info.is_dir():
                yield rel, True, mode, None
            else:
                with zf.open(info) as fh:
                    yield rel, False, mode, fh


def extract(
    archive: Path,
    dest: Path,
    *,
    strip: str | None = None,
    into: str | None = None,
    skip: Callable[[PurePosixPath], bool] | None = None,
) -> Path:
    """Extract a .zip or tar archive into ``dest`` (which must not exist yet), all or nothing.

    ``strip`` removes a top directory every entry must be under; ``into`` puts every entry
    under a subdirectory of ``dest`` instead; ``skip`` leaves out entries it returns True for.
    The archive is extracted into a temporary sibling of ``dest`` that is renamed to ``dest``
    when complete. If ``dest`` appeared meanwhile (another process extracted the same archive),
    that one is kept. Raises :class:`UnsafeArchive` before writing anything.
    """
    archive, dest = Path(archive), Path(dest)
    if zipfile.is_zipfile(archive):
        entries = _zip_entries(archive, strip)
    elif tarfile.is_tarfile(archive):
        entries = _tar_entries(archive, strip)
    else:
        raise UnsafeArchive("not a zip or tar archive", NOT_AN_ARCHIVE)
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".extract-", dir=dest.parent))
    try:
        for rel, is_dir, mode, fh in entries:
            if skip is not None and skip(rel):
                continue
            target = tmp.joinpath(*((into,) if into else ()), *rel.parts)
            if is_dir:
                target.mkdir(parents=True, exist_ok=True)
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            with open(target, "wb") as out:
                shutil.copyfileobj(fh, out)
            if mode & 0o111:
                target.chmod(0o755)
        try:
            os.replace(tmp, dest)
        except OSError:
            if not dest.is_dir():
                raise
            shutil.rmtree(tmp)  # another process extracted the same archive first
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return dest
