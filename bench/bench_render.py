"""Benchmark: render the sample lock's conda recipes (``ayon-conda render``).

Reports the warm render time (median of 5: wheels already in the download cache, so this is
reading the templates, copying the payload and writing the recipes) and the size of what a
rendering holds (the payload is the wheels and addon sources the recipes build from). Each run
is a fresh ``python -m ayon_conda`` process, as a user would run it. Building with
rattler-build or conda-build is not measured here: neither tool can run on this benchmark's
reference machine (no conda-forge); ``pixi run ayon-conda build LOCK -o DIR --backend
rattler-build`` where it can.

    python bench/bench_render.py [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
from pathlib import Path

from bench_build import BUNDLE, CONFIG, timed


def tree_bytes(root: Path) -> int:
    return sum(p.stat().st_size for p in root.rglob("*") if p.is_file())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="ayon-conda-bench-") as tmp:
        work = Path(tmp)
        env = {**os.environ, "AYON_CONDA_CACHE_DIR": str(work / "cache")}
        lock = work / "sample.lock.json"
        timed(["pin", str(BUNDLE), "--config", str(CONFIG), "-o", str(lock)], env)
        cold = timed(["render", str(lock), "-o", str(work / "cold")], env)
        warm = [timed(["render", str(lock), "-o", str(work / f"warm{i}")], env) for i in range(5)]
        rendered = work / "warm0"  # one recipe directory per package of the lock
        figures = {
            "render_cold_seconds": round(cold, 3),
            "render_warm_seconds_median": round(statistics.median(warm), 3),
            "render_warm_seconds_all": [round(t, 3) for t in warm],
            "rendered_bytes": tree_bytes(rendered),
            "payload_bytes": sum(tree_bytes(d / "payload") for d in rendered.iterdir()),
            "cpus": os.cpu_count(),
        }
    if args.json:
        print(json.dumps(figures, indent=2))
    else:
        print(f"render, cold     {figures['render_cold_seconds']:.2f} s  (wheels from PyPI)")
        print(f"render, warm     {figures['render_warm_seconds_median']:.2f} s  (median of 5)")
        print(f"rendered size    {figures['rendered_bytes'] / 1e6:.2f} MB  (both packages; payloads "
              f"{figures['payload_bytes'] / 1e6:.2f} MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
