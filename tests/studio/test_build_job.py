"""channel/build-job.yaml run for real with openjd-cli: `ayon-conda release` of two bundles into a
moto S3 channel, one task each; the job run again releases nothing new."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import EXAMPLES, REPO, SAMPLE_BUNDLE, SAMPLE_CONFIG, json_out, run_cli
from ruamel.yaml import YAML
from support import openjd
from support.openjd import BUILD_JOB, AwsProfile, session_env

NETWORK = pytest.mark.network  # pin resolves with uv; the builds fetch wheels

SECOND = "0.2.0-sample.2"


def two_bundles(tmp_path: Path, channel: str) -> tuple[Path, Path]:
    """The sample bundle and a second one whose deadline_cloud addon is another version (so it
    gets its own package), with a component config that finds both versions."""
    addons = tmp_path / "addons"
    original = EXAMPLES / "addons" / "sample-ayon-deadline-cloud"
    shutil.copytree(original, addons / "deadline_cloud-0.2.0-sample.1")
    second = shutil.copytree(original, addons / f"deadline_cloud-{SECOND}")
    for path in (second / "package.py", second / "client" / "ayon_deadline_cloud" / "version.py"):
        path.write_text(path.read_text().replace('"0.2.0-sample.1"', f'"{SECOND}"'))
    config = YAML(typ="safe").load(SAMPLE_CONFIG.read_text())
    config["addons"]["core"]["source"]["path"] = str(EXAMPLES / "addons" / "sample-ayon-core")
    config["addons"]["deadline_cloud"]["source"]["path"] = str(addons / "deadline_cloud-{version}")
    config["conda_names"] = str(REPO / "recipe" / "conda-forge-names.yaml")
    config["channels"] = [channel]  # pin proves the compiled run requirement here (conda-forge is out of reach)
    config_path = tmp_path / "components.yaml"
    YAML().dump(config, config_path)

    bundles = tmp_path / "bundles"
    bundles.mkdir()
    sample = json.loads(SAMPLE_BUNDLE.read_text())
    (bundles / "a-sample.json").write_text(json.dumps(sample))
    sample.update(name="sample-bundle-2", createdAt="2026-10-02T09:30:00.000000+00:00")
    sample["addons"]["deadline_cloud"] = SECOND
    (bundles / "b-sample-2.json").write_text(json.dumps(sample))
    return bundles, config_path


@pytest.fixture
def worker(tmp_path: Path, moto_s3) -> dict[str, str]:
    """A worker session with the queue role's profile; ayon-conda and openjd on PATH."""
    return session_env(AwsProfile.make(tmp_path / "aws"), moto_s3.endpoint_url)


def repodata(moto_s3, bucket: str) -> dict:
    body = moto_s3.client().get_object(Bucket=bucket, Key="ayon/noarch/repodata.json")["Body"].read()
    return json.loads(body)["packages.conda"]


@NETWORK
def test_build_job_releases_each_bundle_in_its_task_and_a_rerun_builds_nothing(
        moto_s3, sync_channel, worker, tmp_path: Path):
    bundles, config = two_bundles(tmp_path, sync_channel)
    bucket = moto_s3.new_bucket("studio-conda")
    values = {"Channel": f"s3://{bucket}/ayon", "BundlesDir": bundles, "ComponentConfig": config,
              "VerifyChannels": sync_channel, "EndpointUrl": moto_s3.endpoint_url, "ParallelTasks": 2}
    first = openjd.run(BUILD_JOB, values, worker, environments=())
    assert first.returncode == 0, first.stdout
    assert "Chunks run: 2" in first.stdout  # one task per bundle
    assert "released: sample-bundle-1 -> ayon-publish-1.9.0_sample.1-pyh" in first.stdout
    assert "released: sample-bundle-2 -> ayon-publish-1.9.0_sample.1-pyh" in first.stdout
    published = repodata(moto_s3, bucket)
    full = sorted(name for name in published if name.startswith("ayon-publish-1.9.0"))
    core = [name for name in published if name.startswith("ayon-publish-core-")]
    assert len(full) == 2 and len(core) == 1, sorted(published)  # the core package of the shared core version once
    before = {key: moto_s3.client().head_object(Bucket=bucket, Key=key)["ETag"] for key in moto_s3.keys(bucket)}

    again = openjd.run(BUILD_JOB, {**values, "ParallelTasks": 3}, worker, environments=())
    assert again.returncode == 0, again.stdout
    assert "already released: sample-bundle-1 -> ayon-publish ==1.9.0_sample.1 pyh" in again.stdout
    assert "already released: sample-bundle-2 -> ayon-publish ==1.9.0_sample.1 pyh" in again.stdout
    assert "Task 3 of 3: nothing to do (2 bundles)" in again.stdout
    after = {key: moto_s3.client().head_object(Bucket=bucket, Key=key)["ETag"] for key in moto_s3.keys(bucket)}
    assert after == before  # nothing built, uploaded or re-indexed


def test_release_script_is_valid_bash(tmp_path: Path):
    script = tmp_path / "release-bundles.sh"
    script.write_text(openjd.embedded_file(BUILD_JOB, "Release"))
    proc = subprocess.run(["bash", "-n", str(script)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr


def test_build_job_fails_clearly(moto_s3, worker, tmp_path: Path):
    empty = tmp_path / "no-bundles"
    empty.mkdir()
    values = {"Channel": f"s3://{moto_s3.new_bucket('studio-conda')}/ayon", "BundlesDir": empty,
              "EndpointUrl": moto_s3.endpoint_url}
    result = openjd.run(BUILD_JOB, values, worker, environments=())
    assert result.returncode != 0
    assert f"openjd_fail: BundlesDir '{empty}' and BundleNames: no bundle to release" in result.stdout

    result = openjd.run(BUILD_JOB, {**values, "AyonConda": "no-such-ayon-conda --flag"}, worker, environments=())
    assert result.returncode != 0
    assert "openjd_fail: AyonConda 'no-such-ayon-conda --flag': no-such-ayon-conda is not found on the worker" in result.stdout

    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "bad.json").write_text("{not json")
    result = openjd.run(BUILD_JOB, {**values, "BundlesDir": broken}, worker, environments=())
    assert result.returncode != 0
    assert "error: " in result.stdout and str(broken / "bad.json") in result.stdout  # ayon-conda's own line
    assert f"openjd_fail: 1 of 1 bundles of task 1 failed ({broken / 'bad.json'})" in result.stdout


@NETWORK
def test_parallel_releases_of_one_core_version_keep_the_first_core_package(sync_channel, tmp_path: Path, monkeypatch):
    """Two tasks release bundles with the same new core version at once: both find no
    ayon-publish-core of it and build their own (different bytes: each from its bundle's lock).
    The one published second keeps the first's core package instead of failing."""
    import ayon_conda.release as releasing

    bundles, config = two_bundles(tmp_path, sync_channel)
    channel = tmp_path / "channel"
    common = ["--config", config, "--channel", channel, "--verify-channel", sync_channel, "--json"]
    first = json_out(run_cli("release", bundles / "a-sample.json", *common))
    assert first["core"] is not None

    real, looked = releasing._released, []

    def before_the_first_published(channel, pin, **kwargs):  # this task looked before the other one published
        if pin.name != "ayon-publish-core":
            return real(channel, pin, **kwargs)
        looked.append(pin.name)
        return {} if len(looked) == 1 else real(channel, pin, **kwargs)

    monkeypatch.setattr(releasing, "_released", before_the_first_published)
    second = json_out(run_cli("release", bundles / "b-sample-2.json", *common))
    assert looked == ["ayon-publish-core", "ayon-publish-core"]
    assert second["status"] == "released" and second["core"] is None and second["core_existing"] == [first["core"]]
    indexed = json.loads((channel / "noarch" / "repodata.json").read_text())["packages.conda"]
    assert sorted(indexed) == sorted([first["filename"], second["filename"], first["core"]])
