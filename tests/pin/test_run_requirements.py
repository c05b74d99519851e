"""Compiled run requirements are proven installable for each Python in the package's range.

The channels here are real conda channels on disk, indexed by py-rattler and solved by it: a
``python`` for several minor versions and a compiled package whose builds stop at one of them,
as conda-forge's pillow 9.5.0 stops at Python 3.11.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from ayon_conda.dev.tiny_package import make_package
from ayon_conda.errors import AyonCondaError
from ayon_conda.pin.run_requirements import check_run_requirements, python_spec
from ayon_conda.progress import SILENT
from conftest import refused, run_cli
from support.factories import core_setup


def channel(root: Path, subdirs=("linux-64", "win-64"), pythons=("3.9", "3.10", "3.11", "3.12", "3.13"),
            pillow_pythons=("3.9", "3.10", "3.11")) -> str:
    """A channel with python of each version and pillow 9.5.0 built for some of them."""
    from rattler.index import index_fs

    for subdir in subdirs:
        for minor in pythons:
            make_package(root / subdir, "python", f"{minor}.1", subdir=subdir)
        for n, minor in enumerate(pillow_pythons):
            make_package(root / subdir, "pillow", "9.5.0", n, subdir=subdir,
                         depends=[f"python >={minor},<{minor.split('.')[0]}.{int(minor.split('.')[1]) + 1}"])
    (root / "noarch").mkdir(exist_ok=True)
    asyncio.run(index_fs(root, write_zst=False, write_shards=False))
    return str(root)


def test_python_is_narrowed_to_where_every_requirement_installs(tmp_path: Path):
    found = check_run_requirements(["pillow ==9.5.0"], ">=3.9", [channel(tmp_path / "ch")], SILENT)
    assert found.python == ">=3.9,<3.12" and found.solved == ("3.9", "3.10", "3.11")
    assert set(found.refused) == {"3.12", "3.13"}
    assert "linux-64: pillow ==9.5.0" in found.refused["3.12"] and "win-64: pillow ==9.5.0" in found.refused["3.12"]
    assert found.unchecked_subdirs == ()


def test_the_declared_range_bounds_what_is_checked(tmp_path: Path):
    found = check_run_requirements(["pillow ==9.5.0"], ">=3.10", [channel(tmp_path / "ch")], SILENT)
    assert found.solved == ("3.10", "3.11") and found.python == ">=3.10,<3.12"


def test_a_platform_the_channel_lacks_is_named_not_checked(tmp_path: Path):
    found = check_run_requirements(["pillow ==9.5.0"], ">=3.9", [channel(tmp_path / "ch", subdirs=("linux-64",))], SILENT)
    assert found.unchecked_subdirs == ("win-64",) and found.python == ">=3.9,<3.12"


def test_no_python_that_installs_fails_naming_the_requirement_and_versions(tmp_path: Path):
    ch = channel(tmp_path / "ch", pillow_pythons=("3.8",), pythons=("3.8", "3.9", "3.10"))
    with pytest.raises(AyonCondaError) as caught:
        check_run_requirements(["pillow ==9.5.0"], ">=3.9", [ch], SILENT)
    line = str(caught.value)
    assert "no Python in >=3.9 installs the run requirements" in line
    assert "python 3.9: linux-64: pillow ==9.5.0" in line and "python 3.10" in line


def test_nothing_compiled_nothing_to_check(tmp_path: Path):
    assert check_run_requirements([], ">=3.9", ["/nonexistent"], SILENT) is None


def test_noncontiguous_ranges_are_written_as_alternatives():
    assert python_spec(["3.9", "3.10", "3.12"]) == ">=3.9,<3.11|>=3.12,<3.13"


@pytest.mark.network  # uv resolves Pillow against PyPI
def test_pin_records_the_check_in_the_lock_and_the_package(tmp_path: Path):
    bundle, config = core_setup(tmp_path, runtime={"Pillow": "9.5.0"}, conda_names={"pillow": "pillow"})
    ch = channel(tmp_path / "ch")
    lock_path = tmp_path / "lock.json"
    run_cli("pin", bundle, "--config", config, "-o", lock_path, "--channel", ch, "--quiet")
    lock = json.loads(lock_path.read_text())
    assert lock["run_requirements"] == ["python >=3.9,<3.12", "pillow ==9.5.0"]
    assert lock["run_check"]["solved"] == ["3.9", "3.10", "3.11"] and lock["run_check"]["channels"] == [ch]
    out = run_cli("build", lock_path, "-o", tmp_path / "dist", "--json").stdout
    from conda_package_streaming.package_streaming import stream_conda_info

    with open(json.loads(out)["path"], "rb") as fh:
        members = {m.name: tar.extractfile(m).read() for tar, m in stream_conda_info(json.loads(out)["path"], fh)
                   if m.name in ("info/index.json", "info/about.json")}
    assert json.loads(members["info/index.json"])["depends"][0] == "python >=3.9,<3.12"
    about = json.loads(members["info/about.json"])["extra"]
    assert about["compatibility"]["python"] == ">=3.9,<3.12" and about["run_check"]["refused"]["3.12"]


@pytest.mark.network
def test_pin_refuses_when_nothing_installs_and_can_be_told_to_skip(tmp_path: Path):
    bundle, config = core_setup(tmp_path, runtime={"Pillow": "9.5.0"}, conda_names={"pillow": "pillow"})
    ch = channel(tmp_path / "ch", pillow_pythons=())
    result = run_cli("pin", bundle, "--config", config, "-o", tmp_path / "lock.json", "--channel", ch, code=1)
    refused(result, "no Python in >=3.9 installs the run requirements", "pillow ==9.5.0")
    assert not (tmp_path / "lock.json").exists()
    run_cli("pin", bundle, "--config", config, "-o", tmp_path / "lock.json", "--skip-run-check", "--quiet")
    lock = json.loads((tmp_path / "lock.json").read_text())
    assert lock["run_check"]["skipped"] is True and lock["run_requirements"][0] == "python >=3.9"
