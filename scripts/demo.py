"""The main job, end to end, on the offline sample bundle.

pin examples/bundles/sample.json -> build the package -> verify it (py-rattler installs it into a
throwaway environment and runs its ``ayon``) -> publish it to a local channel, out/demo/channel
-> install it from that channel with py-rattler, as a worker would, and run ``ayon`` there,
including a sample farm publish.

python comes from a local channel made from the running interpreter (conda-forge may be out of
reach); pass ``--channel conda-forge`` to use the real one. Everything is written to out/demo.
"""

from __future__ import annotations

import argparse
import json
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


def ayon_conda_json(*args: str | Path) -> dict:
    cmd = [sys.executable, "-m", "ayon_conda", *map(str, args), "--json"]
    print("$ ayon-conda " + " ".join(map(str, args)), flush=True)
    return json.loads(subprocess.run(cmd, check=True, stdout=subprocess.PIPE, text=True).stdout)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--channel", help="channel for python (default: a local one from this interpreter)")
    args = parser.parse_args()

    if OUT.exists():
        shutil.rmtree(OUT)
    OUT.mkdir(parents=True)
    lock = OUT / "sample.lock.json"
    dist = OUT / "dist"
    channel_dir = OUT / "channel"
    env_prefix = OUT / "env"

    step("pin the sample bundle")
    pinned = ayon_conda_json("pin", ROOT / "examples/bundles/sample.json", "--config",
                             ROOT / "examples/sample-components.yaml", "-o", lock)
    print(f"{lock}: {pinned['exact_spec']}")

    step("build the package")
    ayon_conda("build", lock, "-o", dist)
    package = next((dist / "noarch").glob("*.conda"))

    channel = args.channel
    if not channel:
        step("make a local python channel from this interpreter")
        from ayon_conda.dev.python_channel import make_python_channel

        channel = make_python_channel(OUT / "python-channel")
        print(channel)

    step("verify: install the package file with py-rattler into a throwaway environment and run ayon")
    ayon_conda("verify", package, "--channel", channel)

    step("publish it to a local channel (append-only, indexed by py-rattler)")
    ayon_conda("publish", package, "--channel", channel_dir)

    step("install it from that channel with py-rattler, as a worker would, and run ayon")
    ayon_conda("verify", "--spec", pinned["spec"], "--channel", channel_dir, "--channel", channel, "--prefix", env_prefix)

    step("run a sample farm publish with the installed ayon")
    ayon = env_prefix / ("Scripts/ayon.exe" if os.name == "nt" else "bin/ayon")
    env = {**os.environ, "AYON_SAMPLE_REPORT_DIR": str(OUT / "publish-report")}
    job = ROOT / "examples/publish/sample-job.json"
    print(f"$ {ayon} publish {job} --targets farm", flush=True)
    subprocess.run([str(ayon), "publish", str(job), "--targets", "farm"], check=True, env=env)
    print(f"report: {OUT / 'publish-report' / 'publish-report.json'}")

    step("done")
    print(f"package: {package}\nchannel: {channel_dir}\nenvironment: {env_prefix}")
    return 0


def _run() -> None:
    try:
        sys.exit(main())
    except subprocess.CalledProcessError as exc:
        sys.exit(exc.returncode)


if __name__ == "__main__":
    from ayon_conda.shutdown import run_and_exit

    run_and_exit(_run)  # this process indexes the python channel with py-rattler: see shutdown.py
