"""The farm publish of the installed sample package into the AYON stand-in: what lands on the
server, and the publishes that cannot be done, which fail with one line and leave nothing."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from support.sample_publish import (
    DEADLINE_PUBLISH,
    FARM_JOB,
    FARM_JOB_ENV,
    assert_published,
    publish_env,
    running_site,
    versions,
)

pytestmark = pytest.mark.network  # the sample package is built from PyPI wheels


def ayon(prefix: Path, args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run([str(prefix / "bin" / "ayon"), *args], capture_output=True, text=True, env=env, timeout=300)


def test_each_publish_is_a_new_version(sample_env: Path, tmp_path: Path):
    with running_site(tmp_path / "projects") as site:
        env = publish_env(site)
        for version in (1, 2):
            proc = ayon(sample_env, DEADLINE_PUBLISH, env)
            assert proc.returncode == 0, proc.stderr
            assert f"Published renderBeauty v{version:03d} to 'sample_project' /shots/sh010" in proc.stdout
            assert_published(site, tmp_path / "projects", version=version)
        # The classic farm path (a farm job's metadata JSON) integrates the same way.
        proc = ayon(sample_env, ["publish", str(FARM_JOB), "--targets", "farm"], {**env, **FARM_JOB_ENV})
        assert proc.returncode == 0, proc.stderr
        assert_published(site, tmp_path / "projects", "renderFarmBeauty")


def _replace(args: list[str], flag: str, value: str) -> list[str]:
    args = list(args)
    if flag == "PATH":
        args[-1] = value
    else:
        args[args.index(flag) + 1] = value
    return args


@pytest.mark.parametrize(("flag", "value", "needle"), [
    ("-f", "/shots/nope", "Unable to find folder '/shots/nope' in project 'sample_project'."),
    ("-t", "nope", "Unable to find task 'nope' in folder '/shots/sh010'"),
    ("-u", "nobody", "Unable to find user 'nobody' on the AYON server."),
    ("-p", "no_project", "Unable to find project 'no_project'."),
    ("PATH", "EMPTY", "has no files."),
], ids=["folder", "task", "user", "project", "nothing-to-publish"])
def test_a_publish_that_cannot_be_done_fails_with_one_line(sample_env: Path, tmp_path: Path, flag, value, needle):
    if value == "EMPTY":
        value = str(tmp_path / "empty")
        Path(value).mkdir()
    with running_site(tmp_path / "projects") as site:
        proc = ayon(sample_env, _replace(DEADLINE_PUBLISH, flag, value), publish_env(site))
        assert versions(site, "renderBeauty") == []  # nothing reached the server
    output = proc.stdout + proc.stderr
    assert proc.returncode == 1, output
    assert "Traceback" not in output
    (line,) = [line for line in output.splitlines() if needle in line]
    assert line.startswith("Error: "), output
    assert not (tmp_path / "projects").exists() or not any((tmp_path / "projects").rglob("*.png"))
