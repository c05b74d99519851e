"""Reading a conda channel's files over ``file://``, ``http(s)://`` and ``s3://``.

Channel reading needs two operations, and each transport gives them natively:

* :meth:`Remote.get` -- a whole file, *conditionally*: given the ETag of the copy in hand it
  returns ``None`` when the file has not changed (HTTP ``If-None-Match`` -> 304, S3 ``GetObject``
  with ``IfNoneMatch`` -> 304; a local file's "ETag" is its size and mtime).
* :meth:`Remote.get_range` -- a byte range (HTTP ``Range``, S3 ``Range``, a seek), used to read
  only the ``info`` member of a ``.conda`` file.

This runs inside a DCC when an artist submits a job, so it imports only the standard library,
and the heavier parts of it (``urllib.request``, which pulls in ``http.client``, ``email`` and
``ssl``) only when a channel of that kind is read.
HTTP goes through ``urllib``, not requests: urllib is always there and costs nothing to import
(requests and urllib3 cost ~100 ms, and a DCC's Python may not have them); it honours the same
proxy variables (``HTTPS_PROXY``, ``NO_PROXY``) and the system certificate store (``SSL_CERT_FILE``).
``s3://`` imports boto3 on first use and keeps one client per endpoint for the process;
credentials come from the standard chain (``AWS_PROFILE``, the queue role, ...), never from here.

Every remote counts its requests and the bytes it received (for benchmarks and tests).
"""

from __future__ import annotations

import os
import threading
import urllib.parse
from abc import ABC, abstractmethod
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import Unreachable, UserError

TIMEOUT = 20  # seconds, per connection attempt / read
#: Requests one channel reader keeps in flight at once (package metadata of many packages): a
#: request spends most of its time waiting for the network, so more overlap pays, up to a bound
#: that keeps a server and the local connection pool reasonable.
CONCURRENT_REQUESTS = 32
_FIX_CHANNEL = "check --channel (s3://bucket/prefix, https://host/path or a directory) and the network"


class Missing(UserError):
    """The file does not exist in the channel (HTTP 404, S3 NoSuchKey, no such local file)."""


class NoS3Client(UserError):
    """boto3 is not importable here, so an ``s3://`` channel cannot be read."""


@dataclass(frozen=True)
class Fetched:
    data: bytes
    etag: str | None = None
    last_modified: float | None = None  # seconds since the epoch


@dataclass
class Counters:
    requests: int = 0
    bytes: int = 0

    def add(self, size: int) -> None:
        self.requests += 1
        self.bytes += size


class Remote(ABC):
    """A channel root; paths are relative to it (``noarch/repodata.json``)."""

    url: str

    def __init__(self) -> None:
        self.counters = Counters()
        self._lock = threading.Lock()

    def file_url(self, path: str) -> str:
        return f"{self.url.rstrip('/')}/{path}"

    @abstractmethod
    def get(self, path: str, etag: str | None = None) -> Fetched | None:
        """The file at ``path``; ``None`` if it still has ``etag``. Raises :class:`Missing`."""

    @abstractmethod
    def get_range(self, path: str, start: int, end: int) -> Fetched:
        """Bytes ``start`` to ``end`` (exclusive) of ``path``."""

    def _count(self, size: int) -> None:
        with self._lock:
            self.counters.add(size)


class FileRemote(Remote):
    """A channel in a local (or mounted) directory."""

    def __init__(self, root: Path) -> None:
        super().__init__()
        self.root = root
        self.url = root.as_uri()
        if not root.is_dir():
            raise UserError(self.url, "no such directory", _FIX_CHANNEL)

    def _path(self, path: str) -> Path:
        return self.root.joinpath(*path.split("/"))

    def get(self, path: str, etag: str | None = None) -> Fetched | None:
        target = self._path(path)
        try:
            stat = target.stat()
            tag = f"{stat.st_size:x}-{stat.st_mtime_ns:x}"
            if tag == etag:
                self._count(0)
                return None
            data = target.read_bytes()
        except FileNotFoundError:
            raise Missing(self.file_url(path), "no such file", _FIX_CHANNEL) from None
        except OSError as exc:
            raise UserError(self.file_url(path), f"cannot read: {exc.strerror}", _FIX_CHANNEL) from None
        self._count(len(data))
        return Fetched(data, tag, stat.st_mtime)

    def get_range(self, path: str, start: int, end: int) -> Fetched:
        target = self._path(path)
        try:
            with open(target, "rb") as fh:
                fh.seek(start)
                data = fh.read(end - start)
                mtime = os.fstat(fh.fileno()).st_mtime
        except FileNotFoundError:
            raise Missing(self.file_url(path), "no such file", _FIX_CHANNEL) from None
        except OSError as exc:
            raise UserError(self.file_url(path), f"cannot read: {exc.strerror}", _FIX_CHANNEL) from None
        self._count(len(data))
        return Fetched(data, None, mtime)


def _http_date(value: str | None) -> float | None:
    from email.utils import parsedate_to_datetime

    if not value:
        return None
    try:
        return parsedate_to_datetime(value).timestamp()
    except (TypeError, ValueError):
        return None


class HttpRemote(Remote):
    """A channel served over HTTP(S): a web server, a CDN, or a public S3 bucket's URL."""

    def __init__(self, url: str) -> None:
        super().__init__()
        self.url = url.rstrip("/")

    def _open(self, path: str, headers: dict[str, str]) -> tuple[int, bytes, Any]:
        import urllib.error
        import urllib.request

        url = self.file_url(path)
        request = urllib.request.Request(url, headers={"User-Agent": "ayon-conda", **headers})
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
                data = response.read()
                status, response_headers = response.status, response.headers
        except urllib.error.HTTPError as exc:
            exc.close()
            if exc.code == 304:
                self._count(0)
                return 304, b"", exc.headers
            if exc.code == 404:
                raise Missing(url, "not found (HTTP 404)", _FIX_CHANNEL) from None
            if exc.code in (401, 403):
                raise Unreachable(url, f"access denied (HTTP {exc.code})",
                                  "the channel must be readable from here; check its URL and access") from None
            raise Unreachable(url, f"HTTP {exc.code} {exc.reason}", _FIX_CHANNEL) from None
        except (urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise Unreachable(url, f"cannot reach the channel ({reason})", _FIX_CHANNEL) from None
        self._count(len(data))
        return status, data, response_headers

    def get(self, path: str, etag: str | None = None) -> Fetched | None:
        status, data, headers = self._open(path, {"If-None-Match": etag} if etag else {})
        if status == 304:
            return None
        return Fetched(data, headers.get("ETag"), _http_date(headers.get("Last-Modified")))

    def get_range(self, path: str, start: int, end: int) -> Fetched:
        status, data, headers = self._open(path, {"Range": f"bytes={start}-{end - 1}"})
        if status == 200:  # the server ignored the range and sent the whole file
            data = data[start:end]
        return Fetched(data, headers.get("ETag"), _http_date(headers.get("Last-Modified")))


_s3_clients: dict[str | None, Any] = {}
_s3_clients_lock = threading.Lock()


def _s3_client(endpoint_url: str | None) -> Any:
    """One boto3 client per endpoint for the process: making one costs ~50 ms."""
    from . import s3

    endpoint = s3.endpoint_from_env(endpoint_url)
    with _s3_clients_lock:
        if endpoint not in _s3_clients:
            _s3_clients[endpoint] = s3.client(endpoint)
        return _s3_clients[endpoint]


class S3Remote(Remote):
    """A channel in an S3 bucket, read with boto3 and the standard credential chain."""

    def __init__(self, url: str, endpoint_url: str | None = None) -> None:
        from importlib.util import find_spec

        from .s3 import S3Location

        super().__init__()
        self.location = S3Location.parse(url)
        if find_spec("boto3") is None:
            raise NoS3Client(self.location.url, "reading an s3:// channel needs boto3, which this Python does not have",
                             "install boto3 for it, or use the channel's https:// address")
        self.url = self.location.url
        self.endpoint_url = endpoint_url

    def _get_object(self, path: str, **kwargs: Any) -> dict[str, Any] | None:
        from botocore.exceptions import BotoCoreError, ClientError

        from .s3 import explain

        key = self.location.key(path)
        where = f"s3://{self.location.bucket}/{key}"
        try:
            response = _s3_client(self.endpoint_url).get_object(Bucket=self.location.bucket, Key=key, **kwargs)
            data = response["Body"].read()
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "")
            status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
            if status == 304 or code in ("304", "NotModified"):
                self._count(0)
                return None
            if code in ("NoSuchKey", "404"):
                raise Missing(where, "no such object", _FIX_CHANNEL) from None
            raise explain(exc, where) from None
        except (BotoCoreError, OSError) as exc:
            raise explain(exc, where) from None
        self._count(len(data))
        modified = response.get("LastModified")
        return {"data": data, "etag": response.get("ETag"), "modified": modified.timestamp() if modified else None}

    def get(self, path: str, etag: str | None = None) -> Fetched | None:
        got = self._get_object(path, **({"IfNoneMatch": etag} if etag else {}))
        if got is None:
            return None
        return Fetched(got["data"], got["etag"], got["modified"])

    def get_range(self, path: str, start: int, end: int) -> Fetched:
        got = self._get_object(path, Range=f"bytes={start}-{end - 1}")
        assert got is not None  # no condition was sent
        return Fetched(got["data"], got["etag"], got["modified"])


def open_remote(channel: str, endpoint_url: str | None = None) -> Remote:
    """The remote for a channel URL: ``s3://``, ``http(s)://``, ``file://`` or a directory path."""
    scheme = urllib.parse.urlsplit(channel).scheme.lower()
    if scheme == "s3":
        return S3Remote(channel, endpoint_url)
    if scheme in ("http", "https"):
        return HttpRemote(channel)
    if scheme == "file":
        from urllib.request import url2pathname

        return FileRemote(Path(url2pathname(urllib.parse.urlsplit(channel).path)))
    if scheme and len(scheme) > 1:  # one letter: a Windows drive
        raise UserError(channel, f"'{scheme}://' channels are not supported",
                             "use s3://bucket/prefix, https://host/path or a directory")
    if os.sep not in channel and "/" not in channel and not Path(channel).exists():
        raise UserError(channel, "is a channel name, not a location",
                             "pass the ayon-publish channel's URL (s3://..., https://...) or directory")
    return FileRemote(Path(channel).resolve())


def is_url(channel: str) -> bool:
    """Whether ``channel`` is a URL we can read, not a name like ``conda-forge``."""
    return urllib.parse.urlsplit(channel).scheme.lower() in ("s3", "http", "https", "file")
