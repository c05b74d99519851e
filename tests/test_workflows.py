"""The GitHub Actions workflows: valid against GitHub's schema, and what they must and must not do.

Validated with check-jsonschema's built-in ``vendor.github-workflows`` schema (offline). The
security properties are checked on the parsed YAML: AWS access only through OIDC role
assumption, ``id-token: write`` only in the job that needs it, no long-lived AWS keys, and no
trigger-controlled value expanded inline in a shell script.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO
from ruamel.yaml import YAML

WORKFLOWS = sorted((REPO / ".github" / "workflows").glob("*.yml"))


def load(name: str) -> dict:
    return YAML(typ="safe").load((REPO / ".github" / "workflows" / name).read_text())


def check_jsonschema(*files: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "check_jsonschema", "--builtin-schema", "vendor.github-workflows", *map(str, files)],
        capture_output=True, text=True, check=False,
    )


def steps(job: dict) -> list[dict]:
    return job.get("steps", [])


def uses(job: dict, action: str) -> list[dict]:
    return [s for s in steps(job) if s.get("uses", "").split("@")[0] == action]


def test_there_are_a_ci_and_a_release_workflow():
    assert {p.name for p in WORKFLOWS} >= {"ci.yml", "release.yml"}


@pytest.mark.parametrize("workflow", WORKFLOWS, ids=lambda p: p.name)
def test_workflow_is_valid_for_github(workflow: Path):
    result = check_jsonschema(workflow)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_schema_check_catches_a_broken_workflow(tmp_path: Path):
    broken = tmp_path / "broken.yml"
    broken.write_text((REPO / ".github/workflows/release.yml").read_text().replace("runs-on:", "runs_on:", 1))
    assert check_jsonschema(broken).returncode != 0


def test_ci_runs_the_readme_test_command_on_pull_requests_and_a_pixi_job():
    ci = load("ci.yml")
    assert "pull_request" in ci["on"]
    runs = [s.get("run", "") for job in ci["jobs"].values() for s in steps(job)]
    assert "./scripts/test -q" in runs
    pixi_jobs = [job for job in ci["jobs"].values() if uses(job, "prefix-dev/setup-pixi")]
    assert pixi_jobs and any(s.get("run", "").startswith("pixi run test") for s in steps(pixi_jobs[0]))
    assert ci["permissions"] == {"contents": "read"}


def test_release_runs_on_release_tags_and_on_demand_with_a_bundle_name():
    on = load("release.yml")["on"]
    assert on["push"]["tags"] == ["release/*", "submit/v*"]
    inputs = on["workflow_dispatch"]["inputs"]
    assert inputs["bundle"]["required"] and inputs["bundle"]["type"] == "string"
    assert {"build-number", "publish"} <= set(inputs)


def test_release_pins_builds_with_rattler_build_through_pixi_verifies_and_keeps_artifacts():
    build = load("release.yml")["jobs"]["build"]
    runs = "\n".join(s.get("run", "") for s in steps(build))
    assert "pixi run pin" in runs
    assert re.search(r"^pixi run build .* --channel conda-forge$", runs, re.MULTILINE)
    assert "pixi run verify dist/noarch/*.conda --channel conda-forge" in runs
    [upload] = uses(build, "actions/upload-artifact")
    assert upload["with"]["path"] == "dist/" and upload["with"]["if-no-files-found"] == "error"
    manifest = (REPO / "pixi.toml").read_text()
    assert 'build = { cmd = "ayon-conda build --backend rattler-build"' in manifest


def test_release_publishes_to_s3_with_oidc_role_assumption_only():
    release = load("release.yml")
    assert release["permissions"] == {"contents": "read"}
    jobs = release["jobs"]
    with_token = [name for name, job in jobs.items() if job.get("permissions", {}).get("id-token") == "write"]
    assert with_token == ["publish", "publish-submit"]
    publish = jobs["publish"]
    assert publish["permissions"] == {"contents": "read", "id-token": "write"}
    assert publish["needs"] == "build" and publish["environment"] == "release"
    [aws] = uses(publish, "aws-actions/configure-aws-credentials")
    assert aws["with"]["role-to-assume"] == "${{ vars.AWS_RELEASE_ROLE_ARN }}"
    assert not {"aws-access-key-id", "aws-secret-access-key", "aws-session-token"} & set(aws["with"])
    last = steps(publish)[-1]
    assert last["run"].splitlines() == [
        'pixi run publish dist/noarch/ayon-publish-[0-9]*.conda --channel "$CHANNEL"',
        # the core package's name depends on the core version alone: keep one already published
        'pixi run publish dist/noarch/ayon-publish-core-*.conda --channel "$CHANNEL" --skip-released',
    ]
    assert steps(publish).index(aws) < steps(publish).index(last)
    assert not any(uses(job, "aws-actions/configure-aws-credentials") for name, job in jobs.items() if name != "publish")


@pytest.mark.parametrize("workflow", WORKFLOWS, ids=lambda p: p.name)
def test_no_long_lived_aws_keys_and_no_inline_expansion_of_trigger_values(workflow: Path):
    text = workflow.read_text()
    assert not re.search(r"AWS_(SECRET_)?ACCESS_KEY|aws-(secret-)?access-key", text, re.IGNORECASE)
    data = YAML(typ="safe").load(text)
    for job in data["jobs"].values():
        for step in steps(job):
            # inputs, ref names and event payloads go through env: inline they could inject shell code
            assert not re.search(r"\$\{\{[^}]*(inputs\.|github\.(ref|head_ref|event))", step.get("run", "")), step


def test_release_builds_ayon_publish_submit_on_its_tags_and_publishes_it_with_trusted_publishing():
    jobs = load("release.yml")["jobs"]
    assert jobs["build"]["if"] == "github.event_name == 'workflow_dispatch' || startsWith(github.ref, 'refs/tags/release/')"
    build = jobs["build-submit"]
    assert build["if"] == "startsWith(github.ref, 'refs/tags/submit/v')"
    [python] = uses(build, "actions/setup-python")
    assert python["with"]["python-version"].split() == ["3.9", "3.11"]
    runs = "\n".join(s.get("run", "") for s in steps(build))
    assert "python -m build submit --outdir dist-submit" in runs
    assert '"submit/v$version" != "$REF_NAME"' in runs  # the tag names the version it releases
    assert "python3.9 -m venv" in runs and "dist-submit/*.whl" in runs
    [upload] = uses(build, "actions/upload-artifact")
    assert upload["with"]["path"] == "dist-submit/" and upload["with"]["if-no-files-found"] == "error"
    publish = jobs["publish-submit"]
    assert publish["needs"] == "build-submit" and publish["environment"] == "pypi"
    assert publish["permissions"] == {"contents": "read", "id-token": "write"}
    [pypi] = uses(publish, "pypa/gh-action-pypi-publish")
    assert pypi["with"] == {"packages-dir": "dist-submit/"}  # no password: PyPI's trusted publishing
    assert not uses(publish, "actions/checkout")  # it uploads the artifact it was given, nothing else


def test_ci_runs_the_bare_venv_test_on_python_3_9():
    ci = load("ci.yml")
    [python] = uses(ci["jobs"]["test"], "actions/setup-python")
    assert python["with"]["python-version"].split() == ["3.9", "3.11"]  # python3.9 on PATH, python is 3.11
