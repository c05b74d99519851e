"""Exit codes a script can tell apart: usage 2, bad input 1, does not install 3, cannot reach 4.

Each failure is one line naming the input, channel or host. "Cannot reach" covers a channel,
server or package index that is down or refuses access, and credentials that are missing.
"""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from conftest import SAMPLE_BUNDLE, SAMPLE_CONFIG, refused, run_cli


@pytest.fixture
def closed_url() -> str:
    """An http:// URL on 127.0.0.1 where nothing listens."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/channel"


@pytest.fixture
def no_aws_credentials(monkeypatch):
    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(key, raising=False)


def test_usage_errors_exit_2(tmp_path: Path):
    assert run_cli("verify", "--no-such-option", code=2)
    assert run_cli("build", tmp_path / "l.json", "-o", tmp_path / "d", "--backend", "foo", code=2)


def test_verify_against_an_unreachable_channel_exits_4_naming_it(closed_url: str):
    refused(run_cli("verify", "--spec", "ayon-publish", "-c", closed_url, code=4), closed_url, "cannot be read")


def test_verify_from_s3_without_credentials_exits_4(no_aws_credentials):
    refused(run_cli("verify", "--spec", "ayon-publish", "-c", "s3://studio-conda/ayon", code=4),
            "s3://studio-conda/ayon", "no AWS credentials")


def test_a_directory_that_is_not_a_channel_is_bad_input(tmp_path: Path):
    refused(run_cli("verify", "--spec", "ayon-publish", "-c", tmp_path, code=1), str(tmp_path), "not a conda channel")


def test_resolve_and_matrix_against_an_unreachable_channel_exit_4(closed_url: str):
    refused(run_cli("resolve", SAMPLE_BUNDLE, "-c", closed_url, code=4), "127.0.0.1", "cannot reach")
    refused(run_cli("matrix", "-c", closed_url, code=4), "127.0.0.1", "cannot reach")


def test_publish_to_s3_without_credentials_exits_4(tiny, no_aws_credentials):
    refused(run_cli("publish", tiny("alpha"), "--channel", "s3://studio-conda/ayon", code=4), "no AWS credentials")


@pytest.mark.network
def test_release_checks_its_channels_before_building(closed_url: str, tmp_path: Path):
    out = tmp_path / "out"
    refused(run_cli("release", SAMPLE_BUNDLE, "--config", SAMPLE_CONFIG, "--channel", tmp_path / "channel",
                    "--verify-channel", closed_url, "--skip-run-check", "-o", out, code=4), closed_url)
    assert not out.exists()


def test_pin_with_the_package_index_down_exits_4_naming_it(closed_url: str, tmp_path: Path, monkeypatch):
    monkeypatch.setenv("UV_DEFAULT_INDEX", closed_url)
    monkeypatch.setenv("UV_NO_CACHE", "1")
    monkeypatch.setenv("UV_HTTP_RETRIES", "0")
    line = refused(run_cli("pin", SAMPLE_BUNDLE, "--config", SAMPLE_CONFIG, "-o", tmp_path / "l.json", code=4),
                   "cannot reach the package index")
    assert line.startswith("error: 127.0.0.1:")
    assert not (tmp_path / "l.json").exists()
