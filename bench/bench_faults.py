"""Benchmark: channel integrity under faults, kills and concurrency, and secrets that never leak.

Every publish is a real ``python -m ayon_conda publish`` process, as a user runs it; channels are
read back independently (tests/support/channel_check.py: every index view -- repodata.json, .zst,
shards -- may name only files that are there with the size and sha256 it says) after each step.

faults
    A proxy in front of moto's S3 server fails a share of the requests (``--fault-rate``, 0.3):
    503 SlowDown, 500 InternalError, the connection closed before the request is forwarded, or
    after it was forwarded but before the answer (the write happened; the client cannot know).
    Both boto3 and py-rattler's own S3 client go through it. Each publish is followed by a check;
    at the end every package is published again without faults and must be in every view.
kills
    Publishes killed with SIGKILL at a random moment (0 to 1 s after start into a directory
    channel, 0 to 2.5 s into an S3 one: about how long each takes), a check after each kill; then
    every package published again.
concurrency
    ``--publishers`` processes (16) start at the same instant into one channel (S3 and directory),
    ``--rounds`` times (3): no package may be lost.
secrets
    pin, build, render, publish (directory and S3), addons upload, check, and failing runs (an
    unreachable AYON server with an API key, wrong credentials) with marker strings as AWS and AYON
    secrets; then every file of the outputs, locks, caches, logs (stdout and stderr) and packages
    (every member of every .conda, decompressed) and every S3 object is searched for the markers.

    python bench/bench_faults.py [--only faults kills concurrency secrets] [--json]
"""

from __future__ import annotations

import argparse
import http.client
import io
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
import zipfile
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))

from ayon_conda.dev.local_s3 import local_s3  # noqa: E402
from ayon_conda.dev.tiny_package import make_package  # noqa: E402
from support.channel_check import assert_valid, dir_files, s3_files  # noqa: E402

try:  # Python 3.14+
    from compression import zstd
except ImportError:  # pragma: no cover
    from backports import zstd

MARKERS = {"AWS_SECRET_ACCESS_KEY": "SECRETMARKERAWS0123456789", "AWS_SESSION_TOKEN": "SECRETMARKERTOKEN0123456789",
           "AYON_API_KEY": "SECRETMARKERAYON0123456789"}


# -- a fault-injecting HTTP hop ------------------------------------------------------------------------
class FaultyProxy:
    """Forwards to ``target``; fails ``rate`` of the requests in one of four ways (see the module docstring)."""

    KINDS = ("503", "500", "drop-before", "drop-after")

    def __init__(self, target: str, rate: float, seed: int) -> None:
        self.target = target.removeprefix("http://")
        self.rate = rate
        self.random = random.Random(seed)
        self.lock = threading.Lock()
        self.requests = 0
        self.faults = dict.fromkeys(self.KINDS, 0)
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.httpd.daemon_threads = True
        self.httpd.handle_error = lambda request, address: None  # clients hang up on dropped connections
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return "http://%s:%d" % self.httpd.server_address[:2]

    def _pick(self) -> str | None:
        with self.lock:
            self.requests += 1
            if self.random.random() >= self.rate:
                return None
            kind = self.random.choice(self.KINDS)
            self.faults[kind] += 1
            return kind

    def _handler(self) -> type:
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def _error(self, status: int, code: str) -> None:
                body = f"<Error><Code>{code}</Code><Message>injected</Message></Error>".encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/xml")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def _drop(self) -> None:
                self.close_connection = True
                try:
                    self.connection.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

            def _body(self) -> bytes | None:
                """The request body; a chunked one is read whole (and sent on with a Content-Length)."""
                if self.headers.get("Transfer-Encoding", "").lower() != "chunked":
                    length = int(self.headers.get("Content-Length") or 0)
                    return self.rfile.read(length) if length else None
                chunks = []
                while size := int(self.rfile.readline().split(b";")[0].strip() or b"0", 16):
                    chunks.append(self.rfile.read(size))
                    self.rfile.readline()
                while self.rfile.readline().strip():  # trailers
                    pass
                return b"".join(chunks)

            def _forward(self) -> None:
                body = self._body()
                fault = proxy._pick()
                if fault == "503":
                    return self._error(503, "SlowDown")
                if fault == "500":
                    return self._error(500, "InternalError")
                if fault == "drop-before":
                    return self._drop()
                conn = http.client.HTTPConnection(proxy.target, timeout=60)
                try:
                    conn.request(self.command, self.path, body=body, headers={
                        k: v for k, v in self.headers.items() if k.lower() not in ("connection", "transfer-encoding")})
                    response = conn.getresponse()
                    data = response.read()
                finally:
                    conn.close()
                if fault == "drop-after":
                    return self._drop()
                self.send_response(response.status, response.reason)
                for key, value in response.getheaders():
                    if key.lower() not in ("transfer-encoding", "connection", "content-length", "server", "date"):
                        self.send_header(key, value)
                length = response.getheader("Content-Length") if self.command == "HEAD" else None
                self.send_header("Content-Length", length or str(len(data)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(data)

            do_GET = do_PUT = do_HEAD = do_POST = do_DELETE = _forward

        return Handler

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


# -- helpers -------------------------------------------------------------------------------------------
def publish(package: Path, channel: str, env: dict[str, str], *extra: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "ayon_conda", "publish", str(package), "--channel", channel, "-q",
                             *extra], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def valid(files: dict[str, bytes]) -> bool:
    try:
        assert_valid(files)
        return True
    except AssertionError:
        return False


def listed_everywhere(files: dict[str, bytes]) -> set[str]:
    from support.channel_check import index_views

    views = index_views(files, "noarch")
    names = [set(records) for records in views.values()]
    return set.intersection(*names) if len(names) == 3 else set()


def one_line(stderr: str) -> bool:
    errors = [line for line in stderr.splitlines() if line.startswith("error: ")]
    return len(errors) == 1 and "Traceback" not in stderr


# -- the four measurements -------------------------------------------------------------------------------
def faults(work: Path, endpoint: str, count: int, rate: float) -> dict:
    import boto3

    s3 = boto3.client("s3", endpoint_url=endpoint)
    s3.create_bucket(Bucket="faults")
    proxy = FaultyProxy(endpoint, rate, seed=14)
    env = {**os.environ, "AYON_CONDA_CACHE_DIR": str(work / "cache")}
    packages = [make_package(work / "faults", f"f{i:03d}") for i in range(count)]
    ok = failed = one_line_errors = invalid = 0
    reasons: dict[str, int] = {}
    for package in packages:
        proc = publish(package, "s3://faults/conda", env, "--endpoint-url", proxy.url)
        _, stderr = proc.communicate(timeout=600)
        if proc.returncode == 0:
            ok += 1
        else:
            failed += 1
            one_line_errors += one_line(stderr)
            reason = next((line for line in stderr.splitlines() if line.startswith("error: ")), "(none)")
            reason = reason.split(": ", 2)[-1].split(" (")[0].split(";")[0][:60]
            reasons[reason] = reasons.get(reason, 0) + 1
        invalid += not valid(s3_files(s3, "faults", "conda"))
    proxy.stop()
    for package in packages:  # the faults stop: the same commands complete every publish
        subprocess.run([sys.executable, "-m", "ayon_conda", "publish", str(package), "--channel", "s3://faults/conda",
                        "--endpoint-url", endpoint, "-q"], env=env, check=True, capture_output=True)
    files = s3_files(s3, "faults", "conda")
    lost = len({p.name for p in packages} - listed_everywhere(files))
    return {"publishes": count, "fault_rate": rate, "requests": proxy.requests, "faults_injected": proxy.faults,
            "succeeded": ok, "failed": failed, "failed_with_one_line": one_line_errors, "failures": reasons,
            "invalid_channel_states": invalid + (not valid(files)), "lost_after_rerun": lost}


def kills(work: Path, endpoint: str, count: int) -> dict:
    import boto3

    s3 = boto3.client("s3", endpoint_url=endpoint)
    s3.create_bucket(Bucket="kills")
    env = {**os.environ, "AYON_CONDA_CACHE_DIR": str(work / "cache")}
    rng = random.Random(120)
    results = {}
    for kind, channel, read, window in (
            ("dir", str(work / "kill-channel"), lambda: dir_files(work / "kill-channel"), 1.0),
            ("s3", "s3://kills/conda", lambda: s3_files(s3, "kills", "conda"), 2.5)):
        extra = ["--endpoint-url", endpoint] if kind == "s3" else []
        packages = [make_package(work / f"kills-{kind}", f"k{i:03d}") for i in range(count)]
        killed = finished = invalid = 0
        for package in packages:
            proc = publish(package, channel, env, *extra)
            time.sleep(rng.uniform(0.0, window))  # a publish takes about this long on 2 cores
            if proc.poll() is None:
                proc.send_signal(signal.SIGKILL)
                killed += 1
            else:
                finished += 1
            proc.communicate(timeout=600)
            invalid += not valid(read())
        for package in packages:
            subprocess.run([sys.executable, "-m", "ayon_conda", "publish", str(package), "--channel", channel, "-q",
                            *extra], env=env, check=True, capture_output=True)
        files = read()
        results[kind] = {"publishes": count, "killed": killed, "finished_before_the_kill": finished,
                         "invalid_channel_states": invalid + (not valid(files)),
                         "lost_after_rerun": len({p.name for p in packages} - listed_everywhere(files))}
    return results


def concurrency(work: Path, endpoint: str, publishers: int, rounds: int) -> dict:
    import boto3

    s3 = boto3.client("s3", endpoint_url=endpoint)
    s3.create_bucket(Bucket="together")
    env = {**os.environ, "AYON_CONDA_CACHE_DIR": str(work / "cache")}
    results = {}
    for kind, channel, read in (("s3", "s3://together/conda", lambda: s3_files(s3, "together", "conda")),
                                ("dir", str(work / "together"), lambda: dir_files(work / "together"))):
        extra = ["--endpoint-url", endpoint] if kind == "s3" else []
        expected: set[str] = set()
        lost, failures, seconds = 0, 0, []
        for round_ in range(rounds):
            packages = [make_package(work / f"together-{kind}", f"c{round_}x{i:02d}") for i in range(publishers)]
            start = time.time() + 3.0
            wait = f"import time\nwhile time.time() < {start!r}: time.sleep(0.002)\n"
            code = wait + "import sys\nfrom ayon_conda.cli import run\nsys.argv = ['ayon-conda', *sys.argv[1:]]\nrun()\n"
            procs = [subprocess.Popen([sys.executable, "-c", code, "publish", str(p), "--channel", channel, "-q", *extra],
                                      env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
                     for p in packages]
            failures += sum(p.wait(timeout=900) != 0 for p in procs)
            seconds.append(round(time.time() - start, 1))
            expected |= {p.name for p in packages}
            lost = len(expected - listed_everywhere(read()))
        results[kind] = {"publishers": publishers, "rounds": rounds, "failed_publishes": failures,
                         "lost_packages": lost, "valid": valid(read()), "seconds_per_round": seconds}
    return results


def _members_of(path: Path) -> list[tuple[str, bytes]]:
    """A file's bytes, and for a .conda or zip every member decompressed as well."""
    data = path.read_bytes()
    found = [(str(path), data)]
    if path.suffix in (".conda", ".zip", ".whl") and zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as zf:
            for name in zf.namelist():
                member = zf.read(name)
                if name.endswith(".tar.zst"):
                    with tarfile.open(fileobj=io.BytesIO(zstd.decompress(member))) as tar:
                        found += [(f"{path}!{name}!{m.name}", tar.extractfile(m).read()) for m in tar if m.isfile()]
                else:
                    found.append((f"{path}!{name}", member))
    return found


def secrets(work: Path, endpoint: str) -> dict:
    import boto3

    env = {**os.environ, **MARKERS, "AYON_CONDA_CACHE_DIR": str(work / "secrets-cache")}
    env.pop("AYON_SERVER_URL", None)
    boto3.client("s3", endpoint_url=endpoint).create_bucket(Bucket="secrets")
    out = work / "secrets"
    out.mkdir()
    examples = REPO / "examples"
    logs: list[str] = []

    def run(*args: Any, check: bool = True) -> None:
        proc = subprocess.run([sys.executable, "-m", "ayon_conda", *map(str, args)], env=env, capture_output=True,
                              text=True, cwd=out)
        logs.extend([proc.stdout, proc.stderr])
        if check and proc.returncode != 0:
            raise SystemExit(f"{args[0]} failed: {proc.stderr}")

    bundle, config = examples / "bundles" / "sample.json", examples / "sample-components.yaml"
    run("pin", bundle, "--config", config, "-o", out / "sample.lock.json")
    run("build", out / "sample.lock.json", "-o", out / "dist", "--json")
    run("render", out / "sample.lock.json", "-o", out / "recipes")
    packages = sorted((out / "dist" / "noarch").glob("*.conda"))
    run("publish", *packages, "--channel", out / "channel", "--json")
    run("publish", *packages, "--channel", "s3://secrets/conda", "--endpoint-url", endpoint, "--json")
    run("addons", "upload", bundle, "--config", config, "--to", "s3://secrets/ayon", "--endpoint-url", endpoint,
        "--exclude", "maya", "--exclude", "applications", "--json")
    run("check", out / "channel", "--json")
    run("check", "s3://secrets/conda", "--endpoint-url", endpoint)
    run("pin", "--server", "http://127.0.0.1:9", "--config", config, "-o", out / "x.lock.json", check=False)
    run("publish", packages[0], "--channel", "s3://no-such-bucket/c", "--endpoint-url", endpoint, check=False)
    (out / "logs.txt").write_text("\n".join(logs))
    blobs: list[tuple[str, bytes]] = []
    for root in (out, work / "secrets-cache"):
        for path in sorted(p for p in root.rglob("*") if p.is_file()):
            blobs += _members_of(path)
    s3 = boto3.client("s3", endpoint_url=endpoint)
    for key in [o["Key"] for page in s3.get_paginator("list_objects_v2").paginate(Bucket="secrets")
                for o in page.get("Contents", [])]:
        body = s3.get_object(Bucket="secrets", Key=key)["Body"].read()
        blobs.append((f"s3://secrets/{key}", body))
        if key.endswith((".conda", ".zip")):
            tmp = work / "secrets-object" / Path(key).name
            tmp.parent.mkdir(exist_ok=True)
            tmp.write_bytes(body)
            blobs += _members_of(tmp)[1:]
    hits = sorted({name for name, data in blobs for marker in MARKERS.values() if marker.encode() in data})
    return {"files_searched": len(blobs), "markers": len(MARKERS), "hits": hits}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", nargs="+", choices=["faults", "kills", "concurrency", "secrets"],
                        default=["faults", "kills", "concurrency", "secrets"])
    parser.add_argument("--fault-publishes", type=int, default=43)
    parser.add_argument("--fault-rate", type=float, default=0.3)
    parser.add_argument("--kills", type=int, default=60, help="killed publishes per channel kind (directory, S3)")
    parser.add_argument("--publishers", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    results: dict[str, Any] = {"cpus": os.cpu_count()}
    with tempfile.TemporaryDirectory(prefix="ayon-conda-bench-faults-") as tmp, local_s3() as endpoint:
        work = Path(tmp)
        for part in args.only:
            started = time.perf_counter()
            if part == "faults":
                results[part] = faults(work, endpoint, args.fault_publishes, args.fault_rate)
            elif part == "kills":
                results[part] = kills(work, endpoint, args.kills)
            elif part == "concurrency":
                results[part] = concurrency(work, endpoint, args.publishers, args.rounds)
            else:
                results[part] = secrets(work, endpoint)
            results[part]["seconds"] = round(time.perf_counter() - started, 1)
            if not args.json:
                print(f"{part}: {json.dumps(results[part])}", flush=True)
        shutil.rmtree(work, ignore_errors=True)
    if args.json:
        print(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
