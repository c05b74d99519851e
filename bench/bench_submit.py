"""Benchmark: ayon-publish-submit inside a bare interpreter, as a DCC's Python runs it.

Installs ``submit/`` alone into a fresh venv of ``--python`` (default: ``python3.9`` when it is on
PATH, else this interpreter; the figures say which) and measures there, each in new processes:

* importing ``ayon_publish_submit`` (median of 10 fresh interpreters), bare and with the standard
  library modules it uses already imported (as in a DCC, whose Python loaded them at startup);
* ``resolve`` cold (empty cache) and warm (the next call in the same process: what a DCC session's
  second submission costs; median of 20), against a ``file://`` channel and the same channel
  over plain HTTP (moto's server on 127.0.0.1, a bucket that allows anonymous reads);
* ``add_publish_step_environment`` on an addon-shaped job, warm (it resolves too, and embeds the
  compacted session script, compacted once per process).

The channel holds ``--packages`` small packages (tests/support/channels.py). A bare venv has no zstd
module before Python 3.14, so the plain ``repodata.json`` is read; s3:// needs boto3 and is not
measured here (bench/bench_resolve.py measures it in the pipeline's environment).

    python bench/bench_submit.py [--python python3.9] [--packages 1000] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from support.channels import directory_channel, http_url, many_packages, s3_channel  # noqa: E402
from support.s3 import start_moto  # noqa: E402

BUNDLE = {"name": "bench", "addons": {"core": "1.5.5", "deadline_cloud": "0.5.0", "maya": "0.4.10"}}
IMPORT = "import time; t = time.perf_counter(); import ayon_publish_submit; print((time.perf_counter() - t) * 1000)"
#: The standard library modules the package imports, which a DCC's Python (Maya's, Houdini's) has loaded long before.
STDLIB = "import abc, ast, dataclasses, functools, hashlib, io, json, os, pathlib, re, threading, tokenize, typing, urllib.parse"
RESOLVE = """
import json, statistics, sys, time
from ayon_publish_submit import add_publish_step_environment, resolve
bundle, channel, cache = json.loads(sys.argv[1]), sys.argv[2], sys.argv[3]
def ms(f):
    t = time.perf_counter(); f(); return (time.perf_counter() - t) * 1000
cold = ms(lambda: resolve(bundle, channel, cache=cache))
warm = statistics.median(ms(lambda: resolve(bundle, channel, cache=cache)) for _ in range(20))
job = lambda: {"steps": [{"name": "Render"}, {"name": "publish to AYON"}]}
first_step = ms(lambda: add_publish_step_environment(job(), bundle, [channel, "conda-forge"], cache=cache))
step = statistics.median(ms(lambda: add_publish_step_environment(job(), bundle, [channel, "conda-forge"], cache=cache))
                         for _ in range(20))
print(json.dumps({"cold_ms": cold, "warm_ms": warm, "step_first_ms": first_step, "step_warm_ms": step}))
"""


def run(python: Path, *args: str) -> str:
    return subprocess.run([str(python), *args], capture_output=True, text=True, check=True).stdout


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--python", default=shutil.which("python3.9") and "python3.9" or sys.executable,
                        help="the interpreter to make the bare venv from [default: python3.9 if on PATH]")
    parser.add_argument("--packages", type=int, default=1000, help="channel size (default 1000)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()
    moto = start_moto()
    try:
        with tempfile.TemporaryDirectory(prefix="ayon-conda-bench-submit-") as tmp:
            work = Path(tmp)
            venv = work / "venv"
            subprocess.run([args.python, "-m", "venv", str(venv)], check=True)
            python = venv / "bin" / "python"
            source = shutil.copytree(ROOT / "submit", work / "submit", ignore=shutil.ignore_patterns("build", "*.egg-info"))
            subprocess.run([str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check", str(source)], check=True)
            installed = json.loads(run(python, "-m", "pip", "list", "--format", "json", "--disable-pip-version-check"))
            packages = many_packages(args.packages)
            channels = {"file": directory_channel(work / "channel", packages),
                        "http": http_url(moto, s3_channel(moto, packages, public=True))}
            figures: dict[str, object] = {
                "python": run(python, "-c", "import sys; print(sys.version.split()[0])").strip(),
                "venv_packages": sorted(p["name"] for p in installed), "packages": args.packages, "cpus": os.cpu_count(),
                "import_ms": round(statistics.median(float(run(python, "-c", IMPORT)) for _ in range(10)), 1),
                "import_ms_stdlib_loaded": round(statistics.median(float(run(python, "-c", f"{STDLIB}; {IMPORT}"))
                                                                   for _ in range(10)), 1),
            }
            for kind, url in channels.items():
                out = json.loads(run(python, "-c", RESOLVE, json.dumps(BUNDLE), url, str(work / f"cache-{kind}")))
                figures[kind] = {k: round(v, 1) for k, v in out.items()}
    finally:
        moto.server.stop()
    if args.json:
        print(json.dumps(figures, indent=2))
        return 0
    print(f"bare venv of Python {figures['python']} ({', '.join(figures['venv_packages'])}); "
          f"channel of {figures['packages']} packages")
    print(f"  import ayon_publish_submit      {figures['import_ms']:7.1f} ms  (median of 10 fresh interpreters; "
          f"{figures['import_ms_stdlib_loaded']:.1f} ms when the standard library modules it uses are loaded, as in a DCC)")
    for kind in channels:
        f = figures[kind]
        print(f"  {kind:5} resolve cold            {f['cold_ms']:7.1f} ms")
        print(f"  {kind:5} resolve warm            {f['warm_ms']:7.1f} ms  (median of 20, same process)")
        print(f"  {kind:5} add_publish_step_env.   {f['step_warm_ms']:7.1f} ms  (warm; the first call {f['step_first_ms']:.1f} ms)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
