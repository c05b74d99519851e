"""``ayon-conda doctor``: one read-only report of what this machine would use, for people and scripts."""

from __future__ import annotations

import socket

from conftest import SAMPLE_BUNDLE, json_out, run_cli
from ayon_conda.dev.ayon_standin import AyonStandIn


def _check(report: dict, section: str, name_start: str = "") -> dict:
    return next(c for c in report[section] if c["name"].startswith(name_start))


def test_a_machine_set_up_for_the_sample(tiny, tmp_path, moto_s3, monkeypatch, isolated_cache):
    channel_dir = tmp_path / "channel"
    run_cli("publish", tiny("alpha"), "--channel", channel_dir)
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_s3.endpoint_url)
    with AyonStandIn(server_version="1.15.17") as server:
        monkeypatch.setenv("AYON_API_KEY", server.api_key)
        report = json_out(run_cli("doctor", SAMPLE_BUNDLE, "-c", channel_dir, "--server", server.url, "--json"))
    assert report["ok"] is True
    config = _check(report, "config")
    assert config["status"] == "ok" and config["data"]["chosen_by"] == "found beside the bundle"
    assert config["data"]["path"].endswith("examples/bundles/sample.components.yaml")
    channel = _check(report, "channels")
    assert channel["status"] == "ok" and channel["data"]["names"] == ["alpha"]
    aws = _check(report, "aws")
    assert aws["status"] == "ok" and aws["data"]["arn"].startswith("arn:aws:") and aws["data"]["account"]
    ayon = _check(report, "ayon")
    assert ayon["status"] == "ok" and ayon["data"]["version"] == "1.15.17" and "accepted" in ayon["detail"]
    assert _check(report, "cache")["data"]["path"] == str(isolated_cache)  # AYON_CONDA_CACHE_DIR
    assert _check(report, "tools", "backend native")["status"] == "ok"
    text = run_cli("doctor", SAMPLE_BUNDLE, "-c", channel_dir).stdout
    for secret in ("testing", server.api_key):  # the moto secret key and the AYON key: never shown
        assert secret not in text and secret not in str(report)


def test_what_cannot_be_reached_fails_with_exit_4_and_says_so(monkeypatch):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{sock.getsockname()[1]}"
    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_PROFILE"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.delenv("AYON_API_KEY", raising=False)
    result = run_cli("doctor", "-c", f"{closed}/channel", "--server", closed, code=4)
    lines = result.stdout.splitlines()
    assert any(line.strip().startswith(f"NO  channel {closed}/channel: ") and "cannot reach" in line for line in lines)
    assert any(line.strip().startswith("NO  AYON server: ") and closed in line for line in lines)
    assert any(line.strip().startswith("--  AWS: no credentials") for line in lines)  # absent, not failed


def test_a_broken_config_exits_1(tmp_path):
    config = tmp_path / "broken.yaml"
    config.write_text("package: [unclosed\n")
    report = json_out(run_cli("doctor", "--config", config, "-c", tmp_path, "--json", code=1))
    assert _check(report, "config")["status"] == "failed" and "not valid YAML" in _check(report, "config")["detail"]
