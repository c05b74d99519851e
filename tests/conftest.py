"""Shared fixtures: the sample bundle pinned and built once per session, a python channel made
from the running interpreter, and an isolated download cache."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
from ayon_conda.cli import main
from click.testing import CliRunner, Result

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = REPO / "examples"
SAMPLE_BUNDLE = EXAMPLES / "bundles" / "sample.json"
SAMPLE_CONFIG = EXAMPLES / "bundles" / "sample.components.yaml"
SHARED = REPO.parent / "shared"


#: What :class:`ayon_conda.progress.Progress` printed on stderr during the current ``run_cli``:
#: its steps and warnings (whole lines) and its bars' labels (each printed once off a terminal).
_progress_printed: list[tuple[str, str]] = []


@pytest.fixture(scope="session", autouse=True)
def progress_recorded():
    """Record what Progress prints, so that ``error_line`` can tell progress from the error."""
    from ayon_conda.progress import Progress

    step, warn, bar = Progress.step, Progress.warn, Progress.bar

    def recording_step(self: Progress, message: str) -> None:
        if self.enabled:
            _progress_printed.append(("line", message))
        step(self, message)

    def recording_warn(self: Progress, message: str) -> None:
        _progress_printed.append(("line", f"warning: {message}"))
        warn(self, message)

    def recording_bar(self: Progress, label: str, total: int):
        if self.enabled:
            _progress_printed.append(("label", label))
        return bar(self, label, total)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Progress, "step", recording_step)
        patch.setattr(Progress, "warn", recording_warn)
        patch.setattr(Progress, "bar", recording_bar)
        yield


def invoke(*args: str | Path, catch_exceptions: bool = False) -> Result:
    """Run ``ayon-conda`` in-process. The result's ``progress`` is what Progress printed on
    stderr meanwhile (see ``error_line``)."""
    _progress_printed.clear()
    result = CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=catch_exceptions)
    result.progress = tuple(_progress_printed)
    return result


def run_cli(*args: str | Path, code: int = 0) -> Result:
    """Run ``ayon-conda`` in-process (:func:`invoke`); assert its exit code."""
    result = invoke(*args)
    assert result.exit_code == code, f"exit {result.exit_code}, expected {code}\n{result.output}"
    return result


def error_line(result: Result | subprocess.CompletedProcess | str) -> str:
    """The one line a failed command printed: all of its stderr, once the progress it reported is
    set aside (a ``run_cli`` result records it; a process or a bare stderr text must have none),
    is that one line, starting ``error: ``. Every CLI error test goes through here."""
    stderr = result if isinstance(result, str) else result.stderr
    printed = getattr(result, "progress", ())
    lines = [line.rstrip() for line in stderr.splitlines() if line.strip()]
    for kind, text in printed:
        for part in [text] if kind == "label" else [p for p in text.splitlines() if p.strip()]:
            found = next((i for i, line in enumerate(lines)
                          if (line.startswith(part.rstrip()) if kind == "label" else line == part.rstrip())), None)
            if found is not None:
                del lines[found]
    assert len(lines) == 1 and lines[0].startswith("error: "), f"expected one error line on stderr, got:\n{stderr}"
    return lines[0]


def refused(result: Result, *needles: str) -> str:
    """The one error line, which must say what to do (after '; ') and mention every needle."""
    line = error_line(result)
    assert "; " in line, f"no way out in: {line}"
    for needle in needles:
        assert needle in line, f"{needle!r} not in: {line}"
    return line


def json_out(result: Result) -> dict:
    return json.loads(result.stdout)


@pytest.fixture(scope="session", autouse=True)
def isolated_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Downloads go to a cache of this session, not the user's."""
    cache = tmp_path_factory.mktemp("cache")
    old = os.environ.get("AYON_CONDA_CACHE_DIR")
    os.environ["AYON_CONDA_CACHE_DIR"] = str(cache)
    yield cache
    if old is None:
        os.environ.pop("AYON_CONDA_CACHE_DIR", None)
    else:
        os.environ["AYON_CONDA_CACHE_DIR"] = old


@pytest.fixture(scope="session", autouse=True)
def aws_isolated(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Only fake AWS credentials are visible to tests; no real profile or endpoint leaks in."""
    from support.s3 import CREDENTIALS

    empty = tmp_path_factory.mktemp("aws")
    saved = {k: os.environ.get(k) for k in (*CREDENTIALS, "AWS_PROFILE", "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE",
                                            "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3", "AWS_SESSION_TOKEN")}
    for key in saved:
        os.environ.pop(key, None)
    os.environ.update(CREDENTIALS)
    os.environ["AWS_CONFIG_FILE"] = str(empty / "config")
    os.environ["AWS_SHARED_CREDENTIALS_FILE"] = str(empty / "credentials")
    yield
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


@pytest.fixture(scope="session")
def moto_s3():
    """moto's S3 server over HTTP on 127.0.0.1, for the whole session (use ``new_bucket``)."""
    from support.s3 import start_moto

    s3 = start_moto()
    yield s3
    s3.server.stop()


@pytest.fixture(scope="session")
def python_channel(sample_lock: Path, tmp_path_factory: pytest.TempPathFactory) -> str:
    """A local channel (``ayon-conda local-channel --lock``) whose ``python`` is this interpreter,
    with the sample lock's run requirements (its compiled pillow, boto3) made from PyPI wheels:
    conda-forge is out of reach."""
    channel = tmp_path_factory.mktemp("python-channel")
    return json_out(run_cli("local-channel", channel, "--lock", sample_lock, "--json"))["channel"]


@pytest.fixture(scope="session")
def sample_lock(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample bundle's lock. Its compiled run requirement is recorded unchecked (conda-forge is
    out of reach; tests/pin/test_pin.py proves it against a local channel)."""
    lock = tmp_path_factory.mktemp("locks") / "sample.lock.json"
    run_cli("pin", SAMPLE_BUNDLE, "--config", SAMPLE_CONFIG, "-o", lock, "--skip-run-check", "--quiet")
    return lock


@pytest.fixture(scope="session")
def sample_package(sample_lock: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    result = run_cli("build", sample_lock, "-o", out, "--json")
    return Path(json_out(result)["path"])


@pytest.fixture(scope="session")
def sample_env(sample_package: Path, python_channel: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``sample_package`` installed with py-rattler into a prefix (``ayon-conda verify --prefix``)."""
    prefix = tmp_path_factory.mktemp("sample-env") / "env"
    run_cli("verify", sample_package, "--channel", python_channel, "--prefix", prefix, "-q")
    return prefix


@pytest.fixture(scope="session")
def ayon_channel(moto_s3):
    """A published ayon-publish channel in moto (``support.channels.standard_packages``), read-only:
    tests that publish more make their own with ``support.channels.published_channel``."""
    from support.channels import published_channel

    return published_channel(moto_s3)


# -- ayon-publish-core and the worker-side addon sync (option C) --------------------------------
@pytest.fixture(scope="session")
def sample_core_package(sample_package: Path) -> Path:
    """ayon-publish-core, written by the same build as ``sample_package``."""
    return next(sample_package.parent.glob("ayon-publish-core-*.conda"))


@pytest.fixture(scope="session")
def sync_channel(sample_lock: Path, tmp_path_factory: pytest.TempPathFactory) -> str:
    """A local channel with this interpreter as ``python``, the sample lock's run requirements and
    boto3 with its pure-Python dependencies made from their PyPI wheels (ayon-publish-core's)."""
    from importlib.metadata import version

    channel = tmp_path_factory.mktemp("sync-channel")
    # the boto3 these tests run with
    return json_out(run_cli("local-channel", channel, "--lock", sample_lock, "--requirement",
                            f"boto3=={version('boto3')}", "--json"))["channel"]


@pytest.fixture(scope="session")
def core_prefix(sample_core_package: Path, sync_channel: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """ayon-publish-core installed with py-rattler into a prefix (``ayon-conda verify --prefix``)."""
    prefix = tmp_path_factory.mktemp("core-env") / "env"
    run_cli("verify", sample_core_package, "--channel", sync_channel, "--prefix", prefix, "-q")
    return prefix


@pytest.fixture(scope="session")
def s3_counter(moto_s3):
    """A counting HTTP hop in front of moto: ``.url`` for AWS_ENDPOINT_URL, ``.gets(bucket)``."""
    from support.s3 import CountingProxy

    proxy = CountingProxy(moto_s3.endpoint_url)
    yield proxy
    proxy.stop()


@pytest.fixture(params=["dir", "s3"])
def channel(request: pytest.FixtureRequest, tmp_path: Path):
    """An empty channel to publish to: a directory, or a prefix in a fresh moto bucket."""
    from support.channel_check import ChannelUnderTest, dir_files, s3_files

    if request.param == "dir":
        root = tmp_path / "channel"
        return ChannelUnderTest("dir", str(root), [], lambda: dir_files(root))
    moto = request.getfixturevalue("moto_s3")
    bucket = moto.new_bucket()
    client = moto.client()
    return ChannelUnderTest("s3", f"s3://{bucket}/conda", ["--endpoint-url", moto.endpoint_url],
                            lambda: s3_files(client, bucket, "conda"))


@pytest.fixture
def tiny(tmp_path: Path):
    """Make small valid conda packages: ``tiny("name", version="1.0", build_number=0, subdir=..., payload=...)``."""
    from ayon_conda.dev.tiny_package import make_package

    def make(name: str, *, directory: str = "packages", **kwargs) -> Path:
        return make_package(tmp_path / directory, name, **kwargs)

    return make


@pytest.fixture
def http_server():
    """Serve directories over plain HTTP on 127.0.0.1: ``serve(directory) -> base URL``; the
    servers' ``requests`` list every (method, path) they answered (``support.http_files``)."""
    from support.http_files import FileServer

    servers: list[FileServer] = []

    def serve(directory: Path) -> str:
        servers.append(FileServer(directory))
        return servers[-1].url

    serve.servers = servers
    yield serve
    for server in servers:
        server.stop()
