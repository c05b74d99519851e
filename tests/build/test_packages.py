"""The second package of a lock, ayon-publish-core: same build, core alone, activation scripts."""

from __future__ import annotations

import asyncio
import json
import shutil
from pathlib import Path

import pytest
from ayon_publish_submit.pin_scheme import spec_for_addons
from conftest import error_line, json_out, run_cli
from test_build import read_package

pytestmark = pytest.mark.network

PKG = "site-packages/ayon_publish/"
SCRIPTS = [f"etc/conda/{kind}.d/ayon-publish-core.{ext}" for kind in ("activate", "deactivate") for ext in ("bat", "ps1", "sh")]


@pytest.fixture(scope="module")
def core_contents(sample_core_package: Path) -> dict[str, bytes]:
    return read_package(sample_core_package)


def test_build_json_lists_both_packages(sample_lock: Path, tmp_path: Path):
    out = json_out(run_cli("build", sample_lock, "-o", tmp_path, "--json"))
    assert [p["name"] for p in out["packages"]] == ["ayon-publish", "ayon-publish-core"]
    assert out["path"] == out["packages"][0]["path"]  # the top level stays the full package
    core = out["packages"][1]
    assert core["spec"] == spec_for_addons("ayon-publish-core", {"core": "1.9.0-sample.1"})
    assert Path(core["path"]).name == core["exact_spec"].replace(" ==", "-").replace(" ", "-") + ".conda"


def test_core_package_is_core_and_vendored_libraries_only(core_contents, contents_of_full):
    files = sorted(k for k in core_contents if not k.startswith("info/"))
    addons = {f.split("/")[3] for f in files if f.startswith(f"{PKG}addons/")}
    assert addons == {"core_1.9.0-sample.1"}
    vendored = {f for f in files if f.startswith(f"{PKG}vendor/")}
    assert vendored == {f for f in contents_of_full if f.startswith(f"{PKG}vendor/")}
    for module in ("addon_sync.py", "addon_store.py", "file_lock.py", "names.py", "safe_archive.py", "shell_env.py",
                   "bootstrap.py"):
        assert f"{PKG}{module}" in files
    assert f"{PKG}addon_sync.py" not in contents_of_full  # the full package has no sync
    assert [f for f in files if not f.startswith(PKG)] == SCRIPTS
    info = json.loads(core_contents[f"{PKG}build_info.json"])
    assert info["package"]["name"] == "ayon-publish-core" and set(info["addons"]) == {"core"}


def test_core_package_metadata(core_contents, sample_lock: Path):
    lock = json.loads(sample_lock.read_text())
    index = json.loads(core_contents["info/index.json"])
    assert index["name"] == "ayon-publish-core" and index["noarch"] == "python"
    assert index["version"] == "1.9.0_sample.1"
    assert index["depends"] == [lock["run_requirements"][0], *sorted([*lock["run_requirements"][1:], "boto3 >=1.28"])]
    assert index["constrains"] == ["ayon-publish <0.0a0"]
    assert json.loads(core_contents["info/link.json"])["noarch"]["entry_points"] == ["ayon = ayon_publish.bootstrap:main"]
    about = json.loads(core_contents["info/about.json"])
    assert [c["name"] for c in about["extra"]["components"] if c["kind"] == "addon"] == ["core"]
    assert about["extra"]["pin"]["spec"] == spec_for_addons("ayon-publish-core", {"core": "1.9.0-sample.1"})
    assert "synced from S3" in about["summary"]
    paths = {p["_path"] for p in json.loads(core_contents["info/paths.json"])["paths"]}
    assert set(SCRIPTS) <= paths


def test_installer_refuses_both_packages_in_one_environment(sample_package: Path, sync_channel: str, tmp_path: Path):
    from rattler import Channel, Gateway, Subdir, VirtualPackage, solve
    from rattler.index import index_fs

    local = tmp_path / "channel"
    shutil.copytree(sample_package.parent, local / "noarch")
    asyncio.run(index_fs(local, write_zst=False, write_shards=False))

    async def solve_for(*specs: str):
        return await solve(sources=[Channel(local.as_uri()), Channel(sync_channel)], specs=list(specs),
                           gateway=Gateway(cache_dir=tmp_path / "gw"), platforms=[Subdir.current(), Subdir("noarch")],
                           virtual_packages=VirtualPackage.detect())

    names = {r.name.normalized for r in asyncio.run(solve_for("ayon-publish-core"))}
    assert {"ayon-publish-core", "boto3", "botocore", "python"} <= names and "ayon-publish" not in names
    with pytest.raises(Exception, match="ayon-publish"):
        asyncio.run(solve_for("ayon-publish", "ayon-publish-core"))


def test_stage_command_writes_the_core_package(sample_lock: Path, core_contents, tmp_path: Path):
    prefix = tmp_path / "prefix"
    out = json_out(run_cli("stage", sample_lock, "--package", "ayon-publish-core", "--site-packages", prefix / "sp",
                           "--prefix", prefix, "--json"))
    assert out["package"] == "ayon-publish-core"
    staged = {"site-packages/" + p.relative_to(prefix / "sp").as_posix(): p.read_bytes()
              for p in (prefix / "sp").rglob("*") if p.is_file()}
    staged.update({p.relative_to(prefix).as_posix(): p.read_bytes() for p in (prefix / "etc").rglob("*") if p.is_file()})
    assert staged == {k: v for k, v in core_contents.items() if not k.startswith("info/")}


def test_stage_needs_a_prefix_for_the_activation_scripts_and_a_known_package(sample_lock: Path, tmp_path: Path):
    line = error_line(run_cli("stage", sample_lock, "--package", "ayon-publish-core", "--site-packages", tmp_path / "sp",
                              code=1))
    assert "activation scripts" in line and "--prefix" in line
    line = error_line(run_cli("stage", sample_lock, "--package", "ayon-nope", "--site-packages", tmp_path / "sp", code=1))
    assert "ayon-publish, ayon-publish-core" in line


@pytest.fixture(scope="module")
def contents_of_full(sample_package: Path) -> dict[str, bytes]:
    return read_package(sample_package)
