"""Reading addon sources safely: archive extraction and directory tree hashes.

Extraction is done member by member rather than with ``extractall``: every entry is checked
first (no absolute path, no ``..``, no symlink, hardlink or device), the whole archive is
refused if one entry is bad, and the result is renamed into place only when complete. The
stdlib's ``tarfile`` data filter would silently rewrite or skip some of these instead of
refusing the archive, and does not cover zip files.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import stat
import tarfile
import tempfile
import zipfile
from collections.abc import Iterator
from pathlib import Path, PurePosixPath

from .cache import sha256_file
from .errors import AyonCondaError

#: Never part of an addon: build by-products and VCS metadata.
IGNORED_NAMES = frozenset({"__pycache__", ".git", ".hg", ".svn", ".DS_Store"})
IGNORED_SUFFIXES = (".pyc", ".pyo")
_UNSAFE = "the archive is unsafe; check where it came from"


def is_ignored(relpath: PurePosixPath) -> bool:
    return any(part in IGNORED_NAMES for part in relpath.parts) or relpath.name.endswith(IGNORED_SUFFIXES)


def _member_path(name: str, origin: str, strip: str | None) -> PurePosixPath | None:
    """The safe relative path of an entry, or None when it is the stripped top directory."""
    posix = name.replace("\\", "/")
    path = PurePosixPath(posix)
    if posix.startswith("/") or (len(posix) > 1 and posix[1] == ":"):
        raise AyonCondaError(origin, f"entry '{name}' has an absolute path", _UNSAFE)
    if ".." in path.parts:
        raise AyonCondaError(origin, f"entry '{name}' has a '..' component", _UNSAFE)
    parts = [p for p in path.parts if p not in ("", ".")]
    if strip:
        if not parts or parts[0] != strip:
            raise AyonCondaError(origin, f"entry '{name}' is outside the top directory '{strip}'", "fix 'strip' in the component config")
        parts = parts[1:]
    return PurePosixPath(*parts) if parts else None


def _tar_entries(archive: Path, origin: str, strip: str | None) -> Iterator[tuple[PurePosixPath, bool, int, object]]:
    with tarfile.open(archive) as tar:
        members = tar.getmembers()
        checked = []
        for member in members:
            rel = _member_path(member.name, origin, strip)
            if member.issym() or member.islnk():
                raise AyonCondaError(origin, f"entry '{member.name}' is a link", _UNSAFE)
            if not (member.isfile() or member.isdir()):
                raise AyonCondaError(origin, f"entry '{member.name}' is not a file or directory", _UNSAFE)
            if rel is not None:
                checked.append((rel, member))
        for rel, member in checked:
            if member.isdir():
                yield rel, True, member.mode, None
            else:
                yield rel, False, member.mode, tar.extractfile(member)


def _zip_entries(archive: Path, origin: str, strip: str | None) -> Iterator[tuple[PurePosixPath, bool, int, object]]:
    with zipfile.ZipFile(archive) as zf:
        checked = []
        for info in zf.infolist():
            rel = _member_path(info.filename, origin, strip)
            mode = info.external_attr >> 16
            if stat.S_ISLNK(mode):
                raise AyonCondaError(origin, f"entry '{info.filename}' is a link", _UNSAFE)
            if rel is not None:
                checked.append((rel, info))
        for rel, info in checked:
            mode = (info.external_attr >> 16) or 0o644
            if info.is_dir():
                yield rel, True, mode, None
            else:
                with zf.open(info) as fh:
                    yield rel, False, mode, fh


def safe_extract(
    archive: Path, dest: Path, *, origin: str, strip: str | None = None, into: str | None = None
) -> Path:
    """Extract a .zip or tar archive into ``dest`` (which must not exist yet), all or nothing.

    ``strip`` removes a top directory every entry must be under; ``into`` puts every entry
    under a subdirectory of ``dest`` instead (a server's client.zip lands in ``client/``).
    """
    if zipfile.is_zipfile(archive):
        entries = _zip_entries(archive, origin, strip)
    elif tarfile.is_tarfile(archive):
        entries = _tar_entries(archive, origin, strip)
    else:
        raise AyonCondaError(origin, "not a zip or tar archive", "point the source at an archive or a directory")
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".extract-", dir=dest.parent))
    try:
        for rel, is_dir, mode, fh in entries:
            if is_ignored(rel):
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


def iter_tree(root: Path, origin: str) -> Iterator[tuple[PurePosixPath, Path]]:
    """Files of a directory tree in sorted order, ignoring build by-products; refuses links."""
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d not in IGNORED_NAMES)
        for name in sorted(filenames):
            path = Path(dirpath, name)
            rel = PurePosixPath(path.relative_to(root).as_posix())
            if is_ignored(rel):
                continue
            if path.is_symlink():
                raise AyonCondaError(origin, f"'{rel}' is a symlink", "addon sources must be plain files")
            yield rel, path
        for name in dirnames:
            if Path(dirpath, name).is_symlink():
                raise AyonCondaError(origin, f"'{Path(dirpath, name).relative_to(root)}' is a symlink", "addon sources must be plain files")


def tree_sha256(root: Path, origin: str) -> str:
    """sha256 of a directory: over ``<file sha256>  <posix path>`` lines in sorted path order."""
    manifest = "".join(f"{sha256_file(path)}  {rel}\n" for rel, path in iter_tree(root, origin))
    return hashlib.sha256(manifest.encode("utf-8")).hexdigest()
