"""Benchmark: option C activation, the addon sync of ayon-publish-core.

Builds the sample bundle's packages, installs ayon-publish-core with py-rattler (python and boto3
from a local channel), uploads the sample bundle's addons to moto's S3 server on 127.0.0.1, and
times each step as a fresh process, the way activation runs it:

* warm sync step: ``python -I -m ayon_publish.addon_sync activate --shell bash`` with a warm
  cache (no S3 request); median and 90th percentile of ``--runs``; target <= 100 ms
* warm activation through bash: ``source etc/conda/activate.d/ayon-publish-core.sh``
* no configuration (no S3 variables): what activation costs studios that do not use option C
* cold sync of the sample addons (an empty cache each time; boto3 import and client included)
* cold sync of a larger synthetic addon (``--large-mb`` of Python files), for scale

moto on loopback has no network latency or bandwidth limit: against real S3 add a request's
latency for the bundle manifest and one per archive, and the archives' transfer time.

    python bench/bench_activate.py [--runs 20] [--large-mb 20] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from importlib.metadata import version
from pathlib import Path

from common import BUNDLE, CONFIG, ROOT, ayon_conda, build_sample
BUCKET = "bench-job-attachments"


def timed(cmd: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed: {proc.stderr.strip()}")
    return elapsed


def summary(times: list[float]) -> dict[str, float]:
    ms = sorted(t * 1000 for t in times)
    return {"median_ms": round(statistics.median(ms), 1), "p90_ms": round(ms[int(0.9 * (len(ms) - 1))], 1),
            "min_ms": round(ms[0], 1), "runs": len(ms)}


def large_addon(root: Path, megabytes: int) -> Path:
    """An addon tree of ``megabytes`` of Python files (about as compressible as real code)."""
    rng = random.Random(7)
    words = [f"name_{i}" for i in range(400)] + ["def", "return", "self", "import", "if", "for", "in", "None"]
    pkg = root / "client" / "bench_large"
    (root / "package.py").parent.mkdir(parents=True, exist_ok=True)
    (root / "package.py").write_text('name = "bench_large"\nversion = "1.0.0"\nclient_dir = "bench_large"\n')
    size, index = 0, 0
    while size < megabytes * 1_000_000:
        target = pkg / f"module_{index // 50}" / f"file_{index}.py"
        target.parent.mkdir(parents=True, exist_ok=True)
        text = "\n".join(" ".join(rng.choice(words) for _ in range(12)) for _ in range(200)) + "\n"
        target.write_text(text)
        size += len(text)
        index += 1
    (pkg / "__init__.py").write_text("")
    return root


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=20, help="runs of each warm measurement (cold: a quarter)")
    parser.add_argument("--large-mb", type=int, default=20, help="size of the synthetic large addon (MB of files)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()

    from ayon_conda.dev.local_s3 import local_s3

    with tempfile.TemporaryDirectory(prefix="ayon-conda-bench-activate-") as tmp:
        work = Path(tmp)
        print("setting up: pin, build, channel with boto3, install ayon-publish-core ...", file=sys.stderr)
        core = next(build_sample(work).glob("ayon-publish-core-*.conda"))
        ayon_conda("local-channel", work / "channel", "--lock", work / "sample.lock.json",
                   "--requirement", f"boto3=={version('boto3')}", "-q")
        prefix = work / "env"
        ayon_conda("verify", core, "--channel", (work / "channel").as_uri(), "--prefix", prefix, "-q")

        with local_s3(BUCKET):
            import boto3

            to = f"s3://{BUCKET}/ayon"
            ayon_conda("addons", "upload", BUNDLE, "--config", CONFIG, "--to", to, "--exclude", "maya",
                       "--exclude", "applications", "-q")
            large = large_addon(work / "large-src", args.large_mb)
            (work / "large.json").write_text(json.dumps({"name": "bench-large", "addons": {
                "core": "1.9.0-sample.1", "bench_large": "1.0.0"}}))
            (work / "large.yaml").write_text(
                f"package: {{name: ayon-publish, python: '>=3.9'}}\nbake: [core]\naddons:\n"
                f"  core: {{client_dir: ayon_core, source: {{path: {ROOT / 'examples/addons/sample-ayon-core'}}}}}\n"
                f"  bench_large: {{client_dir: bench_large, source: {{path: {large}}}}}\n")
            ayon_conda("addons", "upload", work / "large.json", "--config", work / "large.yaml", "--to", to, "-q")
            large_zip = sum(o["Size"] for o in boto3.session.Session().client("s3").list_objects_v2(Bucket=BUCKET, Prefix="ayon/addons/bench_large_1.0.0/")["Contents"])

            env = {k: v for k, v in os.environ.items() if not k.startswith(("AYON_", "DEADLINE_"))}
            env.update({"CONDA_PREFIX": str(prefix), "AYON_ADDONS_S3_URI": to})
            sync = [str(prefix / "bin" / "python"), "-I", "-m", "ayon_publish.addon_sync", "activate", "--shell", "bash"]
            source = ["bash", "-c", f'source "{prefix}/etc/conda/activate.d/ayon-publish-core.sh"']
            cold_runs = max(3, args.runs // 4)

            def cold(bundle: str, runs: int) -> list[float]:
                times = []
                for i in range(runs):
                    cache = work / f"cold-{bundle}-{i}"
                    times.append(timed(sync, {**env, "AYON_ADDONS_CACHE_DIR": str(cache), "AYON_BUNDLE_NAME": bundle}))
                    shutil.rmtree(cache)
                return times

            cold_sample = cold("sample-bundle-1", cold_runs)
            cold_large = cold("bench-large", 3)
            warm_env = {**env, "AYON_ADDONS_CACHE_DIR": str(work / "warm"), "AYON_BUNDLE_NAME": "sample-bundle-1"}
            timed(sync, warm_env)  # warms the cache
            warm = [timed(sync, warm_env) for _ in range(args.runs)]
            warm_bash = [timed(source, warm_env) for _ in range(args.runs)]
            unconfigured_env = {k: v for k, v in env.items() if k != "AYON_ADDONS_S3_URI"}
            unconfigured = [timed(source, unconfigured_env) for _ in range(args.runs)]

    figures = {
        "warm_sync_step": summary(warm),
        "warm_activation_bash_source": summary(warm_bash),
        "unconfigured_activation_bash_source": summary(unconfigured),
        "cold_sync_sample_addons": summary(cold_sample),
        "cold_sync_large_addon": {**summary(cold_large), "files_mb": args.large_mb, "archive_mb": round(large_zip / 1e6, 2)},
        "cpus": os.cpu_count(),
    }
    if args.json:
        print(json.dumps(figures, indent=2))
        return 0
    rows = [
        ("warm sync step (python -m ayon_publish.addon_sync)", figures["warm_sync_step"], "target <= 100 ms"),
        ("warm activation (bash: source activate.d script)", figures["warm_activation_bash_source"], ""),
        ("no configuration (bash: source activate.d script)", figures["unconfigured_activation_bash_source"], ""),
        ("cold sync, sample addons (1 archive)", figures["cold_sync_sample_addons"], ""),
        (f"cold sync, large addon ({args.large_mb} MB files, "
         f"{figures['cold_sync_large_addon']['archive_mb']} MB zip)", figures["cold_sync_large_addon"], ""),
    ]
    for label, s, note in rows:
        print(f"{label:62} median {s['median_ms']:7.1f} ms  p90 {s['p90_ms']:7.1f} ms  ({s['runs']} runs) {note}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
