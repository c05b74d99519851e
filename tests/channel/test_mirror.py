"""``ayon-conda mirror``: channels copied S3 -> disk and disk -> S3, every file checked, and the
copy read by a real installer."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from conftest import error_line, json_out, run_cli
from support.channel_check import assert_views_agree, dir_files, s3_files

pytestmark = pytest.mark.network


def _published_to_s3(moto_s3, *packages: Path) -> tuple[str, str]:
    bucket = moto_s3.new_bucket("source")
    run_cli("publish", *packages, "--channel", f"s3://{bucket}/conda", "--endpoint-url", moto_s3.endpoint_url, "-q")
    return bucket, f"s3://{bucket}/conda"


def test_s3_to_disk_then_install_from_the_copy(moto_s3, sample_package: Path, python_channel: str, tmp_path: Path):
    _, source = _published_to_s3(moto_s3, sample_package)
    copy = tmp_path / "air-gapped"
    out = json_out(run_cli("mirror", source, copy, "--src-endpoint-url", moto_s3.endpoint_url, "--json"))
    assert out["copied"] == [f"noarch/{sample_package.name}"]
    files = dir_files(copy)
    assert files[f"noarch/{sample_package.name}"] == sample_package.read_bytes()
    assert assert_views_agree(files, "noarch") == {sample_package.name}
    repodata = json.loads(files["noarch/repodata.json"])
    entry = repodata["packages.conda"][sample_package.name]
    assert entry["sha256"] == hashlib.sha256(sample_package.read_bytes()).hexdigest()
    # the copy is a channel a worker installs from, with no network to the source
    pin_spec = sample_package.name.removesuffix(".conda")
    name, version, build = pin_spec.rsplit("-", 2)
    verified = json_out(run_cli("verify", "--spec", f"{name} =={version} {build}", "-c", copy, "-c", python_channel, "--json"))
    assert verified["version_output"].startswith(f"{name} {version} {build}")


def test_disk_to_s3_and_again_copies_nothing(moto_s3, s3_counter, sample_package: Path, sample_core_package: Path,
                                             tmp_path: Path):
    source = tmp_path / "source"
    run_cli("publish", sample_package, sample_core_package, "--channel", source, "-q")
    bucket = moto_s3.new_bucket("mirror")
    dst = f"s3://{bucket}/ayon"
    args = ["mirror", source, dst, "--dst-endpoint-url", moto_s3.endpoint_url]
    first = json_out(run_cli(*args, "--json"))
    assert sorted(first["copied"]) == sorted(f"noarch/{p.name}" for p in (sample_package, sample_core_package))
    files = s3_files(moto_s3.client(), bucket, "ayon")
    assert assert_views_agree(files, "noarch") == {sample_package.name, sample_core_package.name}
    assert files[f"noarch/{sample_core_package.name}"] == sample_core_package.read_bytes()
    s3_counter.clear()
    again = json_out(run_cli("mirror", source, dst, "--dst-endpoint-url", s3_counter.url, "--json"))
    assert again["copied"] == [] and len(again["already_mirrored"]) == 2
    assert s3_counter.seen  # it went through the counting hop ...
    assert [path for method, path in s3_counter.seen if method == "PUT" and path.endswith(".conda")] == []  # ... sent no package


def test_dry_run_writes_nothing(sample_package: Path, tmp_path: Path):
    source = tmp_path / "source"
    run_cli("publish", sample_package, "--channel", source, "-q")
    out = json_out(run_cli("mirror", source, tmp_path / "copy", "--dry-run", "--json"))
    assert out["to_copy"] == [f"noarch/{sample_package.name}"]
    assert not (tmp_path / "copy").exists()


def test_a_damaged_source_file_stops_the_mirror_before_anything_is_written(sample_package: Path, tmp_path: Path):
    source = tmp_path / "source"
    run_cli("publish", sample_package, "--channel", source, "-q")
    damaged = source / "noarch" / sample_package.name
    damaged.write_bytes(damaged.read_bytes()[:-10] + b"0123456789")
    line = error_line(run_cli("mirror", source, tmp_path / "copy", code=1))
    assert sample_package.name in line and "does not match the source index" in line
    assert not (tmp_path / "copy").exists() or dir_files(tmp_path / "copy") == {}


def test_a_destination_that_diverged_is_refused(tiny, tmp_path: Path):
    source, copy = tmp_path / "source", tmp_path / "copy"
    run_cli("publish", tiny("alpha", payload="one"), "--channel", source, "-q")
    run_cli("publish", tiny("alpha", payload="two", directory="other"), "--channel", copy, "-q")
    before = dir_files(copy)
    line = error_line(run_cli("mirror", source, copy, code=1))
    assert "already exists with different content" in line and "new destination" in line
    assert dir_files(copy) == before


def test_a_source_that_is_not_a_channel(tmp_path: Path):
    (tmp_path / "empty").mkdir()
    line = error_line(run_cli("mirror", tmp_path / "empty", tmp_path / "copy", code=1))
    assert "has no noarch/repodata.json" in line
