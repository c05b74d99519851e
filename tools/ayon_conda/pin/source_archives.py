"""Reading addon sources safely: archive extraction and directory tree hashes.

The extraction rules (every entry checked first, the whole archive refused if one entry is
unsafe, renamed into place only when complete) are implemented once, in the shipped
:mod:`ayon_publish.safe_archive`, which the worker-side addon sync uses too; this module turns
its refusals into :class:`AyonCondaError` lines and leaves build by-products out.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from pathlib import Path, PurePosixPath

from ayon_publish import safe_archive

from ayon_conda.cache import sha256_file
from ayon_conda.errors import AyonCondaError

#: Never part of an addon: build by-products and VCS metadata.
IGNORED_NAMES = frozenset({"__pycache__", ".git", ".hg", ".svn", ".DS_Store"})
IGNORED_SUFFIXES = (".pyc", ".pyo")
_FIXES = {
    safe_archive.UNSAFE: "the archive is unsafe; check where it came from",
    safe_archive.OUTSIDE_STRIP: "fix 'strip' in the component config",
    safe_archive.NOT_AN_ARCHIVE: "point the source at an archive or a directory",
}


def is_ignored(relpath: PurePosixPath) -> bool:
    return any(part in IGNORED_NAMES for part in relpath.parts) or relpath.name.endswith(IGNORED_SUFFIXES)


def safe_extract(
    archive: Path, dest: Path, *, origin: str, strip: str | None = None, into: str | None = None
) -> Path:
    """Extract a .zip or tar archive into ``dest`` (which must not exist yet), all or nothing.

    ``strip`` removes a top directory every entry must be under; ``into`` puts every entry
    under a subdirectory of ``dest`` instead (a server's client.zip lands in ``client/``).
    """
    try:
        return safe_archive.extract(archive, dest, strip=strip, into=into, skip=is_ignored)
    except safe_archive.UnsafeArchive as exc:
        raise AyonCondaError(origin, exc.problem, _FIXES[exc.kind]) from None


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
