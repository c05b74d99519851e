"""``ayon_publish_submit.submission``: what the AYON addon calls at job submission, against real channels
(moto's S3 server over HTTP, the same bucket as a public HTTP channel, a directory channel)
indexed by py-rattler, and checked with py-rattler's solver and installer."""

from __future__ import annotations

import asyncio
import hashlib
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from ayon_conda.errors import AyonCondaError
from ayon_conda.pin.component_config import load_config
from ayon_conda.pin.lock import Lock
from ayon_publish_submit.channel_reader import Channel
from ayon_publish_submit.pin_scheme import DEFAULT_BAKE
from ayon_publish_submit.submission import (
    NoMatch,
    NotCompatible,
    queue_parameters,
    resolve,
    spec_for_bundle,
)
from conftest import REPO, SAMPLE_BUNDLE
from support.channels import (
    FakePackage,
    index_bucket,
    index_dir,
    published_channel,
    upload_packages,
    write_packages,
)

BUNDLE = {"name": "prod-2026-10", "addons": {"core": "1.9.0", "deadline_cloud": "0.2.0", "maya": "0.4.10",
                                             "applications": "1.1.2", "nuke": None}}
USUAL = FakePackage({"core": "1.9.0", "deadline_cloud": "0.2.0"}, build_number=2)  # highest build of the usual set


def test_spec_for_bundle_is_the_spec_the_build_pinned(sample_lock: Path):
    bundle = json.loads(SAMPLE_BUNDLE.read_text())  # has maya and applications too, which are not baked
    assert spec_for_bundle(bundle) == Lock.load(sample_lock).pin.spec
    assert spec_for_bundle(BUNDLE) == "ayon-publish ==1.9.0 pyhd745850c_*"
    assert spec_for_bundle(BUNDLE, bake=("core", "deadline_cloud", "maya")) != spec_for_bundle(BUNDLE)


def test_default_bake_is_what_the_shipped_configs_bake():
    for config in ("recipe/components.yaml", "examples/bundles/sample.components.yaml"):
        assert load_config(REPO / config).bake == DEFAULT_BAKE


@pytest.mark.parametrize(("addons", "message"), [
    ({"deadline_cloud": "0.2.0"}, "bundle 'b': has no 'core' addon; the package version is ayon-core's"),
    ({"core": "1.9.0", "deadline_cloud": None}, "has no 'deadline_cloud' addon, which the package bakes"),
])
def test_spec_for_a_bundle_without_a_baked_addon(addons, message):
    with pytest.raises(AyonCondaError, match=message):
        spec_for_bundle({"name": "b", "addons": addons})


def test_resolve_takes_the_highest_build(ayon_channel, moto_s3, tmp_path: Path):
    found = resolve(BUNDLE, ayon_channel.s3, endpoint_url=ayon_channel.endpoint_url, cache=tmp_path)
    assert found.spec == "ayon-publish ==1.9.0 pyhd745850c_2"
    assert found.match_spec == "ayon-publish ==1.9.0 pyhd745850c_*"
    assert found.package == "ayon-publish==1.9.0[build=pyhd745850c_2]"
    assert found.url == f"{ayon_channel.s3}/noarch/{USUAL.filename}"
    bucket, _, key = found.url[len("s3://"):].partition("/")
    body = moto_s3.client().get_object(Bucket=bucket, Key=key)["Body"].read()
    assert found.sha256 == hashlib.sha256(body).hexdigest()
    assert found.addons == {"core": "1.9.0", "deadline_cloud": "0.2.0"}


def test_http_channel_gives_the_same_answer(ayon_channel, tmp_path: Path):
    over_s3 = resolve(BUNDLE, ayon_channel.s3, endpoint_url=ayon_channel.endpoint_url, cache=tmp_path / "a")
    over_http = resolve(BUNDLE, ayon_channel.http, cache=tmp_path / "b")
    assert (over_http.spec, over_http.sha256) == (over_s3.spec, over_s3.sha256)
    assert over_http.url == f"{ayon_channel.http}/noarch/{USUAL.filename}"


@pytest.mark.parametrize("kind", ["s3", "http"])
def test_warm_resolve_revalidates_and_sees_a_new_build(kind: str, moto_s3, s3_counter, tmp_path: Path):
    """A warm resolve is one conditional request and no download; a rebuild published since is
    picked up at once (the index's ETag changed), also by a Channel kept for the session. Traffic
    is counted at the HTTP boundary: a counting hop in front of the S3 server."""
    channel = published_channel(moto_s3, [USUAL])
    bucket, _, prefix = channel.s3[len("s3://"):].partition("/")
    url = channel.s3 if kind == "s3" else s3_counter.url_of(channel.http)
    s3_counter.clear()
    cold = Channel(url, endpoint_url=s3_counter.url, cache=tmp_path)
    assert resolve(BUNDLE, cold).spec.endswith("_2")
    requests, received = s3_counter.traffic(bucket)
    assert requests == 1 and received > 0

    s3_counter.clear()
    warm = Channel(url, endpoint_url=s3_counter.url, cache=tmp_path)
    assert resolve(BUNDLE, warm).spec.endswith("_2")
    assert s3_counter.traffic(bucket) == (1, 0)
    assert [status for _, path, status, _ in s3_counter.answers if path.startswith(f"/{bucket}/")] == [304]

    rebuild = FakePackage(USUAL.addons, build_number=3)
    write_packages([rebuild], tmp_path / "rebuild")
    upload_packages(moto_s3.client(), bucket, prefix, tmp_path / "rebuild")
    index_bucket(moto_s3.endpoint_url, bucket, prefix)
    s3_counter.clear()
    assert resolve(BUNDLE, warm).spec == "ayon-publish ==1.9.0 pyhd745850c_3"  # the same object, a new answer
    requests, received = s3_counter.traffic(bucket)
    assert requests == 1 and received > 0


def test_max_age_skips_the_revalidation(ayon_channel, s3_counter, tmp_path: Path):
    bucket = ayon_channel.s3[len("s3://"):].partition("/")[0]
    http = s3_counter.url_of(ayon_channel.http)
    resolve(BUNDLE, http, cache=tmp_path)
    s3_counter.clear()
    within = Channel(http, cache=tmp_path, max_age=300)
    assert resolve(BUNDLE, within).spec.endswith("_2")
    assert s3_counter.traffic(bucket) == (0, 0)


def test_no_match_lists_the_nearest_packages(ayon_channel, tmp_path: Path):
    bundle = {"name": "new-deadline", "addons": {"core": "1.9.0", "deadline_cloud": "0.2.1"}}
    with pytest.raises(NoMatch) as caught:
        resolve(bundle, ayon_channel.s3, endpoint_url=ayon_channel.endpoint_url, cache=tmp_path)
    message = str(caught.value)
    assert message.startswith(f"{ayon_channel.s3}: no package for bundle 'new-deadline' (ayon-publish ==1.9.0 pyh")
    nearest = message.split("nearest published: ")[1].split("; publish")[0].split("; ")
    assert len(nearest) == 5
    # the same ayon-core version (other addon sets) first, each addon set once, its highest build
    assert all(n.startswith("ayon-publish ==1.9.0 ") for n in nearest[:3])
    assert "ayon-publish ==1.9.0 pyhd745850c_2 [core=1.9.0 deadline_cloud=0.2.0]" in nearest
    assert "pyhd745850c_1" not in message
    assert {n.split()[1] for n in nearest[3:]} == {"==1.8.2", "==1.9.1"}  # then the nearest versions around it
    assert "publish a package for this bundle" in message


def test_a_package_that_bakes_more_addons_is_found_by_its_recorded_set(ayon_channel, tmp_path: Path):
    bundle = {"name": "maya-studio", "addons": {"core": "1.9.0", "deadline_cloud": "0.2.5", "maya": "0.4.10", "nuke": "0.3.0"}}
    found = resolve(bundle, ayon_channel.s3, endpoint_url=ayon_channel.endpoint_url, cache=tmp_path)
    assert found.addons == {"core": "1.9.0", "deadline_cloud": "0.2.5", "maya": "0.4.10"}
    assert found.spec == spec_for_bundle(bundle, bake=("deadline_cloud", "maya")).replace("_*", "_0")
    with pytest.raises(NoMatch):  # only the default set when it is given
        resolve(bundle, ayon_channel.s3, endpoint_url=ayon_channel.endpoint_url, cache=tmp_path, bake=DEFAULT_BAKE)
    other_maya = {**bundle, "addons": {**bundle["addons"], "maya": "0.4.11"}}
    with pytest.raises(NoMatch):  # the hash must match: another maya version is another package
        resolve(other_maya, ayon_channel.s3, endpoint_url=ayon_channel.endpoint_url, cache=tmp_path)


def test_server_range_refuses_and_names_a_package_that_fits(ayon_channel, tmp_path: Path):
    bundle = {"name": "prod-1.9.1", "addons": {"core": "1.9.1", "deadline_cloud": "0.2.0"}}
    options = {"endpoint_url": ayon_channel.endpoint_url, "cache": tmp_path}
    assert resolve(bundle, ayon_channel.s3, server_version="1.9.4", **options).server_range == ">=1.9.0,<2.0.0"
    assert resolve(bundle, ayon_channel.s3, server_version="1.10.0-dev.1", **options).spec.startswith("ayon-publish ==1.9.1")
    with pytest.raises(NotCompatible) as caught:
        resolve(bundle, ayon_channel.s3, server_version="1.8.4", **options)
    message = str(caught.value)
    assert "ayon-publish ==1.9.1 pyh" in message and "needs AYON server >=1.9.0,<2.0.0, but the server runs 1.8.4" in message
    fit = message.split("; ")[1]
    assert fit.startswith("ayon-publish ==1.9.0 ") and fit.endswith("would fit")  # the nearest that accepts 1.8.4
    with pytest.raises(NotCompatible, match=r"ayon-publish ==1\.8\.2 pyh\w+_0 \[core=1\.8\.2 deadline_cloud=0\.2\.0\] would fit"):
        resolve(bundle, ayon_channel.s3, server_version="1.8.1", **options)  # only 1.8.2 accepts >=1.8.0
    with pytest.raises(NotCompatible, match="upgrade the AYON server: no nearby published package supports it"):
        resolve(bundle, ayon_channel.s3, server_version="1.7.0", **options)
    with pytest.raises(AyonCondaError, match="'1.9' is not a semantic version"):
        resolve(bundle, ayon_channel.s3, server_version="1.9", **options)


def test_queue_parameters_install_with_a_real_solver(sample_package: Path, python_channel: str, tmp_path: Path):
    """CondaPackages and CondaChannels, split on whitespace as the queue environment does, make
    py-rattler install exactly the resolved build, whose 'ayon' runs."""
    from ayon_conda.build.verify import entry_point
    from rattler import Channel as RattlerChannel
    from rattler import Subdir, VirtualPackage, install, solve

    channel_dir = tmp_path / "channel"
    (channel_dir / "noarch").mkdir(parents=True)
    shutil.copyfile(sample_package, channel_dir / "noarch" / sample_package.name)
    index_dir(channel_dir)
    bundle = json.loads(SAMPLE_BUNDLE.read_text())
    params = queue_parameters(bundle, f"{channel_dir.as_uri()} {python_channel}", cache=tmp_path / "cache")
    name, version, build = sample_package.stem.rsplit("-", 2)
    assert params == {"CondaPackages": f"{name}=={version}[build={build}]",
                      "CondaChannels": f"{channel_dir.as_uri()} {python_channel}"}

    async def install_job_environment() -> list:
        records = await solve(sources=[RattlerChannel(c) for c in params["CondaChannels"].split()],
                              specs=params["CondaPackages"].split(),
                              platforms=[Subdir.current(), Subdir("noarch")], virtual_packages=VirtualPackage.detect())
        await install(records, target_prefix=tmp_path / "env", cache_dir=tmp_path / "pkgs", show_progress=False)
        return records

    records = asyncio.run(install_job_environment())
    ours = next(r for r in records if r.name.normalized == "ayon-publish")
    assert ours.file_name == sample_package.name
    assert ours.sha256.hex() == hashlib.sha256(sample_package.read_bytes()).hexdigest()
    version = subprocess.run([str(entry_point(tmp_path / "env")), "--version"], capture_output=True, text=True, check=True)
    assert version.stdout.startswith(f"ayon-publish {ours.version} {ours.build}")


def test_queue_parameters_take_the_first_channel_that_has_the_package(ayon_channel, moto_s3, tmp_path: Path):
    other = published_channel(moto_s3, [FakePackage({"core": "1.0.0", "deadline_cloud": "0.1.0"})])
    params = queue_parameters(BUNDLE, ["deadline-cloud", other.http, ayon_channel.http, "conda-forge"],
                              packages=["maya=2025"], cache=tmp_path)
    assert params == {"CondaPackages": "maya=2025 ayon-publish==1.9.0[build=pyhd745850c_2]",
                      "CondaChannels": f"deadline-cloud {other.http} {ayon_channel.http} conda-forge"}
    with pytest.raises(NoMatch, match="nearest published: ayon-publish ==1.0.0"):
        queue_parameters(BUNDLE, [other.http, "conda-forge"], cache=tmp_path)
    with pytest.raises(AyonCondaError, match="CondaChannels: 'deadline-cloud conda-forge' has no s3://, https:// or file:// channel"):
        queue_parameters(BUNDLE, "deadline-cloud conda-forge")


def test_channel_problems_are_one_clear_error(moto_s3, tmp_path: Path, monkeypatch):
    empty, private = moto_s3.new_bucket(), moto_s3.new_bucket()
    moto_s3.client().put_object(Bucket=private, Key="ayon/noarch/repodata.json.zst", Body=b"not for everyone")
    cases = [
        ("s3://no-such-bucket/ayon", moto_s3.endpoint_url, "s3://no-such-bucket/ayon/noarch/repodata.json.zst: the bucket does not exist"),
        (f"s3://{empty}/ayon", moto_s3.endpoint_url, f"s3://{empty}/ayon: has no noarch/repodata.json: not a conda channel"),
        ("s3://bucket/ayon", "http://127.0.0.1:9", "cannot reach the S3 endpoint"),
        ("http://127.0.0.1:9/ayon", None, "http://127.0.0.1:9/ayon/noarch/repodata.json.zst: cannot reach the channel"),
        (f"{moto_s3.endpoint_url}/{private}/ayon", None, "access denied (HTTP 403)"),
        (str(tmp_path / "nowhere"), None, "no such directory"),
        ("conda-forge", None, "is a channel name, not a location"),
        ("ftp://host/channel", None, "'ftp://' channels are not supported"),
    ]
    for channel, endpoint, message in cases:
        with pytest.raises(AyonCondaError, match=re.escape(message)):
            resolve(BUNDLE, channel, endpoint_url=endpoint, cache=tmp_path)
    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.delenv(key)
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    import ayon_publish_submit.remote

    monkeypatch.setattr(ayon_publish_submit.remote, "_s3_clients", {})  # clients made before keep their credentials
    with pytest.raises(AyonCondaError, match="no AWS credentials found"):
        resolve(BUNDLE, "s3://bucket/ayon", endpoint_url=moto_s3.endpoint_url, cache=tmp_path)


def test_package_metadata_is_read_with_ranges(sample_package: Path, moto_s3, s3_counter, tmp_path: Path):
    """about.json of a real 1 MB package costs a few KB, and equals what an independent reader sees."""
    from conda_package_streaming.package_streaming import stream_conda_info

    channel = published_channel(moto_s3, [])
    bucket, _, prefix = channel.s3[len("s3://"):].partition("/")
    moto_s3.client().put_object(Bucket=bucket, Key=f"{prefix}/noarch/{sample_package.name}", Body=sample_package.read_bytes())
    index_bucket(moto_s3.endpoint_url, bucket, prefix)
    http = s3_counter.url_of(channel.http)
    reader = Channel(http, cache=tmp_path)
    record = reader.records("ayon-publish")[0]
    s3_counter.clear()
    about = reader.about(record)
    requests, fetched = s3_counter.traffic(bucket)  # measured at the HTTP boundary
    assert requests >= 1 and fetched < sample_package.stat().st_size / 10
    with open(sample_package, "rb") as fh:
        for tar, member in stream_conda_info(sample_package.name, fh):
            if member.name == "info/about.json":
                assert about.about == json.load(tar.extractfile(member))
    assert about.index["build"] == record.build
    assert about.last_modified is not None
    s3_counter.clear()
    again = Channel(http, cache=tmp_path)
    assert again.about(record) == about and s3_counter.traffic(bucket) == (0, 0)  # cached by sha256
