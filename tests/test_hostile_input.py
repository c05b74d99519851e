"""Hostile names and versions (issue 14): refused where they enter, with one line, before any
network call or write; staging and rendering never write outside their root whatever they get."""

from __future__ import annotations

import json
import os
from dataclasses import replace
from pathlib import Path

import pytest
from ayon_conda.build.build_lock import BuildOptions
from ayon_conda.build.lock_packages import packages
from ayon_conda.build.recipes import render
from ayon_conda.build.stage import stage
from ayon_conda.errors import AyonCondaError
from ayon_conda.pin.lock import Lock
from conftest import EXAMPLES, SAMPLE_BUNDLE, SAMPLE_CONFIG, error_line, refused, run_cli
from ayon_conda.dev.ayon_standin import AyonStandIn, make_bundle as server_bundle
from support.factories import make_bundle, make_config

#: Nothing listens there: a command that reached the network would fail differently.
NOWHERE = "http://127.0.0.1:9"
ESCAPE = "0.2.0/../../../x"


def _files(root: Path) -> set[Path]:
    return {p for p in root.rglob("*")}


def _sample_addons(**changes: str) -> dict[str, str]:
    return {**json.loads(SAMPLE_BUNDLE.read_text())["addons"], **changes}


# -- names and versions from a bundle -------------------------------------------------------------
@pytest.mark.parametrize("addons, needle", [
    (_sample_addons(deadline_cloud=ESCAPE), f"version of addon deadline_cloud '{ESCAPE}' is not valid"),
    (_sample_addons(core="1.0{{7*7}}"), "core version '1.0{{7*7}}' is not valid"),
    (_sample_addons(core="1.0.0; rm -rf ~"), "core version '1.0.0; rm -rf ~' is not valid"),
    (_sample_addons(core="1.0.0--x"), "core version '1.0.0--x' is not valid: ayon-core's version is the conda"),
    (_sample_addons(core="1.0.0\n"), r"core version '1.0.0\n' is not valid"),
    ({**_sample_addons(), "../x": "1.0.0"}, "addon name '../x' is not valid"),
    (_sample_addons(deadline_cloud="0.2." + "9" * 100), "at most 64 characters"),
])
def test_a_bad_name_or_version_in_a_bundle_is_refused_before_anything(addons, needle: str, tmp_path: Path):
    bundle = make_bundle(tmp_path / "b.json", addons)
    out = tmp_path / "out"
    for command in (["pin", bundle, "--config", SAMPLE_CONFIG, "-o", out / "l.json", "--server", NOWHERE],
                    ["addons", "upload", bundle, "--config", SAMPLE_CONFIG, "--to", "s3://b/p",
                     "--endpoint-url", NOWHERE, "--server", NOWHERE]):
        refused(run_cli(*command, code=1), str(bundle), needle, "fix the bundle")
    assert not out.exists()


@pytest.mark.parametrize("name, needle", [
    ("production\n", r"bundle name 'production\n' is not valid"),
    ("x" * 10_013, "'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx...' (10013 characters) is not valid: "
                   "at most 128 characters"),
    ("prod/../x", "bundle name 'prod/../x' is not valid"),
])
def test_a_bad_bundle_name_is_refused(name: str, needle: str, tmp_path: Path):
    bundle = make_bundle(tmp_path / "b.json", _sample_addons(), name=name)
    refused(run_cli("pin", bundle, "--config", SAMPLE_CONFIG, "-o", tmp_path / "l.json", code=1), needle)
    assert not (tmp_path / "l.json").exists()


def test_names_from_a_server_are_checked_before_any_addon_is_fetched(tmp_path: Path, monkeypatch):
    """A server's client.zip has no package.py with a literal version: nothing else would catch it."""
    with AyonStandIn(bundles=[server_bundle("prod", _sample_addons(deadline_cloud=ESCAPE), production=True)]) as server:
        monkeypatch.setenv("AYON_API_KEY", server.api_key)
        refused(run_cli("pin", "--server", server.url, "--config", SAMPLE_CONFIG, "-o", tmp_path / "l.json", code=1),
                server.url, f"'{ESCAPE}' is not valid")
        assert not [path for method, path in server.requests_seen if "/private/" in path]


@pytest.mark.parametrize("option, value, needle", [
    ("--bundle", "prod\n", "Invalid value for '--bundle'"),
    ("--addon", "a/b", "Invalid value for '--addon'"),
])
def test_a_bad_name_on_the_command_line_is_a_usage_error(option: str, value: str, needle: str, tmp_path: Path):
    result = run_cli("pin", SAMPLE_BUNDLE, "--config", SAMPLE_CONFIG, "-o", tmp_path / "l.json", option, value, code=2)
    assert needle in result.stderr and "is not valid" in result.stderr


def test_project_names_are_checked_before_the_server_is_asked():
    result = run_cli("resolve", "--server", NOWHERE, "--project", "Show; DROP", "--channel", "/nowhere", code=2)
    assert "Invalid value for '--project'" in result.stderr and "'Show; DROP' is not valid" in result.stderr


def test_non_utf8_bundle_files_are_one_line(tmp_path: Path):
    bundle = tmp_path / "b.json"
    bundle.write_bytes(b'{"name": "b\xff", "addons": {}}')
    refused(run_cli("pin", bundle, "--config", SAMPLE_CONFIG, "-o", tmp_path / "l.json", code=1), "not UTF-8 text")
    refused(run_cli("addons", "upload", bundle, "--config", SAMPLE_CONFIG, "--to", "s3://b/p", code=1), "not UTF-8 text")


def test_an_unreachable_server_is_one_line(tmp_path: Path, monkeypatch):
    monkeypatch.setenv("AYON_API_KEY", "k")
    config = make_config(tmp_path / "c.yaml", {
        "core": {"client_dir": "ayon_core", "source": {"path": str(EXAMPLES / "addons" / "sample-ayon-core")}},
        "deadline_cloud": {"client_dir": "ayon_deadline_cloud", "source": {"server": "client.zip"}}})
    line = refused(run_cli("addons", "upload", SAMPLE_BUNDLE, "--config", config, "--to", "s3://b/p", "--server", NOWHERE,
                           "--exclude", "maya", "--exclude", "applications", code=4), NOWHERE)
    assert "cannot reach the AYON server" in line or "cannot read the server" in line
    refused(run_cli("pin", "--server", NOWHERE, "--config", SAMPLE_CONFIG, "-o", tmp_path / "l.json", code=4), NOWHERE)


# -- locks: the same checks, and staging and rendering never leave their root -----------------------
@pytest.mark.network
@pytest.mark.parametrize("path, value, needle", [
    (("addons", 1, "version"), ESCAPE, f"'{ESCAPE}' is not valid"),
    (("addons", 1, "client_dir"), "../x", "client_dir of addon deadline_cloud '../x' is not valid"),
    (("vendored", 0, "file"), "../../evil.whl", "'../../evil.whl' is not valid"),
    (("bundle", "name"), "a\nb", r"bundle name 'a\nb' is not valid"),
    (("package", "source_date_epoch"), 10 ** 12, "outside 1980-2107"),
    (("addons",), {"core": {}}, "'addons' is missing or not a list"),
])
def test_a_hand_edited_lock_is_refused_by_build_and_render(path: tuple, value, needle: str, sample_lock: Path,
                                                           tmp_path: Path):
    data = json.loads(sample_lock.read_text())
    target = data
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    bad = tmp_path / "bad.lock.json"
    bad.write_text(json.dumps(data))
    for command in ("build", "render"):
        line = refused(run_cli(command, bad, "-o", tmp_path / "out", code=1), str(bad), needle)
        assert "writable" not in line
    assert _files(tmp_path) == {bad}


@pytest.mark.network
def test_staging_and_rendering_refuse_a_path_outside_their_root(sample_lock: Path, tmp_path: Path):
    """Whatever reaches them (here a lock object no validator saw), nothing lands outside."""
    lock = Lock.load(sample_lock)
    escaping = replace(lock, addons=tuple(replace(a, version=ESCAPE) if a.name == "deadline_cloud" else a
                                          for a in lock.addons))
    full = replace(packages(escaping)[0], vendored=False)  # no wheels needed to get there
    root = tmp_path / "deep" / "er" / "site-packages"
    before = _files(tmp_path)
    with pytest.raises(AyonCondaError, match="would be written outside"):
        stage(full, {"core": EXAMPLES / "addons" / "sample-ayon-core",
                     "deadline_cloud": EXAMPLES / "addons" / "sample-ayon-deadline-cloud"}, {}, root)
    assert not [p for p in _files(tmp_path) - before if not (p.is_relative_to(root) or root.is_relative_to(p))]
    core_escape = replace(lock, addons=tuple(replace(a, version="1.0.0/../../../y") if a.name == "core" else a
                                             for a in lock.addons))
    with pytest.raises(AyonCondaError, match="would be written outside"):
        render(packages(core_escape)[0], tmp_path / "recipes", BuildOptions())
    assert not (tmp_path / "y").exists() and not list(tmp_path.parent.glob("y*"))


# -- addons upload: validate everything, then write -------------------------------------------------
@pytest.mark.network
def test_addons_upload_writes_nothing_when_a_later_addon_fails(moto_s3, tmp_path: Path):
    bucket = moto_s3.new_bucket("atomic")
    config = make_config(tmp_path / "c.yaml", {
        "core": {"client_dir": "ayon_core", "source": {"path": str(EXAMPLES / "addons" / "sample-ayon-core")}},
        "deadline_cloud": {"client_dir": "ayon_deadline_cloud", "source": {"path": "/no/such/dir"}}})
    refused(run_cli("addons", "upload", SAMPLE_BUNDLE, "--config", config, "--to", f"s3://{bucket}/ayon",
                    "--endpoint-url", moto_s3.endpoint_url, "--exclude", "maya", "--exclude", "applications", code=1),
            "no such file or directory")
    assert moto_s3.keys(bucket) == []


def test_addons_upload_refuses_an_empty_addon_set(moto_s3, tmp_path: Path):
    bucket = moto_s3.new_bucket("empty")
    empty = make_bundle(tmp_path / "empty.json", {})
    refused(run_cli("addons", "upload", empty, "--config", SAMPLE_CONFIG, "--to", f"s3://{bucket}/ayon",
                    "--endpoint-url", moto_s3.endpoint_url, code=1), "has no addons to upload")
    only = make_bundle(tmp_path / "one.json", {"core": "1.9.0-sample.1"})
    refused(run_cli("addons", "upload", only, "--config", SAMPLE_CONFIG, "--to", f"s3://{bucket}/ayon",
                    "--endpoint-url", moto_s3.endpoint_url, "--exclude", "core", code=1), "has no addons to upload")
    assert moto_s3.keys(bucket) == []


@pytest.mark.network
def test_addons_upload_respects_the_s3_key_limit(moto_s3, tmp_path: Path):
    bucket = moto_s3.new_bucket("long")
    prefix = "/".join(["p" * 200] * 5)
    line = refused(run_cli("addons", "upload", SAMPLE_BUNDLE, "--config", SAMPLE_CONFIG, "--to", f"s3://{bucket}/{prefix}",
                           "--endpoint-url", moto_s3.endpoint_url, "--exclude", "maya", "--exclude", "applications",
                           code=1), "S3 allows 1024", "shorter --to prefix")
    assert len(line) < 400
    assert moto_s3.keys(bucket) == []


@pytest.mark.network
def test_source_date_epoch_beyond_what_a_zip_holds(sample_lock: Path, tmp_path: Path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "9" * 40)
    line = error_line(run_cli("build", sample_lock, "-o", tmp_path / "out", code=1))
    assert "SOURCE_DATE_EPOCH" in line and "2107" in line and not (tmp_path / "out").exists()
