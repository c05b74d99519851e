"""The ``.conda`` writer's tar is what ``tarfile`` writes in PAX format, byte for byte."""

from __future__ import annotations

import hashlib
import io
import os
import stat
import tarfile
from pathlib import Path

from ayon_conda.build.conda_archive import tar_files, tree_files


def tarfile_pax(root: Path, files: list[str], mtime: int) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for rel in files:
            path = root / rel
            info = tarfile.TarInfo(rel)
            info.size, info.mtime = path.stat().st_size, mtime
            info.mode = 0o755 if path.stat().st_mode & stat.S_IXUSR else 0o644
            info.uid = info.gid = 0
            info.uname = info.gname = ""
            with open(path, "rb") as fh:
                tar.addfile(info, fh)
    return buf.getvalue()


def test_the_fast_writer_writes_what_tarfile_writes(tmp_path: Path):
    names = ["a.py", "sub/b.txt", "x" * 99 + ".py", "deep/" + "y" * 120 + "/z.py", "ünï/çødé.txt", "empty"]
    for i, name in enumerate(names):
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(os.urandom(i * 700))
    os.chmod(tmp_path / "a.py", 0o755)
    files = tree_files(tmp_path)
    tarred = tar_files(tmp_path, files, 1700000000)
    assert tarred.data == tarfile_pax(tmp_path, files, 1700000000)
    assert tarred.digests["a.py"] == (hashlib.sha256((tmp_path / "a.py").read_bytes()).hexdigest(), 0)
