"""Benchmark: resolve latency and bytes fetched against a channel of 1000 packages.

Builds 1000 small ``ayon-publish`` packages (tests/support/channels.py: real info/ files, tiny
payload), uploads them to moto's S3 server on 127.0.0.1 in a bucket that also allows anonymous
HTTP reads, and indexes it with py-rattler's ``index_s3``. Then, for the ``s3://`` and the plain
``http://`` view of the same channel:

* cold, in-process: empty cache, no parsed index in memory, a new S3 client (modules imported);
* warm, in-process: what a DCC session sees on its next submission (median of 20);
* warm, new process: the disk cache only (what ``ayon-conda resolve`` sees), measured in-process
  after imports; and the whole first resolve of a fresh interpreter, imports included;
* cold with ``server_version`` (reads the package's about.json by range requests);
* ``matrix`` over all 1000 packages, cold and warm, over ``s3://`` and ``http://``.

Targets (issue 4): warm <= 50 ms in-process, cold <= 500 ms. Loopback moto is not S3: real
round trips add their latency to every request, so the request counts matter as much.

    python bench/bench_resolve.py [--packages N] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

os.environ.update({"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "us-east-1"})
for _key in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3", "AWS_SESSION_TOKEN"):
    os.environ.pop(_key, None)

from ayon_conda.matrix import matrix_rows  # noqa: E402
from ayon_conda.progress import SILENT  # noqa: E402
from ayon_publish_submit import channel_reader, remote, resolve  # noqa: E402
from ayon_publish_submit.channel_reader import Channel  # noqa: E402
from support.channels import many_packages, published_channel  # noqa: E402
from support.s3 import start_moto  # noqa: E402

BUNDLE = {"name": "bench", "addons": {"core": "1.5.5", "deadline_cloud": "0.5.0", "maya": "0.4.10"}}
FRESH_PROCESS = """
import json, sys, time
start = time.perf_counter()
from ayon_publish_submit import resolve
imported = time.perf_counter()
resolve(json.loads(sys.argv[1]), sys.argv[2], endpoint_url=sys.argv[3] or None)
done = time.perf_counter()
print(json.dumps({"import_ms": (imported - start) * 1000, "resolve_ms": (done - imported) * 1000}))
"""


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 1)


def _forget_memory() -> None:
    channel_reader._parsed.clear()
    remote._s3_clients.clear()


def _timed_resolve(url: str, endpoint: str | None, cache: Path, **options) -> tuple[float, Channel]:
    channel = Channel(url, endpoint_url=endpoint, cache=cache)
    start = time.perf_counter()
    resolve(BUNDLE, channel, **options)
    return time.perf_counter() - start, channel


def _fresh_process(url: str, endpoint: str | None, cache: Path) -> dict:
    env = {**os.environ, "AYON_CONDA_CACHE_DIR": str(cache)}
    out = subprocess.run([sys.executable, "-c", FRESH_PROCESS, json.dumps(BUNDLE), url, endpoint or ""],
                         capture_output=True, text=True, check=True, env=env).stdout
    return json.loads(out)


def bench_transport(url: str, endpoint: str | None, work: Path) -> dict:
    cache = work / "cache"
    _forget_memory()
    cold, channel = _timed_resolve(url, endpoint, cache)
    figures = {"cold_ms": _ms(cold), "cold_requests": channel.counters.requests, "cold_bytes": channel.counters.bytes}

    warm_times, warm_bytes, warm_requests = [], 0, 0
    for _ in range(20):
        seconds, channel = _timed_resolve(url, endpoint, cache)
        warm_times.append(seconds)
        warm_bytes += channel.counters.bytes
        warm_requests = channel.counters.requests
    figures.update(warm_ms_median=_ms(statistics.median(warm_times)), warm_ms_max=_ms(max(warm_times)),
                   warm_requests=warm_requests, warm_bytes_total_20=warm_bytes)

    fresh_warm = [_fresh_process(url, endpoint, cache) for _ in range(3)]
    figures["new_process_warm_resolve_ms"] = round(statistics.median(f["resolve_ms"] for f in fresh_warm), 1)
    first = _fresh_process(url, endpoint, work / "cache-first")
    figures["new_process_cold_import_ms"] = round(first["import_ms"], 1)
    figures["new_process_cold_resolve_ms"] = round(first["resolve_ms"], 1)

    _forget_memory()
    checked, channel = _timed_resolve(url, endpoint, work / "cache-compat", server_version="1.9.0")
    figures.update(cold_with_server_check_ms=_ms(checked), cold_with_server_check_requests=channel.counters.requests,
                   cold_with_server_check_bytes=channel.counters.bytes)
    again, channel = _timed_resolve(url, endpoint, work / "cache-compat", server_version="1.9.0")
    figures["warm_with_server_check_ms"] = _ms(again)
    return figures


def bench_matrix(url: str, endpoint: str | None, work: Path) -> dict:
    figures = {}
    for label in ("cold", "warm"):
        _forget_memory() if label == "cold" else None
        channel = Channel(url, endpoint_url=endpoint, cache=work / "cache-matrix")
        start = time.perf_counter()
        rows = matrix_rows(channel, SILENT)
        figures.update({f"{label}_s": round(time.perf_counter() - start, 2), f"{label}_requests": channel.counters.requests,
                        f"{label}_bytes": channel.counters.bytes, "rows": len(rows)})
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--packages", type=int, default=1000, help="channel size (default 1000)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()
    moto = start_moto()
    try:
        with tempfile.TemporaryDirectory(prefix="ayon-conda-bench-resolve-") as tmp:
            work = Path(tmp)
            start = time.perf_counter()
            channel = published_channel(moto, many_packages(args.packages))
            setup = time.perf_counter() - start
            index = moto.client().head_object(Bucket=channel.s3.split("/")[2], Key="ayon/noarch/repodata.json")
            index_zst = moto.client().head_object(Bucket=channel.s3.split("/")[2], Key="ayon/noarch/repodata.json.zst")
            figures = {
                "packages": args.packages,
                "setup_s": round(setup, 1),
                "repodata_json_bytes": index["ContentLength"],
                "repodata_json_zst_bytes": index_zst["ContentLength"],
                "s3": bench_transport(channel.s3, channel.endpoint_url, work / "s3"),
                "http": bench_transport(channel.http, None, work / "http"),
                "matrix_s3": bench_matrix(channel.s3, channel.endpoint_url, work / "matrix-s3"),
                "matrix_http": bench_matrix(channel.http, None, work / "matrix-http"),
                "cpus": os.cpu_count(),
            }
    finally:
        moto.server.stop()
    if args.json:
        print(json.dumps(figures, indent=2))
        return 0
    print(f"channel: {figures['packages']} packages (set up in {figures['setup_s']} s); repodata.json "
          f"{figures['repodata_json_bytes'] / 1e3:.0f} kB, .zst {figures['repodata_json_zst_bytes'] / 1e3:.0f} kB")
    for kind in ("s3", "http"):
        f = figures[kind]
        print(f"\n{kind}://")
        print(f"  cold, in-process           {f['cold_ms']:7.1f} ms  {f['cold_requests']} request(s), {f['cold_bytes'] / 1e3:.1f} kB"
              "  (target <= 500 ms)")
        print(f"  warm, in-process           {f['warm_ms_median']:7.1f} ms  (median of 20, max {f['warm_ms_max']} ms); "
              f"{f['warm_requests']} conditional request, {f['warm_bytes_total_20']} bytes in 20 resolves  (target <= 50 ms)")
        print(f"  warm, new process          {f['new_process_warm_resolve_ms']:7.1f} ms  (disk cache; after imports)")
        print(f"  first resolve, new process {f['new_process_cold_resolve_ms']:7.1f} ms  + {f['new_process_cold_import_ms']:.1f} ms "
              "to import ayon_publish_submit")
        print(f"  cold, with server check    {f['cold_with_server_check_ms']:7.1f} ms  {f['cold_with_server_check_requests']} requests, "
              f"{f['cold_with_server_check_bytes'] / 1e3:.1f} kB; warm {f['warm_with_server_check_ms']} ms")
    for kind in ("s3", "http"):
        m = figures[f"matrix_{kind}"]
        print(f"\nmatrix over {m['rows']} packages ({kind}): cold {m['cold_s']} s, {m['cold_requests']} requests, "
              f"{m['cold_bytes'] / 1e6:.2f} MB; warm {m['warm_s']} s, {m['warm_requests']} request, "
              f"{m['warm_bytes']} bytes  (target cold <= 1 s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
