"""The shared S3 layer against moto's server: append-only writes and one-line errors."""

from __future__ import annotations

import hashlib

import pytest
from ayon_conda import s3
from ayon_conda.errors import AyonCondaError


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_create_only_put(moto_s3):
    bucket = moto_s3.new_bucket()
    client = s3.client(moto_s3.endpoint_url)
    assert s3.put_create_only(client, bucket, "noarch/a.conda", b"one", _sha(b"one")) == s3.CREATED
    assert s3.put_create_only(client, bucket, "noarch/a.conda", b"one", _sha(b"one")) == s3.ALREADY_PRESENT
    with pytest.raises(AyonCondaError, match="already exists with different content.*higher --build-number"):
        s3.put_create_only(client, bucket, "noarch/a.conda", b"two", _sha(b"two"))
    assert moto_s3.client().get_object(Bucket=bucket, Key="noarch/a.conda")["Body"].read() == b"one"


def test_identical_object_written_by_another_tool_is_recognised(moto_s3):
    bucket = moto_s3.new_bucket()
    moto_s3.client().put_object(Bucket=bucket, Key="k", Body=b"same")  # no sha256 metadata
    client = s3.client(moto_s3.endpoint_url)
    assert s3.put_create_only(client, bucket, "k", b"same", _sha(b"same")) == s3.ALREADY_PRESENT


def test_endpoint_from_environment_uses_path_style(moto_s3, monkeypatch):
    bucket = moto_s3.new_bucket()
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_s3.endpoint_url)
    client = s3.client()
    assert client.meta.endpoint_url == moto_s3.endpoint_url
    assert s3.put_create_only(client, bucket, "k", b"x", _sha(b"x")) == s3.CREATED


def test_missing_bucket(moto_s3):
    client = s3.client(moto_s3.endpoint_url)
    with pytest.raises(AyonCondaError, match="s3://no-such-bucket/k: the bucket does not exist"):
        s3.put_create_only(client, "no-such-bucket", "k", b"x", _sha(b"x"))


def test_endpoint_down():
    client = s3.client("http://127.0.0.1:9")
    with pytest.raises(AyonCondaError, match="cannot reach the S3 endpoint"):
        s3.put_create_only(client, "bucket", "k", b"x", _sha(b"x"))


def test_no_credentials(moto_s3, monkeypatch):
    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.delenv(key)
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    client = s3.client(moto_s3.endpoint_url)
    with pytest.raises(AyonCondaError, match="no AWS credentials found"):
        s3.put_create_only(client, "bucket", "k", b"x", _sha(b"x"))


def test_location_parsing():
    assert s3.S3Location.parse("s3://bucket").key("noarch", "x") == "noarch/x"
    with pytest.raises(AyonCondaError, match="not an s3:// URL"):
        s3.S3Location.parse("https://bucket/x")
    with pytest.raises(AyonCondaError, match="no bucket name"):
        s3.S3Location.parse("s3:///x")
