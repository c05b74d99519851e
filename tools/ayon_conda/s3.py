"""S3 access shared by everything that writes or reads ``s3://`` locations.

* :class:`S3Location` parses ``s3://bucket/prefix`` and builds keys under it.
* :func:`client` makes a boto3 client from the standard AWS chain (profile, environment, role);
  ``endpoint_url`` (or ``AWS_ENDPOINT_URL``, which boto3 reads itself) selects an S3-compatible
  store, and then path-style addressing is used, as MinIO and moto need.
* :func:`put_create_only` is the append-only write (DESIGN decision 8): a conditional PUT with
  ``If-None-Match: *``. Writing the identical bytes again is "already there"; different bytes
  under an existing key are refused. The sha256 travels as object metadata so that the check
  needs no download; objects written by other tools are hashed instead.
* :func:`explain` turns boto3's errors into one line naming the location and what to do.

boto3 is imported lazily: the submission code that the AYON addon imports inside a DCC must not
pull it in unless it reads an ``s3://`` channel.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from typing import IO, Any

from .errors import AyonCondaError

SHA256_METADATA = "sha256"  # x-amz-meta-sha256
CREATED = "created"
ALREADY_PRESENT = "already present"


@dataclass(frozen=True)
class S3Location:
    """``s3://bucket/prefix``; ``prefix`` has no leading or trailing slash.

    >>> loc = S3Location.parse("s3://studio-conda/channels/ayon/")
    >>> loc.bucket, loc.prefix, loc.key("noarch", "repodata.json")
    ('studio-conda', 'channels/ayon', 'channels/ayon/noarch/repodata.json')
    >>> loc.url
    's3://studio-conda/channels/ayon'
    """

    bucket: str
    prefix: str = ""

    @classmethod
    def parse(cls, url: str) -> S3Location:
        if not url.startswith("s3://"):
            raise AyonCondaError(url, "not an s3:// URL", "write it as s3://bucket/prefix")
        bucket, _, prefix = url[len("s3://"):].partition("/")
        if not bucket:
            raise AyonCondaError(url, "has no bucket name", "write it as s3://bucket/prefix")
        return cls(bucket, prefix.strip("/"))

    def key(self, *parts: str) -> str:
        return "/".join(p.strip("/") for p in (self.prefix, *parts) if p and p.strip("/"))

    @property
    def url(self) -> str:
        return f"s3://{self.bucket}/{self.prefix}" if self.prefix else f"s3://{self.bucket}"


def endpoint_from_env(endpoint_url: str | None) -> str | None:
    """The endpoint to use: the given one, else ``AWS_ENDPOINT_URL_S3`` / ``AWS_ENDPOINT_URL``."""
    return endpoint_url or os.environ.get("AWS_ENDPOINT_URL_S3") or os.environ.get("AWS_ENDPOINT_URL") or None


def client(endpoint_url: str | None = None, region: str | None = None) -> Any:
    """A boto3 S3 client (credentials from the standard chain; never passed in here)."""
    import boto3
    from botocore.config import Config

    endpoint = endpoint_from_env(endpoint_url)
    config = Config(
        s3={"addressing_style": "path"} if endpoint else {},
        retries={"max_attempts": 3, "mode": "standard"},
        connect_timeout=10,
        read_timeout=60,
    )
    return boto3.session.Session().client("s3", endpoint_url=endpoint, region_name=region, config=config)


def explain(exc: Exception, location: str) -> AyonCondaError:
    """One line for a boto3/botocore failure about ``location``."""
    from botocore.exceptions import (
        ClientError,
        EndpointConnectionError,
        NoCredentialsError,
        PartialCredentialsError,
    )

    if isinstance(exc, (NoCredentialsError, PartialCredentialsError)):
        return AyonCondaError(location, "no AWS credentials found", "set AWS_PROFILE, or run with a role that can reach the bucket")
    if isinstance(exc, EndpointConnectionError):
        return AyonCondaError(location, f"cannot reach the S3 endpoint ({exc.kwargs.get('endpoint_url', '')})",
                              "check --endpoint-url / AWS_ENDPOINT_URL and the network")
    if isinstance(exc, ClientError):
        code = exc.response.get("Error", {}).get("Code", "")
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        if code == "NoSuchBucket":
            return AyonCondaError(location, "the bucket does not exist", "create it, or fix the bucket name")
        if code in ("AccessDenied", "AllAccessDisabled", "403") or status == 403:
            return AyonCondaError(location, "access denied", "the credentials in use need access to this bucket and prefix")
        if code in ("InvalidAccessKeyId", "SignatureDoesNotMatch", "ExpiredToken"):
            return AyonCondaError(location, f"the AWS credentials were refused ({code})", "refresh or fix the credentials")
        return AyonCondaError(location, f"S3 error {code or status}", "check the bucket and your access")
    return AyonCondaError(location, f"S3 request failed ({type(exc).__name__}: {exc})", "check the endpoint and the network")


def _object_sha256(s3: Any, bucket: str, key: str) -> str:
    """sha256 of an existing object: from our metadata, else by reading it."""
    head = s3.head_object(Bucket=bucket, Key=key)
    recorded = head.get("Metadata", {}).get(SHA256_METADATA)
    if recorded:
        return recorded
    digest = hashlib.sha256()
    body = s3.get_object(Bucket=bucket, Key=key)["Body"]
    for chunk in iter(lambda: body.read(1 << 20), b""):
        digest.update(chunk)
    return digest.hexdigest()


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
    never overwritten (``conflict_fix`` says what to do instead).
    """
    from botocore.exceptions import ClientError

    location = f"s3://{bucket}/{key}"
    extra: dict[str, Any] = {"ContentType": content_type, "Metadata": {SHA256_METADATA: sha256}}
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
        existing = _object_sha256(s3, bucket, key)
        if existing != sha256:
            raise AyonCondaError(
                location, f"already exists with different content (sha256 {existing[:12]}...)", conflict_fix,
            ) from None
        return ALREADY_PRESENT
    except Exception as exc:
        raise explain(exc, location) from None
    return CREATED
