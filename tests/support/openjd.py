"""OpenJD templates run for real with openjd-cli: ``openjd check`` and ``openjd run`` in a process,
with a worker session's environment (fake AWS profile, moto endpoint)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[2]
QUEUE_ENV = REPO / "channel" / "queue-environment.yaml"
BUILD_JOB = REPO / "channel" / "build-job.yaml"
CHECK_JOB = REPO / "channel" / "examples" / "check-ayon" / "template.yaml"
TEST_JOBS = Path(__file__).resolve().parents[1] / "openjd"
BIN = Path(sys.executable).parent  # the test environment's bin: openjd, python (with py-rattler), ayon-conda


def openjd(*args: str | Path, env: Mapping[str, str] | None = None, timeout: float = 900) -> subprocess.CompletedProcess:
    """``openjd ARGS``; stdout and stderr together in ``.stdout``."""
    return subprocess.run([str(BIN / "openjd"), *map(str, args)], env=dict(env if env is not None else os.environ),
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=timeout)


def run_args(template: Path, params: Mapping[str, str | int | Path],
             environments: Iterable[Path] = (QUEUE_ENV,)) -> list[str]:
    args = ["run", str(template)]
    for env_template in environments:
        args += ["--environment", str(env_template)]
    for name, value in params.items():
        args += ["-p", f"{name}={value}"]
    return args


def run(template: Path, params: Mapping[str, str | int | Path], env: Mapping[str, str],
        environments: Iterable[Path] = (QUEUE_ENV,)) -> subprocess.CompletedProcess:
    """``openjd run TEMPLATE --environment ... -p NAME=VALUE ...`` (a local session)."""
    return openjd(*run_args(template, params, environments), env=env)


def popen(template: Path, params: Mapping[str, str | int | Path], env: Mapping[str, str],
          environments: Iterable[Path] = (QUEUE_ENV,)) -> subprocess.Popen:
    return subprocess.Popen([str(BIN / "openjd"), *run_args(template, params, environments)], env=dict(env),
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def embedded_file(template: Path, name: str) -> str:
    """The text of an embedded file of a template's environment or first step."""
    data = yaml.safe_load(template.read_text(encoding="utf-8"))
    script = data["environment"]["script"] if "environment" in data else data["steps"][0]["script"]
    return next(f["data"] for f in script["embeddedFiles"] if f["name"] == name)


@dataclass(frozen=True)
class AwsProfile:
    """An AWS config file whose profile gets its credentials from a ``credential_process``, as a
    Deadline Cloud worker session's ``AWS_PROFILE`` does; every call is logged to ``calls``."""

    config: Path
    calls: Path
    name: str = "queue-role"

    @classmethod
    def make(cls, directory: Path) -> AwsProfile:
        directory.mkdir(parents=True, exist_ok=True)
        calls = directory / "credential-process-calls.log"
        script = directory / "credentials.py"
        script.write_text(
            "import json, sys\n"
            f"open({str(calls)!r}, 'a').write('called\\n')\n"
            "print(json.dumps({'Version': 1, 'AccessKeyId': 'testing', 'SecretAccessKey': 'testing'}))\n"
        )
        config = directory / "config"
        config.write_text(f"[profile queue-role]\nregion = us-east-1\ncredential_process = {sys.executable} {script}\n")
        return cls(config, calls)

    def env(self) -> dict[str, str]:
        return {"AWS_PROFILE": self.name, "AWS_CONFIG_FILE": str(self.config),
                "AWS_SHARED_CREDENTIALS_FILE": str(self.config.with_name("no-credentials"))}

    def used(self) -> int:
        return len(self.calls.read_text().splitlines()) if self.calls.exists() else 0


def session_env(profile: AwsProfile, endpoint_url: str, **extra: str) -> dict[str, str]:
    """A worker session's environment: the queue role's profile (no keys in the environment), the
    S3 endpoint, and this test environment's ``bin`` on PATH (openjd and a python with py-rattler)."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("AWS_", "AYON_", "DEADLINE_", "CONDA", "PYTHON", "VIRTUAL_ENV"))
           or k == "AYON_CONDA_CACHE_DIR"}
    env.update(profile.env())
    env["AWS_ENDPOINT_URL"] = endpoint_url
    env["PATH"] = os.pathsep.join([str(BIN), env.get("PATH", "")])
    env.update(extra)
    return env
