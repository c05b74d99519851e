"""``ayon-conda addons upload``: a bundle's addons to moto's S3, append-only."""

from __future__ import annotations

import json
import shutil
import zipfile
from pathlib import Path

import pytest
from conftest import EXAMPLES, SAMPLE_BUNDLE, SAMPLE_CONFIG, error_line, json_out, run_cli
from ayon_conda.dev.addon_package import private_files
from ayon_conda.dev.ayon_standin import AyonStandIn
from ayon_conda.dev.ayon_standin import make_bundle as server_bundle
from support.factories import make_addon, make_bundle, make_config

SKIP_UNSOURCED = ("--exclude", "maya", "--exclude", "applications")


def upload(moto_s3, to: str, *args: str | Path, code: int = 0):
    return run_cli("addons", "upload", *args, "--to", to, "--endpoint-url", moto_s3.endpoint_url, code=code)


def objects(moto_s3, bucket: str) -> dict[str, bytes]:
    s3 = moto_s3.client()
    return {k: s3.get_object(Bucket=bucket, Key=k)["Body"].read() for k in moto_s3.keys(bucket)}


def test_upload_writes_archives_addon_manifests_and_the_bundle_manifest(moto_s3):
    bucket = moto_s3.new_bucket("addons")
    out = json_out(upload(moto_s3, f"s3://{bucket}/studio/ayon", SAMPLE_BUNDLE, "--config", SAMPLE_CONFIG,
                          *SKIP_UNSOURCED, "--json"))
    assert out["manifest"] == {"url": f"s3://{bucket}/studio/ayon/bundles/sample-bundle-1.json", "status": "created"}
    assert [(a["name"], a["version"], a["status"]) for a in out["addons"]] == [
        ("core", "1.9.0-sample.1", "created"), ("deadline_cloud", "0.2.0-sample.1", "created")]
    assert out["excluded"] == ["applications", "maya"]
    stored = objects(moto_s3, bucket)
    bundle = json.loads(stored["studio/ayon/bundles/sample-bundle-1.json"])
    assert bundle["format"] == 1 and bundle["bundle"] == "sample-bundle-1"
    assert set(bundle["addons"]) == {"core", "deadline_cloud"}
    for addon in out["addons"]:
        listed = bundle["addons"][addon["name"]]
        archive = stored["studio/ayon/" + listed["archive"]]
        assert addon["archive"] == f"s3://{bucket}/studio/ayon/{listed['archive']}"
        assert __import__("hashlib").sha256(archive).hexdigest() == listed["sha256"] == addon["sha256"]
        manifest = json.loads(stored[f"studio/ayon/addons/{addon['name']}_{addon['version']}.json"])
        assert manifest["sha256"] == listed["sha256"] and len(manifest["tree_sha256"]) == 64
    # the archive holds the client package at its top, as AYON's {name}_{version} directory does
    deadline = bundle["addons"]["deadline_cloud"]
    with zipfile.ZipFile(__import__("io").BytesIO(stored["studio/ayon/" + deadline["archive"]])) as zf:
        names = zf.namelist()
        assert names == sorted(names) and "ayon_deadline_cloud/addon.py" in names
        assert {i.date_time for i in zf.infolist()} == {(1980, 1, 1, 0, 0, 0)}
        assert not any("__pycache__" in n for n in names)


def test_identical_reupload_is_already_present_and_changes_nothing(moto_s3, tmp_path: Path):
    bucket = moto_s3.new_bucket("again")
    to = f"s3://{bucket}/ayon"
    upload(moto_s3, to, SAMPLE_BUNDLE, "--config", SAMPLE_CONFIG, *SKIP_UNSOURCED, "-q")
    before = objects(moto_s3, bucket)
    out = json_out(upload(moto_s3, to, SAMPLE_BUNDLE, "--config", SAMPLE_CONFIG, *SKIP_UNSOURCED, "--json"))
    assert {a["status"] for a in out["addons"]} == {"already present"} and out["manifest"]["status"] == "already present"
    assert objects(moto_s3, bucket) == before


def test_other_files_under_a_published_addon_version_are_refused(moto_s3, tmp_path: Path):
    bucket = moto_s3.new_bucket("changed")
    to = f"s3://{bucket}/ayon"
    upload(moto_s3, to, SAMPLE_BUNDLE, "--config", SAMPLE_CONFIG, *SKIP_UNSOURCED, "-q")
    before = objects(moto_s3, bucket)
    changed = tmp_path / "addons"
    shutil.copytree(EXAMPLES / "addons", changed)
    (changed / "sample-ayon-deadline-cloud" / "client" / "ayon_deadline_cloud" / "addon.py").write_text("# changed\n")
    config = make_config(tmp_path / "c.yaml", {
        "core": {"client_dir": "ayon_core", "source": {"path": str(changed / "sample-ayon-core")}},
        "deadline_cloud": {"client_dir": "ayon_deadline_cloud", "source": {"path": str(changed / "sample-ayon-deadline-cloud")}},
    })
    line = error_line(upload(moto_s3, to, SAMPLE_BUNDLE, "--config", config, *SKIP_UNSOURCED, code=1))
    assert f"s3://{bucket}/ayon/addons/deadline_cloud_0.2.0-sample.1.json" in line
    assert "already published with other files" in line and "new version" in line
    assert objects(moto_s3, bucket) == before


def test_a_bundle_manifest_never_changes(moto_s3):
    bucket = moto_s3.new_bucket("bundle")
    to = f"s3://{bucket}/ayon"
    upload(moto_s3, to, SAMPLE_BUNDLE, "--config", SAMPLE_CONFIG, *SKIP_UNSOURCED, "-q")
    before = objects(moto_s3, bucket)
    line = error_line(upload(moto_s3, to, SAMPLE_BUNDLE, "--config", SAMPLE_CONFIG, *SKIP_UNSOURCED,
                             "--exclude", "deadline_cloud", code=1))
    assert "bundles/sample-bundle-1.json: already exists with other addons or versions" in line and "new bundle" in line
    assert objects(moto_s3, bucket) == before


def test_addons_without_a_source_are_named(moto_s3):
    bucket = moto_s3.new_bucket("nosource")
    line = error_line(upload(moto_s3, f"s3://{bucket}", SAMPLE_BUNDLE, "--config", SAMPLE_CONFIG, code=1))
    assert "no source for addons applications, maya" in line and "--server" in line and "--exclude" in line
    assert moto_s3.keys(bucket) == []


def test_bad_destinations_and_names(moto_s3, tmp_path: Path):
    assert "not an s3:// URL" in error_line(upload(moto_s3, "https://x/y", SAMPLE_BUNDLE, "--config", SAMPLE_CONFIG, code=1))
    line = error_line(upload(moto_s3, "s3://no-such-bucket/p", SAMPLE_BUNDLE, "--config", SAMPLE_CONFIG,
                             *SKIP_UNSOURCED, code=1))
    assert "no-such-bucket" in line and "the bucket does not exist" in line
    assert "has no such addon" in error_line(upload(moto_s3, "s3://b", SAMPLE_BUNDLE, "--config", SAMPLE_CONFIG,
                                                    "--exclude", "nuke", code=1))
    bad = make_bundle(tmp_path / "b.json", {"core": "1.9.0-sample.1"}, name="prod/../x")
    assert "bundle name 'prod/../x' is not valid" in error_line(upload(moto_s3, "s3://b", bad, "--config", SAMPLE_CONFIG,
                                                                       code=1))


@pytest.mark.network
def test_addons_the_config_does_not_list_come_from_the_server(moto_s3, tmp_path: Path, monkeypatch):
    """A studio's bundle has many addons: those without a config entry come from the AYON server's
    client.zip, and their client package is found in it."""
    tool = make_addon(tmp_path / "tool-src", "studio_tool", "1.2.0", "studio_tool")
    addons = {"core": "1.9.0-sample.1", "studio_tool": "1.2.0"}
    with AyonStandIn(
        bundles=[server_bundle("prod", addons, production=True)],
        addons={"studio_tool": {"1.2.0": {"files": private_files(tool / "client" / "studio_tool")}}},
    ) as server:
        monkeypatch.setenv("AYON_API_KEY", server.api_key)
        bucket = moto_s3.new_bucket("server")
        out = json_out(upload(moto_s3, f"s3://{bucket}/ayon", "--server", server.url, "--config", SAMPLE_CONFIG, "--json"))
        assert ("GET", "/addons/studio_tool/1.2.0/private/client.zip") in server.requests_seen
    assert {a["name"]: a["client_dir"] for a in out["addons"]} == {"core": "ayon_core", "studio_tool": "studio_tool"}
    assert out["bundle"] == "prod"
