"""Bundles and addon sources from an AYON server: the real ayon_api client against a stand-in."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import EXAMPLES, error_line, json_out, run_cli
from ayon_conda.dev.addon_package import private_files
from ayon_conda.dev.ayon_standin import AyonStandIn, make_bundle
from support.factories import make_config

pytestmark = pytest.mark.network

CORE = EXAMPLES / "addons" / "sample-ayon-core"
DEADLINE = EXAMPLES / "addons" / "sample-ayon-deadline-cloud"
ADDONS = {"core": "1.9.0-sample.1", "deadline_cloud": "0.2.0-sample.1"}


@pytest.fixture
def server() -> AyonStandIn:
    with AyonStandIn(
        bundles=[make_bundle("studio-prod", {**ADDONS, "maya": "0.4.10"}, production=True),
                 make_bundle("old", {"core": "1.8.0"})],
        addons={
            "core": {ADDONS["core"]: {"files": private_files(CORE / "client" / "ayon_core", CORE / "client" / "pyproject.toml")}},
            "deadline_cloud": {ADDONS["deadline_cloud"]: {"files": private_files(
                DEADLINE / "client" / "ayon_deadline_cloud", DEADLINE / "client" / "pyproject.toml")}},
        },
    ) as standin:
        yield standin


@pytest.fixture
def server_config(tmp_path: Path) -> Path:
    return make_config(tmp_path / "components.yaml", {
        "core": {"client_dir": "ayon_core", "source": {"server": "client.zip"}},
        "deadline_cloud": {"client_dir": "ayon_deadline_cloud", "source": {"server": "client.zip"}},
    }, requirements=["ayon-python-api", "pyblish-base", "semver", "platformdirs", "arrow", "attrs"],
        conda_names={"pillow": "pillow"})  # the sample core's compiled runtime dependency


def test_pin_and_build_from_a_server(server, server_config, tmp_path: Path, monkeypatch, python_channel):
    monkeypatch.setenv("AYON_API_KEY", server.api_key)
    lock_path = tmp_path / "server.lock.json"
    out = json_out(run_cli("pin", "--server", server.url, "--bundle", "production", "--config", server_config,
                           "-o", lock_path, "--skip-run-check", "--json"))
    assert out["bundle"] == "studio-prod"
    lock = json.loads(lock_path.read_text())
    assert lock["bundle"]["addons"]["maya"] == "0.4.10"
    assert {a["source"]["kind"] for a in lock["addons"]} == {"server"}
    assert {d["name"] for d in lock["vendored"]} >= {"clique", "click", "pyblish-base"}  # from the server's pyproject
    assert ("GET", "/addons/core/1.9.0-sample.1/private/client.zip") in server.requests_seen

    package = json_out(run_cli("build", lock_path, "-o", tmp_path / "dist", "--server", server.url, "--json"))["path"]
    run_cli("verify", package, "--channel", python_channel, "-q")
    for text in (lock_path.read_text(), Path(package).read_bytes().decode("latin-1")):
        assert server.api_key not in text  # the key is used, never stored


def test_pin_from_the_staging_bundle_that_is_not_set(server, server_config, tmp_path: Path, monkeypatch):
    monkeypatch.setenv("AYON_API_KEY", server.api_key)
    line = error_line(run_cli("pin", "--server", server.url, "--bundle", "staging", "--config", server_config,
                              "-o", tmp_path / "l.json", code=1))
    assert server.url in line and "no staging bundle is set" in line and "old, studio-prod" in line


def test_pin_needs_an_api_key(server, server_config, tmp_path: Path, monkeypatch):
    monkeypatch.delenv("AYON_API_KEY", raising=False)
    line = error_line(run_cli("pin", "--server", server.url, "--config", server_config, "-o", tmp_path / "l.json", code=4))
    assert "AYON_API_KEY" in line


def test_wrong_api_key_is_refused(server, server_config, tmp_path: Path, monkeypatch):
    monkeypatch.setenv("AYON_API_KEY", "not-the-key")
    result = run_cli("pin", "--server", server.url, "--config", server_config, "-o", tmp_path / "l.json", code=4)
    assert "the API key was refused" in error_line(result)
    assert "not-the-key" not in result.output


def test_server_down(server_config, tmp_path: Path, monkeypatch):
    with AyonStandIn() as standin:
        standin.down = True
        monkeypatch.setenv("AYON_API_KEY", standin.api_key)
        url = standin.url
        line = error_line(run_cli("pin", "--server", url, "--config", server_config, "-o", tmp_path / "l.json", code=4))
    assert url in line and "check --server" in line
    assert not (tmp_path / "l.json").exists()


def test_build_of_a_server_source_without_server_or_cache(server, server_config, tmp_path: Path, monkeypatch):
    monkeypatch.setenv("AYON_API_KEY", server.api_key)
    run_cli("pin", "--server", server.url, "--config", server_config, "-o", tmp_path / "l.json", "--skip-run-check", "-q")
    monkeypatch.setenv("AYON_CONDA_CACHE_DIR", str(tmp_path / "empty-cache"))
    monkeypatch.delenv("AYON_SERVER_URL", raising=False)
    line = error_line(run_cli("build", tmp_path / "l.json", "-o", tmp_path / "dist", code=1))
    assert "addon core" in line and "--server" in line
    assert not (tmp_path / "dist").exists()
