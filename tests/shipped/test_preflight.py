"""The bootstrap's server check: one line and a documented exit code for every way a worker's
AYON configuration can be wrong, before ayon-core starts (against the stand-in AYON server over
HTTP; the same cases ran against a real ayon-backend, see README)."""

from __future__ import annotations

import socket

import pytest
from ayon_publish import preflight
from ayon_conda.dev.ayon_standin import AyonStandIn, make_bundle

BAKED = {"core": "1.9.0", "deadline_cloud": "0.2.0"}


@pytest.fixture(scope="module")
def server():
    bundles = [make_bundle("prod", {"core": "1.9.0", "deadline_cloud": "0.2.0", "maya": "0.4.10"}, production=True),
               make_bundle("older", {"core": "1.8.0", "deadline_cloud": "0.2.0"})]
    with AyonStandIn(bundles=bundles) as stand_in:
        yield stand_in


def env(server, **over) -> dict[str, str]:
    return {"AYON_SERVER_URL": server.url, "AYON_API_KEY": server.api_key, "AYON_BUNDLE_NAME": "prod", **over}


def refused(code: int, environ, baked=BAKED) -> str:
    with pytest.raises(preflight.PreflightError) as caught:
        preflight.check(environ, baked, timeout=5)
    assert caught.value.code == code and "\n" not in caught.value.line
    return caught.value.line


def test_a_configured_worker_passes_with_one_request(server):
    before = len(server.requests_seen)
    assert preflight.check(env(server), BAKED) == "prod"
    assert server.requests_seen[before:] == [("GET", "/api/bundles")]


def test_missing_variables_are_named(server):
    assert "AYON_SERVER_URL is not set" in refused(preflight.EX_CONFIG, env(server, AYON_SERVER_URL=""))
    assert "AYON_API_KEY is not set" in refused(preflight.EX_CONFIG, env(server, AYON_API_KEY=""))


def test_a_refused_key_is_named_and_never_printed(server):
    line = refused(preflight.EX_NOPERM, env(server, AYON_API_KEY="not-the-key-0123"))
    assert f"{server.url} refused AYON_API_KEY" in line and "not-the-key" not in line


def test_an_unreachable_server_is_named():
    with socket.socket() as sock:  # a port nothing listens on
        sock.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    line = refused(preflight.EX_UNAVAILABLE, {"AYON_SERVER_URL": url, "AYON_API_KEY": "k", "AYON_BUNDLE_NAME": "prod"})
    assert f"cannot reach the AYON server at {url}" in line


def test_a_url_that_is_not_an_ayon_server(server):
    assert "answered HTTP 404" in refused(preflight.EX_UNAVAILABLE, env(server, AYON_SERVER_URL=server.url + "/nothing"))


def test_an_unknown_bundle_lists_the_servers(server):
    line = refused(preflight.EX_CONFIG, env(server, AYON_BUNDLE_NAME="gone"))
    assert "bundle 'gone' is not on the AYON server" in line and "older, prod" in line


def test_a_bundle_with_other_addon_versions_says_what_ayon_core_would_not_load(server):
    line = refused(preflight.EX_CONFIG, env(server, AYON_BUNDLE_NAME="older"))
    assert "bundle 'older'" in line and "has core 1.8.0, but this package bakes core 1.9.0" in line
    line = refused(preflight.EX_CONFIG, env(server), {"core": "1.9.0", "deadline_cloud": "0.3.0"})
    assert "has deadline_cloud 0.2.0, but this package bakes deadline_cloud 0.3.0" in line


def test_the_studio_bundle_variable_wins_as_in_ayon_core(server):
    assert preflight.check(env(server, AYON_STUDIO_BUNDLE_NAME="prod", AYON_BUNDLE_NAME="no-such-project-bundle"),
                           BAKED) == "prod"


def test_the_command_addon_must_be_in_the_bundle_and_in_the_addons_dir(server, tmp_path):
    """``ayon addon maya ...`` where AYON_ADDONS_DIR lacks maya: one line with the cause, instead
    of ayon-core's "No such command 'maya'" after loading nothing."""
    core_only = {"core": "1.9.0"}
    environ = env(server, AYON_ADDONS_DIR=str(tmp_path))
    with pytest.raises(preflight.PreflightError) as caught:
        preflight.check(environ, core_only, command_addon="maya", missing_hint="the addon sync is not configured")
    assert caught.value.code == preflight.EX_CONFIG
    assert caught.value.line == (f"bundle 'prod' on {server.url} has maya 0.4.10, which is not in AYON_ADDONS_DIR "
                                 f"({tmp_path}), so ayon-core would say \"No such command 'maya'\"; "
                                 "the addon sync is not configured")
    with pytest.raises(preflight.PreflightError, match="has no addon houdini, so there is no 'ayon addon houdini'"):
        preflight.check(environ, core_only, command_addon="houdini")
    (tmp_path / "maya_0.4.10").mkdir()
    assert preflight.check(environ, core_only, command_addon="maya") == "prod"
    assert preflight.check(env(server), BAKED, command_addon="deadline_cloud") == "prod"  # baked: checked above
