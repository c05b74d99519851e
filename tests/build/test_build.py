"""``ayon-conda build`` (native backend): contents, metadata and reproducible bytes."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conda_package_streaming.package_streaming import stream_conda_component
from conftest import json_out, refused, run_cli

pytestmark = pytest.mark.network


def read_package(path: Path) -> dict[str, bytes]:
    """Every member of a .conda, read with conda-package-streaming (not our writer's code)."""
    files: dict[str, bytes] = {}
    for component in ("pkg", "info"):
        with open(path, "rb") as fh:
            for tar, member in stream_conda_component(path.name, fh, component):
                if member.isfile():
                    files[member.name] = tar.extractfile(member).read()
    return files


@pytest.fixture(scope="module")
def contents(sample_package: Path) -> dict[str, bytes]:
    return read_package(sample_package)


def test_packages_land_in_noarch_with_the_pinned_names(sample_package: Path, sample_lock: Path):
    from ayon_publish_submit.pin_scheme import spec_for_addons

    lock = json.loads(sample_lock.read_text())
    assert sample_package.parent.name == "noarch"
    assert sample_package.name == lock["pin"]["filename"]
    core = {"core": lock["pin"]["addon_set"]["core"]}
    core_spec = spec_for_addons("ayon-publish-core", core)  # the pin of the core alone
    core_name = core_spec.replace(" ==", "-").replace(" ", "-").replace("*", "0") + ".conda"
    # both packages of the lock, and no leftovers
    assert sorted(p.name for p in sample_package.parent.iterdir()) == sorted([sample_package.name, core_name])


def test_index_json_is_noarch_python_with_the_lock_requirements(contents, sample_lock: Path):
    lock = json.loads(sample_lock.read_text())
    index = json.loads(contents["info/index.json"])
    assert index["name"] == "ayon-publish" and index["noarch"] == "python" and index["subdir"] == "noarch"
    assert f"{index['name']} =={index['version']} {index['build']}" == lock["pin"]["exact_spec"]
    assert index["depends"] == lock["run_requirements"]
    assert index["timestamp"] == lock["package"]["source_date_epoch"] * 1000


def test_link_json_declares_the_ayon_entry_point(contents):
    link = json.loads(contents["info/link.json"])
    assert link["noarch"] == {"type": "python", "entry_points": ["ayon = ayon_publish.bootstrap:main"]}


def test_paths_json_matches_every_file(contents):
    paths = json.loads(contents["info/paths.json"])
    listed = {p["_path"]: p for p in paths["paths"]}
    payload = {k: v for k, v in contents.items() if not k.startswith("info/")}
    assert set(listed) == set(payload)
    assert contents["info/files"].decode().splitlines() == sorted(payload)
    for name, data in payload.items():
        assert listed[name]["sha256"] == hashlib.sha256(data).hexdigest()
        assert listed[name]["size_in_bytes"] == len(data)


def test_layout_vendors_privately_and_uses_ayon_addon_dirs(contents):
    files = [k for k in contents if not k.startswith("info/")]
    assert all(f.startswith("site-packages/ayon_publish/") for f in files)
    pkg = "site-packages/ayon_publish/"
    assert f"{pkg}vendor/ayon_api/__init__.py" in contents
    assert f"{pkg}vendor/pyblish/__init__.py" in contents
    assert f"{pkg}addons/core_1.9.0-sample.1/ayon_core/__init__.py" in contents
    assert f"{pkg}addons/deadline_cloud_0.2.0-sample.1/ayon_deadline_cloud/addon.py" in contents
    assert f"{pkg}bootstrap.py" in contents
    assert not any("__pycache__" in f or f.endswith(".pyc") for f in files)
    assert not any("/bin/" in f or f.startswith("python-scripts/") for f in files)  # no vendored scripts


def test_about_json_records_bundle_components_and_ranges(contents, sample_lock: Path):
    about = json.loads(contents["info/about.json"])
    extra = about["extra"]
    lock = json.loads(sample_lock.read_text())
    assert extra["bundle"]["name"] == "sample-bundle-1"
    assert extra["bundle"]["installerVersion"] == "1.5.4"
    components = {c["name"]: c for c in extra["components"]}
    assert components["core"]["version"] == "1.9.0-sample.1"
    assert components["core"]["ayon_server_version"] == ">=1.8.4,<2.0.0"
    assert components["deadline_cloud"]["ayon_launcher_version"] == ">=1.5.4"
    for dist in lock["vendored"]:
        assert components[dist["name"]]["sha256"] == dist["sha256"]
    assert extra["compatibility"]["ayon_server_version"] == ">=1.8.4,<2.0.0"
    assert extra["pin"]["spec"] == lock["pin"]["spec"]
    assert json.loads(contents["info/recipe/ayon-publish.lock.json"]) == lock


def test_build_info_names_what_was_baked(contents):
    info = json.loads(contents["site-packages/ayon_publish/build_info.json"])
    assert info["addons"]["core"] == {"version": "1.9.0-sample.1", "client_dir": "ayon_core", "dir": "core_1.9.0-sample.1"}
    assert info["bundle"] == {"name": "sample-bundle-1", "installerVersion": "1.5.4"}


def test_no_credentials_in_the_package(contents):
    for name, data in contents.items():
        assert b"AYON_API_KEY=" not in data and b"aws_secret_access_key" not in data.lower(), name


def _build_in_subprocess(lock: Path, out: Path, seed: str, cwd: Path) -> str:
    env = {**os.environ, "PYTHONHASHSEED": seed}
    env.pop("SOURCE_DATE_EPOCH", None)
    proc = subprocess.run(
        [sys.executable, "-m", "ayon_conda", "build", str(lock), "-o", str(out), "--json"],
        capture_output=True, text=True, env=env, cwd=cwd,
    )
    assert proc.returncode == 0, proc.stderr
    return {p["name"]: p["sha256"] for p in json.loads(proc.stdout)["packages"]}


def test_two_builds_in_different_places_and_times_are_identical(sample_lock: Path, sample_package: Path, tmp_path: Path):
    first = _build_in_subprocess(sample_lock, tmp_path / "a" / "out", "1", tmp_path)
    os.utime(sample_lock)  # a later time; mtimes of inputs must not leak in
    (tmp_path / "elsewhere").mkdir()
    second = _build_in_subprocess(sample_lock, tmp_path / "b" / "deeper" / "out", "4242", tmp_path / "elsewhere")
    assert first == second  # both packages
    assert first["ayon-publish"] == hashlib.sha256(sample_package.read_bytes()).hexdigest()


def test_source_date_epoch_overrides_the_lock(sample_lock: Path, tmp_path: Path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    path = Path(json_out(run_cli("build", sample_lock, "-o", tmp_path, "--json"))["path"])
    with open(path, "rb") as fh:
        members = [m for _, m in stream_conda_component(path.name, fh, "pkg")]
    assert {m.mtime for m in members} == {1700000000}
    assert {(m.uid, m.gid, m.uname, m.gname) for m in members} == {(0, 0, "", "")}


def test_offline_build_from_a_wheelhouse_needs_no_network(sample_lock: Path, sample_package: Path, tmp_path: Path):
    wheelhouse = tmp_path / "wheelhouse"
    run_cli("fetch", sample_lock, "--wheelhouse", wheelhouse, "-q")
    lock = json.loads(sample_lock.read_text())
    assert {d["file"] for d in lock["vendored"]} <= {p.name for p in wheelhouse.iterdir()}
    env = {**os.environ, "AYON_CONDA_CACHE_DIR": str(tmp_path / "empty-cache"),
           # any connection attempt fails: nothing may be downloaded
           "HTTPS_PROXY": "http://127.0.0.1:9", "HTTP_PROXY": "http://127.0.0.1:9", "NO_PROXY": ""}
    proc = subprocess.run(
        [sys.executable, "-m", "ayon_conda", "build", str(sample_lock), "-o", str(tmp_path / "out"),
         "--offline", "--wheelhouse", str(wheelhouse), "--json"],
        capture_output=True, text=True, env=env,
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["sha256"] == hashlib.sha256(sample_package.read_bytes()).hexdigest()
    assert not (tmp_path / "empty-cache" / "downloads").exists()


def test_offline_without_the_wheels_fails_clearly(sample_lock: Path, tmp_path: Path, monkeypatch):
    monkeypatch.setenv("AYON_CONDA_CACHE_DIR", str(tmp_path / "empty-cache"))
    refused(run_cli("build", sample_lock, "-o", tmp_path / "out", "--offline", code=1), "ayon-conda fetch")
    assert not (tmp_path / "out").exists()


def test_stage_command_writes_the_same_files_as_the_native_build(sample_lock: Path, contents, tmp_path: Path):
    run_cli("stage", sample_lock, "--site-packages", tmp_path / "sp", "-q")
    staged = {
        "site-packages/" + p.relative_to(tmp_path / "sp").as_posix(): p.read_bytes()
        for p in (tmp_path / "sp").rglob("*") if p.is_file()
    }
    assert staged == {k: v for k, v in contents.items() if not k.startswith("info/")}


def test_compression_level_changes_the_bytes_not_the_contents(sample_lock: Path, sample_package: Path, tmp_path: Path):
    out = json_out(run_cli("build", sample_lock, "-o", tmp_path, "--compression-level", "19", "--json"))
    smaller = Path(out["path"])
    assert smaller.name == sample_package.name and smaller.stat().st_size < sample_package.stat().st_size
    assert read_package(smaller) == read_package(sample_package)
    again = json_out(run_cli("build", sample_lock, "-o", tmp_path / "again", "--compression-level", "19", "--json"))
    assert again["sha256"] == out["sha256"]  # reproducible at any one level
