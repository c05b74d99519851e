"""Writing ``.conda`` archives with reproducible bytes (DESIGN decision 7).

A ``.conda`` file is an uncompressed zip holding ``metadata.json`` and two zstd-compressed
tars, ``pkg-<stem>.tar.zst`` (the files) and ``info-<stem>.tar.zst`` (``info/``).
conda-package-streaming's ``conda_builder`` writes the same layout but stamps the zip entries
with the current time and writes straight to the final path; here every field that could vary
is fixed: entries sorted, mtime from ``SOURCE_DATE_EPOCH``, uid/gid 0 and no names, modes
0644/0755, zip dates and host system fixed, and the file is written under a temporary name and
renamed into place, so a failed build leaves nothing behind.

Compression: zstd in multi-threaded mode with a fixed job size. zstd's multi-threaded output
depends on the level and job size but not on the number of workers (0 would select the different
single-threaded format, so there is always at least one), so the bytes are the same on any machine
while a 2-core builder compresses about twice as fast. The default level is 6: on the 20 MB
payload of real ayon-core 1.9.5 (2 cores) it writes 4.48 MB in 0.18 s, where level 12 takes
0.83 s for 4.27 MB and conda's usual 19 takes 27 s for 3.86 MB; compression was most of a warm
build of a real tree at 12. ``ayon-conda build --compression-level`` chooses another; the level
is part of the output bytes, so rebuilds that must be identical use the same one.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
import tarfile
import tempfile
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from ayon_conda.reproducible_zip import zip_entry

try:  # Python 3.14+
    from compression import zstd
except ImportError:  # pragma: no cover - older Pythons
    from backports import zstd

ZSTD_LEVEL = 6
ZSTD_JOB_SIZE = 4 << 20  # part of the output format: changing it changes the bytes


def tree_files(root: Path) -> list[str]:
    """Every file under ``root`` as a relative posix path, sorted as strings."""
    found = []
    for dirpath, _, filenames in os.walk(root):
        rel_dir = os.path.relpath(dirpath, root).replace(os.sep, "/")
        prefix = "" if rel_dir == "." else rel_dir + "/"
        found.extend(prefix + name for name in filenames)
    return sorted(found)


def _header(info: tarfile.TarInfo) -> bytes:
    """The member header ``tarfile`` writes in PAX format, written faster for the usual member.

    In PAX format, a member whose name is ASCII and at most 100 bytes (and whose numbers fit,
    as ours always do) gets a plain USTAR header: ``TarInfo.tobuf`` in USTAR format gives those
    bytes directly, skipping ``TarFile.addfile``'s copy and PAX checks (a fifth of a warm build
    of a real tree). Every other member goes through the PAX writer.
    """
    name = info.name
    if name.isascii() and len(name) <= tarfile.LENGTH_NAME and info.size < 8 ** 11:
        return info.tobuf(tarfile.USTAR_FORMAT, "ascii", "strict")
    return info.tobuf(tarfile.PAX_FORMAT, "utf-8", "surrogateescape")


@dataclass(frozen=True)
class TarredFiles:
    """Files read once: their tar, and each one's sha256 and size (what ``paths.json`` records)."""

    data: bytes
    digests: Mapping[str, tuple[str, int]]


def payload_files(root: Path) -> list[str]:
    """Every file under ``root`` that is not ``info/``, sorted: a package's payload."""
    return [f for f in tree_files(root) if not f.startswith("info/")]


#: A member's tar bytes and digest, by (path in the tar, device, inode, size, mtime, mode) of the
#: file it was read from: the packages of one build link the same files (see ``tar_files``).
TarMemo = dict[tuple, tuple[list[bytes], tuple[str, int]]]


def tar_files(root: Path, files: list[str], mtime: int, memo: TarMemo | None = None) -> TarredFiles:
    """A PAX-format tar of ``files`` (byte for byte what ``tarfile`` writes for these members),
    hashing each file on the same read.

    ``memo``: members already made from the same file (same inode, size, mtime and mode) under
    the same path are reused instead of read again: the two packages of a build share most of
    their files as hard links of one tree.
    """
    chunks: list[bytes] = []
    digests = {}
    for rel in files:
        path = os.path.join(root, rel)
        if memo is not None:
            st = os.stat(path)
            key = (rel, mtime, st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_mode)
            if key in memo:
                member, digests[rel] = memo[key]
                chunks += member
                continue
        with open(path, "rb") as fh:
            data = fh.read()
            mode = os.fstat(fh.fileno()).st_mode
        digests[rel] = (hashlib.sha256(data).hexdigest(), len(data))
        info = tarfile.TarInfo(rel)
        info.size = len(data)
        info.mtime = mtime
        info.mode = 0o755 if mode & stat.S_IXUSR else 0o644
        info.uid = info.gid = 0
        info.uname = info.gname = ""
        member = [_header(info), data, tarfile.NUL * (-len(data) % tarfile.BLOCKSIZE)]
        chunks += member
        if memo is not None:
            memo[key] = (member, digests[rel])
    chunks.append(tarfile.NUL * (tarfile.BLOCKSIZE * 2))  # end of archive
    size = sum(len(c) for c in chunks)
    chunks.append(tarfile.NUL * (-size % tarfile.RECORDSIZE))
    return TarredFiles(b"".join(chunks), digests)


def _compress(data: bytes, level: int) -> bytes:
    options = {
        zstd.CompressionParameter.compression_level: level,
        zstd.CompressionParameter.nb_workers: max(1, min(os.cpu_count() or 1, 8)),
        zstd.CompressionParameter.job_size: ZSTD_JOB_SIZE,
    }
    return zstd.compress(data, options=options)


def write_conda(root: Path, out_path: Path, stem: str, mtime: int, level: int = ZSTD_LEVEL,
                payload: TarredFiles | None = None) -> Path:
    """Archive every file under ``root`` as package ``stem`` into ``out_path``, atomically.

    ``payload``: the payload already tarred (by :func:`tar_files` with the same ``mtime``), as a
    build that needed its digests for ``paths.json`` has it.
    """
    info = [f for f in tree_files(root) if f.startswith("info/")]
    if payload is None:
        payload = tar_files(root, payload_files(root), mtime)
    members = [
        ("metadata.json", json.dumps({"conda_pkg_format_version": 2}).encode()),
        (f"pkg-{stem}.tar.zst", _compress(payload.data, level)),
        (f"info-{stem}.tar.zst", _compress(tar_files(root, info, mtime).data, level)),
    ]
    fd, tmp = tempfile.mkstemp(prefix=f".{stem}.", suffix=".partial", dir=out_path.parent)
    try:
        with os.fdopen(fd, "wb") as fh, zipfile.ZipFile(fh, "w") as zf:
            for name, data in members:
                zf.writestr(zip_entry(name, mtime), data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, out_path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return out_path
