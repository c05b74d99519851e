"""Safe extraction of addon archives and directory tree hashes."""

from __future__ import annotations

import stat
import zipfile
from pathlib import Path

import pytest
from ayon_conda.errors import AyonCondaError
from ayon_conda.pin.source_archives import safe_extract, tree_sha256
from support.factories import tar_with


def _zip(path: Path, entries: list[tuple[zipfile.ZipInfo | str, bytes]]) -> Path:
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in entries:
            zf.writestr(name, data)
    return path


def test_zip_extracts_under_strip_and_into(tmp_path: Path):
    archive = _zip(tmp_path / "a.zip", [("ayon_core/__init__.py", b"x = 1\n"), ("ayon_core/lib/a.py", b"")])
    dest = safe_extract(archive, tmp_path / "out", origin="a.zip", into="client")
    assert (dest / "client" / "ayon_core" / "__init__.py").read_bytes() == b"x = 1\n"
    assert (dest / "client" / "ayon_core" / "lib" / "a.py").exists()


def test_tar_strip_and_ignored_files(tmp_path: Path):
    archive = tar_with(tmp_path / "a.tar.gz", [("top/package.py", b"name = 'x'\n"),
                                               ("top/client/x/__pycache__/m.cpython-311.pyc", b"\0")])
    dest = safe_extract(archive, tmp_path / "out", origin="a", strip="top")
    assert (dest / "package.py").exists()
    assert not list(dest.rglob("__pycache__"))


@pytest.mark.parametrize("name, problem", [("/abs.py", "absolute path"), ("a/../../b.py", "'..'"),
                                          ("C:/windows.py", "absolute path")])
def test_zip_with_unsafe_names_is_refused_whole(tmp_path: Path, name: str, problem: str):
    archive = _zip(tmp_path / "a.zip", [("good.py", b""), (name, b"")])
    with pytest.raises(AyonCondaError, match=problem):
        safe_extract(archive, tmp_path / "out", origin="a.zip")
    assert not (tmp_path / "out").exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".extract-")]


def test_zip_symlink_is_refused(tmp_path: Path):
    link = zipfile.ZipInfo("evil")
    link.external_attr = (stat.S_IFLNK | 0o777) << 16
    archive = _zip(tmp_path / "a.zip", [(link, b"/etc/passwd")])
    with pytest.raises(AyonCondaError, match="is a link"):
        safe_extract(archive, tmp_path / "out", origin="a.zip")


def test_entry_outside_the_stripped_directory_is_refused(tmp_path: Path):
    archive = tar_with(tmp_path / "a.tar.gz", [("top/a.py", b""), ("other/b.py", b"")])
    with pytest.raises(AyonCondaError, match="outside the top directory 'top'"):
        safe_extract(archive, tmp_path / "out", origin="a", strip="top")


def test_not_an_archive(tmp_path: Path):
    junk = tmp_path / "junk.tar.gz"
    junk.write_bytes(b"definitely not an archive")
    with pytest.raises(AyonCondaError, match="not a zip or tar archive"):
        safe_extract(junk, tmp_path / "out", origin=str(junk))


def test_tree_hash_covers_content_and_names_but_not_bytecode(tmp_path: Path):
    (tmp_path / "a" / "pkg").mkdir(parents=True)
    (tmp_path / "a" / "pkg" / "m.py").write_text("x = 1\n")
    first = tree_sha256(tmp_path / "a", "a")
    (tmp_path / "a" / "pkg" / "__pycache__").mkdir()
    (tmp_path / "a" / "pkg" / "__pycache__" / "m.cpython-311.pyc").write_bytes(b"\0")
    assert tree_sha256(tmp_path / "a", "a") == first
    (tmp_path / "a" / "pkg" / "m.py").write_text("x = 2\n")
    assert tree_sha256(tmp_path / "a", "a") != first
    (tmp_path / "a" / "pkg" / "m.py").write_text("x = 1\n")
    (tmp_path / "a" / "pkg" / "m.py").rename(tmp_path / "a" / "pkg" / "n.py")
    assert tree_sha256(tmp_path / "a", "a") != first


def test_tree_with_a_symlink_is_refused(tmp_path: Path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "link.py").symlink_to("/etc/hostname")
    with pytest.raises(AyonCondaError, match="is a symlink"):
        tree_sha256(tmp_path / "a", "a")
