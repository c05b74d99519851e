"""Benchmark: ``ayon-conda matrix`` over a channel of 1000 packages, cold and warm.

The channel (1000 small ``ayon-publish`` packages with real ``info/`` files, from
tests/support/channels.py, indexed by py-rattler) is served two ways, each by a separate process
so that the server does not share the reader's interpreter (as S3 would not):

* ``moto``: moto's S3 server on 127.0.0.1 (what the tests use). Its own work per request
  (werkzeug, one connection per request, moto's S3 model) bounds how fast any client can be.
* ``static``: a plain S3 stand-in serving GET and Range from the channel directory
  (ThreadingHTTPServer, HTTP/1.1 keep-alive) that waits ``--latency`` ms before each answer,
  standing in for S3's first-byte latency. This measures the reader itself.

The channel carries the about index ``ayon-conda publish`` writes (``noarch/ayon-about.json.gz``;
building it for the 1000 packages, as the first publish into a channel without one does, is
timed too). For each server, ``matrix_rows`` runs in this process over ``s3://`` (boto3) and
``http://`` (urllib): cold (empty cache: the index and the about index), warm (the same cache),
and cold without the about index (a channel indexed by another tool: one range request per
package). Figures: wall time, CPU time of the reader, requests.

    python bench/bench_matrix.py [--packages 1000] [--latency 20] [--servers moto static] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from ayon_publish_submit.about_index import FILENAME as ABOUT_INDEX

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

os.environ.update({"AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench", "AWS_DEFAULT_REGION": "us-east-1"})
for _key in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3", "AWS_SESSION_TOKEN"):
    os.environ.pop(_key, None)

BUCKET = "bench-conda"
PREFIX = "ayon"

STATIC_SERVER = r'''
import os, socket, sys, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
root, bucket, delay = sys.argv[1], sys.argv[2], float(sys.argv[3]) / 1000

class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as S3

    def log_message(self, *args):
        pass

    def setup(self):
        super().setup()  # headers and body are separate writes: no Nagle wait between them
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def do_GET(self):
        path = self.path.split("?", 1)[0].lstrip("/")
        if not path.startswith(bucket + "/"):
            return self._send(404, b"no such bucket")
        target = os.path.join(root, *path[len(bucket) + 1:].split("/"))
        if not os.path.isfile(target):
            return self._send(404, b"<Error><Code>NoSuchKey</Code></Error>")
        stat = os.stat(target)
        etag = f'"{stat.st_size:x}-{stat.st_mtime_ns:x}"'
        if self.headers.get("If-None-Match") == etag:
            return self._send(304, b"", etag)
        with open(target, "rb") as fh:
            data = fh.read()
        wanted = self.headers.get("Range")
        if wanted:
            start, end = wanted.removeprefix("bytes=").split("-")
            start, end = int(start), min(int(end), len(data) - 1)
            return self._send(206, data[start:end + 1], etag, f"bytes {start}-{end}/{len(data)}")
        self._send(200, data, etag)

    def _send(self, status, body, etag=None, content_range=None):
        time.sleep(delay)
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Last-Modified", "Thu, 01 Oct 2026 09:30:00 GMT")
        if etag:
            self.send_header("ETag", etag)
        if content_range:
            self.send_header("Content-Range", content_range)
        self.end_headers()
        self.wfile.write(body)

server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
server.daemon_threads = True
print(server.server_address[1], flush=True)
server.serve_forever()
'''

MOTO_SERVER = r'''
import logging, sys
from moto.server import ThreadedMotoServer
logging.getLogger("werkzeug").setLevel(logging.ERROR)
server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
server.start()
print(server.get_host_and_port()[1], flush=True)
sys.stdin.read()
'''


def make_channel(directory: Path, count: int) -> Path:
    import asyncio

    from rattler.index import index_fs
    from support.channels import many_packages, write_packages

    from ayon_conda.channel.directory import LocalChannel
    from ayon_conda.channel.publish import update_about_index
    from ayon_conda.progress import SILENT

    channel = directory / PREFIX
    write_packages(many_packages(count), channel)
    asyncio.run(index_fs(channel))
    start = time.perf_counter()
    update_about_index(LocalChannel(channel), SILENT)
    return channel, time.perf_counter() - start


def start(code: str, *args: str) -> tuple[subprocess.Popen, str]:
    proc = subprocess.Popen([sys.executable, "-c", code, *args], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    port = proc.stdout.readline().strip()
    return proc, f"http://127.0.0.1:{port}"


def fill_moto(endpoint: str, channel: Path) -> None:
    import boto3

    s3 = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1")
    s3.create_bucket(Bucket=BUCKET)
    for path in sorted(channel.rglob("*")):
        if path.is_file():
            s3.put_object(Bucket=BUCKET, Key=f"{PREFIX}/{path.relative_to(channel).as_posix()}", Body=path.read_bytes())
    s3.put_bucket_policy(Bucket=BUCKET, Policy=json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{BUCKET}/*"}]}))


def timed_matrix(url: str, endpoint: str | None, cache: Path, hide_about_index: Callable[[bool], None]) -> dict:
    """Cold and warm with the about index, then cold without it (``hide_about_index(True)``)."""
    from ayon_publish_submit import channel_reader, remote
    from ayon_publish_submit.channel_reader import Channel

    from ayon_conda.matrix import matrix_rows
    from ayon_conda.progress import SILENT

    channel_reader._parsed.clear()
    remote._s3_clients.clear()
    figures = {}
    for label in ("cold", "warm", "no_about_index"):
        if label == "no_about_index":
            hide_about_index(True)
            cache = cache.with_name(cache.name + "-no-about-index")
        channel = Channel(url, endpoint_url=endpoint, cache=cache)
        wall, cpu = time.perf_counter(), time.process_time()
        rows = matrix_rows(channel, SILENT)
        figures.update({f"{label}_s": round(time.perf_counter() - wall, 2),
                        f"{label}_cpu_s": round(time.process_time() - cpu, 2),
                        f"{label}_requests": channel.counters.requests, "rows": len(rows)})
    hide_about_index(False)
    return figures


def hider(kind: str, channel: Path, endpoint: str) -> Callable[[bool], None]:
    """Take the about index away from the server (True) and give it back (False)."""
    local = channel / "noarch" / ABOUT_INDEX
    if kind == "static":
        hidden = local.with_name(local.name + ".hidden")
        return lambda hide: os.replace(*((local, hidden) if hide else (hidden, local)))
    import boto3

    s3 = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1")
    key = f"{PREFIX}/noarch/{ABOUT_INDEX}"

    def hide(yes: bool) -> None:
        if yes:
            s3.delete_object(Bucket=BUCKET, Key=key)
        else:
            s3.put_object(Bucket=BUCKET, Key=key, Body=local.read_bytes())

    return hide


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--packages", type=int, default=1000, help="channel size (default 1000)")
    parser.add_argument("--latency", type=float, default=20.0, help="static server: ms before each answer (default 20)")
    parser.add_argument("--servers", nargs="+", choices=["moto", "static"], default=["moto", "static"])
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()
    results = {"packages": args.packages, "latency_ms": args.latency, "cpus": os.cpu_count()}
    with tempfile.TemporaryDirectory(prefix="ayon-conda-bench-matrix-") as tmp:
        work = Path(tmp)
        channel, index_s = make_channel(work / "channel", args.packages)
        results["about_index_build_s"] = round(index_s, 2)
        results["about_index_bytes"] = (channel / "noarch" / ABOUT_INDEX).stat().st_size
        if not args.json:
            print(f"about index: built in {index_s:.2f} s from {args.packages} packages "
                  f"({results['about_index_bytes'] / 1e3:.0f} kB)", flush=True)
        for kind in args.servers:
            if kind == "static":
                proc, endpoint = start(STATIC_SERVER, str(channel.parent), BUCKET, str(args.latency))
            else:
                proc, endpoint = start(MOTO_SERVER)
                fill_moto(endpoint, channel)
            try:
                for transport, url in (("s3", f"s3://{BUCKET}/{PREFIX}"), ("http", f"{endpoint}/{BUCKET}/{PREFIX}")):
                    figures = timed_matrix(url, endpoint if transport == "s3" else None, work / f"cache-{kind}-{transport}",
                                           hider(kind, channel, endpoint))
                    results[f"{kind}_{transport}"] = figures
                    if not args.json:
                        print(f"{kind:6} {transport:4}: cold {figures['cold_s']:5.2f} s (reader CPU {figures['cold_cpu_s']:.2f} s, "
                              f"{figures['cold_requests']} requests); warm {figures['warm_s']:.3f} s "
                              f"({figures['warm_requests']} requests); without the about index: cold "
                              f"{figures['no_about_index_s']:.2f} s ({figures['no_about_index_requests']} requests); "
                              f"{figures['rows']} rows", flush=True)
            finally:
                proc.kill()
                proc.wait()
    if args.json:
        print(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
