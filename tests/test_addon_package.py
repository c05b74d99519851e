"""``ayon_conda.dev.addon_package``: the addon zip an AYON server installs, built from the samples.

That a real server installs it and serves its client code is what tests/e2e proves; here: the
layout ayon-core's create_package.py gives (package.py, server/, private/client.zip with the
client package, private/pyproject.toml), the same bytes from the same tree, and the settings
defaults read from the server part without importing it."""

from __future__ import annotations

import io
import os
import shutil
import zipfile
from pathlib import Path

import pytest
from ayon_conda.dev.addon_package import addon_zip, client_zip, default_settings, main
from conftest import EXAMPLES

DEADLINE = EXAMPLES / "addons" / "sample-ayon-deadline-cloud"
CORE = EXAMPLES / "addons" / "sample-ayon-core"


def test_the_zip_has_the_layout_a_server_installs():
    name, data = addon_zip(DEADLINE)
    assert name == "deadline_cloud-0.2.0-sample.1.zip"
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        names = zf.namelist()
        client = zipfile.ZipFile(io.BytesIO(zf.read("private/client.zip")))
        assert zf.read("private/pyproject.toml") == (DEADLINE / "client" / "pyproject.toml").read_bytes()
    assert names == ["package.py", "server/__init__.py", "server/settings.py", "private/client.zip",
                     "private/pyproject.toml"]
    assert "ayon_deadline_cloud/__init__.py" in client.namelist()
    assert all(n.startswith("ayon_deadline_cloud/") and "__pycache__" not in n for n in client.namelist())


def test_the_same_tree_gives_the_same_bytes(tmp_path: Path):
    copy = tmp_path / "addon"
    shutil.copytree(DEADLINE, copy)
    for path in copy.rglob("*"):
        os.utime(path, (1_900_000_000, 1_900_000_000))
    (copy / "client" / "ayon_deadline_cloud" / "__pycache__").mkdir(exist_ok=True)
    (copy / "client" / "ayon_deadline_cloud" / "__pycache__" / "x.cpython-311.pyc").write_bytes(b"junk")
    assert addon_zip(copy) == addon_zip(DEADLINE)
    client = copy / "client" / "ayon_deadline_cloud"
    with zipfile.ZipFile(io.BytesIO(client_zip(client))) as zf:
        assert {info.date_time for info in zf.infolist()} == {(1980, 1, 1, 0, 0, 0)}


def test_settings_defaults_come_from_the_server_part():
    assert default_settings(DEADLINE)["conda_channels"] == "deadline-cloud"
    assert default_settings(CORE)["publish"]["ValidateCurrentSaveFile"] == {"enabled": True}


def test_a_tree_without_a_server_part_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture):
    copy = tmp_path / "addon"
    shutil.copytree(DEADLINE, copy)
    shutil.rmtree(copy / "server")
    assert main([str(copy), "-o", str(tmp_path / "out")]) == 1
    assert capsys.readouterr().err.strip() == f"error: {copy}: no server/__init__.py (an AYON server loads the addon from it)"
    assert not (tmp_path / "out").exists()
    assert main([str(DEADLINE), "-o", str(tmp_path / "out")]) == 0
    assert (tmp_path / "out" / "deadline_cloud-0.2.0-sample.1.zip").is_file()
