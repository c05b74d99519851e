"""``ayon-conda resolve``: bundles from a file or from an AYON server (the real ayon_api client
talking to the stand-in), channels in moto's S3 server, and a one-line error for every failure."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import error_line, json_out, run_cli
from ayon_conda.dev.ayon_standin import AyonStandIn, make_bundle, project_bundle, project_bundle_name

PROD = {"core": "1.9.0", "deadline_cloud": "0.2.0", "maya": "0.4.10"}


def _bundle_file(tmp_path: Path, addons: dict, name: str = "prod-2026-10") -> Path:
    path = tmp_path / f"{name}.json"
    path.write_text(json.dumps(make_bundle(name, addons, production=True)))
    return path


def _s3(channel) -> list[str]:
    return ["--channel", channel.s3, "--endpoint-url", channel.endpoint_url]


def test_resolve_a_bundle_file(ayon_channel, tmp_path: Path):
    bundle = _bundle_file(tmp_path, PROD)
    out = json_out(run_cli("resolve", bundle, *_s3(ayon_channel), "--json"))
    assert out["spec"] == "ayon-publish ==1.9.0 pyhd745850c_2"
    assert out["url"] == f"{ayon_channel.s3}/noarch/ayon-publish-1.9.0-pyhd745850c_2.conda"
    assert len(out["sha256"]) == 64 and out["bundle"] == "prod-2026-10" and out["server_version"] is None
    text = run_cli("resolve", bundle, "--channel", ayon_channel.http).stdout.splitlines()
    assert text[0] == "ayon-publish ==1.9.0 pyhd745850c_2"
    assert text[1].split() == ["url", f"{ayon_channel.http}/noarch/ayon-publish-1.9.0-pyhd745850c_2.conda"]
    assert text[2].split() == ["sha256", out["sha256"]]


def test_resolve_from_an_ayon_server(ayon_channel, monkeypatch):
    """production, staging, a named bundle and a project's override, read with ayon_api; the
    server's own version is checked against the package's recorded range."""
    bundles = [
        make_bundle("studio-prod", PROD, production=True),
        make_bundle("studio-staging", {"core": "1.9.1", "deadline_cloud": "0.2.0"}, staging=True),
        make_bundle("old", {"core": "1.8.2", "deadline_cloud": "0.2.0"}),
        project_bundle("Show", "production", {"core": "1.8.2", "maya": None, "deadline_cloud": "__inherit__"}),
    ]
    projects = {"Show": {"bundle": {"production": project_bundle_name("Show", "production")}}, "Plain": {}}
    with AyonStandIn(bundles=bundles, projects=projects, server_version="1.9.3") as server:
        monkeypatch.setenv("AYON_API_KEY", server.api_key)
        args = ("resolve", *_s3(ayon_channel), "--server", server.url, "--json")
        assert json_out(run_cli(*args))["spec"] == "ayon-publish ==1.9.0 pyhd745850c_2"
        staging = json_out(run_cli(*args, "--bundle", "staging"))
        assert staging["spec"].startswith("ayon-publish ==1.9.1 ") and staging["server_version"] == "1.9.3"
        assert staging["server_range"] == ">=1.9.0,<2.0.0"
        assert json_out(run_cli(*args, "--bundle", "old"))["spec"].startswith("ayon-publish ==1.8.2 ")
        show = json_out(run_cli(*args, "--project", "Show"))
        assert show["spec"].startswith("ayon-publish ==1.8.2 ") and show["addons"] == {"core": "1.8.2", "deadline_cloud": "0.2.0"}
        assert json_out(run_cli(*args, "--project", "Plain"))["spec"] == "ayon-publish ==1.9.0 pyhd745850c_2"
        seen = set(server.requests_seen)
        assert {("GET", "/api/info"), ("GET", "/api/bundles"), ("GET", "/api/projects/Show")} <= seen

        server.server_version = "1.8.4"  # the staging package needs >=1.9.0
        line = error_line(run_cli(*args[:-1], "--bundle", "staging", code=1))
        assert "needs AYON server >=1.9.0,<2.0.0, but the server runs 1.8.4" in line and "would fit" in line
        # an explicit version wins over the server's
        run_cli(*args, "--bundle", "staging", "--server-version", "1.9.0")
        line = error_line(run_cli(*args[:-1], "--project", "Nope", code=1))
        assert "no project named 'Nope'" in line
        line = error_line(run_cli(*args[:-1], "--project", "Show", "--bundle", "old", code=1))
        assert "a project overrides only the production or staging bundle" in line


@pytest.mark.parametrize(("case", "message", "code"), [
    ("missing bucket", "the bucket does not exist", 1),
    ("not a channel", "has no noarch/repodata.json", 1),
    ("endpoint down", "cannot reach the S3 endpoint", 4),
    ("no credentials", "no AWS credentials found", 4),
    ("bundle without core", "bundle 'prod-2026-10' has no 'core' addon", 1),
    ("no match", "no package for bundle 'prod-2026-10'", 1),
    ("bad server version", "'1.9' is not a semantic version", 1),
    ("project without server", "--project: needs the bundle from a server", 1),
    ("no bundle", "no bundle given", 1),
])
def test_resolve_errors_are_one_line(case: str, message: str, code: int, ayon_channel, moto_s3, tmp_path: Path,
                                     monkeypatch):
    bundle = _bundle_file(tmp_path, {"deadline_cloud": "0.2.0"} if case == "bundle without core" else
                          {"core": "1.9.0", "deadline_cloud": "9.9.9"} if case == "no match" else PROD)
    channel = _s3(ayon_channel)
    extra: list[str] = []
    if case == "missing bucket":
        channel = ["--channel", "s3://no-such-bucket/ayon", "--endpoint-url", moto_s3.endpoint_url]
    elif case == "not a channel":
        channel = ["--channel", f"s3://{moto_s3.new_bucket()}/ayon", "--endpoint-url", moto_s3.endpoint_url]
    elif case == "endpoint down":
        channel = ["--channel", "s3://bucket/ayon", "--endpoint-url", "http://127.0.0.1:9"]
    elif case == "no credentials":
        import ayon_publish_submit.remote

        for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
            monkeypatch.delenv(key)
        monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
        monkeypatch.setattr(ayon_publish_submit.remote, "_s3_clients", {})
    elif case == "bad server version":
        extra = ["--server-version", "1.9"]
    elif case == "project without server":
        extra = ["--project", "Show"]
    args = [] if case == "no bundle" else [bundle]
    monkeypatch.delenv("AYON_SERVER_URL", raising=False)
    result = run_cli("resolve", *args, *channel, *extra, code=code)
    assert message in error_line(result)
    assert result.stdout == ""
