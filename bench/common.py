"""What the benchmarks share: running ayon-conda, building the sample bundle, timing commands."""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BUNDLE = ROOT / "examples/bundles/sample.json"
CONFIG = ROOT / "examples/bundles/sample.components.yaml"


def ayon_conda(*args: str | Path) -> str:
    """``ayon-conda ARGS`` in a process of this interpreter; its stdout."""
    return subprocess.run([sys.executable, "-m", "ayon_conda", *map(str, args)], check=True, capture_output=True,
                          text=True).stdout


def build_sample(work: Path) -> Path:
    """Pin and build the sample bundle into ``work/dist``; its ``noarch`` directory. The compiled
    run requirement is not checked against conda-forge (out of reach); see ``local_channel``."""
    ayon_conda("pin", BUNDLE, "--config", CONFIG, "-o", work / "sample.lock.json", "--skip-run-check", "-q")
    ayon_conda("build", work / "sample.lock.json", "-o", work / "dist", "-q")
    return work / "dist" / "noarch"


def local_channel(work: Path) -> str:
    """python (this interpreter) and the run requirements of ``build_sample``'s lock, made from PyPI
    wheels into ``work/local-channel`` (``ayon-conda local-channel``); its URL."""
    out = ayon_conda("local-channel", work / "local-channel", "--lock", work / "sample.lock.json", "--json")
    return json.loads(out)["channel"]


def timed(cmd: list[str], env: dict[str, str], expect: str = "") -> float:
    """Seconds ``cmd`` took; stops the benchmark when it fails or its output lacks ``expect``."""
    start = time.perf_counter()
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0 or expect not in proc.stdout:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{proc.stdout}\n{proc.stderr}")
    return elapsed


def summary(times: list[float]) -> dict[str, float]:
    ms = sorted(t * 1000 for t in times)
    return {"median_ms": round(statistics.median(ms)), "min_ms": round(ms[0]), "max_ms": round(ms[-1]), "runs": len(ms)}
