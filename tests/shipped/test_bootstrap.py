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
            "vendored": {"pyblish-base": "1.8.12"}}
    (tmp_path / "build_info.json").write_text(json.dumps(info))
    monkeypatch.setattr(bootstrap, "BUILD_INFO", tmp_path / "build_info.json")
    monkeypatch.setattr(bootstrap, "ADDONS_DIR", tmp_path / "addons")
    monkeypatch.setattr(bootstrap, "VENDOR_DIR", tmp_path / "vendor")
    monkeypatch.setattr(sys, "path", list(sys.path))
    return tmp_path


def test_setup_sets_launcher_defaults(fake_build: Path):
    env: dict[str, str] = {}
    bootstrap.setup(env)
    assert env["AYON_ADDONS_DIR"] == str(fake_build / "addons")
    assert env["AYON_HEADLESS_MODE"] == "1"
    assert env["AYON_BUNDLE_NAME"] == "b1" and env["AYON_VERSION"] == "1.5.4"
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
