"""``ayon-conda verify``: py-rattler installs the package and its ``ayon`` runs (DESIGN decision 9)."""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
from conftest import EXAMPLES, SAMPLE_BUNDLE, error_line, json_out, run_cli
from support.factories import make_config
from support.sample_publish import DEADLINE_PUBLISH, FARM_JOB, FARM_JOB_ENV, assert_published, publish_env, running_site

pytestmark = pytest.mark.network


def test_sample_package_installs_and_runs(sample_package: Path, python_channel: str, tmp_path: Path):
    prefix = tmp_path / "env"
    out = json_out(run_cli("verify", sample_package, "--channel", python_channel, "--prefix", prefix, "--json"))
    assert out["installed"][0].startswith("ayon-publish 1.9.0_sample.1 pyh")
    assert any(p.startswith("python ") for p in out["installed"])
    assert out["version_output"].splitlines()[:2] == [out["spec"].replace(" ==", " "), "bundle sample-bundle-1"]
    for module in ("ayon_core", "ayon_api", "pyblish.api", "ayon_deadline_cloud", "ayon_core.pipeline.publish"):
        assert f"ok import {module}" in out["self_check_output"].splitlines()
    # The kept environment is a real one: both sample farm publishes run through the bootstrap
    # and land in the (stand-in) AYON server.
    with running_site(tmp_path / "projects") as site:
        env = publish_env(site)
        proc = subprocess.run([str(prefix / "bin" / "ayon"), *DEADLINE_PUBLISH], capture_output=True, text=True, env=env)
        assert proc.returncode == 0, proc.stderr
        assert_published(site, tmp_path / "projects")
        proc = subprocess.run([str(prefix / "bin" / "ayon"), "publish", str(FARM_JOB), "--targets", "farm"],
                              capture_output=True, text=True, env={**env, **FARM_JOB_ENV})
        assert proc.returncode == 0, proc.stderr
        assert_published(site, tmp_path / "projects", "renderFarmBeauty")
    # vendored libraries come from the package's private directory, not from the environment
    proc = subprocess.run([str(prefix / "bin" / "python"), "-c", "import ayon_api"], capture_output=True)
    assert proc.returncode != 0


def test_temporary_prefix_is_removed(sample_package: Path, python_channel: str, tmp_path: Path, monkeypatch):
    """Without --prefix, verify installs into a temporary directory and leaves nothing behind there."""
    temp = tmp_path / "temp"
    temp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    made = []
    mkdtemp = tempfile.mkdtemp

    def recording(*args, **kwargs):
        made.append(Path(mkdtemp(*args, **kwargs)))
        return str(made[-1])

    monkeypatch.setattr(tempfile, "mkdtemp", recording)
    out = json_out(run_cli("verify", sample_package, "--channel", python_channel, "--json"))
    assert out["prefix"] is None and out["installed"][0].startswith("ayon-publish ")
    assert any(p.name.startswith("ayon-conda-verify-") and p.parent == temp for p in made)  # the prefix was made there
    assert list(temp.iterdir()) == []


def test_missing_python_fails_with_the_installer_message(sample_package: Path, tmp_path: Path):
    from rattler.index import index_fs

    empty = tmp_path / "empty-channel"
    (empty / "noarch").mkdir(parents=True)
    asyncio.run(index_fs(empty))
    result = run_cli("verify", sample_package, "--channel", empty.as_uri(), code=3)
    line = error_line(result)
    assert "cannot solve" in line and "python" in line


def test_not_a_conda_package(tmp_path: Path):
    bogus = tmp_path / "ayon-publish-1.0-pyh0_0.conda"
    bogus.write_text("not a zip")
    line = error_line(run_cli("verify", bogus, code=1))
    assert str(bogus) in line and "not a valid conda package: not a .conda archive" in line


def test_self_check_catches_a_module_level_qt_import(tmp_path: Path, python_channel: str):
    """An addon whose publish path imports Qt at import time builds, but does not verify."""
    core = tmp_path / "core-src"
    shutil.copytree(EXAMPLES / "addons" / "sample-ayon-core", core)
    publish_init = core / "client" / "ayon_core" / "pipeline" / "publish" / "__init__.py"
    publish_init.write_text(publish_init.read_text() + "\nimport qtpy  # a regression: Qt at import time\n")
    config = make_config(tmp_path / "c.yaml", {
        "core": {"client_dir": "ayon_core", "source": {"path": "core-src"}},
        "deadline_cloud": {"client_dir": "ayon_deadline_cloud",
                           "source": {"path": str(EXAMPLES / "addons" / "sample-ayon-deadline-cloud")}},
    }, requirements=["ayon-python-api", "pyblish-base", "semver", "platformdirs", "arrow", "attrs"],
        conda_names={"pillow": "pillow"})
    run_cli("pin", SAMPLE_BUNDLE, "--config", config, "-o", tmp_path / "l.json", "--skip-run-check", "-q")
    package = json_out(run_cli("build", tmp_path / "l.json", "-o", tmp_path / "dist", "--json"))["path"]
    line = error_line(run_cli("verify", package, "--channel", python_channel, code=3))
    assert "--self-check" in line and "qtpy imported during the headless self-check" in line
