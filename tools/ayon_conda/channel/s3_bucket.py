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
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from ayon_conda import s3
from ayon_conda.channel.indexer import (
    FIX_INDEX,
    Quarantined,
    index_error,
    quarantined_in,
    screen,
    shard_digests,
    with_quarantine,
)
from ayon_conda.channel.protocol import INDEX_FILES
from ayon_conda.errors import AyonCondaError
from ayon_conda.package_file import EXTENSIONS, PackageFile
from ayon_conda.progress import Progress

#: Packages never change under their name; index files are rewritten (py-rattler sets max-age=300 on them).
CACHE_IMMUTABLE = "public, max-age=31536000, immutable"
SHARD_INDEX = "repodata_shards.msgpack.zst"
INDEX_ATTEMPTS = 3  # index passes per subdir when unreadable files keep arriving


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
        return self._repodata_and_etag(self.where.key(subdir, "repodata.json"))[0]

    def _get(self, key: str) -> bytes | None:
        return s3.get_or_none(self.client, self.where.bucket, key)

    def subdirs(self) -> list[str]:
        top = f"{self.where.key()}/" if self.where.key() else ""
        found = []
        try:
            pages = self.client.get_paginator("list_objects_v2").paginate(Bucket=self.where.bucket, Prefix=top,
                                                                           Delimiter="/")
            for page in pages:
                found += [p["Prefix"][len(top):].rstrip("/") for p in page.get("CommonPrefixes", [])]
        except Exception as exc:
            raise s3.explain(exc, self.url) from None
        return sorted(name for name in found if name and (self.filenames(name) or self.repodata(name) is not None))

    def read(self, subdir: str, name: str) -> bytes | None:
        return self._get(self.where.key(subdir, name))

    @contextmanager
    def local_copy(self, subdir: str, filename: str) -> Iterator[Path]:
        with tempfile.TemporaryDirectory(prefix="ayon-conda-read-") as tmp:
            path = Path(tmp) / filename
            key = self.where.key(subdir, filename)
            try:
                self.client.download_file(self.where.bucket, key, str(path))
            except Exception as exc:
                raise s3.explain(exc, f"s3://{self.where.bucket}/{key}") from None
            yield path

    # -- writing ---------------------------------------------------------------------------------
    def upload(self, package: PackageFile, progress: Progress) -> str:
        key = self.where.key(package.subdir, package.filename)
        with open(package.path, "rb") as fh, progress.bar(f"Uploading {package.filename}", package.size) as advance:
            return s3.put_create_only(self.client, self.where.bucket, key, _ReportingReader(fh, advance), package.sha256,
                                      cache_control=CACHE_IMMUTABLE, public=self.public)

    def index(self, subdirs: Sequence[str], progress: Progress, published: Sequence[PackageFile] = ()) -> list[Quarantined]:
        if self._region is None:
            self.check()
        trusted = {p.filename for p in published}
        quarantined = [entry for subdir in sorted({*subdirs, "noarch"}) for entry in self._index_subdir(subdir, trusted)]
        if self.public:
            self._make_public(sorted({*subdirs, "noarch"}), published)
        return quarantined

    def _index_subdir(self, subdir: str, trusted: set[str]) -> list[Quarantined]:
        """Quarantine unreadable files, then index; again when the indexer failed on a file
        that arrived meanwhile (another publisher's), at most :data:`INDEX_ATTEMPTS` times."""
        found: list[Quarantined] = []
        for attempt in range(INDEX_ATTEMPTS):
            new, repodata = self._quarantine(subdir, trusted)
            if attempt and not new:
                break  # nothing new to keep out: the failure is not a bad file's
            found += new
            try:
                self._run_indexer(subdir)
            except Exception as exc:
                failure = exc
                continue
            return quarantined_in(subdir, repodata) + found
        raise index_error(failure, self.url) from None

    def _quarantine(self, subdir: str, trusted: set[str]) -> tuple[list[Quarantined], dict | None]:
        """Add quarantine records for the subdir's unlisted unreadable files to its repodata.json
        (ETag-conditional, like the indexer's own writes); returns them and the repodata before."""
        key = self.where.key(subdir, "repodata.json")
        for _ in range(INDEX_ATTEMPTS * 2):
            repodata, etag = self._repodata_and_etag(key)
            found = screen(subdir, self.filenames(subdir), repodata, lambda name: self.local_copy(subdir, name), trusted)
            if not found:
                return [], repodata
            body = json.dumps(with_quarantine(repodata, subdir, found)).encode("utf-8")
            condition = {"IfMatch": etag} if etag else {"IfNoneMatch": "*"}
            if not self._put_conditional(key, body, condition, content_type="application/json"):
                continue  # another publisher's index landed first: look again
            return [entry for entry, _ in found], repodata
        raise AyonCondaError(f"s3://{self.where.bucket}/{key}", "kept changing while unreadable files were kept out",
                             FIX_INDEX)

    def update_file(self, subdir: str, name: str, update: Callable[[bytes | None], bytes | None]) -> None:
        key = self.where.key(subdir, name)
        for _ in range(INDEX_ATTEMPTS * 2):
            current, etag = self._get_with_etag(key)
            new = update(current)
            if new is None or new == current:
                return
            condition = {"IfMatch": etag} if etag else {"IfNoneMatch": "*"}
            if not self._put_conditional(key, new, condition, content_type="application/gzip"):
                continue  # another publisher's update landed first: start again from it
            if self.public:
                try:
                    self.client.put_object_acl(Bucket=self.where.bucket, Key=key, ACL="public-read")
                except Exception as exc:
                    raise s3.explain(exc, f"s3://{self.where.bucket}/{key}") from None
            return
        raise AyonCondaError(f"s3://{self.where.bucket}/{key}", "kept changing while it was updated", FIX_INDEX)

    def _put_conditional(self, key: str, body: bytes, condition: dict[str, str], content_type: str) -> bool:
        """An ETag-conditional PUT; False when another writer's object is there now (409/412)."""
        from botocore.exceptions import ClientError

        try:
            self.client.put_object(Bucket=self.where.bucket, Key=key, Body=body, ContentType=content_type, **condition)
        except ClientError as exc:
            if exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode") in (409, 412):
                return False
            raise s3.explain(exc, f"s3://{self.where.bucket}/{key}") from None
        except Exception as exc:
            raise s3.explain(exc, f"s3://{self.where.bucket}/{key}") from None
        return True

    def _get_with_etag(self, key: str) -> tuple[bytes | None, str | None]:
        from botocore.exceptions import ClientError

        try:
            answer = self.client.get_object(Bucket=self.where.bucket, Key=key)
            return answer["Body"].read(), answer.get("ETag")
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
                return None, None
            raise s3.explain(exc, f"s3://{self.where.bucket}/{key}") from None
        except Exception as exc:
            raise s3.explain(exc, f"s3://{self.where.bucket}/{key}") from None

    def _repodata_and_etag(self, key: str) -> tuple[dict | None, str | None]:
        data, etag = self._get_with_etag(key)
        if data is None:
            return None, etag
        try:
            repodata = json.loads(data)
        except (UnicodeError, ValueError, RecursionError):
            return None, etag  # the indexer starts over from the files, as it does itself
        return (repodata if isinstance(repodata, dict) else None), etag

    def _run_indexer(self, subdir: str) -> None:
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
        asyncio.run(index_s3(self.url, credentials=credentials, target_platform=Subdir(subdir),
                             force=False, precondition_checks=True))

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
                shards = shard_digests(shard_index)
                names = {p.name for p in published if p.subdir == subdir}
                keys += [self.where.key(subdir, "shards", f"{shards[n]}.msgpack.zst") for n in sorted(names) if n in shards]
        for key in keys:
            try:
                self.client.put_object_acl(Bucket=self.where.bucket, Key=key, ACL="public-read")
            except ClientError as exc:
                if exc.response.get("Error", {}).get("Code") not in ("NoSuchKey", "404"):  # e.g. no .zst written
                    raise s3.explain(exc, f"s3://{self.where.bucket}/{key}") from None
