"""``add_publish_step_environment``: the publish step of an addon-shaped job gets the bundle's exact
ayon-publish, and the other steps nothing. Run for real with ``openjd run`` (a render step, then
"publish to AYON") against a moto S3 channel, with no queue environment and with ours in front."""

from __future__ import annotations

import ast
import copy
import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from ayon_publish_submit import UserError, add_publish_step_environment, conda_session
from ayon_publish_submit.openjd_environment import SCRIPT, compact, session_script
from ayon_publish_submit.publish_step import ADDONS_CACHE_VAR, ADDONS_S3_URI_VAR, BUNDLE_VAR, ENVIRONMENT
from conftest import SAMPLE_BUNDLE, run_cli
from support import openjd
from support.addon_job import add_publishing_step, submitter_job
from support.channels import FakePackage, directory_channel, published_channel
from support.openjd import QUEUE_ENV, AwsProfile, session_env

BUNDLE = {"name": "prod-2026-10", "addons": {"core": "1.9.0", "deadline_cloud": "0.2.0", "maya": "0.4.10"}}
PACKAGES = [FakePackage({"core": "1.9.0", "deadline_cloud": "0.2.0"}, build_number=n) for n in range(3)]
SHOW = "import os, shutil; print('%s: ayon=%s CONDA_PREFIX=%s PATH=%s' % ({!r}, shutil.which('ayon'), " \
       "os.environ.get('CONDA_PREFIX'), os.environ.get('PATH')))"
PUBLISH_SCRIPT = f"""#!/bin/bash
set -euo pipefail
python -c "{SHOW.format('publish')}"
echo "bundle: $AYON_BUNDLE_NAME"
ayon --version
"""


def packages(environment: dict) -> str:
    """The specs the environment installs (the argument after ``enter``)."""
    args = environment["script"]["actions"]["onEnter"]["args"]
    return args[args.index("enter") + 1]


def addon_job() -> dict:
    return add_publishing_step(submitter_job([sys.executable, "-c", SHOW.format("render")]), BUNDLE["name"], PUBLISH_SCRIPT)


@pytest.fixture(scope="module")
def channel(moto_s3):
    return published_channel(moto_s3, PACKAGES)


def test_the_publish_step_gets_the_exact_build_and_nothing_else_changes(channel, tmp_path: Path):
    job = addon_job()
    before = copy.deepcopy(job)
    env = add_publish_step_environment(job, BUNDLE, [channel.s3, "conda-forge"], endpoint_url=channel.endpoint_url,
                                       cache=tmp_path)
    exact = f"ayon-publish==1.9.0[build={PACKAGES[-1].lock().pin.build}]"
    assert job["steps"][0] == before["steps"][0]  # the render step is untouched
    assert {k: v for k, v in job.items() if k != "steps"} == {k: v for k, v in before.items() if k != "steps"}
    publish = job["steps"][1]
    assert publish["stepEnvironments"][:2] == before["steps"][1]["stepEnvironments"]  # the addon's own, first
    assert publish["stepEnvironments"][2] is env and env["name"] == ENVIRONMENT
    assert env["variables"] == {BUNDLE_VAR: BUNDLE["name"]}
    enter, leave = env["script"]["actions"]["onEnter"], env["script"]["actions"]["onExit"]
    python = ["-c", 'exec "${AYON_CONDA_PYTHON:-python}" "$@"', "python"]  # the queue environment's Python
    assert enter == {"command": "bash", "args": [*python, "{{Env.File.CondaSession}}", "enter", exact,
                                                 f"{channel.s3} conda-forge", "Strict", ""]}
    assert leave == {"command": "bash", "args": [*python, "{{Env.File.CondaSession}}", "exit", "", "30"]}
    assert conda_session.PYTHON == "AYON_CONDA_PYTHON"
    assert env["script"]["embeddedFiles"][0]["data"] == session_script()
    assert exact in env["description"]

    again = add_publish_step_environment(job, BUNDLE, [channel.s3, "conda-forge"], endpoint_url=channel.endpoint_url,
                                         cache=tmp_path, keep_days=0, python="/opt/python3.11/bin/python")
    assert again["script"]["actions"]["onExit"] == {"command": "/opt/python3.11/bin/python",
                                                    "args": ["{{Env.File.CondaSession}}", "exit", "", "0"]}
    assert [e["name"] for e in publish["stepEnvironments"]] == ["CondaEnv", "AYONEnv", ENVIRONMENT]  # replaced
    assert publish["stepEnvironments"][2] is again


def test_the_job_passes_openjd_check(channel, tmp_path: Path):
    job = addon_job()
    add_publish_step_environment(job, BUNDLE, [channel.s3, "conda-forge"], endpoint_url=channel.endpoint_url,
                                 cache=tmp_path, addons_s3_uri="s3://ja-bucket/root/ayon", addons_cache_dir="/var/cache/ayon")
    template = tmp_path / "template.yaml"
    template.write_text(yaml.safe_dump(job, sort_keys=False))
    result = openjd.openjd("check", template)
    assert result.returncode == 0 and "passes validation checks" in result.stdout, result.stdout


def test_option_c_sets_what_the_addon_sync_reads(channel, tmp_path: Path):
    from ayon_publish import addon_sync

    assert (BUNDLE_VAR, ADDONS_S3_URI_VAR, ADDONS_CACHE_VAR) == (addon_sync.BUNDLE_VAR, addon_sync.URI_VAR, addon_sync.CACHE_VAR)
    core = directory_channel(tmp_path / "core-channel", [FakePackage({"core": "1.9.0"}, name="ayon-publish-core")])
    job = addon_job()
    env = add_publish_step_environment(job, BUNDLE, [core, "conda-forge"], name="ayon-publish-core", bake=["core"],
                                       addons_s3_uri="s3://ja-bucket/root/ayon", addons_cache_dir="/var/cache/ayon",
                                       cache=tmp_path)
    assert env["variables"] == {"AYON_BUNDLE_NAME": "prod-2026-10", "AYON_ADDONS_S3_URI": "s3://ja-bucket/root/ayon",
                                "AYON_ADDONS_CACHE_DIR": "/var/cache/ayon"}
    assert packages(env).startswith("ayon-publish-core==1.9.0[build=")


def test_without_boto3_the_spec_of_every_build_is_pinned(channel, tmp_path: Path):
    code = ("import importlib.util, json, sys\n"
            "orig = importlib.util.find_spec\n"
            "importlib.util.find_spec = lambda name, *a: None if name == 'boto3' else orig(name, *a)\n"
            "from ayon_publish_submit import add_publish_step_environment\n"
            "job = {'steps': [{'name': 'publish to AYON'}]}\n"
            f"env = add_publish_step_environment(job, {BUNDLE!r}, [{channel.s3!r}, 'conda-forge'], cache={str(tmp_path)!r})\n"
            "args = env['script']['actions']['onEnter']['args']\n"
            "print(args[args.index('enter') + 1])\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == f"ayon-publish==1.9.0[build={PACKAGES[0].lock().pin.build_prefix}_*]"


def test_bad_input_is_one_line_and_leaves_the_job_alone(channel, tmp_path: Path):
    job = addon_job()
    before = copy.deepcopy(job)
    cases = [
        (dict(step="Publish"), "job template: has no step named 'Publish' (steps: Render, publish to AYON); "
                               "add the AYON Deadline Cloud addon's publish step first, or name the step that publishes"),
        (dict(channels=["conda-forge"]), "CondaChannels: 'conda-forge' has no s3://, https:// or file:// channel"),
        (dict(bundle={"name": "old", "addons": {"core": "1.8.0", "deadline_cloud": "0.2.0"}}),
         f"{channel.s3}: no package for bundle 'old'"),
        (dict(channel_priority="Sometimes"), "channel priority: 'Sometimes' is not one of Strict, Disabled"),
        (dict(keep_days=-1), "keep_days: -1 is not a whole number of days"),
        (dict(python="{{Param.Evil}}"), "python: '{{Param.Evil}}' holds '{{' or '}}'"),
        (dict(bundle={"name": "b", "addons": {"deadline_cloud": "0.2.0"}}), "bundle 'b': has no 'core' addon"),
    ]
    for change, message in cases:
        args = {"bundle": BUNDLE, "channels": [channel.s3, "conda-forge"], "endpoint_url": channel.endpoint_url,
                "cache": tmp_path, **change}
        with pytest.raises(UserError) as raised:
            add_publish_step_environment(job, args.pop("bundle"), args.pop("channels"), **args)
        assert str(raised.value).startswith(message) and "\n" not in str(raised.value), str(raised.value)
    assert job == before


def test_the_compacted_script_is_the_source_less_docstrings():
    source = SCRIPT.read_text(encoding="utf-8")
    tree = ast.parse(source)
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if isinstance(body, list) and body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
                and isinstance(body[0].value.value, str) and not isinstance(node, (ast.If, ast.For, ast.While, ast.With, ast.Try)):
            node.body = body[1:]
    compacted = session_script()
    assert ast.dump(ast.parse(compacted)) == ast.dump(tree)
    assert len(compacted) < len(source) * 0.75 and "{{" not in compacted
    with pytest.raises(ValueError, match="line 2: a multi-line string would lose its indentation"):
        compact('x = 1\ny = """a\nb"""\n')


# -- openjd run: render, then "publish to AYON" -----------------------------------------------------
@pytest.fixture(scope="module")
def s3_channel(moto_s3, sample_package: Path) -> str:
    url = f"s3://{moto_s3.new_bucket('studio-conda')}/ayon"
    run_cli("publish", sample_package, "--channel", url, "--endpoint-url", moto_s3.endpoint_url, "-q")
    return url


def run_job(job: dict, tmp_path: Path, env: dict, environments=(), **params) -> subprocess.CompletedProcess:
    template = tmp_path / "job" / "template.yaml"
    template.parent.mkdir(exist_ok=True)
    template.write_text(yaml.safe_dump(job, sort_keys=False))
    return openjd.run(template, params, env, environments=environments)


def shown(output: str, step: str) -> dict[str, str]:
    line = next(line for line in output.splitlines() if f"{step}: ayon=" in line)
    fields = line.split(f"{step}: ", 1)[1]
    ayon, rest = fields.split(" CONDA_PREFIX=", 1)
    prefix, path = rest.split(" PATH=", 1)
    return {"ayon": ayon.removeprefix("ayon="), "CONDA_PREFIX": prefix, "PATH": path}


@pytest.mark.network
@pytest.mark.parametrize("queue_environment", [False, True], ids=["no-queue-environment", "our-queue-environment"])
def test_openjd_run_installs_ayon_publish_for_the_publish_step_only(
        queue_environment: bool, s3_channel, python_channel, moto_s3, sample_package: Path, tmp_path: Path):
    cache = tmp_path / "node-cache"
    job = addon_job()
    add_publish_step_environment(job, json.loads(SAMPLE_BUNDLE.read_text()), [s3_channel, python_channel],
                                 endpoint_url=moto_s3.endpoint_url, cache=tmp_path / "submit-cache", cache_dir=str(cache))
    worker = session_env(AwsProfile.make(tmp_path / "aws"), moto_s3.endpoint_url)
    params = {"CondaPackages": "python", "CondaChannels": python_channel, "CondaEnvCacheDir": cache} if queue_environment else {}
    result = run_job(job, tmp_path, worker, [QUEUE_ENV] if queue_environment else [], **params)
    assert result.returncode == 0, result.stdout

    render, publish = shown(result.stdout, "render"), shown(result.stdout, "publish")
    assert render["ayon"] == "None"  # no ayon where the DCC renders
    name, version, build = sample_package.name.removesuffix(".conda").rsplit("-", 2)
    assert f"\t{name} {version} {build}\n" in result.stdout  # `ayon --version`: the exact build
    assert "bundle: sample-bundle-1" in result.stdout
    publish_prefix = Path(publish["CONDA_PREFIX"])
    assert publish["ayon"] == str(publish_prefix / "bin" / "ayon") and publish_prefix.parent == cache / "envs"
    if queue_environment:
        render_prefix = Path(render["CONDA_PREFIX"])
        assert render_prefix.parent == cache / "envs" and render_prefix != publish_prefix
        assert str(render_prefix / "bin") not in publish["PATH"].split(":")  # the queue's environment deactivated
    else:
        assert render["CONDA_PREFIX"] == "None"
    # a second job on the node reuses the publish environment
    again = run_job(job, tmp_path, worker, [QUEUE_ENV] if queue_environment else [], **params)
    assert again.returncode == 0 and f"Reusing the environment {publish_prefix}" in again.stdout, again.stdout
