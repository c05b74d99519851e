"""``ayon-conda release``: pin, build, verify, publish; a bundle already in the channel is not rebuilt."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess

import pytest
from conftest import SAMPLE_BUNDLE, SAMPLE_CONFIG, error_line, json_out, run_cli
from support.channel_check import (
    KILL_BEFORE_INDEX,
    assert_valid,
    assert_views_agree,
    cli_process,
    dir_files,
    packages_in,
    s3_files,
)

pytestmark = pytest.mark.network  # pin resolves with uv; the build fetches wheels


def _release(*args, code: int = 0):
    # the sample's compiled run requirement cannot be checked against conda-forge here
    return run_cli("release", SAMPLE_BUNDLE, "--config", SAMPLE_CONFIG, "--skip-run-check", *args, code=code)


def _refuse_building(monkeypatch) -> None:
    """Any attempt to pin or build fails the test."""
    import ayon_conda.release as releasing

    def refuse(*args, **kwargs):
        raise AssertionError("release built although the bundle's package is in the channel")

    monkeypatch.setattr(releasing, "make_lock", refuse)
    monkeypatch.setattr(releasing, "build", refuse)


@pytest.fixture
def no_building(monkeypatch):
    _refuse_building(monkeypatch)


def test_release_then_rerun_then_rebuild(tmp_path, sync_channel, python_channel, monkeypatch):
    # sync_channel: python and boto3 (the run requirement of ayon-publish-core, verified too)
    channel = tmp_path / "channel"
    first = json_out(_release("--channel", channel, "--verify-channel", sync_channel, "-o", tmp_path / "work", "--json"))
    assert first["status"] == "released" and first["filename"].endswith("_0.conda")
    assert any(p.startswith("python ") for p in first["installed"])  # verified with the real installer
    assert [p["action"] for p in first["published"]["packages"]] == ["uploaded", "uploaded"]
    assert first["core"].startswith("ayon-publish-core-1.9.0_sample.1-pyh") and first["core_existing"] == []
    assert (tmp_path / "work" / "dist" / "noarch" / first["filename"]).is_file()
    assert assert_views_agree(dir_files(channel), "noarch") == {first["filename"], first["core"]}

    _refuse_building(monkeypatch)
    again = _release("--channel", channel, "--verify-channel", python_channel)
    assert again.stdout.startswith(f"already released: sample-bundle-1 -> {first['spec']}")
    assert first["filename"] in again.stdout
    out = json_out(_release("--channel", channel, "--verify-channel", python_channel, "--json"))
    assert out["status"] == "already released" and out["existing"] == [first["filename"]] and out["published"] is None

    monkeypatch.undo()
    rebuilt = json_out(_release("--channel", channel, "--verify-channel", python_channel, "--rebuild", "--json"))
    assert rebuilt["status"] == "released" and rebuilt["filename"] == first["filename"].replace("_0.conda", "_1.conda")
    # the core package of this core version is in the channel already: kept, not published again
    assert rebuilt["core"] is None and rebuilt["core_existing"] == [first["core"]]
    verified = json_out(run_cli("verify", "--spec", first["spec"], "-c", channel, "-c", python_channel, "--json"))
    assert verified["version_output"].splitlines()[0].endswith("_1")  # the solver takes the highest build


def test_interrupted_release_is_finished_without_building(moto_s3, sample_package, python_channel, no_building):
    """The upload happened, the index did not; the release job runs again."""
    bucket = moto_s3.new_bucket()
    args = ["--channel", f"s3://{bucket}/conda", "--endpoint-url", moto_s3.endpoint_url]
    proc = cli_process(["publish", str(sample_package), *args], dict(os.environ), KILL_BEFORE_INDEX,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    assert proc.wait(timeout=120) == -signal.SIGKILL
    files = s3_files(moto_s3.client(), bucket, "conda")
    assert packages_in(files) == {sample_package.name} and assert_valid(files) == {}

    out = json_out(_release(*args, "--verify-channel", python_channel, "--json"))
    assert out["status"] == "already released" and out["existing"] == [sample_package.name]
    files = s3_files(moto_s3.client(), bucket, "conda")
    assert assert_views_agree(files, "noarch") == {sample_package.name}


def test_dry_run_builds_and_writes_nothing(tmp_path, python_channel, no_building):
    channel = tmp_path / "channel"
    out = json_out(_release("--channel", channel, "--verify-channel", python_channel, "--dry-run", "--json"))
    assert out["status"] == "would release" and out["filename"].endswith("_0.conda") and out["existing"] == []
    assert not channel.exists()


def test_missing_bucket_fails_before_building(moto_s3, no_building):
    line = error_line(_release("--channel", "s3://no-such-bucket/conda", "--endpoint-url", moto_s3.endpoint_url, code=1))
    assert "the bucket does not exist" in line


def test_a_package_that_fails_verification_is_not_published(tmp_path):
    """verify gates publish: without python in the verify channels nothing reaches the channel."""
    from rattler.index import index_fs

    empty = tmp_path / "empty"
    (empty / "noarch").mkdir(parents=True)
    asyncio.run(index_fs(empty))
    channel = tmp_path / "channel"
    line = error_line(_release("--channel", channel, "--verify-channel", empty.as_uri(), code=3))
    assert "cannot solve" in line
    assert not channel.exists()
