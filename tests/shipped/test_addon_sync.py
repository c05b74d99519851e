"""Option C on a worker: ayon-publish-core installed with py-rattler, activated (py-rattler's shell
activation and a plain bash ``source`` in a strict shell, ``set -euo pipefail``, as queue
environments run) against moto's S3 server, syncing the sample bundle's addons into a node-local
cache."""

from __future__ import annotations

import io
import json
import os
import shlex
import shutil
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest
from ayon_publish import addon_store, addon_sync, shell_env
from ayon_publish.addon_store import AddonEntry
from conftest import EXAMPLES, SAMPLE_BUNDLE, SAMPLE_CONFIG, json_out, run_cli
from support.sample_publish import DEADLINE_PUBLISH, assert_published, publish_env, running_site

pytestmark = pytest.mark.network

BUNDLE = "sample-bundle-1"
CORE = "1.9.0-sample.1"
DEADLINE_DIR = "deadline_cloud_0.2.0-sample.1"
SCRIPT = "ayon-publish-core"
#: A port nothing listens on: S3 "down".
DOWN = "http://127.0.0.1:9"


@dataclass
class Activation:
    status: int
    env: dict[str, str]
    stdout: str
    stderr: str

    @property
    def errors(self) -> list[str]:
        return [line for line in self.stderr.splitlines() if line.strip()]


def upload_sample(moto_s3, bucket: str, prefix: str) -> dict:
    return json_out(run_cli("addons", "upload", SAMPLE_BUNDLE, "--config", SAMPLE_CONFIG, "--to", f"s3://{bucket}/{prefix}",
                            "--endpoint-url", moto_s3.endpoint_url, "--exclude", "maya", "--exclude", "applications",
                            "--json"))


@pytest.fixture(scope="module")
def published(moto_s3) -> str:
    """A job attachments bucket whose queue root prefix holds the sample bundle's addons."""
    bucket = moto_s3.new_bucket("ja")
    upload_sample(moto_s3, bucket, "queue-root/ayon")
    return bucket


@pytest.fixture
def worker_env(tmp_path: Path, s3_counter, published) -> dict[str, str]:
    """A Deadline Cloud session's environment: the job attachments variables and the store below
    their root (the former default, selected with AYON_ADDONS_S3_URI=job-attachments), a fresh cache."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AYON_", "DEADLINE_"))}
    env.update({
        "AWS_ENDPOINT_URL": s3_counter.url,
        "AYON_ADDONS_S3_URI": "job-attachments",
        "DEADLINE_JA_S3_BUCKET": published,
        "DEADLINE_JA_ROOT_PREFIX": "queue-root",
        "AYON_BUNDLE_NAME": BUNDLE,
        "AYON_ADDONS_CACHE_DIR": str(tmp_path / "cache"),
    })
    s3_counter.clear()
    return env


def _run(script: str, env: dict[str, str], tmp_path: Path) -> Activation:
    dump = tmp_path / f"env-{os.urandom(4).hex()}"
    proc = subprocess.run(["bash", "-c", f'{script}\nstatus=$?\nenv -0 > "{dump}"\nexit $status'],
                          capture_output=True, text=True, env=env, timeout=120)
    pairs = [item.split("=", 1) for item in dump.read_text().split("\0") if "=" in item]
    return Activation(proc.returncode, dict(pairs), proc.stdout, proc.stderr)


def source(prefix: Path, env: dict[str, str], tmp_path: Path, then: str = "", kind: str = "activate") -> Activation:
    """A plain bash ``source`` of the package's script, as conda's own activation does, in a shell
    that stops on any error (``set -euo pipefail``, as queue environments run); ``then`` runs after
    it (without ``-e``), and its status is the result's. A failing activation ends the shell before
    the environment is read, which fails the test."""
    script = f'set -euo pipefail\nexport CONDA_PREFIX="{prefix}"\nsource "{prefix}/etc/conda/{kind}.d/{SCRIPT}.sh"\nset +euo pipefail'
    return _run(f"{script}\n{then}" if then else script, env, tmp_path)


def rattler_activate(prefix: Path, env: dict[str, str], tmp_path: Path) -> Activation:
    """py-rattler's bash activation script run with bash, as Deadline Cloud's py-rattler queue
    environment does (it captures the environment after the script)."""
    from rattler.shell import ActivationVariables, Shell, activate

    activation = activate(prefix, ActivationVariables(current_path=env["PATH"].split(os.pathsep)), Shell.bash)
    assert f"{prefix}/etc/conda/activate.d/{SCRIPT}.sh" in activation.script
    return _run(activation.script, env, tmp_path)


def synced_dirs(cache: Path) -> list[str]:
    addons = cache / "addons"
    return sorted(p.name for p in addons.iterdir()) if addons.is_dir() else []


def assert_nothing_half_done(cache: Path) -> None:
    assert synced_dirs(cache) == [], synced_dirs(cache)
    tmp = cache / "tmp"
    assert not tmp.exists() or not any(tmp.iterdir()), list(tmp.iterdir())


def assert_failed_clearly(result: Activation, cache: Path, *needles: str) -> str:
    assert result.status == 0  # the session goes on; `ayon` is the one that fails
    assert len(result.errors) == 1, result.stderr
    line = result.errors[0]
    assert line.startswith(f"error: {SCRIPT} addon sync: ") and "; " in line, line
    for needle in needles:
        assert needle in line, line
    reason = line.split(" addon sync: ", 1)[1]
    assert f"error: {reason}" in (cache / "logs" / "activate.log").read_text()  # stderr may be dropped
    assert result.env["AYON_ADDONS_SYNC_ERROR"] == reason
    assert "AYON_ADDONS_DIR" not in result.env
    return reason


# -- the cases of the issue -------------------------------------------------------------------------
def test_cold_then_warm_sync_with_rattler_activation(core_prefix: Path, worker_env, s3_counter, published, tmp_path: Path):
    cache = Path(worker_env["AYON_ADDONS_CACHE_DIR"])
    cold = rattler_activate(core_prefix, worker_env, tmp_path)
    assert cold.status == 0, cold.stderr
    assert cold.env["AYON_ADDONS_DIR"] == str(cache / "addons")
    assert synced_dirs(cache) == [DEADLINE_DIR]  # core is baked into the package, not synced
    assert (cache / "addons" / DEADLINE_DIR / "ayon_deadline_cloud" / "addon.py").is_file()
    gets = s3_counter.gets(published)
    assert len(gets) == 2 and gets[0].endswith(f"/queue-root/ayon/bundles/{BUNDLE}.json"), gets
    assert gets[1].startswith(f"/{published}/queue-root/ayon/addons/{DEADLINE_DIR}/") and gets[1].endswith(".zip")
    assert "synced bundle sample-bundle-1" in cold.stderr and "downloaded 1" in cold.stderr

    s3_counter.clear()
    warm = rattler_activate(core_prefix, worker_env, tmp_path)
    assert warm.status == 0 and warm.stderr == "", warm.stderr
    assert warm.env["AYON_ADDONS_DIR"] == str(cache / "addons")
    assert s3_counter.seen == []  # no request at all, not even the manifest
    log = (cache / "logs" / "activate.log").read_text().splitlines()
    assert len(log) == 2 and all(" ok: bundle sample-bundle-1 " in line for line in log)


def test_rattler_switching_environments_runs_the_deactivation(core_prefix: Path, worker_env, tmp_path: Path):
    from rattler.shell import ActivationVariables, Shell, activate

    other = tmp_path / "other-env"
    (other / "conda-meta").mkdir(parents=True)
    path = worker_env["PATH"].split(os.pathsep)
    into_core = activate(core_prefix, ActivationVariables(current_path=path), Shell.bash).script
    out_of_core = activate(other, ActivationVariables(current_prefix=core_prefix, current_path=path), Shell.bash).script
    assert f"{core_prefix}/etc/conda/deactivate.d/{SCRIPT}.sh" in out_of_core
    env = {**worker_env, "AYON_ADDONS_DIR": "/studio/addons"}
    inside = _run(into_core, env, tmp_path)
    assert inside.env["AYON_ADDONS_DIR"] != "/studio/addons"
    switched = _run(f"{into_core}\n{out_of_core}", env, tmp_path)
    assert switched.status == 0, switched.stderr
    assert switched.env["AYON_ADDONS_DIR"] == "/studio/addons" and switched.env["CONDA_PREFIX"] == str(other)
    assert not [k for k in switched.env if k.startswith("AYON_ADDONS_SYNC_")]


def test_synced_addon_runs_the_publish(core_prefix: Path, worker_env, tmp_path: Path):
    """The package bakes only ayon-core; the publish command and its collector come from the
    synced deadline_cloud addon, and the version lands in the (stand-in) AYON server."""
    with running_site(tmp_path / "projects") as site:
        command = shlex.join([f"{core_prefix}/bin/ayon", *DEADLINE_PUBLISH])
        result = source(core_prefix, {**worker_env, **publish_env(site, {})}, tmp_path, then=command)
        assert result.status == 0, result.stderr
        assert_published(site, tmp_path / "projects")


def test_without_the_sync_configured_ayon_names_the_cause(core_prefix: Path, worker_env, tmp_path: Path):
    """An old worker agent exports no job attachments variables, and nobody set the store: instead
    of ayon-core's "No such command 'deadline_cloud'", one line says what is missing."""
    env = {k: v for k, v in worker_env.items() if not k.startswith(("DEADLINE_JA_", "AYON_ADDONS_S3_URI"))}
    with running_site(tmp_path / "projects") as site:
        command = shlex.join([f"{core_prefix}/bin/ayon", *DEADLINE_PUBLISH])
        ran = source(core_prefix, {**env, **publish_env(site, {})}, tmp_path, then=command)
    assert ran.status == 78, ran.stderr
    assert ran.errors == [ran.errors[-1]] and "No such command" in ran.errors[-1] and "Traceback" not in ran.stderr
    assert "has deadline_cloud 0.2.0-sample.1, which is not in AYON_ADDONS_DIR" in ran.errors[-1]
    assert "the addon sync is not configured: set AYON_ADDONS_S3_URI" in ran.errors[-1]


# -- an addon that brings its own Python dependency ---------------------------------------------------
NOTES = EXAMPLES / "addons" / "sample-ayon-notes"
NOTES_DIR = "notes_0.1.0-sample.1"


def notes_bundle(path: Path) -> dict:
    """The sample bundle plus the sample notes addon, whose client needs ``inflection``."""
    bundle = json.loads(SAMPLE_BUNDLE.read_text())
    bundle["name"] = "sample-bundle-notes"
    bundle["addons"]["notes"] = "0.1.0-sample.1"
    path.write_text(json.dumps(bundle))
    return bundle


def test_an_addon_brings_its_pure_python_dependency_to_the_publish(core_prefix: Path, worker_env, moto_s3,
                                                                  tmp_path: Path):
    """Uploaded with the wheel pin would vendor, synced into the node cache, on ayon's sys.path
    alone: the addon's publish plugin imports it and writes the version's comment."""
    from ayon_conda.dev.ayon_standin.sample_site import sample_site
    from support.sample_publish import ADDONS

    bucket = moto_s3.new_bucket("studio-addons")
    bundle = notes_bundle(tmp_path / "bundle.json")
    out = json_out(run_cli("addons", "upload", tmp_path / "bundle.json", "--config", SAMPLE_CONFIG, "--to",
                           f"s3://{bucket}/ayon-addons", "--endpoint-url", moto_s3.endpoint_url,
                           "--exclude", "maya", "--exclude", "applications", "--json"))
    uploaded = {a["name"]: a for a in out["addons"]}
    (wheel,) = uploaded["notes"]["python"]
    assert (wheel["name"], wheel["file"]) == ("inflection", "inflection-0.5.1-py2.py3-none-any.whl")
    assert wheel["archive"] == f"s3://{bucket}/ayon-addons/addons/{NOTES_DIR}/python/{wheel['sha256']}.whl"
    stored = moto_s3.client().get_object(Bucket=bucket, Key=wheel["archive"].split(f"{bucket}/", 1)[1])["Body"].read()
    assert __import__("hashlib").sha256(stored).hexdigest() == wheel["sha256"]
    assert uploaded["deadline_cloud"]["python"] == []  # pyblish-base: the package vendors it
    manifest = json.loads(moto_s3.client().get_object(Bucket=bucket, Key=f"ayon-addons/addons/{NOTES_DIR}.json")["Body"].read())
    assert [d["name"] for d in manifest["python"]] == ["inflection"]

    env = {**worker_env, "AYON_ADDONS_S3_URI": f"s3://{bucket}/ayon-addons", "AYON_BUNDLE_NAME": bundle["name"]}
    cache = Path(env["AYON_ADDONS_CACHE_DIR"])
    with sample_site(bundle, [*ADDONS, NOTES], tmp_path / "projects") as site:
        publish = shlex.join([f"{core_prefix}/bin/ayon", *DEADLINE_PUBLISH])
        isolated = shlex.join([f"{core_prefix}/bin/python", "-c", "import inflection"])
        result = source(core_prefix, {**env, **publish_env(site, {})}, tmp_path,
                        then=f"if {isolated} 2>/dev/null; then echo LEAKED; fi\n{publish}")
        assert result.status == 0, result.stderr
        assert "LEAKED" not in result.stdout  # the environment's python does not see it
        assert result.env["AYON_ADDONS_PYTHONPATH"] == str(cache / "python" / wheel["sha256"])
        assert "PYTHONPATH" not in result.env
        assert synced_dirs(cache) == [DEADLINE_DIR, NOTES_DIR]
        assert_published(site, tmp_path / "projects")
        (version,) = [v for v in site.store.entities("sample_project", "version")]
        assert version["attrib"]["comment"] == "Render Beauty, published on the farm"
    deactivated = source(core_prefix, result.env, tmp_path, kind="deactivate")
    assert "AYON_ADDONS_PYTHONPATH" not in deactivated.env


def test_a_compiled_dependency_is_mapped_and_the_environment_must_hold_it(core_prefix: Path, worker_env, moto_s3,
                                                                           tmp_path: Path):
    from support.factories import make_addon, make_bundle, make_config

    make_addon(tmp_path / "yaml-tool", "yaml_tool", "1.0.0", "ayon_yaml_tool", deps={"PyYAML": "^6.0"})
    config = make_config(tmp_path / "c.yaml", {
        "core": {"client_dir": "ayon_core", "source": {"path": str(EXAMPLES / "addons" / "sample-ayon-core")}},
        "yaml_tool": {"client_dir": "ayon_yaml_tool", "source": {"path": str(tmp_path / "yaml-tool")}},
    }, bake=["core"], conda_names={"pyyaml": "pyyaml", "pillow": "pillow"})
    bundle = make_bundle(tmp_path / "b.json", {"core": CORE, "yaml_tool": "1.0.0"}, name="yaml-bundle")
    bucket = moto_s3.new_bucket("compiled")
    out = json_out(run_cli("addons", "upload", bundle, "--config", config, "--to", f"s3://{bucket}/ayon",
                           "--endpoint-url", moto_s3.endpoint_url, "--json"))
    (tool,) = [a for a in out["addons"] if a["name"] == "yaml_tool"]
    assert tool["python"] == [] and [(c["name"], c["conda_name"]) for c in tool["conda"]] == [("pyyaml", "pyyaml")]
    env = {**worker_env, "AYON_ADDONS_S3_URI": f"s3://{bucket}/ayon", "AYON_BUNDLE_NAME": "yaml-bundle"}
    cache = Path(env["AYON_ADDONS_CACHE_DIR"])
    version = tool["conda"][0]["version"]
    assert_failed_clearly(source(core_prefix, env, tmp_path), cache, "addon yaml_tool 1.0.0",
                          f"needs the compiled pyyaml {version}", "this environment has no pyyaml",
                          f"add 'pyyaml=={version}'")
    assert_nothing_half_done(cache)


def test_a_compiled_dependency_without_a_conda_name_is_refused_at_upload(moto_s3, tmp_path: Path):
    from support.factories import make_addon, make_bundle, make_config

    make_addon(tmp_path / "yaml-tool", "yaml_tool", "1.0.0", "ayon_yaml_tool", deps={"PyYAML": "^6.0"})
    config = make_config(tmp_path / "c.yaml", {
        "core": {"client_dir": "ayon_core", "source": {"path": str(EXAMPLES / "addons" / "sample-ayon-core")}},
        "yaml_tool": {"client_dir": "ayon_yaml_tool", "source": {"path": str(tmp_path / "yaml-tool")}},
    }, bake=["core"], conda_names={"pillow": "pillow"})
    bundle = make_bundle(tmp_path / "b.json", {"core": CORE, "yaml_tool": "1.0.0"}, name="yaml-bundle")
    bucket = moto_s3.new_bucket("no-name")
    result = run_cli("addons", "upload", bundle, "--config", config, "--to", f"s3://{bucket}/ayon",
                     "--endpoint-url", moto_s3.endpoint_url, code=1)
    assert "pyyaml" in result.stderr and "is compiled and has no conda-forge name" in result.stderr
    assert moto_s3.keys(bucket) == []  # nothing half-written


def test_plain_bash_source_and_deactivation_restore(core_prefix: Path, worker_env, published, tmp_path: Path):
    env = {**worker_env, "AYON_ADDONS_DIR": "/studio/addons", "AYON_ADDONS_S3_URI": f"s3://{published}/queue-root/ayon/"}
    result = source(core_prefix, env, tmp_path, then=f'source "{core_prefix}/etc/conda/deactivate.d/{SCRIPT}.sh"')
    assert result.status == 0, result.stderr
    assert result.env["AYON_ADDONS_DIR"] == "/studio/addons"
    assert not [k for k in result.env if k.startswith("AYON_ADDONS_SYNC_")]
    active = source(core_prefix, env, tmp_path)
    assert active.env["AYON_ADDONS_DIR"] == env["AYON_ADDONS_CACHE_DIR"] + "/addons"
    assert active.env["AYON_ADDONS_SYNC_BACKUP_AYON_ADDONS_DIR"] == "/studio/addons"


def test_no_configuration_does_nothing_silently(core_prefix: Path, worker_env, s3_counter, tmp_path: Path):
    """Without AYON_ADDONS_S3_URI nothing happens, even where the agent exports the job attachments
    variables: the store is one the studio chooses."""
    env = {k: v for k, v in worker_env.items() if k != "AYON_ADDONS_S3_URI"}
    env["AYON_ADDONS_DIR"] = "/studio/addons"
    result = source(core_prefix, env, tmp_path)
    assert (result.status, result.stdout, result.stderr) == (0, "", "")
    assert result.env["AYON_ADDONS_DIR"] == "/studio/addons"
    assert not [k for k in result.env if k.startswith("AYON_ADDONS_SYNC_")]
    assert not Path(env["AYON_ADDONS_CACHE_DIR"]).exists()
    assert s3_counter.seen == []
    rattler = rattler_activate(core_prefix, env, tmp_path)
    assert (rattler.status, rattler.stderr) == (0, "")


def test_corrupted_object_is_refused_and_ayon_will_not_run(core_prefix: Path, worker_env, moto_s3, tmp_path: Path):
    bucket = moto_s3.new_bucket("corrupt")
    uploaded = upload_sample(moto_s3, bucket, "ayon")
    archive = next(a["archive"] for a in uploaded["addons"] if a["name"] == "deadline_cloud")
    key = archive.split(f"s3://{bucket}/", 1)[1]
    size = next(a["size"] for a in uploaded["addons"] if a["name"] == "deadline_cloud")
    moto_s3.client().put_object(Bucket=bucket, Key=key, Body=b"PK\x03\x04".ljust(size, b"!"))  # same size, other bytes
    env = {**worker_env, "AYON_ADDONS_S3_URI": f"s3://{bucket}/ayon"}
    cache = Path(env["AYON_ADDONS_CACHE_DIR"])
    result = source(core_prefix, env, tmp_path)
    assert_failed_clearly(result, cache, archive, "sha256 mismatch")
    assert_nothing_half_done(cache)
    assert not (cache / "manifests").exists() or not list((cache / "manifests").rglob("*.json"))
    # an activator that ignores the script's status still gets a job that fails with the line
    ran = source(core_prefix, env, tmp_path, then=shlex.join([f"{core_prefix}/bin/ayon", *DEADLINE_PUBLISH]))
    assert ran.status == 78 and "sha256 mismatch" in ran.errors[-1] and "addon sync failed" in ran.errors[-1]
    version = source(core_prefix, env, tmp_path, then=f'"{core_prefix}/bin/ayon" --version')
    assert "ayon-publish-core 1.9.0_sample.1" in version.stdout


def test_four_concurrent_activations_share_one_download(core_prefix: Path, worker_env, s3_counter, published,
                                                       tmp_path: Path):
    script = (f'export CONDA_PREFIX="{core_prefix}"\nsource "{core_prefix}/etc/conda/activate.d/{SCRIPT}.sh" '
              f'&& echo "AYON_ADDONS_DIR=$AYON_ADDONS_DIR"')
    procs = [subprocess.Popen(["bash", "-c", script], env=worker_env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True) for _ in range(4)]
    outputs = [p.communicate(timeout=120) for p in procs]
    cache = Path(worker_env["AYON_ADDONS_CACHE_DIR"])
    for proc, (out, err) in zip(procs, outputs):
        assert proc.returncode == 0, err
        assert out.strip() == f"AYON_ADDONS_DIR={cache / 'addons'}"
    gets = s3_counter.gets(published)
    assert len([g for g in gets if g.endswith(".zip")]) == 1, gets  # one session downloaded, the others waited
    assert len([g for g in gets if g.endswith(f"{BUNDLE}.json")]) == 1, gets
    assert synced_dirs(cache) == [DEADLINE_DIR]
    assert len((cache / "logs" / "activate.log").read_text().splitlines()) == 4


def test_s3_down_with_a_warm_cache_succeeds_and_with_a_cold_one_fails(core_prefix: Path, worker_env, tmp_path: Path):
    cache = Path(worker_env["AYON_ADDONS_CACHE_DIR"])
    assert source(core_prefix, worker_env, tmp_path).status == 0  # warms the cache
    down = {**worker_env, "AWS_ENDPOINT_URL": DOWN}
    warm = source(core_prefix, down, tmp_path)
    assert (warm.status, warm.stderr) == (0, "")
    assert warm.env["AYON_ADDONS_DIR"] == str(cache / "addons")
    cold = {**down, "AYON_ADDONS_CACHE_DIR": str(tmp_path / "cold-cache")}
    assert_failed_clearly(source(core_prefix, cold, tmp_path), tmp_path / "cold-cache", "cannot reach S3", DOWN)
    assert_nothing_half_done(tmp_path / "cold-cache")


def test_missing_addon_with_s3_down_fails_clearly(core_prefix: Path, worker_env, tmp_path: Path):
    cache = Path(worker_env["AYON_ADDONS_CACHE_DIR"])
    assert source(core_prefix, worker_env, tmp_path).status == 0
    shutil.rmtree(cache / "addons" / DEADLINE_DIR)  # the manifest stays cached
    result = source(core_prefix, {**worker_env, "AWS_ENDPOINT_URL": DOWN}, tmp_path)
    assert_failed_clearly(result, cache, "cannot reach S3", DEADLINE_DIR)


# -- misconfigurations: one line on stderr and in the log, nothing half-extracted ------------------
def _core_mismatch(moto_s3, env: dict[str, str]) -> None:
    """A bundle whose manifest names another core than the package bakes."""
    bucket = moto_s3.new_bucket("mismatch")
    entry = AddonEntry("core", "2.0.0", "ayon_core", "0" * 64, 1)
    data = addon_store.dumps(addon_store.bundle_manifest("other-core", [entry]))
    moto_s3.client().put_object(Bucket=bucket, Key="ayon/bundles/other-core.json", Body=data)
    env.update(AYON_ADDONS_S3_URI=f"s3://{bucket}/ayon", AYON_BUNDLE_NAME="other-core")


MISCONFIGURED = {
    "bucket missing": (lambda moto, env: env.update(DEADLINE_JA_S3_BUCKET="no-such-bucket"),
                       ["s3://no-such-bucket/queue-root/ayon/bundles/sample-bundle-1.json", "the bucket does not exist"]),
    "no credentials": (lambda moto, env: [env.pop(k) for k in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")]
                       and env.update(AWS_EC2_METADATA_DISABLED="true"),
                       ["no AWS credentials found", "AWS_PROFILE"]),
    "unknown bundle": (lambda moto, env: env.update(AYON_BUNDLE_NAME="not-uploaded"),
                       ["bundles/not-uploaded.json", "bundle 'not-uploaded' has not been uploaded", "ayon-conda addons upload"]),
    "bundle name": (lambda moto, env: env.update(AYON_BUNDLE_NAME="../escape"), ["AYON_BUNDLE_NAME", "bundle name '../escape' is not valid"]),
    "bundle name with a newline": (lambda moto, env: env.update(AYON_BUNDLE_NAME=BUNDLE + "\n"),
                                   ["AYON_BUNDLE_NAME", rf"bundle name '{BUNDLE}\n' is not valid"]),
    "job attachments on an old agent": (lambda moto, env: [env.pop(k) for k in ("DEADLINE_JA_S3_BUCKET", "DEADLINE_JA_ROOT_PREFIX")],
                                        ["AYON_ADDONS_S3_URI=job-attachments: DEADLINE_JA_S3_BUCKET is not set",
                                         "0.29.1", "set AYON_ADDONS_S3_URI to the s3:// URI"]),
    "bundle unset": (lambda moto, env: env.pop("AYON_BUNDLE_NAME"),
                     ["AYON_BUNDLE_NAME: is not set", "/queue-root/ayon depend on the bundle", "job parameter"]),
    "bad uri": (lambda moto, env: env.update(AYON_ADDONS_S3_URI="https://bucket/x"), ["AYON_ADDONS_S3_URI=https://bucket/x"]),
    "core mismatch": (_core_mismatch, ["uses core 2.0.0", f"ayon-publish-core has core {CORE}"]),
}


@pytest.mark.parametrize("case", sorted(MISCONFIGURED))
def test_misconfiguration_fails_with_one_line(case: str, core_prefix: Path, worker_env, moto_s3, tmp_path: Path):
    change, needles = MISCONFIGURED[case]
    env = dict(worker_env)
    change(moto_s3, env)
    cache = Path(env["AYON_ADDONS_CACHE_DIR"])
    assert_failed_clearly(source(core_prefix, env, tmp_path), cache, *needles)
    assert_nothing_half_done(cache)


def test_a_bundle_name_with_a_newline_fails_closed(core_prefix: Path, worker_env, tmp_path: Path):
    """It once crashed the sync before the error was set, and ayon published with 4 of 6 plugins."""
    env = {**worker_env, "AYON_BUNDLE_NAME": BUNDLE + "\n"}
    ran = source(core_prefix, env, tmp_path, then=shlex.join([f"{core_prefix}/bin/ayon", *DEADLINE_PUBLISH]))
    assert ran.status == 78 and "addon sync failed" in ran.errors[-1] and "is not valid" in ran.errors[-1]


def test_a_size_mismatch_is_reported_as_one(moto_s3, tmp_path: Path, monkeypatch):
    bucket = moto_s3.new_bucket("size")
    uploaded = upload_sample(moto_s3, bucket, "ayon")
    manifest_key = f"ayon/bundles/{BUNDLE}.json"
    s3 = moto_s3.client()
    manifest = json.loads(s3.get_object(Bucket=bucket, Key=manifest_key)["Body"].read())
    manifest["addons"]["deadline_cloud"]["size"] += 1
    s3.put_object(Bucket=bucket, Key=manifest_key, Body=json.dumps(manifest).encode())
    settings = addon_sync.Settings(bucket, "ayon", BUNDLE, tmp_path / "cache", moto_s3.endpoint_url)
    with pytest.raises(addon_sync.SyncError) as refused:
        addon_sync.sync(settings, {"core": CORE}, "ayon-publish-core")
    size = next(a["size"] for a in uploaded["addons"] if a["name"] == "deadline_cloud")
    assert f"size mismatch (manifest {size + 1} bytes, downloaded {size})" in refused.value.line
    assert "sha256" not in refused.value.line


# -- unsafe archives (the sync's own code, in-process) ------------------------------------------------
def _zip(entries: list[tuple[zipfile.ZipInfo | str, bytes]]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        for name, data in entries:
            zf.writestr(name, data)
    return buffer.getvalue()


def _symlink_entry() -> zipfile.ZipInfo:
    import stat

    info = zipfile.ZipInfo("ayon_x/link.py")
    info.external_attr = (stat.S_IFLNK | 0o777) << 16
    return info


@pytest.mark.parametrize("entry, problem", [
    ("ayon_x/../../escape.py", "has a '..' component"),
    ("/ayon_x/abs.py", "has an absolute path"),
    (_symlink_entry(), "is a link"),
])
def test_unsafe_archive_is_refused_whole(entry, problem: str, moto_s3, tmp_path: Path, monkeypatch):
    bucket = moto_s3.new_bucket("unsafe")
    data = _zip([("ayon_x/__init__.py", b""), (entry, b"/etc/passwd")])
    addon = AddonEntry("tool", "1.0.0", "ayon_x", __import__("hashlib").sha256(data).hexdigest(), len(data))
    s3 = moto_s3.client()
    s3.put_object(Bucket=bucket, Key=addon.archive, Body=data)
    s3.put_object(Bucket=bucket, Key="bundles/b.json", Body=addon_store.dumps(addon_store.bundle_manifest("b", [addon])))
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_s3.endpoint_url)
    settings = addon_sync.Settings(bucket, "", "b", tmp_path / "cache", moto_s3.endpoint_url)
    with pytest.raises(addon_sync.SyncError, match=problem) as raised:
        addon_sync.sync(settings, {"core": CORE}, "ayon-publish-core")
    assert f"s3://{bucket}/{addon.archive}" in raised.value.line and "the archive is unsafe" in raised.value.line
    assert_nothing_half_done(tmp_path / "cache")
    assert not list(tmp_path.rglob("escape.py")) and not list(tmp_path.rglob("link.py"))


def test_stale_temporary_files_are_cleared_by_the_next_sync(moto_s3, tmp_path: Path, monkeypatch):
    """A sync killed mid-download leaves tmp/ behind, never a directory under addons/."""
    bucket = moto_s3.new_bucket("stale")
    upload_sample(moto_s3, bucket, "p")
    cache = tmp_path / "cache"
    (cache / "tmp" / "deadline_cloud_0.2.0-sample.1.killed").mkdir(parents=True)
    (cache / "tmp" / "deadline_cloud_0.2.0-sample.1.killed" / "archive.zip").write_bytes(b"half")
    settings = addon_sync.Settings(bucket, "p", BUNDLE, cache, moto_s3.endpoint_url)
    result = addon_sync.sync(settings, {"core": CORE}, "ayon-publish-core")
    assert [e.dir_name for e in result.downloaded] == [DEADLINE_DIR]
    assert_nothing_half_done_but(cache, DEADLINE_DIR)


def assert_nothing_half_done_but(cache: Path, *dirs: str) -> None:
    assert synced_dirs(cache) == list(dirs)
    assert not any((cache / "tmp").iterdir())


# -- settings --------------------------------------------------------------------------------------
def test_the_store_is_chosen_and_job_attachments_selects_the_former_default():
    assert not addon_sync.is_configured({"DEADLINE_JA_S3_BUCKET": "ja", "DEADLINE_JA_ROOT_PREFIX": "root"})
    bundle = {"AYON_BUNDLE_NAME": "b", "AYON_ADDONS_S3_URI": "job-attachments"}
    s = addon_sync.settings_from_env({"DEADLINE_JA_S3_BUCKET": "ja", "DEADLINE_JA_ROOT_PREFIX": "/DeadlineCloud/", **bundle})
    assert (s.uri, s.bundle) == ("s3://ja/DeadlineCloud/ayon", "b")
    s = addon_sync.settings_from_env({"DEADLINE_JA_S3_BUCKET": "ja", **bundle})
    assert s.uri == "s3://ja/ayon"
    s = addon_sync.settings_from_env({"AYON_ADDONS_S3_URI": "s3://studio/addons/", "DEADLINE_JA_S3_BUCKET": "ja",
                                      "AYON_BUNDLE_NAME": "prod-2"})
    assert (s.uri, s.bundle) == ("s3://studio/addons", "prod-2")


@pytest.mark.skipif(sys.platform == "win32", reason="the Linux default")
def test_default_cache_is_per_user_and_not_the_session_dir(tmp_path: Path):
    assert addon_sync.default_cache_dir({"XDG_CACHE_HOME": str(tmp_path)}) == tmp_path / "ayon-publish"
    assert addon_sync.default_cache_dir({}) == Path.home() / ".cache" / "ayon-publish"
    assert addon_sync.cache_dir({"AYON_ADDONS_CACHE_DIR": "/fast/disk"}) == Path("/fast/disk")


# -- the shells -----------------------------------------------------------------------------------
TRICKY = "/studio/it's here/$HOME/`x` \"q\" %PATH% & ;"


def test_bash_output_round_trips_any_value(tmp_path: Path):
    code = shell_env.render({"AYON_ADDONS_DIR": TRICKY, "UNSET_ME": None}, "bash")
    env = {**os.environ, "UNSET_ME": "1"}
    result = _run(code, env, tmp_path)
    assert result.env["AYON_ADDONS_DIR"] == TRICKY and "UNSET_ME" not in result.env


def test_powershell_and_cmd_output():
    changes = {"AYON_ADDONS_DIR": TRICKY, "AYON_ADDONS_SYNC_ERROR": None}
    assert shell_env.render(changes, "powershell").splitlines() == [
        "$Env:AYON_ADDONS_DIR = '/studio/it''s here/$HOME/`x` \"q\" %PATH% & ;'",
        "Remove-Item -ErrorAction SilentlyContinue Env:AYON_ADDONS_SYNC_ERROR",
    ]
    assert shell_env.render(changes, "cmd").splitlines() == [f"AYON_ADDONS_DIR={TRICKY}", "AYON_ADDONS_SYNC_ERROR="]
    with pytest.raises(ValueError, match="span lines"):
        shell_env.render({"X": "a\nb"}, "bash")


def test_windows_scripts_are_installed_and_call_the_same_module(core_prefix: Path):
    """cmd.exe and PowerShell cannot run here: check what can be checked without them."""
    from rattler.shell import ActivationVariables, Shell, activate

    for kind in ("activate", "deactivate"):
        for ext, shell in (("sh", "bash"), ("bat", "cmd"), ("ps1", "powershell")):
            text = (core_prefix / "etc" / "conda" / f"{kind}.d" / f"{SCRIPT}.{ext}").read_text()
            assert f"-I -m ayon_publish.addon_sync {kind} --shell {shell}" in text, (kind, ext)
    bat = (core_prefix / "etc" / "conda" / "activate.d" / f"{SCRIPT}.bat").read_bytes()
    assert bat.count(b"\r\n") == bat.count(b"\n")  # cmd.exe wants CRLF
    for shell, ext in ((Shell.powershell, "ps1"), (Shell.cmd_exe, "bat")):
        script = activate(core_prefix, ActivationVariables(current_path=["C:/Windows"]), shell, platform="win-64").script
        assert f"activate.d/{SCRIPT}.{ext}" in script.replace("\\", "/")


@pytest.mark.skipif(shutil.which("pwsh") is None, reason="PowerShell (pwsh) is not installed")
def test_powershell_scripts_parse(core_prefix: Path):
    for kind in ("activate", "deactivate"):
        path = core_prefix / "etc" / "conda" / f"{kind}.d" / f"{SCRIPT}.ps1"
        check = (f"$e = $null; [System.Management.Automation.Language.Parser]::ParseFile('{path}', [ref]$null, [ref]$e)"
                 " | Out-Null; if ($e.Count) { $e; exit 1 }")
        subprocess.run(["pwsh", "-NoProfile", "-Command", check], check=True)


def test_same_addon_version_from_another_location_replaces_the_cached_one(moto_s3, tmp_path: Path):
    """The cache is shared by every S3 location a node syncs from; an addon directory holds the
    archive the current bundle's manifest names, never a stale one of the same name."""
    from support.factories import make_config

    changed = tmp_path / "addons"
    shutil.copytree(EXAMPLES / "addons", changed)
    addon_py = changed / "sample-ayon-deadline-cloud" / "client" / "ayon_deadline_cloud" / "addon.py"
    addon_py.write_text(addon_py.read_text() + "\n# studio B's build\n")
    config = make_config(tmp_path / "c.yaml", {
        "core": {"client_dir": "ayon_core", "source": {"path": str(changed / "sample-ayon-core")}},
        "deadline_cloud": {"client_dir": "ayon_deadline_cloud", "source": {"path": str(changed / "sample-ayon-deadline-cloud")}},
    }, conda_names={"pillow": "pillow"})
    first, second = moto_s3.new_bucket("loc-a"), moto_s3.new_bucket("loc-b")
    upload_sample(moto_s3, first, "ayon")
    run_cli("addons", "upload", SAMPLE_BUNDLE, "--config", config, "--to", f"s3://{second}/ayon",
            "--endpoint-url", moto_s3.endpoint_url, "--exclude", "maya", "--exclude", "applications", "-q")
    cache = tmp_path / "cache"
    synced = cache / "addons" / DEADLINE_DIR / "ayon_deadline_cloud" / "addon.py"
    for bucket, expect_b in ((first, False), (second, True), (first, False)):
        settings = addon_sync.Settings(bucket, "ayon", BUNDLE, cache, moto_s3.endpoint_url)
        result = addon_sync.sync(settings, {"core": CORE}, "ayon-publish-core")
        assert [e.dir_name for e in result.downloaded] == [DEADLINE_DIR]
        assert ("studio B's build" in synced.read_text()) is expect_b
    assert_nothing_half_done_but(cache, DEADLINE_DIR)
