"""Reading ``s3://`` locations: parsing them, a boto3 client, and boto3's errors as one line.

* :class:`S3Location` parses ``s3://bucket/prefix`` and builds keys under it.
* :func:`client` makes a boto3 client from the standard AWS chain (profile, environment, role);
  ``endpoint_url`` (or ``AWS_ENDPOINT_URL``, which boto3 reads itself) selects an S3-compatible
  store, and then path-style addressing is used, as MinIO and moto need.
* :func:`explain` turns boto3's errors into one line naming the location and what to do.

boto3 is imported on first use: a DCC submitting a job needs it only to read an ``s3://``
channel. The pipeline's writes (create-only uploads, publisher checks) build on this module in
``ayon_conda.s3``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from .errors import Unreachable, UserError


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
            raise UserError(url, "not an s3:// URL", "write it as s3://bucket/prefix")
        bucket, _, prefix = url[len("s3://"):].partition("/")
        if not bucket:
            raise UserError(url, "has no bucket name", "write it as s3://bucket/prefix")
        return cls(bucket, prefix.strip("/"))

    def key(self, *parts: str) -> str:
        return "/".join(p.strip("/") for p in (self.prefix, *parts) if p and p.strip("/"))

    @property
    def url(self) -> str:
        return f"s3://{self.bucket}/{self.prefix}" if self.prefix else f"s3://{self.bucket}"


def endpoint_from_env(endpoint_url: str | None) -> str | None:
    """The endpoint to use: the given one, else ``AWS_ENDPOINT_URL_S3`` / ``AWS_ENDPOINT_URL``."""
    return endpoint_url or os.environ.get("AWS_ENDPOINT_URL_S3") or os.environ.get("AWS_ENDPOINT_URL") or None


def session() -> Any:
    """A boto3 session: credentials and region from the standard AWS chain."""
    import boto3

    return boto3.session.Session()


def client(endpoint_url: str | None = None, region: str | None = None, aws_session: Any = None) -> Any:
    """A boto3 S3 client (credentials from the standard chain; never passed in here)."""
    from botocore.config import Config

    from .remote import CONCURRENT_REQUESTS

    endpoint = endpoint_from_env(endpoint_url)
    config = Config(
        s3={"addressing_style": "path"} if endpoint else {},
        max_pool_connections=CONCURRENT_REQUESTS,  # a connection for each concurrent range request
        retries={"max_attempts": 3, "mode": "standard"},
        connect_timeout=10,
        read_timeout=60,
    )
    return (aws_session or session()).client("s3", endpoint_url=endpoint, region_name=region, config=config)


def no_credentials(location: str) -> UserError:
    return Unreachable(location, "no AWS credentials found", "set AWS_PROFILE, or run with a role that can reach the bucket")


def explain(exc: Exception, location: str) -> UserError:
    """One line for a boto3/botocore failure about ``location``: :class:`Unreachable` unless the
    location itself is wrong (no such bucket) or the bucket refuses a request option (ACLs)."""
    from botocore.exceptions import (
        ClientError,
        EndpointConnectionError,
        NoCredentialsError,
        PartialCredentialsError,
    )

    if isinstance(exc, (NoCredentialsError, PartialCredentialsError)):
        return no_credentials(location)
    if isinstance(exc, EndpointConnectionError):
        return Unreachable(location, f"cannot reach the S3 endpoint ({exc.kwargs.get('endpoint_url', '')})",
                              "check --endpoint-url / AWS_ENDPOINT_URL and the network")
    if isinstance(exc, ClientError):
        code = exc.response.get("Error", {}).get("Code", "")
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        if code == "NoSuchBucket":
            return UserError(location, "the bucket does not exist", "create it, or fix the bucket name")
        if code in ("AccessDenied", "AllAccessDisabled", "403") or status == 403:
            return Unreachable(location, "access denied", "the credentials in use need access to this bucket and prefix")
        if code in ("InvalidAccessKeyId", "SignatureDoesNotMatch", "ExpiredToken"):
            return Unreachable(location, f"the AWS credentials were refused ({code})", "refresh or fix the credentials")
        if code == "AccessControlListNotSupported":
            return UserError(location, "the bucket does not accept ACLs (Object Ownership: bucket owner enforced)",
                                  "drop --public and let a bucket policy grant anonymous read (channel/README.md)")
        return Unreachable(location, f"S3 error {code or status}", "check the bucket and your access")
    return Unreachable(location, f"S3 request failed ({type(exc).__name__}: {exc})", "check the endpoint and the network")
