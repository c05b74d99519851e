"""S3 access shared by everything in the pipeline that writes or reads ``s3://`` locations.

* :class:`S3Location`, :func:`client` and :func:`explain` come from the submission side's
  :mod:`ayon_publish_submit.s3` (reading a channel needs them in a DCC too).
* :func:`put_create_only` is the append-only write (DESIGN decision 8): a conditional PUT with
  ``If-None-Match: *``. Writing the identical bytes again is "already there"; different bytes
  under an existing key are refused. The sha256 travels as object metadata so that the check
  needs no download; objects written by other tools are hashed instead.
* :func:`bucket_region`, :func:`credentials` and :func:`stat_object` are the read-only checks a
  publisher makes before writing, and :func:`rattler_s3_config` tells py-rattler (which has its
  own S3 client) about a custom endpoint, so that both clients reach the same store.

boto3 is imported on first use, as in the submission side's module.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
from collections.abc import Iterable
from typing import IO, Any, NamedTuple

from ayon_publish_submit.s3 import (
    S3Location,
    client,
    endpoint_from_env,
    explain,
    no_credentials,
    session,
)

from ayon_conda.errors import AyonCondaError

__all__ = ["S3Location", "client", "endpoint_from_env", "explain", "session", "credentials", "bucket_region",
           "stat_object", "get_or_none", "put_create_only", "rattler_s3_config", "StoredObject", "CREATED", "ALREADY_PRESENT"]

SHA256_METADATA = "sha256"  # x-amz-meta-sha256
CREATED = "created"
ALREADY_PRESENT = "already present"


class Credentials(NamedTuple):
    """Resolved AWS credentials, for clients that cannot read the AWS chain themselves."""

    access_key_id: str
    secret_access_key: str
    session_token: str | None

    def __repr__(self) -> str:  # never print a secret
        return f"Credentials(access_key_id='{self.access_key_id[:4]}...')"


def credentials(aws_session: Any, location: str) -> Credentials:
    """The credentials boto3 would use for ``location`` (profile, environment, role, SSO)."""
    from botocore.exceptions import BotoCoreError

    try:
        found = aws_session.get_credentials()
        frozen = found.get_frozen_credentials() if found is not None else None
    except BotoCoreError as exc:
        raise explain(exc, location) from None
    if frozen is None or not frozen.access_key or not frozen.secret_key:
        raise no_credentials(location)
    return Credentials(frozen.access_key, frozen.secret_key, frozen.token)


def bucket_region(s3: Any, location: S3Location) -> str:
    """Check that the bucket exists and can be reached; returns its region."""
    from botocore.exceptions import ClientError

    try:
        answer = s3.head_bucket(Bucket=location.bucket)
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchBucket"):
            raise AyonCondaError(location.url, "the bucket does not exist", "create it, or fix the bucket name") from None
        raise explain(exc, location.url) from None
    except Exception as exc:
        raise explain(exc, location.url) from None
    headers = answer.get("ResponseMetadata", {}).get("HTTPHeaders", {})
    return answer.get("BucketRegion") or headers.get("x-amz-bucket-region") or s3.meta.region_name or "us-east-1"


class StoredObject(NamedTuple):
    size: int
    sha256: str


def _checksum_hex(value: str | None) -> str | None:
    """A full-object ``ChecksumSHA256`` (base64) as hex; None for multipart composites."""
    if not value or "-" in value:
        return None
    try:
        return base64.b64decode(value, validate=True).hex()
    except (binascii.Error, ValueError):
        return None


def stat_object(s3: Any, bucket: str, key: str) -> StoredObject | None:
    """Size and sha256 of an object, or None when there is none.

    The sha256 is the store's own checksum when the object was written with one (S3 checks it
    on upload), else our metadata, else the object is read and hashed (written by another tool).
    """
    from botocore.exceptions import ClientError

    location = f"s3://{bucket}/{key}"
    try:
        head = s3.head_object(Bucket=bucket, Key=key, ChecksumMode="ENABLED")
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey"):
            return None
        raise explain(exc, location) from None
    except Exception as exc:
        raise explain(exc, location) from None
    sha256 = _checksum_hex(head.get("ChecksumSHA256")) or head.get("Metadata", {}).get(SHA256_METADATA)
    if not sha256:
        digest = hashlib.sha256()
        body = s3.get_object(Bucket=bucket, Key=key)["Body"]
        for chunk in iter(lambda: body.read(1 << 20), b""):
            digest.update(chunk)
        sha256 = digest.hexdigest()
    return StoredObject(int(head["ContentLength"]), sha256)


def get_or_none(s3: Any, bucket: str, key: str) -> bytes | None:
    """An object's bytes, or None when there is no such key; other failures as one line."""
    from botocore.exceptions import ClientError

    try:
        return s3.get_object(Bucket=bucket, Key=key)["Body"].read()
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
            return None
        raise explain(exc, f"s3://{bucket}/{key}") from None
    except Exception as exc:
        raise explain(exc, f"s3://{bucket}/{key}") from None


def put_create_only(
    s3: Any,
    bucket: str,
    key: str,
    body: bytes | IO[bytes],
    sha256: str,
    *,
    content_type: str = "application/octet-stream",
    cache_control: str | None = None,
    public: bool = False,
    conflict_fix: str = "published files are never overwritten: rebuild with a higher --build-number",
) -> str:
    """Create ``key`` unless it exists; returns :data:`CREATED` or :data:`ALREADY_PRESENT`.

    Raises :class:`AyonCondaError` when the key exists with other content: published names are
    never overwritten (``conflict_fix`` says what to do instead). The sha256 goes along as the
    request's checksum, so S3 refuses a body that does not match it.
    """
    from botocore.exceptions import ClientError

    location = f"s3://{bucket}/{key}"
    extra: dict[str, Any] = {
        "ContentType": content_type,
        "Metadata": {SHA256_METADATA: sha256},
        "ChecksumAlgorithm": "SHA256",
        "ChecksumSHA256": base64.b64encode(bytes.fromhex(sha256)).decode("ascii"),
    }
    if cache_control:
        extra["CacheControl"] = cache_control
    if public:
        extra["ACL"] = "public-read"
    try:
        s3.put_object(Bucket=bucket, Key=key, Body=body, IfNoneMatch="*", **extra)
    except ClientError as exc:
        code = exc.response.get("Error", {}).get("Code", "")
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        if code not in ("PreconditionFailed", "ConditionalRequestConflict") and status not in (409, 412):
            raise explain(exc, location) from None
        existing = stat_object(s3, bucket, key)
        if existing is None:  # a conflicting upload did not complete; nothing is there
            raise AyonCondaError(location, "another upload of this name was in progress", "run the command again") from None
        if existing.sha256 != sha256:
            raise AyonCondaError(
                location, f"already exists with different content (sha256 {existing.sha256[:12]}...)", conflict_fix,
            ) from None
        return ALREADY_PRESENT
    except Exception as exc:
        raise explain(exc, location) from None
    return CREATED


def rattler_s3_config(urls: Iterable[str], endpoint_url: str | None, region: str | None = None) -> dict[str, Any]:
    """py-rattler ``S3Config`` per bucket of the ``s3://`` URLs, for a custom endpoint.

    Without an endpoint this is empty and py-rattler uses the AWS SDK's own chain. With one,
    each bucket is reached there, path-style (as :func:`client` does); py-rattler signs with the
    credentials of the AWS environment variables.
    """
    from rattler.networking.middleware import S3Config

    endpoint = endpoint_from_env(endpoint_url)
    if not endpoint:
        return {}
    region = region or os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1"
    buckets = {S3Location.parse(url).bucket for url in urls if url.startswith("s3://")}
    return {bucket: S3Config(endpoint, region, "path") for bucket in sorted(buckets)}
