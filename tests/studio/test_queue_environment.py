"""channel/queue-environment.yaml run for real with openjd-cli: ayon-publish installed by py-rattler
from a moto S3 channel (read with a credential_process profile, as a Deadline Cloud session reads
with the queue role) plus the local python channel; reused on the node, activated (ayon-publish-
core's addon sync runs), exported to the session's tasks, and removed when unused for long. The
template's environment is generated from the session script (ayon_publish_submit.conda_session)."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from ayon_publish_submit.submission import queue_parameters
from conftest import SAMPLE_BUNDLE, SAMPLE_CONFIG, run_cli
from support import openjd
from support.openjd import BUILD_JOB, CHECK_JOB, QUEUE_ENV, TEST_JOBS, AwsProfile, session_env
from support.sample_publish import FOLDER, PROJECT, RENDER, TASK, USER, assert_published, publish_env, running_site
from support.vermin import python_3_9_violations

NETWORK = pytest.mark.network  # the sample packages are built from PyPI wheels; pip installs py-rattler
SHOW_ENV = TEST_JOBS / "show-env-job.yaml"
PUBLISH = TEST_JOBS / "publish-job.yaml"
SCRIPT = openjd.embedded_file(QUEUE_ENV, "CondaSession")
BUNDLE = json.loads(SAMPLE_BUNDLE.read_text())


@pytest.fixture(scope="module")
def s3_channel(moto_s3, sample_package: Path, sample_core_package: Path) -> str:
    """ayon-publish and ayon-publish-core published to a moto bucket with ``ayon-conda publish``."""
    url = f"s3://{moto_s3.new_bucket('studio-conda')}/ayon"
    run_cli("publish", sample_package, sample_core_package, "--channel", url, "--endpoint-url", moto_s3.endpoint_url, "-q")
    return url


@pytest.fixture(scope="module")
def conda_packages(s3_channel: str, python_channel: str, moto_s3) -> str:
    """``CondaPackages`` as a job submission computes it for the sample bundle."""
    return queue_parameters(BUNDLE, f"{s3_channel} {python_channel}", endpoint_url=moto_s3.endpoint_url)["CondaPackages"]


@pytest.fixture
def profile(tmp_path: Path) -> AwsProfile:
    return AwsProfile.make(tmp_path / "aws")


@pytest.fixture
def worker(profile: AwsProfile, moto_s3) -> dict[str, str]:
    return session_env(profile, moto_s3.endpoint_url)


@pytest.fixture(scope="module")
def script_module(tmp_path_factory: pytest.TempPathFactory):
    """The embedded script, extracted from the template, as a module (for its pure functions)."""
    path = tmp_path_factory.mktemp("queue-env") / "ayon_conda_session.py"
    path.write_text(SCRIPT)
    spec = importlib.util.spec_from_file_location("ayon_conda_session", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def params(packages: str, channels: str, cache: Path, **more) -> dict:
    return {"CondaPackages": packages, "CondaChannels": channels, "CondaEnvCacheDir": cache, **more}


def envs_in(cache: Path) -> list[Path]:
    envs = cache / "envs"
    return sorted(p for p in envs.iterdir() if p.is_dir()) if envs.is_dir() else []


def failure(result: subprocess.CompletedProcess) -> str:
    """The environment's one ``openjd_fail`` line; the session failed before any task ran."""
    assert result.returncode != 0, result.stdout
    lines = [line.split("openjd_fail: ", 1)[1] for line in result.stdout.splitlines() if "openjd_fail: " in line]
    assert len(lines) == 1, result.stdout
    assert "Running step" not in result.stdout and "Traceback" not in result.stdout
    return lines[0]


def package_id(package: Path) -> tuple[str, str, str]:
    name, version, build = package.name.removesuffix(".conda").rsplit("-", 2)
    return name, version, build


# -- the templates ---------------------------------------------------------------------------------
@pytest.mark.parametrize("template", [QUEUE_ENV, BUILD_JOB, CHECK_JOB, SHOW_ENV, PUBLISH], ids=lambda p: p.name)
def test_templates_pass_openjd_check(template: Path):
    result = openjd.openjd("check", template)
    assert result.returncode == 0 and "passes validation checks" in result.stdout, result.stdout


@pytest.mark.parametrize("template", [QUEUE_ENV, BUILD_JOB], ids=lambda p: p.name)
def test_every_parameter_is_documented(template: Path):
    readme = (QUEUE_ENV.parent / "README.md").read_text()
    for parameter in yaml.safe_load(template.read_text())["parameterDefinitions"]:
        assert f"| `{parameter['name']}` |" in readme, parameter["name"]


def test_queue_environment_fits_deadline_cloud_with_room_to_spare():
    """CreateQueueEnvironment takes templates of at most 15000 characters; keep 2000 for what comes."""
    assert len(QUEUE_ENV.read_text(encoding="utf-8")) <= 15000 - 2000


def test_the_environment_is_generated_from_the_session_script():
    from ayon_conda.queue_environment import render
    from ayon_publish_submit.openjd_environment import session_script

    text = QUEUE_ENV.read_text(encoding="utf-8")
    assert render(text) == text, "run: python -m ayon_conda.queue_environment"
    assert SCRIPT == session_script()


def test_default_channels_keep_deadline_cloud():
    """As the console's default queue environment does (the deadline client puts deadline-cloud-v2
    before it): a studio replacing that one keeps what its jobs resolve against."""
    defaults = {p["name"]: p.get("default") for p in yaml.safe_load(QUEUE_ENV.read_text())["parameterDefinitions"]}
    assert defaults["CondaChannels"] == "deadline-cloud"
    assert defaults["CondaEnvKeepDays"] == 30


def test_embedded_script_runs_on_python_3_9_and_holds_no_format_strings(tmp_path: Path):
    """The worker's python may be older than py-rattler needs: the script must still run and say
    so. OpenJD would substitute ``{{...}}`` inside it, so it takes everything as arguments."""
    assert "{{" not in SCRIPT and "}}" not in SCRIPT
    script = tmp_path / "ayon_conda_session.py"
    script.write_text(SCRIPT)
    assert python_3_9_violations(script) == ""


def test_environment_changes_are_openjd_lines(script_module):
    before = {"PATH": "/usr/bin", "KEEP": "1", "GONE": "x", "SHLVL": "1", "PWD": "/a"}
    after = {"PATH": "/env/bin:/usr/bin", "KEEP": "1", "NEW": "two\nlines \u00e9", "SHLVL": "2", "PWD": "/b", "_": "/x"}
    lines = script_module.env_changes(before, after)
    assert lines == ['openjd_env: "NEW=two\\nlines \\u00e9"', 'openjd_env: "PATH=/env/bin:/usr/bin"',
                     "openjd_unset_env: GONE"]  # one line each, whatever the value; shell noise left out
    assert json.loads(lines[0].split(": ", 1)[1]) == "NEW=two\nlines \u00e9"


# -- ayon-publish from S3 ---------------------------------------------------------------------------
@NETWORK
def test_ayon_runs_in_the_environment_and_the_environment_is_reused(
        conda_packages, s3_channel, python_channel, worker, profile, sample_package, tmp_path: Path):
    cache = tmp_path / "node-cache"
    first = openjd.run(CHECK_JOB, params(conda_packages, f"{s3_channel} {python_channel}", cache), worker)
    assert first.returncode == 0, first.stdout
    name, version, build = package_id(sample_package)
    assert f"\t{name} {version} {build}\n" in first.stdout  # `ayon --version`, the installed package
    assert "\tok import ayon_deadline_cloud\n" in first.stdout  # `ayon --self-check`
    assert "Creating the environment" in first.stdout and "Reusing" not in first.stdout
    assert profile.used() > 0  # S3 read with the session's profile (credential_process); no keys in the env
    [env] = envs_in(cache)
    assert f'openjd_env: "CONDA_PREFIX={env}"' in first.stdout
    record = env / "conda-meta" / f"{name}-{version}-{build}.json"
    inode, marker = record.stat().st_ino, (cache / "envs" / f"{env.name}.json").read_text()

    # Same packages, the python channel named through a condarc's custom_channels this time
    # (as deadline-cloud is on service-managed fleets): the same solve, so the same environment.
    base, _, channel_name = python_channel.rpartition("/")
    condarc = tmp_path / "condarc"
    condarc.write_text(f"custom_channels:\n  {channel_name}: {base}\n")
    second = openjd.run(CHECK_JOB, params(conda_packages, f"{s3_channel} {channel_name}", cache),
                        {**worker, "CONDARC": str(condarc)})
    assert second.returncode == 0, second.stdout
    assert f"\t{name} {version} {build}\n" in second.stdout
    assert f"Reusing the environment {env}" in second.stdout and "Creating the environment" not in second.stdout
    assert envs_in(cache) == [env] and record.stat().st_ino == inode  # not re-created
    assert (cache / "envs" / f"{env.name}.json").read_text() == marker


@NETWORK
def test_concurrent_sessions_create_the_environment_once_and_a_broken_one_is_replaced(
        conda_packages, s3_channel, python_channel, worker, sample_package, tmp_path: Path):
    cache = tmp_path / "node-cache"
    values = params(conda_packages, f"{s3_channel} {python_channel}", cache)
    sessions = [openjd.popen(SHOW_ENV, values, worker) for _ in range(2)]
    outputs = [p.communicate(timeout=600)[0] for p in sessions]
    assert [p.returncode for p in sessions] == [0, 0], outputs
    [env] = envs_in(cache)
    assert sum(out.count("Creating the environment") for out in outputs) == 1, outputs
    assert sum(out.count(f"Reusing the environment {env}") for out in outputs) == 1, outputs
    assert all(f"CONDA_PREFIX={env} ayon={env / 'bin' / 'ayon'}" in out for out in outputs)

    # an install killed half-way: the prefix is there, its completion marker is not
    name, version, build = package_id(sample_package)
    (cache / "envs" / f"{env.name}.json").unlink()
    (env / "conda-meta" / f"{name}-{version}-{build}.json").unlink()
    replaced = openjd.run(SHOW_ENV, values, worker)
    assert replaced.returncode == 0, replaced.stdout
    assert f"Replacing the incomplete environment {env}" in replaced.stdout
    assert (env / "conda-meta" / f"{name}-{version}-{build}.json").is_file()
    again = openjd.run(SHOW_ENV, values, worker)
    assert f"Reusing the environment {env}" in again.stdout


@NETWORK
def test_bad_specs_and_channels_fail_the_session_clearly(s3_channel, python_channel, worker, moto_s3, tmp_path: Path):
    cache = tmp_path / "node-cache"
    channels = f"{s3_channel} {python_channel}"
    line = failure(openjd.run(SHOW_ENV, params("ayon-publish==1.9.0[build=", channels, cache), worker))
    assert line.startswith("CondaPackages: 'ayon-publish==1.9.0[build=' is not a conda match spec ("), line
    assert line.endswith("; write specs like 'ayon-publish==1.9.0[build=pyh1a2b3c4d_2]'")

    line = failure(openjd.run(SHOW_ENV, params("ayon-publish==9.9.9", channels, cache), worker))
    assert line.startswith(f"CondaPackages: cannot be solved with the channels {channels} ("), line
    assert "ayon-publish ==9.9.9" in line and line.endswith("; check the specs and CondaChannels")

    # accepted by a lenient parser, refused by the solver's strict one: a bad spec, not a channel problem
    line = failure(openjd.run(SHOW_ENV, params("ayon-publish=1.9.0=pyh1a2b3c4d_2", channels, cache), worker))
    assert line.startswith("CondaPackages: 'ayon-publish=1.9.0=pyh1a2b3c4d_2' is not a conda match spec ("), line

    missing = f"s3://{moto_s3.new_bucket('empty')}/nothing-here"
    result = openjd.run(SHOW_ENV, params("python", f"{missing} {python_channel}", cache), worker)
    line = failure(result)
    assert "X-Amz-" not in result.stdout  # the presigned URL's signature is a credential
    assert line.startswith(f"CondaChannels '{missing} {python_channel}': cannot be read ("), line
    assert missing in line.split("cannot be read", 1)[1], line  # the detail names the channel
    assert line.endswith("; check the channels, and that the queue role can read the s3:// ones")
    assert envs_in(cache) == []


def test_environments_unused_for_keep_days_are_removed_when_a_session_ends(worker, tiny, tmp_path: Path):
    from support.channels import index_dir

    for name in ("render-tools", "publish-tools"):
        tiny(name, directory="channel/noarch")
    channel, cache = index_dir(tmp_path / "channel").as_uri(), tmp_path / "node-cache"
    assert openjd.run(SHOW_ENV, params("render-tools", channel, cache), worker).returncode == 0
    [old] = envs_in(cache)
    long_ago = time.time() - 40 * 86400
    for path in (old, old.with_name(f"{old.name}.json")):
        os.utime(path, (long_ago, long_ago))

    kept = openjd.run(SHOW_ENV, params("publish-tools", channel, cache, CondaEnvKeepDays=0), worker)
    assert kept.returncode == 0 and "Removing" not in kept.stdout, kept.stdout
    [new] = [env for env in envs_in(cache) if env != old]

    removed = openjd.run(SHOW_ENV, params("publish-tools", channel, cache), worker)  # the default: 30 days
    assert removed.returncode == 0, removed.stdout
    assert f"Removing {old}, unused for 30 days" in removed.stdout
    assert envs_in(cache) == [new] and sorted(p.name for p in (cache / "envs").iterdir()) == [new.name, f"{new.name}.json"]


def test_empty_packages_do_nothing(python_channel, worker, tmp_path: Path):
    cache = tmp_path / "node-cache"
    result = openjd.run(SHOW_ENV, params("", python_channel, cache), worker)
    assert result.returncode == 0, result.stdout
    assert "CondaPackages is empty: no conda environment for this session" in result.stdout
    assert "CONDA_PREFIX=None ayon=None" in result.stdout and "openjd_env" not in result.stdout
    assert not cache.exists()


# -- ayon-publish-core: activation scripts run through the environment --------------------------------
@NETWORK
def test_core_package_syncs_the_addons_on_activation_and_publishes(
        moto_s3, sample_package, sample_core_package, sync_channel, worker, tmp_path: Path):
    channel = f"s3://{moto_s3.new_bucket('studio-conda')}/ayon"
    publish = ["--channel", channel, "--endpoint-url", moto_s3.endpoint_url, "-q"]
    run_cli("publish", sample_package, *publish)
    ja_bucket = moto_s3.new_bucket("ja")
    run_cli("addons", "upload", SAMPLE_BUNDLE, "--config", SAMPLE_CONFIG, "--to", f"s3://{ja_bucket}/queue-root/ayon",
            "--endpoint-url", moto_s3.endpoint_url, "--exclude", "maya", "--exclude", "applications", "-q")
    cache, addons_cache = tmp_path / "node-cache", tmp_path / "addons-cache"
    env = {**worker, "DEADLINE_JA_S3_BUCKET": ja_bucket, "DEADLINE_JA_ROOT_PREFIX": "queue-root",
           "AYON_BUNDLE_NAME": BUNDLE["name"], "AYON_ADDONS_CACHE_DIR": str(addons_cache)}
    full = queue_parameters(BUNDLE, f"{channel} {sync_channel}", endpoint_url=moto_s3.endpoint_url)
    assert openjd.run(SHOW_ENV, params(full["CondaPackages"], full["CondaChannels"], cache), env).returncode == 0

    # The core package is published after this node cached the channel's index (for up to 5
    # minutes: Cache-Control max-age=300): the job that pins it must still get it.
    run_cli("publish", sample_core_package, *publish)
    core = queue_parameters(BUNDLE, f"{channel} {sync_channel}", endpoint_url=moto_s3.endpoint_url,
                            name="ayon-publish-core", bake=["core"])
    with running_site(tmp_path / "projects") as site:
        job = {**params(core["CondaPackages"], core["CondaChannels"], cache), "ProjectName": PROJECT,
               "FolderPath": FOLDER, "TaskName": TASK, "UserName": USER, "OutputPath": RENDER}
        result = openjd.run(PUBLISH, job, {**env, **publish_env(site, {})})
        assert result.returncode == 0, result.stdout
        assert_published(site, tmp_path / "projects")  # through a plugin of the synced deadline_cloud addon
    assert "Not solvable with the cached index; fetching the index again" in result.stdout
    assert "synced bundle sample-bundle-1" in result.stdout  # the activate.d script's own report, not dropped
    assert f'openjd_env: "AYON_ADDONS_DIR={addons_cache / "addons"}"' in result.stdout
    assert f"Published renderBeauty v001 to '{PROJECT}' {FOLDER}" in result.stdout


@NETWORK
def test_py_rattler_is_installed_for_a_python_without_it(python_channel, worker, tmp_path: Path):
    """A service-managed fleet's python has no py-rattler: pip installs it once per node into the
    cache directory (needs PyPI), and later sessions use it from there."""
    venv = tmp_path / "worker-python"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    assert subprocess.run([str(python), "-c", "import rattler"], capture_output=True).returncode != 0
    cache = tmp_path / "node-cache"
    values = params("python", python_channel, cache, QueueEnvPython=python)
    first = openjd.run(SHOW_ENV, values, worker)
    assert first.returncode == 0, first.stdout
    assert f"Installing py-rattler>=0.28,<0.29, pyyaml>=6,<7 for {python} into {cache / 'python'}" in first.stdout
    [env] = envs_in(cache)
    assert f"CONDA_PREFIX={env}" in first.stdout
    second = openjd.run(SHOW_ENV, values, worker)
    assert second.returncode == 0 and "Installing py-rattler" not in second.stdout, second.stdout
    assert f"Reusing the environment {env}" in second.stdout

