"""Benchmark: pin and build the sample bundle; native against rattler-build on the same lock.

Reports pin time (median of 3, warm uv cache), warm build time (median of 5: sources and wheels
already in the download cache, so this is staging + metadata + compression), cold build time
(empty download cache: wheels come from PyPI), and the package sizes. A build writes both
packages of the lock (ayon-publish and ayon-publish-core), so its time is about twice one
package's. Each run is a fresh ``python -m ayon_conda`` process, as a user would run it.

Then native against rattler-build, side by side on the same lock (``--pairs`` pairs of runs,
alternating which goes first; the ratio is of the medians):

* with tests: ``ayon-conda build --backend rattler-build``, as users run it (the recipes'
  tests run, each build with an empty package cache of its own);
* without tests: what that does minus the tests: ``ayon-conda render``, then the backend's own
  command line for each recipe with ``--test skip``.

rattler-build is the executable on PATH if there is one, else the py-rattler-build module (the
figures say which). Its build and test environments come from a local channel (``ayon-conda
local-channel``): python made from this interpreter, the lock's pillow and boto3 from PyPI wheels. With
``AYON_CORE_SOURCE`` (an ayon-core checkout, e.g. a release tag unpacked) the same figures are
taken for a lock of that tree and the sample deadline_cloud addon under ``recipe/components.yaml``'s
rules (package size, file count, warm build time), and the comparison also runs on that lock; a
lock that cannot be pinned, or a comparison whose runs fail (e.g. compiled run requirements no
channel has), is reported, not measured.

    python bench/bench_build.py [--json] [--pairs N] [--channel URL]...
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from importlib.metadata import version
from pathlib import Path

from common import BUNDLE, CONFIG, ROOT
from ruamel.yaml import YAML


class RunFailed(Exception):
    """An ``ayon-conda`` or tool process failed; the message is its last line of output."""


def run(args: list[str], env: dict[str, str]) -> str:
    proc = subprocess.run(args, env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        lines = [line for line in (proc.stderr + proc.stdout).splitlines() if line.strip()]
        raise RunFailed(lines[-1] if lines else f"exit code {proc.returncode}")
    return proc.stdout


def ayon_conda(*args: str | Path, env: dict[str, str]) -> str:
    return run([sys.executable, "-m", "ayon_conda", *map(str, args), "--quiet"], env)


def timed(args: list[str | Path], env: dict[str, str]) -> float:
    start = time.perf_counter()
    ayon_conda(*args, env=env)
    return time.perf_counter() - start


# -- native against rattler-build ---------------------------------------------------------------
def local_channel(channel: Path, lock: Path, env: dict[str, str]) -> str:
    """python (this interpreter), the lock's run requirements (pillow) and boto3 (ayon-publish-core's)
    from PyPI wheels: ``ayon-conda local-channel``."""
    return json.loads(ayon_conda("local-channel", channel, "--lock", lock, "--requirement",
                                 f"boto3=={version('boto3')}", "--json", env=env))["channel"]


def rattler_build_without_tests(lock: Path, out: Path, channels: list[str], env: dict[str, str]) -> float:
    """``render``, then the backend's command line for each recipe with ``--test skip``."""
    from ayon_conda.build.backends.rattler_build import RattlerBuildBackend
    from ayon_conda.build.recipes import RenderedRecipes

    backend = RattlerBuildBackend()
    start = time.perf_counter()
    rendered = json.loads(ayon_conda("render", lock, "-o", out / "recipes", "--json", env=env))
    for i, recipe in enumerate(rendered["packages"]):
        recipes = RenderedRecipes(Path(recipe["dir"]), Path(recipe["rattler_build"]), Path(recipe["conda_build"]),
                                  Path(recipe["payload"]), tuple(recipe["payload_files"]))
        work = out / f"work-{i}"
        (work / "output").mkdir(parents=True)
        command = backend.command(recipes, work / "output", work, tuple(channels))
        command[command.index("--test") + 1] = "skip"
        run(command, {**env, **backend.environment(work)})
    return time.perf_counter() - start


def side_by_side(lock: Path, work: Path, channels: list[str], env: dict[str, str], pairs: int) -> dict:
    """Pairs of native and rattler-build runs on ``lock``, with and without the recipes' tests."""
    def native(i: int, label: str) -> float:
        return timed(["build", lock, "-o", work / f"native-{label}-{i}"], env)

    def with_tests(i: int) -> float:
        return timed(["build", lock, "-o", work / f"rattler-{i}", "--backend", "rattler-build",
                      *[arg for channel in channels for arg in ("-c", channel)]], env)

    def without_tests(i: int) -> float:
        return rattler_build_without_tests(lock, work / f"rattler-skip-{i}", channels, env)

    figures = {}
    for label, tool in (("with_tests", with_tests), ("without_tests", without_tests)):
        times: dict[str, list[float]] = {"native": [], "rattler_build": []}
        try:
            for i in range(pairs):
                order = [("native", lambda: native(i, label)), ("rattler_build", lambda: tool(i))]
                for name, step in order if i % 2 == 0 else reversed(order):
                    times[name].append(step())
        except RunFailed as exc:
            figures[label] = {"failed": str(exc)}
            continue
        medians = {k: statistics.median(v) for k, v in times.items()}
        figures[label] = {
            "native_seconds_median": round(medians["native"], 2),
            "rattler_build_seconds_median": round(medians["rattler_build"], 2),
            "ratio": round(medians["rattler_build"] / medians["native"], 1),
            "native_seconds_all": [round(t, 2) for t in times["native"]],
            "rattler_build_seconds_all": [round(t, 2) for t in times["rattler_build"]],
        }
    return figures


def real_core_lock(work: Path, env: dict[str, str]) -> Path:
    """A lock of ayon-core from ``AYON_CORE_SOURCE`` (its own version) and the sample
    deadline_cloud addon, pinned with ``recipe/components.yaml``'s rules (what it excludes and
    leaves out), the sources replaced by those paths. Its compiled run requirements are not
    proven installable (``--skip-run-check``): the recipes' tests find out, from the channels
    the comparison uses."""
    source = Path(os.environ["AYON_CORE_SOURCE"]).resolve()

    def version_of(tree: Path) -> str:
        found = re.search(r'^version\s*=\s*"([^"]+)"', (tree / "package.py").read_text(encoding="utf-8"), re.M)
        if found is None:
            raise RunFailed(f"{tree / 'package.py'}: no version = \"...\"")
        return found.group(1)

    sample_dc = ROOT / "examples/addons/sample-ayon-deadline-cloud"
    yaml = YAML(typ="safe")
    config = yaml.load((ROOT / "recipe/components.yaml").read_text(encoding="utf-8"))
    config["addons"]["core"]["source"] = {"path": str(source)}
    config["addons"]["deadline_cloud"]["source"] = {"path": str(sample_dc)}
    config["conda_names"] = str(ROOT / "recipe/conda-forge-names.yaml")
    yaml.dump(config, work / "real-components.yaml")
    bundle = json.loads(BUNDLE.read_text(encoding="utf-8"))
    bundle["addons"].update(core=version_of(source), deadline_cloud=version_of(sample_dc))
    (work / "real-bundle.json").write_text(json.dumps(bundle), encoding="utf-8")
    lock = work / "real.lock.json"
    ayon_conda("pin", work / "real-bundle.json", "--config", work / "real-components.yaml", "-o", lock,
               "--skip-run-check", env=env)
    return lock


def package_figures(lock: Path, work: Path, env: dict[str, str], runs: int = 5) -> dict:
    """Warm build time (median of ``runs``, after one that fills the cache), size and payload of
    both packages of ``lock``."""
    timed(["build", lock, "-o", work / "first"], env)
    warm = [timed(["build", lock, "-o", work / f"warm{i}"], env) for i in range(runs)]
    package = next((work / "warm0" / "noarch").glob("ayon-publish-[0-9]*.conda"))
    core = next((work / "warm0" / "noarch").glob("ayon-publish-core-*.conda"))
    files, unpacked = payload(package)
    return {"build_warm_seconds_median": round(statistics.median(warm), 3), "build_warm_seconds_all": [round(t, 3) for t in warm],
            "package": package.name, "package_bytes": package.stat().st_size, "package_files": files,
            "package_unpacked_bytes": unpacked, "core_package_bytes": core.stat().st_size}


def payload(package: Path) -> tuple[int, int]:
    """(files, bytes) of a package's payload."""
    from conda_package_streaming.package_streaming import stream_conda_component

    with open(package, "rb") as fh:
        members = [m for _, m in stream_conda_component(package, fh, "pkg") if m.isfile()]
    return len(members), sum(m.size for m in members)


def compare_backends(sample_lock: Path, work: Path, env: dict[str, str], pairs: int, extra: list[str]) -> dict:
    from ayon_conda.build.backends.rattler_build import RattlerBuildBackend

    program = RattlerBuildBackend().program
    channels = [local_channel(work / "channel", sample_lock, env), *extra]
    figures = {"rattler_build": "executable " + program[0] if len(program) == 1 else f"module rattler_build "
               f"(py-rattler-build {version('py-rattler-build')})", "pairs": pairs,
               "channels": channels, "sample": side_by_side(sample_lock, work / "sample", channels, env, pairs)}
    if os.environ.get("AYON_CORE_SOURCE"):
        try:
            lock = real_core_lock(work, env)
        except RunFailed as exc:
            figures["real_core"] = {"not_pinned": str(exc)}
        else:
            figures["real_core"] = side_by_side(lock, work / "real", channels, env, pairs)
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--pairs", type=int, default=5, help="pairs of native and rattler-build runs (0: skip them)")
    parser.add_argument("-c", "--channel", action="append", default=[], metavar="URL",
                        help="another channel for rattler-build's environments, after the local one (e.g. one "
                             "with a real tree's compiled run requirements); repeatable")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="ayon-conda-bench-") as tmp:
        work = Path(tmp)
        env = {**os.environ, "AYON_CONDA_CACHE_DIR": str(work / "cache")}
        env.pop("SOURCE_DATE_EPOCH", None)
        lock = work / "sample.lock.json"
        pin_args = ["pin", BUNDLE, "--config", CONFIG, "-o", lock, "--skip-run-check"]  # conda-forge: out of reach
        timed(pin_args, env)  # warms uv's cache
        pin_times = [timed(pin_args, env) for _ in range(3)]
        cold = timed(["build", lock, "-o", work / "cold"], env)
        warm = []
        for i in range(5):
            warm.append(timed(["build", lock, "-o", work / f"warm{i}"], env))
        package = next((work / "warm0" / "noarch").glob("ayon-publish-[0-9]*.conda"))
        core = next((work / "warm0" / "noarch").glob("ayon-publish-core-*.conda"))
        level19 = timed(["build", lock, "-o", work / "level19", "--compression-level", "19"], env)
        package19 = next((work / "level19" / "noarch").glob("ayon-publish-[0-9]*.conda"))
        figures: dict[str, object] = {
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
        if os.environ.get("AYON_CORE_SOURCE"):
            (work / "real").mkdir()
            try:
                figures["real_core_build"] = package_figures(real_core_lock(work / "real", env), work / "real", env)
            except RunFailed as exc:
                figures["real_core_build"] = {"failed": str(exc)}
        if args.pairs > 0:
            figures["backends"] = compare_backends(lock, work, env, args.pairs, args.channel)
        shutil.rmtree(work / "cache")
    if args.json:
        print(json.dumps(figures, indent=2))
        return 0
    print(f"package          {figures['package']}  {figures['package_bytes'] / 1e6:.2f} MB")
    print(f"core package     {figures['core_package']}  {figures['core_package_bytes'] / 1e6:.2f} MB")
    print(f"pin (warm uv)    {figures['pin_seconds_median']:.2f} s  (median of 3)")
    print(f"build, cold      {figures['build_cold_seconds']:.2f} s  (wheels from PyPI; both packages)")
    print(f"build, warm      {figures['build_warm_seconds_median']:.2f} s  (median of 5; both packages; target <= 2 s)")
    print(f"  --compression-level 19: {figures['build_warm_level19_seconds']:.2f} s, package "
          f"{figures['package_level19_bytes'] / 1e6:.2f} MB")
    real = figures.get("real_core_build")
    if real and "failed" in real:
        print(f"real ayon-core   {real['failed']}")
    elif real:
        print(f"real ayon-core   {real['package']}  {real['package_bytes'] / 1e6:.2f} MB ({real['package_files']} files, "
              f"{real['package_unpacked_bytes'] / 1e6:.1f} MB unpacked; target <= 6 MB)")
        print(f"  build, warm    {real['build_warm_seconds_median']:.2f} s  (median of 5; both packages; target <= 2 s)")
    backends = figures.get("backends")
    if backends:
        print(f"native against rattler-build ({backends['rattler_build']}), {backends['pairs']} pairs, "
              "both packages, medians; targets: 10x with tests, 3x without")
        for lock_name in ("sample", "real_core"):
            for label, result in backends.get(lock_name, {}).items():
                name = f"  {lock_name} {label.replace('_', ' ')}"
                if "ratio" in result:
                    print(f"{name:<28} native {result['native_seconds_median']:.2f} s, rattler-build "
                          f"{result['rattler_build_seconds_median']:.2f} s: {result['ratio']}x")
                else:
                    print(f"{name:<28} {next(iter(result.values()))}")
    return 0


if __name__ == "__main__":
    from ayon_conda.shutdown import exit_now

    exit_now(main())  # py-rattler ran (the local channel): see ayon_conda/shutdown.py
