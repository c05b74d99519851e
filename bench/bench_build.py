"""Benchmark: pin and build the sample bundle and, with AYON_CORE_SOURCE, real ayon-core.

Reports pin time (median of 3, warm uv cache), warm build time (median of 5: sources and wheels
already in the cache, so this is staging + metadata + compression), cold build time (empty
cache: wheels come from PyPI, vendored wheels are unpacked), the package sizes and file counts.
A build writes both packages of the lock (ayon-publish and ayon-publish-core), so its time is
about twice one package's. Each run is a fresh ``python -m ayon_conda`` process, as a user
would run it.

With ``AYON_CORE_SOURCE`` pointing at an unpacked ayon-core tag (its repository root, with
``package.py`` and ``client/``), the same figures are taken for a bundle of that ayon-core and
the sample deadline_cloud addon, pinned with ``recipe/components.yaml``'s rules (leave_out,
exclude) and ``--skip-run-check`` (conda-forge is not needed to time a build).

    python bench/bench_build.py [--json]
    AYON_CORE_SOURCE=/path/to/ayon-core-1.9.5 python bench/bench_build.py
"""

from __future__ import annotations

import argparse
import ast
import io
import json
import os
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BUNDLE = ROOT / "examples/bundles/sample.json"
CONFIG = ROOT / "examples/sample-components.yaml"
SAMPLE_DEADLINE_CLOUD = ROOT / "examples/addons/sample-ayon-deadline-cloud"


def timed(args: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "ayon_conda", *args, "--quiet"], check=True, env=env, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def payload(package: Path) -> tuple[int, int]:
    """(files, bytes) of a package's payload."""
    try:
        from compression import zstd
    except ImportError:
        from backports import zstd
    with zipfile.ZipFile(package) as zf:
        name = next(n for n in zf.namelist() if n.startswith("pkg-"))
        with tarfile.open(fileobj=io.BytesIO(zstd.decompress(zf.read(name)))) as tar:
            files = [m for m in tar.getmembers() if m.isfile()]
    return len(files), sum(m.size for m in files)


def real_inputs(source: Path, work: Path) -> tuple[Path, Path, list[str]]:
    """A bundle and component config for real ayon-core at ``source`` (+ the sample deadline_cloud)."""
    values = {n.targets[0].id: n.value for n in ast.parse((source / "package.py").read_text()).body
              if isinstance(n, ast.Assign) and isinstance(n.targets[0], ast.Name)}
    core = ast.literal_eval(values["version"])
    dc = ast.literal_eval(next(n.value for n in ast.parse((SAMPLE_DEADLINE_CLOUD / "package.py").read_text()).body
                               if isinstance(n, ast.Assign) and n.targets[0].id == "version"))
    from ruamel.yaml import YAML

    yaml = YAML()
    config = yaml.load((ROOT / "recipe/components.yaml").read_text())
    config["addons"]["core"]["source"] = {"path": str(source)}
    config["addons"]["deadline_cloud"]["source"] = {"path": str(SAMPLE_DEADLINE_CLOUD)}
    config["conda_names"] = str(ROOT / "recipe/conda-forge-names.yaml")
    config_path = work / "real-components.yaml"
    yaml.dump(config, config_path)
    bundle = work / "real-bundle.json"
    bundle.write_text(json.dumps({"name": f"real-core-{core}", "createdAt": "2026-11-20T10:00:00+00:00",
                                  "installerVersion": "1.5.4", "addons": {"core": core, "deadline_cloud": dc}}))
    return bundle, config_path, ["--skip-run-check"]


def measure(label: str, bundle: Path, config: Path, pin_extra: list[str], work: Path, *, level19: bool) -> dict:
    env = {**os.environ, "AYON_CONDA_CACHE_DIR": str(work / "cache")}
    env.pop("SOURCE_DATE_EPOCH", None)
    lock = work / "bundle.lock.json"
    pin_args = ["pin", str(bundle), "--config", str(config), "-o", str(lock), *pin_extra]
    timed(pin_args, env)  # warms uv's cache
    pin_times = [timed(pin_args, env) for _ in range(3)]
    cold = timed(["build", str(lock), "-o", str(work / "cold")], env)
    warm = [timed(["build", str(lock), "-o", str(work / f"warm{i}")], env) for i in range(5)]
    package = next((work / "warm0" / "noarch").glob("ayon-publish-[0-9]*.conda"))
    core = next((work / "warm0" / "noarch").glob("ayon-publish-core-*.conda"))
    files, unpacked = payload(package)
    figures = {
        "label": label,
        "pin_seconds_median": round(statistics.median(pin_times), 3),
        "build_cold_seconds": round(cold, 3),
        "build_warm_seconds_median": round(statistics.median(warm), 3),
        "build_warm_seconds_all": [round(t, 3) for t in warm],
        "package": package.name,
        "package_bytes": package.stat().st_size,
        "package_files": files,
        "package_unpacked_bytes": unpacked,
        "core_package": core.name,
        "core_package_bytes": core.stat().st_size,
    }
    if level19:
        figures["build_warm_level19_seconds"] = round(
            timed(["build", str(lock), "-o", str(work / "level19"), "--compression-level", "19"], env), 3)
        figures["package_level19_bytes"] = next((work / "level19" / "noarch").glob("ayon-publish-[0-9]*.conda")).stat().st_size
    shutil.rmtree(work / "cache")
    return figures


def report(f: dict) -> None:
    print(f"== {f['label']}")
    print(f"package          {f['package']}  {f['package_bytes'] / 1e6:.2f} MB "
          f"({f['package_files']} files, {f['package_unpacked_bytes'] / 1e6:.1f} MB unpacked)")
    print(f"core package     {f['core_package']}  {f['core_package_bytes'] / 1e6:.2f} MB")
    print(f"pin (warm uv)    {f['pin_seconds_median']:.2f} s  (median of 3)")
    print(f"build, cold      {f['build_cold_seconds']:.2f} s  (wheels from PyPI; both packages)")
    print(f"build, warm      {f['build_warm_seconds_median']:.2f} s  (median of 5; both packages; target <= 2 s)")
    if "build_warm_level19_seconds" in f:
        print(f"  --compression-level 19: {f['build_warm_level19_seconds']:.2f} s, package "
              f"{f['package_level19_bytes'] / 1e6:.2f} MB")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()
    results = []
    with tempfile.TemporaryDirectory(prefix="ayon-conda-bench-") as tmp:
        work = Path(tmp) / "sample"
        work.mkdir()
        results.append(measure("sample", BUNDLE, CONFIG, [], work, level19=True))
        if os.environ.get("AYON_CORE_SOURCE"):
            work = Path(tmp) / "real"
            work.mkdir()
            bundle, config, extra = real_inputs(Path(os.environ["AYON_CORE_SOURCE"]), work)
            results.append(measure(f"real ayon-core ({bundle.stem})", bundle, config, extra, work, level19=True))
    if args.json:
        print(json.dumps({"cpus": os.cpu_count(), "results": results}, indent=2))
    else:
        for figures in results:
            report(figures)
    return 0


if __name__ == "__main__":
    sys.exit(main())
