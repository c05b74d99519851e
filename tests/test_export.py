"""``ayon-conda export``: the publish environment for farms without conda, installed for real
with ``uv pip install --require-hashes`` offline from the exported wheelhouse."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import zipfile
from dataclasses import replace
from pathlib import Path

import pytest
from ayon_conda.pin.lock import CondaRequirement, Lock
from conftest import error_line, json_out, run_cli
from support.sample_publish import DEADLINE_PUBLISH, assert_published, publish_env, running_site

pytestmark = pytest.mark.network


def _uv() -> str:
    from uv import find_uv_bin

    return find_uv_bin()


OFFLINE = {"HTTPS_PROXY": "http://127.0.0.1:9", "HTTP_PROXY": "http://127.0.0.1:9", "NO_PROXY": ""}


def install(export_dir: Path, venv: Path) -> subprocess.CompletedProcess:
    """What a worker runs: a venv from this interpreter, then an offline, hash-checked install."""
    env = {**os.environ, **OFFLINE, "UV_CACHE_DIR": str(venv.parent / "uv-cache")}
    base = getattr(sys, "_base_executable", sys.executable)
    subprocess.run([_uv(), "venv", "-q", "--python", base, str(venv)], check=True, env=env)
    return subprocess.run([_uv(), "pip", "install", "--python", str(venv / "bin" / "python"), "--require-hashes",
                           "--offline", "--no-index", "--find-links", str(export_dir / "wheelhouse"),
                           "-r", str(export_dir / "requirements.txt")], capture_output=True, text=True, env=env)


@pytest.fixture(scope="module")
def exported(sample_lock: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:
    out = tmp_path_factory.mktemp("export") / "out"
    result = json_out(run_cli("export", sample_lock, "-o", out, "--json"))
    assert result["compiled"] == ["pillow==11.1.0"]  # the sample core's compiled dependency
    result["written"] = {p.name for p in (out / "wheelhouse").iterdir()}  # what export itself wrote
    # As the studio guide says: the compiled dependencies' wheels for the worker's platform (this one).
    subprocess.run([sys.executable, "-m", "pip", "download", "-q", "--only-binary=:all:", "--require-hashes",
                    "--find-links", str(out / "wheelhouse"), "-r", str(out / "requirements.txt"),
                    "-d", str(out / "wheelhouse")], check=True)
    return result


def test_requirements_pin_every_distribution_and_the_package_wheel(exported, sample_lock: Path):
    lock = json.loads(sample_lock.read_text())
    text = Path(exported["requirements"]).read_text()
    for dist in lock["vendored"]:
        assert f"{dist['name']}=={dist['version']} \\\n    --hash=sha256:{dist['sha256']}" in text
    wheel = Path(exported["wheel"])
    assert hashlib.sha256(wheel.read_bytes()).hexdigest() == exported["wheel_sha256"]
    assert text.rstrip().endswith(f"--hash=sha256:{exported['wheel_sha256']}")
    names = zipfile.ZipFile(wheel).namelist()
    assert "ayon_publish/bootstrap.py" in names and "ayon_publish/build_info.json" in names
    assert "ayon_publish/addons/core_1.9.0-sample.1/ayon_core/__init__.py" in names
    assert not any("/vendor/" in n for n in names)  # the libraries come from the requirements
    assert exported["written"] == {d["file"] for d in lock["vendored"]} | {wheel.name}


def test_export_is_reproducible(exported, sample_lock: Path, tmp_path: Path):
    again = json_out(run_cli("export", sample_lock, "-o", tmp_path / "again", "--json"))
    assert again["wheel_sha256"] == exported["wheel_sha256"]
    assert Path(again["requirements"]).read_bytes() == Path(exported["requirements"]).read_bytes()


def test_uv_installs_it_offline_and_ayon_runs(exported, sample_lock: Path, tmp_path: Path):
    venv = tmp_path / "ayon-env"
    proc = install(Path(exported["output_dir"]), venv)
    assert proc.returncode == 0, proc.stderr
    ayon = venv / "bin" / "ayon"
    version = subprocess.run([str(ayon), "--version"], capture_output=True, text=True, check=True).stdout
    pin = Lock.load(sample_lock).pin  # the same identity, addons and libraries as the conda package
    assert version.splitlines()[0] == f"{pin.name} {pin.version} {pin.build}"
    check = subprocess.run([str(ayon), "--self-check"], capture_output=True, text=True)
    assert check.returncode == 0, check.stderr
    with running_site(tmp_path / "projects") as site:
        publish = subprocess.run([str(ayon), *DEADLINE_PUBLISH], capture_output=True, text=True, env=publish_env(site))
        assert publish.returncode == 0, publish.stderr
        assert_published(site, tmp_path / "projects")


def test_a_tampered_wheel_is_refused_by_the_installer(exported, tmp_path: Path):
    copy = tmp_path / "copy"
    shutil.copytree(exported["output_dir"], copy)
    victim = next((copy / "wheelhouse").glob("pyblish_base-*.whl"))
    victim.write_bytes(victim.read_bytes() + b"\0")
    proc = install(copy, tmp_path / "env")
    assert proc.returncode != 0 and "hash" in proc.stderr.lower()


def test_compiled_dependencies_are_pinned_with_their_wheel_hashes(sample_lock: Path, tmp_path: Path):
    lock = Lock.load(sample_lock)
    pillow = CondaRequirement("pillow", "11.3.0", "pillow", wheel_sha256=("a" * 64, "b" * 64))
    with_compiled = replace(lock, conda_requirements=(pillow,)).write(sample_lock.with_name("compiled.lock.json"))
    out = json_out(run_cli("export", with_compiled, "-o", tmp_path / "out", "--json"))
    text = Path(out["requirements"]).read_text()
    assert f"pillow==11.3.0 \\\n    --hash=sha256:{'a' * 64} \\\n    --hash=sha256:{'b' * 64}" in text
    assert out["compiled"] == ["pillow==11.3.0"]


def test_a_lock_without_compiled_wheel_hashes_is_refused(sample_lock: Path, tmp_path: Path):
    lock = Lock.load(sample_lock)
    old = replace(lock, conda_requirements=(CondaRequirement("pillow", "11.3.0", "pillow"),))
    path = old.write(sample_lock.with_name("old.lock.json"))
    line = error_line(run_cli("export", path, "-o", tmp_path / "out", code=1))
    assert "pillow" in line and "ayon-conda pin again" in line
    assert not (tmp_path / "out").exists()


def test_output_dir_must_be_new_or_empty(sample_lock: Path, tmp_path: Path):
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "keep.txt").write_text("mine")
    line = error_line(run_cli("export", sample_lock, "-o", tmp_path / "out", code=1))
    assert "not an empty directory" in line
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["keep.txt"]
