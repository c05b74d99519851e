"""Benchmark: the queue environment (channel/queue-environment.yaml) entering a session.

Builds the sample bundle's ayon-publish, publishes it to moto's S3 server on 127.0.0.1, and runs
the environment's enter action (the script embedded in the template, as a fresh process, the way
the session runs it) with ``CondaPackages`` pinned to that package and ``CondaChannels`` = the S3
channel plus a local python channel:

* cold: an empty node cache (solve, download, install, activate)
* cold environment, warm package cache: a new environment from packages already on the node
* warm: the environment exists (solve against the cached index, reuse, activate)
* the same warm session end to end through ``openjd run`` (a job whose task prints the environment)
* ``--bootstrap``: a python without py-rattler: pip installs it into the cache (needs PyPI)

moto on loopback has no latency: against real S3 add a few requests' latency to every solve, and
the package downloads to a cold one. Only ayon-publish comes from S3; python is a local channel
made from this interpreter (conda-forge's python is far larger: a cold install takes longer).

    python bench/bench_queue_env.py [--runs 10] [--bootstrap] [--json]
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml

from common import BUNDLE, ROOT, ayon_conda, build_sample, local_channel, summary, timed

TEMPLATE = ROOT / "channel/queue-environment.yaml"
SHOW_ENV = ROOT / "tests/openjd/show-env-job.yaml"
BIN = Path(sys.executable).parent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=10, help="runs of each warm measurement (cold: 3)")
    parser.add_argument("--bootstrap", action="store_true", help="also time the pip install of py-rattler (PyPI)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()

    from ayon_publish_submit import queue_parameters
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    data = yaml.safe_load(TEMPLATE.read_text())
    script_text = data["environment"]["script"]["embeddedFiles"][0]["data"]
    figures: dict[str, object] = {"cpus": os.cpu_count(), "template_chars": len(TEMPLATE.read_text())}
    with tempfile.TemporaryDirectory(prefix="ayon-conda-bench-queue-env-") as tmp:
        work = Path(tmp)
        script = work / "ayon_conda_session.py"
        script.write_text(script_text)
        print("setting up: pin, build, python channel, publish to moto ...", file=sys.stderr)
        package = next(build_sample(work).glob("ayon-publish-1*.conda"))
        python_channel = local_channel(work)
        server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        server.start()
        try:
            host, port = server.get_host_and_port()
            env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "CONDA"))}
            env.update({"AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench", "AWS_DEFAULT_REGION": "us-east-1",
                        "AWS_ENDPOINT_URL": f"http://{host}:{port}", "AWS_CONFIG_FILE": os.devnull,
                        "AWS_SHARED_CREDENTIALS_FILE": os.devnull, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}"})
            os.environ.update({k: env[k] for k in env if k.startswith("AWS_")})
            import boto3

            boto3.client("s3").create_bucket(Bucket="bench-conda")
            ayon_conda("publish", package, "--channel", "s3://bench-conda/ayon", "-q")
            bundle = json.loads(BUNDLE.read_text())
            channels = f"s3://bench-conda/ayon {python_channel}"
            packages = queue_parameters(bundle, channels)["CondaPackages"]

            def enter(cache: Path, python: str = sys.executable) -> list[str]:
                return [python, str(script), "enter", packages, channels, "Strict", str(cache)]

            cold = []
            for i in range(3):
                cold.append(timed(enter(work / f"cold-{i}"), env, "Creating the environment"))
            shared = work / "cold-0"
            new_env = []
            for _ in range(3):
                shutil.rmtree(shared / "envs")
                new_env.append(timed(enter(shared), env, "Creating the environment"))
            warm = [timed(enter(shared), env, "Reusing the environment") for _ in range(args.runs)]
            session = [timed([str(BIN / "openjd"), "run", str(SHOW_ENV), "--environment", str(TEMPLATE),
                              "-p", f"CondaPackages={packages}", "-p", f"CondaChannels={channels}",
                              "-p", f"CondaEnvCacheDir={shared}"], env, "Reusing the environment")
                       for _ in range(max(3, args.runs // 2))]
            figures.update({"cold": summary(cold), "cold_environment_warm_packages": summary(new_env),
                            "warm": summary(warm), "warm_openjd_session": summary(session),
                            "environment_mb": round(sum(f.stat().st_size for f in (shared / "envs").rglob("*")
                                                        if f.is_file() and not f.is_symlink()) / 1e6, 1)})
            if args.bootstrap:
                venv = work / "bare-python"
                subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
                bare = str(venv / "bin" / "python")
                first = timed(enter(work / "bootstrap", bare), env, "Installing py-rattler")
                again = timed(enter(work / "bootstrap", bare), env, "Reusing the environment")
                figures["bootstrap"] = {"first_session_ms": round(first * 1000), "next_session_ms": round(again * 1000)}
        finally:
            server.stop()

    if args.json:
        print(json.dumps(figures, indent=2))
        return 0
    for label, key in [("cold: empty node cache", "cold"),
                       ("new environment, packages already on the node", "cold_environment_warm_packages"),
                       ("warm: environment reused", "warm"), ("warm, whole openjd session", "warm_openjd_session")]:
        s = figures[key]
        print(f"{label:48} median {s['median_ms']:6} ms  min {s['min_ms']:6} ms  max {s['max_ms']:6} ms  ({s['runs']} runs)")
    print(f"environment size: {figures['environment_mb']} MB (files, hard links counted); template: "
          f"{figures['template_chars']} of 15000 characters")
    if "bootstrap" in figures:
        b = figures["bootstrap"]
        print(f"bare python: first session {b['first_session_ms']} ms (pip installs py-rattler), next {b['next_session_ms']} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
