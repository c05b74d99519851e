"""The ``ayon`` bootstrap that ships in the package (recipe/ayon_publish)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from ayon_publish import bootstrap


@pytest.fixture
def fake_build(tmp_path: Path, monkeypatch) -> Path:
    """The bootstrap pointed at a staged-looking directory."""
    (tmp_path / "addons" / "core_1.0.0" / "ayon_core").mkdir(parents=True)
    (tmp_path / "vendor").mkdir()
    info = {"package": {"name": "ayon-publish", "version": "1.0.0", "build": "pyh0_0"},
            "bundle": {"name": "b1", "installerVersion": "1.5.4"},
            "addons": {"core": {"version": "1.0.0", "client_dir": "ayon_core", "dir": "core_1.0.0"}},
            "vendored": {"pyblish-base": "1.8.12"}, "launcher": {"version": "1.5.4"}}
    (tmp_path / "build_info.json").write_text(json.dumps(info))
    monkeypatch.setattr(bootstrap, "BUILD_INFO", tmp_path / "build_info.json")
    monkeypatch.setattr(bootstrap, "ADDONS_DIR", tmp_path / "addons")
    monkeypatch.setattr(bootstrap, "VENDOR_DIR", tmp_path / "vendor")
    monkeypatch.setattr(bootstrap, "LAUNCHER_DIR", tmp_path / "launcher")
    monkeypatch.setattr(sys, "path", list(sys.path))
    return tmp_path


def test_setup_sets_launcher_defaults(fake_build: Path):
    env: dict[str, str] = {}
    bootstrap.setup(env)
    assert env["AYON_ADDONS_DIR"] == str(fake_build / "addons")
    assert env["AYON_HEADLESS_MODE"] == "1"
    assert env["AYON_BUNDLE_NAME"] == "b1" and env["AYON_VERSION"] == "1.5.4"
    assert env["AYON_ROOT"] == str(fake_build / "launcher")
    assert env["AYON_SITE_ID"] == bootstrap.stable_site_id()
    assert sys.path[:2] == [str(fake_build / "vendor"), str(fake_build / "addons" / "core_1.0.0")]


def test_setup_never_overrides_what_is_set(fake_build: Path):
    env = {"AYON_ADDONS_DIR": "/elsewhere", "AYON_SITE_ID": "mine", "AYON_HEADLESS_MODE": "0", "AYON_BUNDLE_NAME": "x"}
    bootstrap.setup(env)
    assert env["AYON_ADDONS_DIR"] == "/elsewhere" and env["AYON_SITE_ID"] == "mine"
    assert env["AYON_HEADLESS_MODE"] == "0" and env["AYON_BUNDLE_NAME"] == "x"


def test_site_id_is_stable_per_host_and_differs_between_hosts():
    assert bootstrap.stable_site_id("worker-1") == bootstrap.stable_site_id("worker-1")
    assert bootstrap.stable_site_id("worker-1") != bootstrap.stable_site_id("worker-2")


def test_version_text_lists_what_is_baked(fake_build: Path):
    text = bootstrap.version_text(bootstrap.build_info())
    assert text.splitlines()[:3] == ["ayon-publish 1.0.0 pyh0_0", "bundle b1", "addon core 1.0.0"]
    assert "python-lib pyblish-base 1.8.12" in text


def test_help_and_version_need_no_server(fake_build: Path, monkeypatch, capsys):
    for var in ("AYON_SERVER_URL", "AYON_API_KEY"):
        monkeypatch.delenv(var, raising=False)
    assert bootstrap.main(["--help"]) == 0
    out = capsys.readouterr().out
    assert "ayon --self-check" in out and "78 configuration" in out and "69 the AYON server" in out
    assert bootstrap.main(["--version"]) == 0
    assert capsys.readouterr().out.startswith("ayon-publish 1.0.0 pyh0_0\n")


def test_ayon_core_commands_without_a_server_end_in_one_line(fake_build: Path, monkeypatch, capsys):
    monkeypatch.delenv("AYON_SERVER_URL", raising=False)
    monkeypatch.setattr(bootstrap.os, "environ", {})  # setup() fills defaults into this copy
    assert bootstrap.main(["publish", "job.json", "--targets", "farm"]) == 78
    err = capsys.readouterr().err
    assert err == "error: AYON_SERVER_URL is not set; set it to the AYON server the job publishes to (e.g. in the queue environment)\n"


def test_a_failed_addon_sync_refuses_with_its_reason(fake_build: Path, monkeypatch, capsys):
    monkeypatch.setattr(bootstrap.os, "environ", {"AYON_ADDONS_SYNC_ERROR": "bundle b1 not in s3://x"})
    assert bootstrap.main(["publish", "x"]) == 78
    assert capsys.readouterr().err.strip().endswith("bundle b1 not in s3://x")
