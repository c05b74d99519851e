"""Benchmark: publish one package into channels already holding 10, 100 and 1000 packages.

For each size, a channel is filled with small valid packages (generated, uploaded and indexed
once, not measured); then ``python -m ayon_conda publish NEW.conda`` runs as a user would run
it, three times with a new package each time. Reported per size (medians of the three):

* wall time of the whole command (a fresh process: imports, checks, upload, index);
* the part from "Indexing" to exit (py-rattler's incremental index);
* the number of S3 requests the command caused, counted by the server (moto over HTTP on
  127.0.0.1, behind a counting WSGI wrapper), so py-rattler's requests count as well as ours.

Two kinds of channel: ``builds`` (one package name, many versions and builds: what an
ayon-publish channel looks like) and ``names`` (every package a different name: sharded
repodata has one shard per name, and py-rattler re-PUTs every shard on each index, with
If-None-Match, so this is the worst case for request counts). A directory channel of each kind
is timed too, against "indexing alone": a process that links the same new package into a copy
of the channel and runs only py-rattler's ``index_fs`` on it in place (what publish adds to that
is the upload, its checks, the lock and the scratch copy that keeps readers safe).

    python bench/bench_publish.py [--sizes 10 100 1000] [--channels s3 dir] [--json]
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import json
import logging
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from ayon_conda.dev.tiny_package import make_package
from moto.moto_server.threaded_moto_server import ThreadedMotoServer
from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)
from werkzeug.serving import make_server

CREDENTIALS = {"AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench", "AWS_DEFAULT_REGION": "us-east-1"}
RUNS = 3


class CountingMotoServer(ThreadedMotoServer):
    """moto's server with a count of the requests it answered, by HTTP method."""

    def __init__(self) -> None:
        super().__init__(ip_address="127.0.0.1", port=0, verbose=False)
        self.counts: collections.Counter[str] = collections.Counter()
        self._lock = threading.Lock()

    def _server_entry(self) -> None:
        app = DomainDispatcherApplication(create_backend_app)

        def counting(environ, start_response):
            with self._lock:
                self.counts[environ["REQUEST_METHOD"]] += 1
            return app(environ, start_response)

        logging.getLogger("werkzeug").setLevel(logging.ERROR)  # moto's per-request log
        self._server = make_server(self._ip_address, self._port, counting, True, request_handler=MotoRequestHandler)
        self._server_ready_event.set()
        self._server.serve_forever()

    def take(self) -> dict[str, int]:
        with self._lock:
            counts = dict(self.counts)
            self.counts.clear()
        return counts


def package_names(kind: str, count: int, offset: int = 0) -> list[tuple[str, str]]:
    """(name, version) pairs: one name with many versions, or many names."""
    if kind == "builds":
        return [("ayon-publish", f"1.{i}.0") for i in range(offset, offset + count)]
    return [(f"pkg{i:05d}", "1.0") for i in range(offset, offset + count)]


def make_packages(directory: Path, kind: str, count: int, offset: int = 0) -> list[Path]:
    return [make_package(directory, name, version) for name, version in package_names(kind, count, offset)]


def timed_publish(package: Path, channel: str, env: dict[str, str], extra: list[str]) -> tuple[float, float]:
    """(whole command, from 'Indexing' to exit) in seconds."""
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "ayon_conda", "publish", str(package), "--channel", channel, *extra],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    indexing = None
    for line in proc.stderr:
        if line.startswith("Indexing") and indexing is None:
            indexing = time.perf_counter()
    if proc.wait() != 0:
        raise SystemExit(f"publish failed for {package}")
    end = time.perf_counter()
    return end - start, end - (indexing or end)


def seed_s3(s3, bucket: str, packages: list[Path], endpoint: str) -> None:
    """Fill the channel: upload the packages directly and index once (not measured)."""
    from ayon_conda.channel.s3_bucket import S3Channel
    from ayon_conda.progress import Progress

    s3.create_bucket(Bucket=bucket)
    for package in packages:
        s3.put_object(Bucket=bucket, Key=f"channel/noarch/{package.name}", Body=package.read_bytes())
    S3Channel(f"s3://{bucket}/channel", endpoint_url=endpoint).index(["noarch"], Progress(enabled=False))


def seed_dir(root: Path, packages: list[Path]) -> None:
    from rattler.index import index_fs

    (root / "noarch").mkdir(parents=True)
    for package in packages:
        os.link(package, root / "noarch" / package.name)
    asyncio.run(index_fs(root))


def measure(kind: str, size: int, work: Path, server: CountingMotoServer, env: dict[str, str],
            channels: tuple[str, ...]) -> dict:
    existing = make_packages(work / f"{kind}-{size}" / "existing", kind, size)
    new = make_packages(work / f"{kind}-{size}" / "new", kind, RUNS, offset=size)
    result: dict = {"kind": kind, "existing_packages": size}
    if "s3" in channels:
        import boto3

        endpoint = "http://%s:%d" % server.get_host_and_port()
        s3 = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1")
        bucket = f"bench-{kind}-{size}"
        seed_s3(s3, bucket, existing, endpoint)
        walls, index_times, requests, by_method = [], [], [], []
        for package in new:
            server.take()
            wall, index_time = timed_publish(package, f"s3://{bucket}/channel", env, ["--endpoint-url", endpoint])
            counts = server.take()
            walls.append(wall)
            index_times.append(index_time)
            requests.append(sum(counts.values()))
            by_method.append(counts)
        result.update({
            "wall_seconds": round(statistics.median(walls), 3),
            "index_seconds": round(statistics.median(index_times), 3),
            "s3_requests": int(statistics.median(requests)),
            "s3_requests_by_method": by_method[len(by_method) // 2],
        })
    if "dir" in channels:
        root, alone = work / f"dir-{kind}-{size}", work / f"dir-{kind}-{size}-index-alone"
        seed_dir(root, existing)
        seed_dir(alone, existing)
        times = [timed_publish(p, str(root), env, []) for p in new]
        result["dir_wall_seconds"] = round(statistics.median(t[0] for t in times), 3)
        result["dir_index_seconds"] = round(statistics.median(t[1] for t in times), 3)
        result["dir_index_alone_seconds"] = round(statistics.median(timed_index_alone(p, alone, env) for p in new), 3)
    return result


def timed_index_alone(package: Path, root: Path, env: dict[str, str]) -> float:
    """Wall time of a process that adds ``package`` to the directory channel and runs index_fs in place."""
    os.link(package, root / "noarch" / package.name)
    code = ("import asyncio, os, sys; from rattler.index import index_fs; "
            "asyncio.run(index_fs(sys.argv[1], force=False)); sys.stdout.flush(); os._exit(0)")
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", code, str(root)], env=env, check=True)
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10, 100, 1000], help="packages already in the channel")
    parser.add_argument("--channels", nargs="+", choices=["s3", "dir"], default=["s3", "dir"],
                        help="which channels to time (default: both)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()
    os.environ.update(CREDENTIALS)
    for key in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3", "AWS_SESSION_TOKEN"):
        os.environ.pop(key, None)
    server = CountingMotoServer()
    server.start()
    results = []
    try:
        with tempfile.TemporaryDirectory(prefix="ayon-conda-bench-publish-") as tmp:
            env = {**os.environ, "AYON_CONDA_CACHE_DIR": str(Path(tmp) / "cache")}
            for kind in ("builds", "names"):
                for size in args.sizes:
                    results.append(measure(kind, size, Path(tmp), server, env, tuple(args.channels)))
                    if not args.json:
                        print(_row(results[-1]), flush=True)
    finally:
        server.stop()
    if args.json:
        print(json.dumps({"runs_per_size": RUNS, "cpus": os.cpu_count(), "results": results}, indent=2))
    return 0


def _row(r: dict) -> str:
    line = f"{r['kind']:<6} {r['existing_packages']:>5} existing:"
    if "wall_seconds" in r:
        methods = " ".join(f"{m}:{n}" for m, n in sorted(r["s3_requests_by_method"].items()))
        line += (f" s3 {r['wall_seconds']:6.2f} s (index {r['index_seconds']:5.2f} s), "
                 f"{r['s3_requests']:5d} requests ({methods})")
    if "dir_wall_seconds" in r:
        line += (f" | dir: {r['dir_wall_seconds']:.2f} s (index {r['dir_index_seconds']:.2f} s; "
                 f"index_fs alone {r['dir_index_alone_seconds']:.2f} s)")
    return line


if __name__ == "__main__":
    sys.exit(main())
