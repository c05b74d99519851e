"""The main job, end to end, on the offline sample bundle.

pin examples/bundles/sample.json -> build the package -> verify it: py-rattler installs it into
a fresh environment and its ``ayon`` runs there, including a sample farm publish -> resolve the
bundle's exact package in the output directory indexed as a channel, as a job submission does.

python comes from a local channel made from the running interpreter (conda-forge may be out of
reach); pass ``--channel conda-forge`` to use the real one. Everything is written to out/demo.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "out" / "demo"


def step(title: str) -> None:
    print(f"\n=== {title}", flush=True)


def ayon_conda(*args: str | Path) -> None:
    cmd = [sys.executable, "-m", "ayon_conda", *map(str, args)]
    print("$ ayon-conda " + " ".join(map(str, args)), flush=True)
    subprocess.run(cmd, check=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--channel", help="channel for python (default: a local one from this interpreter)")
    args = parser.parse_args()

    if OUT.exists():
        shutil.rmtree(OUT)
    OUT.mkdir(parents=True)
    lock = OUT / "sample.lock.json"
    dist = OUT / "dist"
    env_prefix = OUT / "env"

    step("pin the sample bundle")
    ayon_conda("pin", ROOT / "examples/bundles/sample.json", "--config", ROOT / "examples/sample-components.yaml", "-o", lock)

    step("build the package")
    ayon_conda("build", lock, "-o", dist)
    package = next((dist / "noarch").glob("*.conda"))

    channel = args.channel
    if not channel:
        step("make a local python channel from this interpreter")
        from ayon_conda.dev.python_channel import make_python_channel

        channel = make_python_channel(OUT / "python-channel")
        print(channel)

    step("verify: install with py-rattler into a fresh environment and run ayon")
    ayon_conda("verify", package, "--channel", channel, "--prefix", env_prefix)

    step("run a sample farm publish with the installed ayon")
    ayon = env_prefix / ("Scripts/ayon.exe" if os.name == "nt" else "bin/ayon")
    env = {**os.environ, "AYON_SAMPLE_REPORT_DIR": str(OUT / "publish-report")}
    job = ROOT / "examples/publish/sample-job.json"
    print(f"$ {ayon} publish {job} --targets farm", flush=True)
    subprocess.run([str(ayon), "publish", str(job), "--targets", "farm"], check=True, env=env)
    print(f"report: {OUT / 'publish-report' / 'publish-report.json'}")

    step("submission: index dist/ as a channel and resolve the bundle's exact package in it")
    import asyncio

    from rattler.index import index_fs

    asyncio.run(index_fs(dist))
    ayon_conda("resolve", ROOT / "examples/bundles/sample.json", "--channel", dist)

    step("done")
    print(f"package: {package}\nenvironment: {env_prefix}")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except subprocess.CalledProcessError as exc:
        sys.exit(exc.returncode)
