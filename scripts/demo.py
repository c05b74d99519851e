"""The main job, end to end, on the offline sample bundle.

pin examples/bundles/sample.json -> build the packages (ayon-publish, ayon-publish-core) -> verify
ayon-publish (py-rattler installs the file into a throwaway environment and runs its ``ayon``) ->
publish both to a local channel, out/demo/channel -> install ayon-publish from that channel with
py-rattler, as a worker would, and run ``ayon`` there, including the Deadline Cloud job's publish
step (``ayon addon deadline_cloud publish``) into the AYON stand-in (a local server with the sample
bundle, addons and project: the publish lands there as a new version, its frames in
out/demo/projects) -> resolve
the bundle's exact package in the channel, as a job submission does -> two Deadline Cloud sessions
run locally by openjd-cli: channel/queue-environment.yaml installs that package (then reuses the
environment) and the job runs ``ayon --version`` and ``--self-check``. Then option C:
ayon-publish-core (ayon-core alone) is installed, the bundle's addons are uploaded to S3 (moto's
server on 127.0.0.1 stands in for AWS), and activating the environment as a Deadline Cloud session
would syncs them, so the same publish runs with the synced addons and adds the next versions.

python and the lock's run requirements (boto3, for ayon-publish-core) come from a local channel
that ``ayon-conda local-channel`` makes from the running interpreter and PyPI wheels (conda-forge
may be out of reach); pass ``--channel conda-forge`` to use the real one (option C then needs moto
installed). Everything is written to out/demo.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ayon_conda.dev.ayon_standin import AyonStandIn

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "out" / "demo"


def step(title: str) -> None:
    print(f"\n=== {title}", flush=True)


def shown(arg: str | Path) -> str:
    """An argument as the printed command has it: paths below the repository relative to it."""
    if isinstance(arg, Path) and arg.is_relative_to(ROOT):
        return arg.relative_to(ROOT).as_posix()
    return str(arg)


def run(cmd: list[str | Path], env: dict[str, str] | None = None, **kwargs) -> subprocess.CompletedProcess:
    """Print ``cmd`` as it can be pasted (from the repository root, .venv/bin on PATH), then run exactly that."""
    words = [shown(a) for a in cmd]
    assignments = [f"{k}={shlex.quote(v)}" for k, v in (env or {}).items()]
    print("$ " + " ".join([*assignments, shlex.join(words)]), flush=True)
    argv = [sys.executable, "-m", "ayon_conda", *words[1:]] if words[0] == "ayon-conda" else words
    return subprocess.run(argv, check=True, cwd=ROOT, env={**os.environ, **(env or {})}, **kwargs)


def ayon_conda(*args: str | Path) -> None:
    run(["ayon-conda", *args])


def ayon_conda_json(*args: str | Path) -> dict:
    return json.loads(run(["ayon-conda", *args, "--json"], stdout=subprocess.PIPE, text=True).stdout)


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

    print("Commands are shown as they run from the repository root with .venv/bin on PATH "
          "(source .venv/bin/activate).")
    bundle = ROOT / "examples/bundles/sample.json"
    channel = args.channel
    if channel:
        step("pin the sample bundle (its config, examples/bundles/sample.components.yaml, is found beside it)")
        pinned = ayon_conda_json("pin", bundle, "-o", lock, "--channel", channel)
    else:
        step("pin the sample bundle (its config is found beside it); its compiled run requirement (pillow) "
             "is recorded unchecked: conda-forge may be out of reach")
        ayon_conda_json("pin", bundle, "-o", lock, "--skip-run-check")
        step("make a local channel: python from this interpreter, the lock's run requirements from PyPI wheels")
        channel = ayon_conda_json("local-channel", OUT / "local-channel", "--lock", lock)["channel"]
        print(channel)
        step("pin again: pillow proven to install from the local channel (python narrows to this interpreter's)")
        pinned = ayon_conda_json("pin", bundle, "-o", lock, "--channel", channel)
    print(f"{shown(lock)}: {pinned['exact_spec']}")

    step("build the packages: ayon-publish and ayon-publish-core")
    ayon_conda("build", lock, "-o", dist)
    package = next((dist / "noarch").glob("ayon-publish-[0-9]*.conda"))
    core_package = next((dist / "noarch").glob("ayon-publish-core-*.conda"))

    step("verify: install the package file with py-rattler into a throwaway environment and run ayon")
    ayon_conda("verify", package, "--channel", channel)

    step("publish both packages to a local channel (append-only, indexed by py-rattler)")
    ayon_conda("publish", package, core_package, "--channel", channel_dir)

    step("install it from that channel with py-rattler, as a worker would, and run ayon")
    ayon_conda("verify", "--spec", pinned["spec"], "--channel", channel_dir, "--channel", channel, "--prefix", env_prefix)

    ayon = env_prefix / ("Scripts/ayon.exe" if os.name == "nt" else "bin/ayon")
    with site_running() as site:
        step("the Deadline Cloud job's publish step with the installed ayon, into the AYON stand-in")
        run([ayon, *PUBLISH_STEP])
        show_versions(site)

        step("submission: resolve the bundle's exact package in the channel")
        ayon_conda("resolve", ROOT / "examples/bundles/sample.json", "--channel", channel_dir)

        queue_session(channel_dir, channel)
        option_c(core_package, channel, site)

    step("done")
    print(f"packages: {shown(package)}\n          {shown(core_package)}\nchannel: {shown(channel_dir)}\n"
          f"environment: {shown(env_prefix)}")
    return 0


#: ``ayon`` arguments of the Deadline Cloud job's publish step, for the sample studio's project
PUBLISH_STEP = ["addon", "deadline_cloud", "publish", "-p", "sample_project", "-f", "/shots/sh010", "-t", "lighting",
                "-u", "sample-artist", "--product-base-type", "render", ROOT / "examples/publish/render"]


@contextmanager
def site_running() -> Iterator[AyonStandIn]:
    """The AYON stand-in serving the sample bundle, both sample addons and the sample project
    (project sample_project, folder /shots/sh010, task lighting, user sample-artist, publish root
    out/demo/projects); AYON_SERVER_URL and AYON_API_KEY point at it while it runs."""
    from ayon_conda.dev.ayon_standin.sample_site import sample_site

    bundle = json.loads((ROOT / "examples/bundles/sample.json").read_text())
    addons = [ROOT / "examples/addons/sample-ayon-core", ROOT / "examples/addons/sample-ayon-deadline-cloud"]
    saved = {k: os.environ.get(k) for k in ("AYON_SERVER_URL", "AYON_API_KEY")}
    with sample_site(bundle, addons, OUT / "projects") as site:
        step("an AYON stand-in runs while the demo does; the next commands use it through:")
        print(f"$ export AYON_SERVER_URL={site.url} AYON_API_KEY=<the stand-in's key>")
        os.environ.update({"AYON_SERVER_URL": site.url, "AYON_API_KEY": site.api_key})
        try:
            yield site
        finally:
            for key, value in saved.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value


def show_versions(site: AyonStandIn) -> None:
    """What the server now holds: every version of the sample project, with its files."""
    from ayon_conda.dev.ayon_standin.sample_site import PROJECT

    products = {p["id"]: p["name"] for p in site.store.entities(PROJECT, "product")}
    versions = {v["id"]: v for v in site.store.entities(PROJECT, "version")}
    for repre in site.store.entities(PROJECT, "representation"):
        version = versions[repre["versionId"]]
        print(f"server: {products[version['productId']]} v{version['version']:03d} by {version['author']}: "
              f"{repre['name']}, {len(repre['files'])} files in {shown(OUT / 'projects')}")


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
    wanted = ("Solved", "Creating the environment", "Created the environment", "Reusing the environment", "ayon-publish ")
    for _ in range(2):
        cmd = [Path(openjd), "run", job, "--environment", env_template, *(a for p in params for a in ("-p", p))]
        out = run(cmd, stdout=subprocess.PIPE, text=True).stdout
        for line in out.splitlines():
            text = line.split("\t", 1)[-1]
            if text.startswith(wanted):
                print(f"  {text}")


def option_c(core_package: Path, channel: str, site: AyonStandIn) -> None:
    """ayon-publish-core on a worker: addons synced from S3 when the environment is activated."""
    try:
        import moto  # noqa: F401 - the S3 stand-in
        from ayon_conda.dev.local_s3 import local_s3
    except ImportError:
        step("option C skipped: moto (the S3 stand-in) is not installed")
        return
    step("option C: install ayon-publish-core (ayon-core alone, with activation scripts)")
    prefix = OUT / "core-env"
    ayon_conda("verify", core_package, "--channel", channel, "--prefix", prefix)

    with local_s3("demo-studio") as endpoint:  # moto's endpoint and credentials: no real AWS account
        step("option C: an S3 stand-in (moto) runs while the demo does; the next commands use it through:")
        stand_in = {k: os.environ[k] for k in ("AWS_ENDPOINT_URL", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY",
                                               "AWS_DEFAULT_REGION")}
        print("$ export " + " ".join(f"{k}={shlex.quote(v)}" for k, v in stand_in.items()) + f"   # {endpoint}")
        step("option C: upload the bundle's addons to the studio's store (outside the job attachments root)")
        ayon_conda("addons", "upload", ROOT / "examples/bundles/sample.json", "--to",
                   "s3://demo-studio/ayon-addons", "--exclude", "maya", "--exclude", "applications")

        step("option C: activate as a Deadline Cloud session would (a strict shell), and publish with the synced addons")
        env = {"CONDA_PREFIX": str(prefix), "AYON_ADDONS_S3_URI": "s3://demo-studio/ayon-addons",
               "AYON_BUNDLE_NAME": "sample-bundle-1", "AYON_ADDONS_CACHE_DIR": str(OUT / "addon-cache")}
        activate = shown(prefix / "etc/conda/activate.d/ayon-publish-core.sh")
        publish = shlex.join([shown(prefix / "bin/ayon"), *map(shown, PUBLISH_STEP)])
        script = f"set -euo pipefail; source {activate}; echo AYON_ADDONS_DIR=$AYON_ADDONS_DIR; {publish}"
        for attempt in ("cold cache", "warm cache"):
            print(f"# {attempt}")
            run(["bash", "-c", script], env=env)
        print((OUT / "addon-cache" / "logs" / "activate.log").read_text(), end="")
        show_versions(site)


def _run() -> None:
    try:
        sys.exit(main())
    except subprocess.CalledProcessError as exc:
        sys.exit(exc.returncode)


if __name__ == "__main__":
    _run()
