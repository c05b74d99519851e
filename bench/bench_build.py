"""Benchmark: pin and build the sample bundle.

Reports pin time (median of 3, warm uv cache), warm build time (median of 5: sources and wheels
already in the download cache, so this is staging + metadata + compression), cold build time
(empty download cache: wheels come from PyPI), and the package sizes. A build writes both
packages of the lock (ayon-publish and ayon-publish-core), so its time is about twice one
package's. Each run is a fresh ``python -m ayon_conda`` process, as a user would run it.

    python bench/bench_build.py [--json]
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
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BUNDLE = ROOT / "examples/bundles/sample.json"
CONFIG = ROOT / "examples/bundles/sample.components.yaml"


def timed(args: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "ayon_conda", *args, "--quiet"], check=True, env=env, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="ayon-conda-bench-") as tmp:
        work = Path(tmp)
        env = {**os.environ, "AYON_CONDA_CACHE_DIR": str(work / "cache")}
        env.pop("SOURCE_DATE_EPOCH", None)
        lock = work / "sample.lock.json"
        pin_args = ["pin", str(BUNDLE), "--config", str(CONFIG), "-o", str(lock)]
        timed(pin_args, env)  # warms uv's cache
        pin_times = [timed(pin_args, env) for _ in range(3)]
        cold = timed(["build", str(lock), "-o", str(work / "cold")], env)
        warm = []
        for i in range(5):
            warm.append(timed(["build", str(lock), "-o", str(work / f"warm{i}")], env))
        package = next((work / "warm0" / "noarch").glob("ayon-publish-[0-9]*.conda"))
        core = next((work / "warm0" / "noarch").glob("ayon-publish-core-*.conda"))
        level19 = timed(["build", str(lock), "-o", str(work / "level19"), "--compression-level", "19"], env)
        package19 = next((work / "level19" / "noarch").glob("ayon-publish-[0-9]*.conda"))
        shutil.rmtree(work / "cache")
        figures = {
            "pin_seconds_median": round(statistics.median(pin_times), 3),
            "build_cold_seconds": round(cold, 3),
            "build_warm_seconds_median": round(statistics.median(warm), 3),
            "build_warm_seconds_all": [round(t, 3) for t in warm],
            "package_bytes": package.stat().st_size,
            "package": package.name,
            "core_package_bytes": core.stat().st_size,
            "core_package": core.name,
            "build_warm_level19_seconds": round(level19, 3),
            "package_level19_bytes": package19.stat().st_size,
            "cpus": os.cpu_count(),
        }
    if args.json:
        print(json.dumps(figures, indent=2))
    else:
        print(f"package          {figures['package']}  {figures['package_bytes'] / 1e6:.2f} MB")
        print(f"core package     {figures['core_package']}  {figures['core_package_bytes'] / 1e6:.2f} MB")
        print(f"pin (warm uv)    {figures['pin_seconds_median']:.2f} s  (median of 3)")
        print(f"build, cold      {figures['build_cold_seconds']:.2f} s  (wheels from PyPI; both packages)")
        print(f"build, warm      {figures['build_warm_seconds_median']:.2f} s  (median of 5; both packages; "
              "target <= 2 s)")
        print(f"  --compression-level 19: {figures['build_warm_level19_seconds']:.2f} s, package "
              f"{figures['package_level19_bytes'] / 1e6:.2f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
