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


def test_members_reused_from_a_linked_tree_give_the_same_tar(tmp_path: Path):
    """A second tree that links the first's files (as the packages of a build do) is tarred from
    the memo, and the result is what reading it would give; a changed file is read again."""
    first, second = tmp_path / "a", tmp_path / "b"
    for name in ("x.py", "sub/y.txt"):
        (first / name).parent.mkdir(parents=True, exist_ok=True)
        (first / name).write_text(name * 50)
        (second / name).parent.mkdir(parents=True, exist_ok=True)
        os.link(first / name, second / name)
    (second / "own.txt").write_text("only here")
    memo: dict = {}
    tar_files(first, tree_files(first), 0, memo)
    files = tree_files(second)
    assert tar_files(second, files, 0, memo) == tar_files(second, files, 0)
    (second / "sub" / "y.txt").unlink()
    (second / "sub" / "y.txt").write_text("changed")
    assert tar_files(second, files, 0, memo).data == tarfile_pax(second, files, 0)


def test_member_modes_are_0644_or_0755_whatever_the_disk_says(tmp_path: Path):
    """Reproducible bytes across umasks and checkouts: only the owner's execute bit counts."""
    on_disk = {"private.py": 0o600, "shared.txt": 0o664, "tool": 0o775, "owner-only": 0o700, "odd": 0o751}
    for name, mode in on_disk.items():
        (tmp_path / name).write_text(name)
        os.chmod(tmp_path / name, mode)
    tarred = tar_files(tmp_path, tree_files(tmp_path), 0)
    with tarfile.open(fileobj=io.BytesIO(tarred.data)) as tar:
        modes = {member.name: member.mode for member in tar.getmembers()}
    assert modes == {"private.py": 0o644, "shared.txt": 0o644, "tool": 0o755, "owner-only": 0o755, "odd": 0o755}
