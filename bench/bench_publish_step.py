"""Benchmark: the publish step's session, with a new and with a reused ayon-publish environment.

Builds the sample bundle's ayon-publish, publishes it to moto's S3 server on 127.0.0.1, makes a
job shaped like the AYON Deadline Cloud addon's (a render step, then "publish to AYON", whose
script runs ``ayon --version``), adds the publish step's environment with
``add_publish_step_environment`` and times ``openjd run --step "publish to AYON"`` (the step's
whole session: enter the environment, run the task, exit) on one node cache:

* new environment, cold node: nothing cached (index, packages, environment);
* new environment, packages on the node: the environment was removed, the packages were not
  (another bundle's build of the same libraries, or a cleaned-up environment);
* reused environment: what every later publish step of the bundle on that node costs;
* for scale, the session of the render step, which has no environment (openjd's own cost).

py-rattler comes from this interpreter (pip installing it into the cache is a one-time cost per
node and Python: bench/bench_queue_env.py --bootstrap). Only ayon-publish comes from S3; python
is a local channel made from this interpreter. moto on loopback has no latency.

    python bench/bench_publish_step.py [--runs 5] [--json]
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import shutil
import sys
import tempfile
from pathlib import Path

import yaml

from common import BUNDLE, ROOT, ayon_conda, build_sample, local_channel, summary, timed

sys.path.insert(0, str(ROOT / "tests"))
BIN = Path(sys.executable).parent
STEP = "publish to AYON"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5, help="runs of each measurement")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()

    from ayon_publish_submit import add_publish_step_environment
    from support.addon_job import add_publishing_step, submitter_job
    from support.s3 import start_moto

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    moto = start_moto()
    try:
        with tempfile.TemporaryDirectory(prefix="ayon-conda-bench-publish-step-") as tmp:
            work = Path(tmp)
            print("setting up: pin, build, python channel, publish to moto ...", file=sys.stderr)
            package = next(build_sample(work).glob("ayon-publish-1*.conda"))
            python_channel = local_channel(work)
            env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "CONDA"))}
            env.update({"AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench", "AWS_DEFAULT_REGION": "us-east-1",
                        "AWS_ENDPOINT_URL": moto.endpoint_url, "AWS_CONFIG_FILE": os.devnull,
                        "AWS_SHARED_CREDENTIALS_FILE": os.devnull, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}"})
            os.environ.update({k: env[k] for k in env if k.startswith("AWS_")})
            channel = f"s3://{moto.new_bucket('bench-conda')}/ayon"
            ayon_conda("publish", package, "--channel", channel, "-q")

            cache = work / "node-cache"
            job = add_publishing_step(submitter_job(["true"]), "bench", "#!/bin/bash\nset -e\nayon --version\n")
            add_publish_step_environment(job, json.loads(BUNDLE.read_text()), [channel, python_channel],
                                         cache=work / "submit-cache", cache_dir=str(cache))
            template = work / "job" / "template.yaml"
            template.parent.mkdir()
            template.write_text(yaml.safe_dump(job, sort_keys=False))
            run = [str(BIN / "openjd"), "run", str(template), "--step", STEP, "--no-run-dependencies"]

            cold, new_env = [], []
            for _ in range(args.runs):
                shutil.rmtree(cache, ignore_errors=True)
                cold.append(timed(run, env, "Creating the environment"))
            for _ in range(args.runs):
                shutil.rmtree(cache / "envs")
                new_env.append(timed(run, env, "Creating the environment"))
            reused = [timed(run, env, "Reusing the environment") for _ in range(args.runs)]
            render = [str(BIN / "openjd"), "run", str(template), "--step", "Render"]
            baseline = [timed(render, env, "Running step 'Render'") for _ in range(args.runs)]
            size = sum(f.stat().st_size for f in (cache / "envs").rglob("*") if f.is_file() and not f.is_symlink())
            figures = {"cpus": os.cpu_count(), "package_mb": round(package.stat().st_size / 1e6, 2),
                       "environment_mb": round(size / 1e6, 1), "new_cold_node": summary(cold),
                       "new_packages_on_node": summary(new_env), "reused": summary(reused),
                       "openjd_session_without_environment": summary(baseline)}
    finally:
        moto.server.stop()
    if args.json:
        print(json.dumps(figures, indent=2))
        return 0
    print(f"publish step session (openjd run --step '{STEP}'), {figures['package_mb']} MB package, "
          f"{figures['environment_mb']} MB environment")
    for label, key in [("new environment, cold node", "new_cold_node"),
                       ("new environment, packages on the node", "new_packages_on_node"),
                       ("reused environment", "reused"),
                       ("for scale: a step without environment", "openjd_session_without_environment")]:
        s = figures[key]
        print(f"  {label:40} median {s['median_ms']:6} ms  min {s['min_ms']:6} ms  max {s['max_ms']:6} ms  ({s['runs']} runs)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
