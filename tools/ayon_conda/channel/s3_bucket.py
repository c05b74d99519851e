"""A channel in an S3 bucket (or an S3-compatible store): ``s3://bucket/prefix``.

Credentials and region come from the standard AWS chain; ``--endpoint-url`` (or
``AWS_ENDPOINT_URL``) selects another store and path-style addressing. Packages are written with
a create-only conditional PUT that carries their sha256 as the request checksum (S3 refuses a
body that does not match), then checked with a HEAD. The index is py-rattler's ``index_s3``: it
reads the current ``repodata.json`` (so only new packages are read), lists the subdir, and writes
the index files with ETag-conditional PUTs, starting over (with back-off) when another publisher
got there first; 30 concurrent indexers of one moto channel all finished that way.

Objects are private. ``--public`` uploads packages with the ``public-read`` ACL and, after each
index pass, sets it on the index files and on the shards of the published names, so that the
channel can be read anonymously over HTTPS (buckets with ACLs disabled need a bucket policy
instead; see channel/README.md).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Sequence
from typing import IO, Any

from ayon_conda import s3
from ayon_conda.channel.indexer import index_error
from ayon_conda.channel.protocol import INDEX_FILES
from ayon_conda.package_file import EXTENSIONS, PackageFile
from ayon_conda.progress import Progress

#: Packages never change under their name; index files are rewritten (py-rattler sets max-age=300 on them).
CACHE_IMMUTABLE = "public, max-age=31536000, immutable"
SHARD_INDEX = "repodata_shards.msgpack.zst"


class _ReportingReader:
    """A file that reports how far it has been read (botocore may read it twice: hash, then send)."""

    def __init__(self, fh: IO[bytes], advance: Callable[[int], None]) -> None:
        self._fh = fh
        self._advance = advance
        self._high = 0

    def read(self, size: int = -1) -> bytes:
        data = self._fh.read(size)
        position = self._fh.tell()
        if position > self._high:
            self._advance(position - self._high)
            self._high = position
        return data

    def __getattr__(self, name: str) -> Any:  # seek, tell, fileno, ...
        return getattr(self._fh, name)


class S3Channel:
    """``s3://bucket/prefix``."""

    def __init__(self, url: str, endpoint_url: str | None = None, public: bool = False) -> None:
        self.where = s3.S3Location.parse(url)
        self.url = self.where.url
        self.endpoint_url = s3.endpoint_from_env(endpoint_url)
        self.public = public
        self._session: Any = None
        self._client: Any = None
        self._region: str | None = None

    # -- connection ------------------------------------------------------------------------------
    @property
    def client(self) -> Any:
        if self._client is None:
            self._session = s3.session()
            self._client = s3.client(self.endpoint_url, aws_session=self._session)
        return self._client

    def check(self) -> None:
        """Credentials, then the bucket (which gives its region; without an endpoint the client moves there)."""
        client = self.client
        s3.credentials(self._session, self.url)
        self._region = s3.bucket_region(client, self.where)
        if not self.endpoint_url and client.meta.region_name != self._region:
            self._client = s3.client(None, region=self._region, aws_session=self._session)

    def location(self, subdir: str, filename: str) -> str:
        return f"s3://{self.where.bucket}/{self.where.key(subdir, filename)}"

    # -- reading ---------------------------------------------------------------------------------
    def stat(self, subdir: str, filename: str) -> s3.StoredObject | None:
        return s3.stat_object(self.client, self.where.bucket, self.where.key(subdir, filename))

    def filenames(self, subdir: str, prefix: str = "") -> list[str]:
        directory = self.where.key(subdir) + "/"
        found = []
        try:
            pages = self.client.get_paginator("list_objects_v2").paginate(
                Bucket=self.where.bucket, Prefix=directory + prefix, Delimiter="/")
            for page in pages:
                found += [obj["Key"][len(directory):] for obj in page.get("Contents", [])]
        except Exception as exc:
            raise s3.explain(exc, f"{self.url}/{subdir}") from None
        return sorted(name for name in found if name.endswith(EXTENSIONS))

    def repodata(self, subdir: str) -> dict | None:
        data = self._get(self.where.key(subdir, "repodata.json"))
        return json.loads(data) if data is not None else None

    def _get(self, key: str) -> bytes | None:
        return s3.get_or_none(self.client, self.where.bucket, key)

    # -- writing ---------------------------------------------------------------------------------
    def upload(self, package: PackageFile, progress: Progress) -> str:
        key = self.where.key(package.subdir, package.filename)
        with open(package.path, "rb") as fh, progress.bar(f"Uploading {package.filename}", package.size) as advance:
            return s3.put_create_only(self.client, self.where.bucket, key, _ReportingReader(fh, advance), package.sha256,
                                      cache_control=CACHE_IMMUTABLE, public=self.public)

    def index(self, subdirs: Sequence[str], progress: Progress, published: Sequence[PackageFile] = ()) -> None:
        if self._region is None:
            self.check()
        for subdir in sorted({*subdirs, "noarch"}):
            self._index_subdir(subdir)
        if self.public:
            self._make_public(sorted({*subdirs, "noarch"}), published)

    def _index_subdir(self, subdir: str) -> None:
        from rattler import Subdir
        from rattler.index import S3Credentials, index_s3

        found = s3.credentials(self._session, self.url)
        credentials = S3Credentials(
            endpoint_url=self.endpoint_url or self.client.meta.endpoint_url,
            region=self._region,
            access_key_id=found.access_key_id,
            secret_access_key=found.secret_access_key,
            session_token=found.session_token,
            addressing_style="path" if self.endpoint_url else "virtual-host",
        )
        try:
            asyncio.run(index_s3(self.url, credentials=credentials, target_platform=Subdir(subdir),
                                 force=False, precondition_checks=True))
        except Exception as exc:
            raise index_error(exc, self.url) from None

    def _make_public(self, subdirs: Sequence[str], published: Sequence[PackageFile]) -> None:
        """The public-read ACL on the packages, the index files and the packages' shards.

        py-rattler writes the index private; packages published earlier without --public get
        the ACL too, so that running the command again with --public converges.
        """
        from botocore.exceptions import ClientError

        keys = [self.where.key(p.subdir, p.filename) for p in published]
        for subdir in subdirs:
            keys += [self.where.key(subdir, name) for name in INDEX_FILES]
            shard_index = self._get(self.where.key(subdir, SHARD_INDEX))
            if shard_index is not None:
                shards = _shard_digests(shard_index)
                names = {p.name for p in published if p.subdir == subdir}
                keys += [self.where.key(subdir, "shards", f"{shards[n]}.msgpack.zst") for n in sorted(names) if n in shards]
        for key in keys:
            try:
                self.client.put_object_acl(Bucket=self.where.bucket, Key=key, ACL="public-read")
            except ClientError as exc:
                if exc.response.get("Error", {}).get("Code") not in ("NoSuchKey", "404"):  # e.g. no .zst written
                    raise s3.explain(exc, f"s3://{self.where.bucket}/{key}") from None


def _shard_digests(shard_index: bytes) -> dict[str, str]:
    """Package name -> sha256 (hex) of its shard, from ``repodata_shards.msgpack.zst`` (CEP 16)."""
    import msgpack

    try:  # Python 3.14+
        from compression import zstd
    except ImportError:  # pragma: no cover - older Pythons
        from backports import zstd

    decoded = msgpack.unpackb(zstd.decompress(shard_index), raw=False)
    return {name: bytes(digest).hex() for name, digest in decoded.get("shards", {}).items()}

