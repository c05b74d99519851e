"""A real S3 endpoint for tests: moto's server on 127.0.0.1, reached over HTTP by boto3 and by
py-rattler's own S3 client alike (never moto's in-process mock)."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any

from moto.server import ThreadedMotoServer

#: Fake credentials for the moto server; tests export them, nothing real is ever used.
CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "us-east-1"}
_names = itertools.count()


@dataclass
class MotoS3:
    server: ThreadedMotoServer
    endpoint_url: str
    buckets: list[str] = field(default_factory=list)

    def client(self) -> Any:
        import boto3

        return boto3.client("s3", endpoint_url=self.endpoint_url, region_name="us-east-1",
                            aws_access_key_id="testing", aws_secret_access_key="testing")

    def new_bucket(self, stem: str = "channel") -> str:
        """A fresh, empty bucket with a unique name."""
        name = f"{stem}-{next(_names)}"
        self.client().create_bucket(Bucket=name)
        self.buckets.append(name)
        return name

    def keys(self, bucket: str, prefix: str = "") -> list[str]:
        pages = self.client().get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix)
        return sorted(obj["Key"] for page in pages for obj in page.get("Contents", []))


def start_moto() -> MotoS3:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    return MotoS3(server, f"http://{host}:{port}")
