"""A real S3 endpoint for tests: moto's server on 127.0.0.1, reached over HTTP by boto3 and by
py-rattler's own S3 client alike (never moto's in-process mock)."""

from __future__ import annotations

import itertools
import logging
from collections.abc import Callable
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
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # moto's per-request log
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    return MotoS3(server, f"http://{host}:{port}")


class CountingProxy:
    """A plain HTTP hop in front of the moto server that records every request it forwards.

    Point a subprocess's ``AWS_ENDPOINT_URL`` at ``url`` to count the S3 requests it makes
    (``gets()``); requests and responses pass through unchanged (moto does not check the
    signature's host), a chunked request body de-chunked. Bodies are buffered whole: fine for
    test objects.
    """

    def __init__(self, target: str, *, canonical_query: bool = False) -> None:
        """``canonical_query``: forward query strings with their values percent-encoded as SigV4's
        canonical form has them (``prefix=ayon%2F``). py-rattler's S3 client signs that form but
        sends ``/`` raw, and moto's signature check (under IAM enforcement) canonicalises the raw
        query without encoding it, so it refuses py-rattler's listings (SignatureDoesNotMatch);
        real S3 accepts both spellings, which mean the same."""
        import threading
        from http.server import ThreadingHTTPServer

        self.target = target.removeprefix("http://")
        self.canonical_query = canonical_query
        self.seen: list[tuple[str, str]] = []
        #: (method, path, status, body bytes) of every answer passed back.
        self.answers: list[tuple[str, str, int, int]] = []
        #: Called with (method, path) before a request is forwarded; when it returns True the
        #: request is dropped (never reaches moto) and the connection closed, e.g. after the test
        #: killed the client that sent it.
        self.intercept: Callable[[str, str], bool] | None = None
        self._lock = threading.Lock()
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), _forwarding_handler(self))
        self.httpd.daemon_threads = True
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}"

    def record(self, method: str, path: str) -> None:
        with self._lock:
            self.seen.append((method, path))

    def answered(self, method: str, path: str, status: int, size: int) -> None:
        with self._lock:
            self.answers.append((method, path, status, size))

    def url_of(self, url: str) -> str:
        """``url`` (on the target, e.g. a public channel's http:// URL) reached through this hop."""
        return url.replace(f"http://{self.target}", self.url, 1)

    def traffic(self, bucket: str | None = None) -> tuple[int, int]:
        """(requests answered, body bytes passed back) so far (optionally only those for ``bucket``:
        the hop is shared by the session, and another test's process may still be talking)."""
        with self._lock:
            answers = [a for a in self.answers if bucket is None or a[1] == f"/{bucket}" or a[1].startswith(f"/{bucket}/")]
        return len(answers), sum(size for *_, size in answers)

    def gets(self, bucket: str | None = None) -> list[str]:
        """Paths of the GET requests so far (optionally only those for ``bucket``)."""
        with self._lock:
            return [p for m, p in self.seen if m == "GET" and (bucket is None or p.startswith(f"/{bucket}/"))]

    def clear(self) -> None:
        with self._lock:
            self.seen.clear()
            self.answers.clear()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def _forwarding_handler(proxy: CountingProxy) -> type:
    import http.client
    from http.server import BaseHTTPRequestHandler
    from urllib.parse import urlsplit

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def _forward(self) -> None:
            headers = {k: v for k, v in self.headers.items() if k.lower() not in ("connection", "transfer-encoding")}
            if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():  # boto3's streamed uploads
                body = self._read_chunked()
                headers["Content-Length"] = str(len(body))
            else:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
            proxy.record(self.command, urlsplit(self.path).path)
            if proxy.intercept is not None and proxy.intercept(self.command, urlsplit(self.path).path):
                self.close_connection = True
                return
            conn = http.client.HTTPConnection(proxy.target, timeout=60)
            try:
                path = _canonical_query(self.path) if proxy.canonical_query else self.path
                conn.request(self.command, path, body=body, headers=headers)
                response = conn.getresponse()
                data = response.read()
            finally:
                conn.close()
            # recorded before the client can have the answer, so a test that got it sees it counted
            proxy.answered(self.command, urlsplit(self.path).path, response.status,
                           0 if self.command == "HEAD" else len(data))
            self.send_response(response.status, response.reason)
            for key, value in response.getheaders():
                if key.lower() not in ("transfer-encoding", "connection", "content-length", "server", "date"):
                    self.send_header(key, value)
            # a HEAD answer has no body but tells the object's length
            length = response.getheader("Content-Length", "0") if self.command == "HEAD" else str(len(data))
            self.send_header("Content-Length", length)
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(data)

        def _read_chunked(self) -> bytes:
            chunks = []
            while size := int(self.rfile.readline().split(b";")[0].strip() or b"0", 16):
                chunks.append(self.rfile.read(size))
                self.rfile.readline()  # the CRLF after each chunk
            while self.rfile.readline().strip():  # trailers, up to the empty line
                pass
            return b"".join(chunks)

        do_GET = do_PUT = do_HEAD = do_POST = do_DELETE = _forward

    return Handler


def _canonical_query(target: str) -> str:
    """``target`` with each query value percent-encoded as SigV4's canonical query has it."""
    from urllib.parse import quote, unquote

    path, _, query = target.partition("?")
    if not query:
        return target
    pairs = [pair.partition("=") for pair in query.split("&")]
    return path + "?" + "&".join(f"{name}{eq}{quote(unquote(value), safe='-_.~')}" for name, eq, value in pairs)
