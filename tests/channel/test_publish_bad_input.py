"""Bad input to publish: one line naming it and the way out, exit 1, nothing written to the channel."""

from __future__ import annotations

import json
import shutil

import pytest
from conftest import refused, run_cli


# -- the packages ---------------------------------------------------------------------------------
def test_a_file_that_is_not_a_conda_package(channel, tiny, tmp_path):
    run_cli("publish", tiny("alpha"), *channel.cli_args())
    before = channel.read()
    bogus = tmp_path / "bogus-1.0-0.conda"
    bogus.write_bytes(b"not a zip file at all")
    good = tiny("beta")  # nothing is written when any package is bad
    refused(run_cli("publish", good, bogus, *channel.cli_args(), code=1), str(bogus), "not a valid conda package: not a .conda archive")
    assert channel.read() == before


def test_a_file_without_a_package_extension(channel, tmp_path):
    text = tmp_path / "notes.txt"
    text.write_text("hello")
    refused(run_cli("publish", text, *channel.cli_args(), code=1), str(text), "must end in .conda")
    assert channel.read() == {}


def test_metadata_disagrees_with_the_file_name(channel, tiny, tmp_path):
    package = tiny("alpha", version="1.0")
    renamed = tmp_path / "alpha-2.0-h0_0.conda"
    shutil.copyfile(package, renamed)
    refused(run_cli("publish", renamed, *channel.cli_args(), code=1),
                   str(renamed), "says alpha 1.0 h0_0", "must be named alpha-1.0-h0_0.conda")
    assert channel.read() == {}


def test_missing_package_file(channel, tmp_path):
    missing = tmp_path / "nope-1.0-0.conda"
    refused(run_cli("publish", missing, *channel.cli_args(), code=1), str(missing), "no such file")
    assert channel.read() == {}


# -- S3 -------------------------------------------------------------------------------------------
def test_bucket_missing(moto_s3, tiny):
    buckets = sorted(b["Name"] for b in moto_s3.client().list_buckets()["Buckets"])
    refused(run_cli("publish", tiny("alpha"), "--channel", "s3://no-such-bucket/conda",
                           "--endpoint-url", moto_s3.endpoint_url, code=1),
                   "s3://no-such-bucket/conda", "the bucket does not exist")
    assert sorted(b["Name"] for b in moto_s3.client().list_buckets()["Buckets"]) == buckets


def test_no_credentials(moto_s3, tiny, monkeypatch):
    bucket = moto_s3.new_bucket()
    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.delenv(key)
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    refused(run_cli("publish", tiny("alpha"), "--channel", f"s3://{bucket}/conda",
                           "--endpoint-url", moto_s3.endpoint_url, code=4),
                   f"s3://{bucket}/conda", "no AWS credentials found", "AWS_PROFILE")
    assert moto_s3.keys(bucket) == []


@pytest.mark.parametrize("denied", ["s3:*", "s3:PutObject"])  # no access to objects; read-only credentials
def test_access_denied(moto_s3, tiny, denied):
    bucket = moto_s3.new_bucket()
    run_cli("publish", tiny("alpha"), "--channel", f"s3://{bucket}/conda", "--endpoint-url", moto_s3.endpoint_url)
    before = moto_s3.keys(bucket)
    policy = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Deny", "Principal": "*", "Action": denied, "Resource": f"arn:aws:s3:::{bucket}/*"}]}
    moto_s3.client().put_bucket_policy(Bucket=bucket, Policy=json.dumps(policy))
    try:
        refused(run_cli("publish", tiny("beta"), "--channel", f"s3://{bucket}/conda",
                               "--endpoint-url", moto_s3.endpoint_url, code=4),
                       f"s3://{bucket}/conda/noarch/beta-1.0-h0_0.conda", "access denied")
    finally:
        moto_s3.client().delete_bucket_policy(Bucket=bucket)
    assert moto_s3.keys(bucket) == before


def test_endpoint_down(moto_s3, tiny):
    bucket = moto_s3.new_bucket()
    refused(run_cli("publish", tiny("alpha"), "--channel", f"s3://{bucket}/conda",
                           "--endpoint-url", "http://127.0.0.1:9", code=4),
                   f"s3://{bucket}/conda", "cannot reach the S3 endpoint", "--endpoint-url")
    assert moto_s3.keys(bucket) == []


# -- channel URLs ---------------------------------------------------------------------------------
def test_unsupported_channel_url(tiny):
    refused(run_cli("publish", tiny("alpha"), "--channel", "https://conda.example.com/ayon", code=1),
                   "https://conda.example.com/ayon", "cannot publish to a https:// channel")


def test_public_is_for_s3_only(tiny, tmp_path):
    refused(run_cli("publish", tiny("alpha"), "--channel", tmp_path / "c", "--public", code=1), "--public")
    assert not (tmp_path / "c").exists()


def test_channel_path_is_a_file(tiny, tmp_path):
    target = tmp_path / "file"
    target.write_text("x")
    refused(run_cli("publish", tiny("alpha"), "--channel", target, code=1), str(target), "is not a directory")
    assert target.read_text() == "x"
