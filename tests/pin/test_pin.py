"""``ayon-conda pin`` and the pin scheme (DESIGN decisions 1-3)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from ayon_publish_submit.pin_scheme import Pin, addon_set_text, conda_version, spec_for_addons
from conftest import EXAMPLES, REPO, SAMPLE_BUNDLE, SAMPLE_CONFIG, error_line, json_out, refused, run_cli
from support.factories import core_setup, make_addon, make_bundle, make_config

pytestmark = pytest.mark.network  # uv resolves against PyPI


# -- the pin scheme (pure) ------------------------------------------------------------------------
def test_spec_is_computable_from_the_addon_set_alone():
    a = spec_for_addons("ayon-publish", {"core": "1.9.0", "deadline_cloud": "0.2.0"})
    b = spec_for_addons("ayon-publish", {"deadline_cloud": "0.2.0", "core": "1.9.0"})
    assert a == b  # order does not matter
    assert a.startswith("ayon-publish ==1.9.0 pyh") and a.endswith("_*")
    assert len(a.split()[2]) == len("pyh12345678_*")
    # another addon version is another build prefix, same package version
    c = spec_for_addons("ayon-publish", {"core": "1.9.0", "deadline_cloud": "0.2.1"})
    assert c.split()[:2] == a.split()[:2] and c != a


def test_rebuilds_share_the_spec_and_sort_higher():
    addons = {"core": "1.9.0", "deadline_cloud": "0.2.0"}
    first, rebuild = Pin.for_addons("ayon-publish", addons, 0), Pin.for_addons("ayon-publish", addons, 3)
    assert first.spec == rebuild.spec
    assert first.build.endswith("_0") and rebuild.build.endswith("_3")
    assert addon_set_text(addons) == "core=1.9.0\ndeadline_cloud=0.2.0\n"


def test_semver_prerelease_becomes_a_conda_version_that_sorts_before_the_release():
    from rattler import Version

    assert conda_version("1.9.0-sample.1") == "1.9.0_sample.1"
    assert Version(conda_version("1.9.0-rc.1")) < Version("1.9.0")


# -- the command ----------------------------------------------------------------------------------
def test_sample_lock_pins_every_component_exactly(sample_lock: Path):
    lock = json.loads(sample_lock.read_text())
    assert lock["pin"]["addon_set"] == {"core": "1.9.0-sample.1", "deadline_cloud": "0.2.0-sample.1"}
    assert lock["pin"]["filename"] == lock["pin"]["exact_spec"].replace(" ==", "-").replace(" ", "-") + ".conda"
    assert lock["bundle"]["name"] == "sample-bundle-1"
    assert lock["bundle"]["addons"]["maya"] == "0.4.10"  # the whole bundle is recorded
    names = {d["name"] for d in lock["vendored"]}
    # the libraries the package carries, and what ayon-core imports without the launcher
    assert {"ayon-python-api", "pyblish-base", "clique", "click", "semver", "platformdirs", "arrow", "attrs"} <= names
    assert {"requests", "urllib3"} <= names  # dependencies of ayon-python-api, vendored too
    for dist in lock["vendored"]:
        assert dist["file"].endswith("-none-any.whl") and len(dist["sha256"]) == 64
        assert dist["url"].startswith("https://") and dist["url"].endswith(dist["file"])
        assert dist["required_by"], dist
    for addon in lock["addons"]:
        assert addon["source"]["kind"] == "path" and len(addon["source"]["sha256"]) == 64
    # the sample core's compiled runtime dependency, an exact pin, unchecked (conda-forge is out of reach)
    assert lock["run_requirements"] == ["python >=3.9", "pillow ==11.1.0"]
    (pillow,) = lock["conda_requirements"]
    assert (pillow["pypi_name"], pillow["version"], pillow["conda_name"]) == ("pillow", "11.1.0", "pillow")
    assert lock["run_check"]["skipped"] is True


@pytest.mark.network
def test_the_samples_compiled_requirement_is_proven_against_a_local_channel(python_channel: str, tmp_path: Path):
    """The offline way README gives: the local channel (python and pillow for this interpreter) is
    what pin checks against; the package's python narrows to this interpreter's minor version."""
    import sys

    lock = tmp_path / "checked.lock.json"
    run_cli("pin", SAMPLE_BUNDLE, "--config", SAMPLE_CONFIG, "-o", lock, "--channel", python_channel, "-q")
    data = json.loads(lock.read_text())
    minor = f"{sys.version_info.major}.{sys.version_info.minor}"
    assert data["run_check"]["solved"] == [minor] and data["run_check"]["skipped"] is False
    assert data["run_check"]["unchecked_subdirs"] == ["win-64"]  # the local channel has no Windows python
    assert data["run_requirements"] == [f"python >={minor},<3.{sys.version_info.minor + 1}", "pillow ==11.1.0"]


def test_pinning_twice_gives_the_same_bytes(sample_lock: Path):
    again = sample_lock.with_name("again.lock.json")
    run_cli("pin", SAMPLE_BUNDLE, "--config", SAMPLE_CONFIG, "-o", again, "--skip-run-check", "--quiet")
    assert again.read_bytes() == sample_lock.read_bytes()


def test_the_sample_bundle_finds_its_config(sample_lock: Path, tmp_path: Path):
    result = run_cli("pin", SAMPLE_BUNDLE, "-o", tmp_path / "l.json", "--skip-run-check")
    assert "Component config: " in result.stderr and "sample.components.yaml (found beside the bundle)" in result.stderr
    assert (tmp_path / "l.json").read_bytes() == sample_lock.read_bytes()


def test_a_source_that_cannot_be_had_names_the_config_and_how_to_choose_another(tmp_path: Path, monkeypatch):
    bundle = tmp_path / "sample.json"  # no config beside it: the default, whose sources are on GitHub
    shutil.copyfile(SAMPLE_BUNDLE, bundle)
    monkeypatch.delenv("AYON_CONDA_CONFIG", raising=False)
    for proxy in ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy"):
        monkeypatch.setenv(proxy, "http://127.0.0.1:9")  # GitHub cannot be reached
    line = refused(run_cli("pin", bundle, "-o", tmp_path / "l.json", code=4),
                   "github.com/ynput/ayon-core", "recipe/components.yaml (the default)", "--config PATH or AYON_CONDA_CONFIG")
    assert "the source of addon core" in line
    config = make_config(tmp_path / "studio.yaml", {"core": {"client_dir": "ayon_core", "source": {"path": "missing"}},
                                                      "deadline_cloud": {"client_dir": "ayon_deadline_cloud",
                                                                         "source": {"path": "missing"}}})
    monkeypatch.setenv("AYON_CONDA_CONFIG", str(config))
    refused(run_cli("pin", bundle, "-o", tmp_path / "l.json", code=1),
            "no such file or directory", "studio.yaml (given by AYON_CONDA_CONFIG)", "--config PATH")
    assert not (tmp_path / "l.json").exists()


def test_same_sources_give_the_same_lock_and_package_wherever_pinned(sample_lock: Path, sample_package: Path,
                                                                      tmp_path: Path, monkeypatch):
    """Another checkout, another working directory, another lock location, another cache (machine)."""
    elsewhere = tmp_path / "elsewhere"
    shutil.copytree(EXAMPLES, elsewhere / "examples")
    shutil.copytree(REPO / "recipe", elsewhere / "recipe")  # the config's conda_names file
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    monkeypatch.setenv("AYON_CONDA_CACHE_DIR", str(tmp_path / "machine-b"))
    run_cli("pin", "../elsewhere/examples/bundles/sample.json", "-o", "b.lock.json", "--skip-run-check", "-q")  # config: beside the bundle
    assert (work / "b.lock.json").read_bytes() == sample_lock.read_bytes()
    built = json_out(run_cli("build", "b.lock.json", "-o", "dist", "--json"))
    assert Path(built["path"]).read_bytes() == sample_package.read_bytes()

    # a third machine builds from a wheelhouse, which holds the path sources too
    run_cli("fetch", "b.lock.json", "--wheelhouse", "wheelhouse", "-q")
    monkeypatch.setenv("AYON_CONDA_CACHE_DIR", str(tmp_path / "machine-c"))
    line = error_line(run_cli("build", "b.lock.json", "-o", "dist-c", code=1))
    assert "addon core 1.9.0-sample.1 (sample-ayon-core)" in line and "ayon-conda fetch" in line
    built = json_out(run_cli("build", "b.lock.json", "-o", "dist-c", "--offline", "--wheelhouse", "wheelhouse", "--json"))
    assert Path(built["path"]).read_bytes() == sample_package.read_bytes()


def test_pin_json_output_and_build_number(tmp_path: Path):
    result = run_cli("pin", SAMPLE_BUNDLE, "--config", SAMPLE_CONFIG, "-o", tmp_path / "l.json",
                     "--build-number", "4", "--skip-run-check", "--json")
    out = json_out(result)
    assert out["exact_spec"].endswith("_4") and out["spec"].endswith("_*")
    assert out["filename"] == json.loads((tmp_path / "l.json").read_text())["pin"]["filename"]


def test_bundle_file_with_all_bundles_selects_one(tmp_path: Path):
    sample = json.loads(SAMPLE_BUNDLE.read_text())
    staging = {**sample, "name": "next", "isProduction": False, "isStaging": True}
    answer = {"bundles": [sample, staging], "productionBundle": sample["name"], "stagingBundle": "next"}
    path = tmp_path / "bundles.json"
    path.write_text(json.dumps(answer))
    lock = tmp_path / "l.json"
    run_cli("pin", path, "--bundle", "staging", "--config", SAMPLE_CONFIG, "-o", lock, "--skip-run-check", "-q")
    assert json.loads(lock.read_text())["bundle"]["name"] == "next"


def test_compiled_dependency_becomes_a_conda_run_requirement(tmp_path: Path):
    bundle, config = core_setup(tmp_path, runtime={"Pillow": "*"}, conda_names={"Pillow": "pillow"})
    lock = tmp_path / "l.json"
    # whether it installs is test_run_requirements' business (conda-forge is out of reach here)
    run_cli("pin", bundle, "--config", config, "-o", lock, "-q", "--skip-run-check")
    data = json.loads(lock.read_text())
    (pillow,) = data["conda_requirements"]
    assert pillow["conda_name"] == "pillow" and pillow["pypi_name"] == "pillow"
    assert len(pillow["wheel_sha256"]) >= 2  # Linux and Windows wheels, for hash-pinned exports
    assert data["run_requirements"] == ["python >=3.9", f"pillow =={pillow['version']}"]
    assert "pillow" not in {d["name"] for d in data["vendored"]}


def test_excluded_dependency_is_left_out_with_its_dependencies(tmp_path: Path):
    bundle, config = core_setup(tmp_path, deps={"qtawesome": "*"}, exclude={"qtawesome": "tray icons only"})
    lock = tmp_path / "l.json"
    run_cli("pin", bundle, "--config", config, "-o", lock, "-q")
    names = {d["name"] for d in json.loads(lock.read_text())["vendored"]}
    assert "qtawesome" not in names and "qtpy" not in names and "pyblish-base" in names


def test_extra_addon_is_baked_when_configured(tmp_path: Path):
    make_addon(tmp_path / "core-src", "core", "1.0.0", "ayon_core")
    make_addon(tmp_path / "studio-src", "studio", "2.0.0", "ayon_studio")
    config = make_config(tmp_path / "c.yaml", {
        "core": {"client_dir": "ayon_core", "source": {"path": "core-src"}},
        "studio": {"client_dir": "ayon_studio", "source": {"path": "studio-src"}},
    }, bake=["core"])
    bundle = make_bundle(tmp_path / "b.json", {"core": "1.0.0", "studio": "2.0.0"})
    run_cli("pin", bundle, "--config", config, "-o", tmp_path / "l.json", "--addon", "studio", "-q")
    assert json.loads((tmp_path / "l.json").read_text())["pin"]["addon_set"] == {"core": "1.0.0", "studio": "2.0.0"}


def test_known_sha256_in_config_is_enforced(tmp_path: Path):
    shutil.copytree(EXAMPLES / "addons" / "sample-ayon-core", tmp_path / "core-src")
    config = make_config(tmp_path / "c.yaml", {"core": {"client_dir": "ayon_core", "source": {
        "path": "core-src", "sha256": {"1.9.0-sample.1": "0" * 64}}}})
    bundle = make_bundle(tmp_path / "b.json", {"core": "1.9.0-sample.1"})
    refused(run_cli("pin", bundle, "--config", config, "-o", tmp_path / "l.json", code=1), "sha256 mismatch")
    assert not (tmp_path / "l.json").exists()
