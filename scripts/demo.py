"""The main job, end to end, on the offline sample bundle.

pin examples/bundles/sample.json -> build the packages (ayon-publish, ayon-publish-core) -> verify
ayon-publish (py-rattler installs the file into a throwaway environment and runs its ``ayon``) ->
publish both to a local channel, out/demo/channel -> install ayon-publish from that channel with
py-rattler, as a worker would, and run ``ayon`` there, including the sample farm publish into the
AYON stand-in (a local server with the sample bundle, addons and project: the publish lands
there as a new version, its frames in out/demo/projects) -> resolve
the bundle's exact package in the channel, as a job submission does -> two Deadline Cloud sessions
run locally by openjd-cli: channel/queue-environment.yaml installs that package (then reuses the
environment) and the job runs ``ayon --version`` and ``--self-check``. Then option C:
ayon-publish-core (ayon-core alone) is installed, the bundle's addons are uploaded to S3 (moto's
server on 127.0.0.1 stands in for AWS), and activating the environment as a Deadline Cloud session
would syncs them, so the same farm publish runs with the synced addons.

python (and boto3, for ayon-publish-core) come from a local channel made from the running
interpreter and PyPI wheels (conda-forge may be out of reach); pass ``--channel conda-forge`` to
use the real one (option C then needs moto installed). Everything is written to out/demo.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import shutil
import subprocess
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ayon_conda.dev.ayon_standin import AyonStandIn

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

    step("build the packages: ayon-publish and ayon-publish-core")
    ayon_conda("build", lock, "-o", dist)
    package = next((dist / "noarch").glob("ayon-publish-[0-9]*.conda"))
    core_package = next((dist / "noarch").glob("ayon-publish-core-*.conda"))

    channel = args.channel
    if not channel:
        step("make a local python channel from this interpreter")
        from ayon_conda.dev.python_channel import make_python_channel

        channel = make_python_channel(OUT / "python-channel")
        print(channel)

    step("verify: install the package file with py-rattler into a throwaway environment and run ayon")
    ayon_conda("verify", package, "--channel", channel)

    step("publish both packages to a local channel (append-only, indexed by py-rattler)")
    ayon_conda("publish", package, core_package, "--channel", channel_dir)

    step("install it from that channel with py-rattler, as a worker would, and run ayon")
    ayon_conda("verify", "--spec", pinned["spec"], "--channel", channel_dir, "--channel", channel, "--prefix", env_prefix)

    ayon = env_prefix / ("Scripts/ayon.exe" if os.name == "nt" else "bin/ayon")
    with site_running() as site:
        step("the Deadline Cloud job's publish step with the installed ayon, into the AYON stand-in")
        farm_publish(site, ayon, os.environ)

        step("submission: resolve the bundle's exact package in the channel")
        ayon_conda("resolve", ROOT / "examples/bundles/sample.json", "--channel", channel_dir)

        queue_session(channel_dir, channel)
        option_c(core_package, channel if args.channel else None, site)

    step("done")
    print(f"packages: {package}\n          {core_package}\nchannel: {channel_dir}\nenvironment: {env_prefix}")
    return 0


@contextmanager
def site_running() -> Iterator[AyonStandIn]:
    """The AYON stand-in serving the sample bundle, both sample addons and the sample project
    (project sample_project, folder /shots/sh010, task lighting, user sample-artist), whose
    publish root is out/demo/projects."""
    from ayon_conda.dev.ayon_standin.sample_site import sample_site

    bundle = json.loads((ROOT / "examples/bundles/sample.json").read_text())
    addons = [ROOT / "examples/addons/sample-ayon-core", ROOT / "examples/addons/sample-ayon-deadline-cloud"]
    with sample_site(bundle, addons, OUT / "projects") as site:
        print(f"AYON stand-in at {site.url}")
        yield site


def farm_publish(site: AyonStandIn, ayon: Path, base_env: Mapping[str, str]) -> None:
    """``ayon addon deadline_cloud publish`` of the sample render, then what the server holds."""
    from ayon_conda.dev.ayon_standin.sample_site import FOLDER, PROJECT, TASK, USER

    env = {**base_env, "AYON_SERVER_URL": site.url, "AYON_API_KEY": site.api_key}
    args = ["addon", "deadline_cloud", "publish", "-p", PROJECT, "-f", FOLDER, "-t", TASK, "-u", USER,
            "--product-base-type", "render", str(ROOT / "examples/publish/render")]
    print(f"$ AYON_SERVER_URL={site.url} AYON_API_KEY=... {ayon} {shlex.join(args)}", flush=True)
    subprocess.run([str(ayon), *args], check=True, env=env)
    versions = site.store.entities(PROJECT, "version")
    products = {p["id"]: p["name"] for p in site.store.entities(PROJECT, "product")}
    for repre in site.store.entities(PROJECT, "representation"):
        version = next(v for v in versions if v["id"] == repre["versionId"])
        print(f"server: {products[version['productId']]} v{version['version']:03d} by {version['author']}, "
              f"{repre['name']}: {len(repre['files'])} files")
    print(f"files: {OUT / 'projects'}")


def queue_session(channel_dir: Path, python_channel: str) -> None:
    """A Deadline Cloud session run locally by openjd-cli: channel/queue-environment.yaml installs
    the bundle's exact package (CondaPackages as a job submission sets it), the job runs ayon;
    the second session reuses the environment."""
    from ayon_publish_submit import queue_parameters

    openjd = shutil.which("openjd", path=str(Path(sys.executable).parent)) or shutil.which("openjd")
    if not openjd:
        step("queue environment skipped: openjd-cli is not installed")
        return
    bundle = json.loads((ROOT / "examples/bundles/sample.json").read_text())
    values = queue_parameters(bundle, f"{channel_dir.as_uri()} {python_channel}")
    step("Deadline Cloud: two sessions with channel/queue-environment.yaml run ayon (openjd run)")
    job, env_template = "channel/examples/check-ayon/template.yaml", "channel/queue-environment.yaml"
    params = [f"CondaPackages={values['CondaPackages']}", f"CondaChannels={values['CondaChannels']}",
              f"CondaEnvCacheDir={OUT / 'queue-env-cache'}"]
    shown = ("Solved", "Creating the environment", "Created the environment", "Reusing the environment", "ayon-publish ")
    for _ in range(2):
        print(f"$ openjd run {job} --environment {env_template} " + " ".join(f"-p '{p}'" for p in params), flush=True)
        cmd = [openjd, "run", job, "--environment", env_template, *(a for p in params for a in ("-p", p))]
        out = subprocess.run(cmd, check=True, stdout=subprocess.PIPE, text=True, cwd=ROOT).stdout
        for line in out.splitlines():
            text = line.split("\t", 1)[-1]
            if text.startswith(shown):
                print(f"  {text}")


def option_c(core_package: Path, channel: str | None, site: AyonStandIn) -> None:
    """ayon-publish-core on a worker: addons synced from S3 when the environment is activated."""
    try:
        import moto  # noqa: F401 - the S3 stand-in
        from ayon_conda.dev.local_s3 import local_s3
    except ImportError:
        step("option C skipped: moto (the S3 stand-in) is not installed")
        return
    if channel is None:
        step("option C: add boto3 (ayon-publish-core's run requirement) to the local channel, from PyPI wheels")
        from importlib.metadata import version

        from ayon_conda.dev.wheel_channel import add_wheel_packages

        add_wheel_packages(OUT / "python-channel", [f"boto3=={version('boto3')}"])
        channel = (OUT / "python-channel").as_uri()

    step("option C: install ayon-publish-core (ayon-core alone, with activation scripts)")
    prefix = OUT / "core-env"
    ayon_conda("verify", core_package, "--channel", channel, "--prefix", prefix)

    with local_s3("demo-job-attachments"):  # moto's endpoint and credentials: no real AWS account
        step("option C: upload the bundle's addons to the queue's job attachments bucket")
        ayon_conda("addons", "upload", ROOT / "examples/bundles/sample.json", "--config",
                   ROOT / "examples/sample-components.yaml", "--to", "s3://demo-job-attachments/DeadlineCloud/ayon",
                   "--exclude", "maya", "--exclude", "applications")

        step("option C: activate as a Deadline Cloud session would, and publish with the synced addons")
        env = {**os.environ, "CONDA_PREFIX": str(prefix), "DEADLINE_JA_S3_BUCKET": "demo-job-attachments",
               "DEADLINE_JA_ROOT_PREFIX": "DeadlineCloud", "AYON_BUNDLE_NAME": "sample-bundle-1",
               "AYON_ADDONS_CACHE_DIR": str(OUT / "addon-cache")}
        script = (f'source "{prefix}/etc/conda/activate.d/ayon-publish-core.sh" || exit 1\n'
                  'echo "AYON_ADDONS_DIR=$AYON_ADDONS_DIR"\n'
                  'env -0 > "$1"')
        dump = OUT / "core-env.activated"
        print("$ source .../activate.d/ayon-publish-core.sh", flush=True)
        subprocess.run(["bash", "-c", script, "activate", str(dump)], check=True, env=env)
        activated = dict(item.split("=", 1) for item in dump.read_text().split("\0") if "=" in item)
        print((OUT / "addon-cache" / "logs" / "activate.log").read_text(), end="")
        step("option C: the same publish step, with the deadline_cloud addon synced from S3")
        farm_publish(site, prefix / "bin" / "ayon", activated)


def _run() -> None:
    try:
        sys.exit(main())
    except subprocess.CalledProcessError as exc:
        sys.exit(exc.returncode)


if __name__ == "__main__":
    from ayon_conda.shutdown import run_and_exit

    run_and_exit(_run)  # this process indexes the python channel with py-rattler: see shutdown.py
