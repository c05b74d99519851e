"""The AYON stand-in (ayon_conda.dev.ayon_standin) speaks well enough for the real ``ayon_api``
client: connect and validate a key, act as another user, server version, bundles, addons, private
file download, settings, projects and their bundle overrides, entities through GraphQL and batch
operations, and the error paths, in the shapes a real ayon-backend 1.15 answers."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from pathlib import Path

import ayon_api
import pytest
import requests
from ayon_api.exceptions import FailedOperations, HTTPRequestError, ServerNotReached, UnauthorizedError
from ayon_api.operations import OperationsSession, new_product_entity, new_representation_entity, new_version_entity
from ayon_api.utils import create_entity_id
from ayon_conda.dev.addon_package import client_zip, private_files
from ayon_conda.dev.ayon_standin import (
    AyonStandIn,
    make_bundle,
    project_bundle,
    project_bundle_name,
)

REPO = Path(__file__).resolve().parents[1]
SAMPLE_CLIENT = REPO / "examples" / "addons" / "sample-ayon-core" / "client" / "ayon_core"
CORE = "1.9.0-sample.1"
CORE_OLD = "1.8.0"
SHOW_PROD = project_bundle_name("Show", "production")
CHECKED_SERVER = "1.15.17"  # the ayon-backend whose answers the stand-in's were compared with


def _bundles() -> list[dict]:
    return [
        make_bundle("studio-prod", {"core": CORE}, production=True,
                    created_at="2026-03-01T10:00:00+00:00"),
        make_bundle("studio-staging", {"core": CORE}, staging=True,
                    created_at="2026-03-02T10:00:00+00:00"),
        make_bundle("my-dev", {"core": CORE}, dev=True, created_at="2026-03-03T10:00:00+00:00"),
        make_bundle("retired", {"core": CORE_OLD}, archived=True,
                    created_at="2025-01-01T10:00:00+00:00"),
        project_bundle("Show", "production", {"core": CORE_OLD},
                       created_at="2026-03-04T10:00:00+00:00"),
    ]


def _addons() -> dict:
    return {
        "core": {
            CORE: {"files": private_files(SAMPLE_CLIENT), "title": "Core (sample)"},
            CORE_OLD: {"files": {"client.zip": client_zip(SAMPLE_CLIENT)}},
        },
    }


def _projects() -> dict:
    return {
        "Show": {"bundle": {"production": SHOW_PROD, "staging": None}},
        "Plain": {},
        "Closed": {"active": False},
    }


def _assert_key_never_in_url(server: AyonStandIn, *keys: str) -> None:
    for request in server.requests:
        assert "token=" not in request.query.lower(), request.target
        for key in keys:
            assert key not in request.target, request.target


@pytest.fixture
def server() -> Iterator[AyonStandIn]:
    with AyonStandIn(bundles=_bundles(), addons=_addons(), projects=_projects()) as standin:
        yield standin
        _assert_key_never_in_url(standin, standin.api_key)


@pytest.fixture
def con(server: AyonStandIn) -> Iterator[ayon_api.ServerAPI]:
    connection = ayon_api.ServerAPI(server.url, token=server.api_key, max_retries=1)
    yield connection
    connection.close_session()


def test_connect_validates_the_key_like_ayon(server: AyonStandIn) -> None:
    con = ayon_api.ServerAPI(server.url, token=server.api_key, max_retries=1)
    assert con.has_valid_token
    assert con.is_service_user()  # an API key: refused as Bearer, accepted as X-Api-Key
    # ServerAPI.__init__: availability (GET /), then create_session -> validate_token
    assert server.requests_seen == [("GET", "/"), ("GET", "/api/info"), ("GET", "/api/users/me"),
                                    ("GET", "/api/users/me")]
    bearer, key = server.requests[-2:]
    assert bearer.headers["authorization"] == f"Bearer {server.api_key}"
    assert key.headers["x-api-key"] == server.api_key
    assert con.get_user()["name"] == server.user["name"]
    con.close_session()


def test_server_version_and_info(server: AyonStandIn, con: ayon_api.ServerAPI) -> None:
    server.clear_requests()
    assert con.get_server_version() == "1.8.4"
    assert con.get_server_version_tuple()[:3] == (1, 8, 4)
    assert con.get_server_version() == "1.8.4"
    assert server.requests_seen == [("GET", "/api/info")]  # cached by ayon_api: asked once
    assert con.get_info()["user"]["name"] == server.user["name"]
    anonymous = requests.get(f"{server.url}/api/info", timeout=5)
    assert anonymous.status_code == 200
    assert anonymous.json()["version"] == "1.8.4"
    assert "user" not in anonymous.json()


def test_bundles(con: ayon_api.ServerAPI) -> None:
    data = con.get_bundles()
    assert data["productionBundle"] == "studio-prod"
    assert data["stagingBundle"] == "studio-staging"
    assert data["devBundles"] == ["my-dev"]
    names = [b["name"] for b in data["bundles"]]
    assert names == [SHOW_PROD, "my-dev", "studio-staging", "studio-prod"]  # newest first
    assert "retired" not in names  # archived bundles only with ?archived=true
    prod = next(b for b in data["bundles"] if b["name"] == "studio-prod")
    assert prod["addons"] == {"core": CORE}
    assert prod["isProduction"] and not prod["isStaging"] and not prod["isProject"]
    archived = con.get("bundles", archived="true")
    assert "retired" in [b["name"] for b in archived.data["bundles"]]


def test_addons_info(con: ayon_api.ServerAPI) -> None:
    (core,) = con.get_addons_info(details=True)["addons"]
    assert core["name"] == "core"
    assert core["title"] == "Core (sample)"
    assert core["productionVersion"] == CORE and core["stagingVersion"] == CORE
    assert list(core["versions"]) == [CORE_OLD, CORE]
    current = core["versions"][CORE]
    assert current["clientSourceInfo"] == [{"type": "server", "filename": "client.zip"}]
    assert current["clientPyproject"]["project"]["name"] == "core"
    assert current["clientPyproject"]["ayon"]["runtimeDependencies"]["Click"] == "^8"
    assert "clientPyproject" not in core["versions"][CORE_OLD]  # no private pyproject.toml
    (plain,) = con.get_addons_info(details=False)["addons"]
    assert "clientSourceInfo" not in plain["versions"][CORE]


def test_download_addon_private_file(server: AyonStandIn, con: ayon_api.ServerAPI,
                                     tmp_path: Path) -> None:
    path = con.download_addon_private_file("core", CORE, "client.zip", str(tmp_path))
    expected = server.addons["core"][CORE]["files"]["client.zip"]
    assert Path(path).read_bytes() == expected
    assert ("GET", f"/addons/core/{CORE}/private/client.zip") in server.requests_seen
    with zipfile.ZipFile(io.BytesIO(expected)) as zf:
        names = zf.namelist()
    assert names == sorted(names)
    assert "ayon_core/__init__.py" in names
    assert all(n.startswith("ayon_core/") and "__pycache__" not in n for n in names)


def test_missing_private_file_is_404(server: AyonStandIn, tmp_path: Path) -> None:
    con = ayon_api.ServerAPI(server.url, token=server.api_key, max_retries=2)
    with pytest.raises(requests.HTTPError) as info:
        con.download_addon_private_file("core", CORE, "nope.zip", str(tmp_path))
    con.close_session()
    assert info.value.response.status_code == 404
    # ayon_api retries a 404 once under /api, as it would against AYON
    assert server.requests_seen[-2:] == [
        ("GET", f"/addons/core/{CORE}/private/nope.zip"),
        ("GET", f"/api/addons/core/{CORE}/private/nope.zip"),
    ]
    response = requests.get(f"{server.url}/addons/core/{CORE}/private/nope.zip",
                            headers={"x-api-key": server.api_key}, timeout=5)
    assert response.status_code == 404
    assert response.json() == {"code": 404, "detail": "File not found"}  # as ayon-backend 1.15 answers


def test_ayon_api_quirk_missing_file_with_one_try_is_silent(server: AyonStandIn,
                                                            con: ayon_api.ServerAPI,
                                                            tmp_path: Path) -> None:
    """ayon_api 1.2.25 spends its only try (max_retries=1) on the /api retry after a 404, then
    returns as if the download worked: an empty file and no error. Code that downloads client
    code must not rely on download_addon_private_file raising for a missing file."""
    path = con.download_addon_private_file("core", CORE, "nope.zip", str(tmp_path))
    assert Path(path).read_bytes() == b""
    assert server.requests_seen[-1] == ("GET", f"/addons/core/{CORE}/private/nope.zip")


def test_private_file_needs_the_key(server: AyonStandIn) -> None:
    url = f"{server.url}/addons/core/{CORE}/private/client.zip"
    assert requests.get(url, timeout=5).status_code == 401
    ok = requests.get(url, headers={"x-api-key": server.api_key}, timeout=5)
    assert ok.status_code == 200
    assert int(ok.headers["Content-Length"]) == len(ok.content)
    rest = requests.get(url, headers={"x-api-key": server.api_key, "Range": "bytes=10-"},
                        timeout=5)
    assert rest.status_code == 206 and rest.content == ok.content[10:]


def test_projects_and_their_bundle_override(server: AyonStandIn,
                                            con: ayon_api.ServerAPI) -> None:
    assert con.get_project_names() == ["Plain", "Show"]  # active only, by default
    assert con.get_project_names(active=None) == ["Plain", "Show", "Closed"]
    show = con.get_project("Show")
    assert show["data"]["bundle"] == {"production": SHOW_PROD}  # where AYON stores it
    assert show["bundle"] == {"production": SHOW_PROD, "staging": None}  # ayon_api derives it
    plain = con.get_project("Plain")
    assert "bundle" not in plain["data"]
    assert plain["bundle"] == {"production": None, "staging": None}
    assert con.get_project("Nope") is None
    # resolving the override: the project bundle is listed with the others
    bundles = {b["name"]: b for b in con.get_bundles()["bundles"]}
    assert bundles[SHOW_PROD]["isProject"]
    assert bundles[SHOW_PROD]["addons"] == {"core": CORE_OLD}


def test_wrong_key_is_not_valid(server: AyonStandIn) -> None:
    con = ayon_api.ServerAPI(server.url, token="wrong-key", max_retries=1)
    assert not con.has_valid_token
    with pytest.raises(UnauthorizedError):
        con.get_bundles()
    con.close_session()
    url = f"{server.url}/api/bundles"
    for headers, detail in (
        ({}, "Access token is missing"),
        ({"Authorization": "Bearer wrong-key"}, "Invalid access token"),
        ({"x-api-key": "wrong-key"}, "Invalid API key"),
    ):
        response = requests.get(url, headers=headers, timeout=5)
        assert response.status_code == 401
        assert response.json() == {"code": 401, "detail": detail}
    _assert_key_never_in_url(server, server.api_key, "wrong-key")


def test_bearer_server(server: AyonStandIn) -> None:
    """With ``bearer_auth`` the key also works as a session token: ayon_api then treats it as a
    user's, not a service's, and cannot act as another user."""
    with AyonStandIn(bundles=_bundles(), bearer_auth=True, users=["artist"]) as lenient:
        con = ayon_api.ServerAPI(lenient.url, token=lenient.api_key, max_retries=1)
        assert con.has_valid_token
        assert not con.is_service_user()
        assert con.get_bundles()["productionBundle"] == "studio-prod"
        assert lenient.requests[-1].headers["authorization"] == f"Bearer {lenient.api_key}"
        with pytest.raises(ValueError, match="not a service token"):
            con.set_default_service_username("artist")
        con.close_session()
        _assert_key_never_in_url(lenient, lenient.api_key)


def test_down_server(server: AyonStandIn, con: ayon_api.ServerAPI) -> None:
    server.down = True
    with pytest.raises(ServerNotReached):
        ayon_api.ServerAPI(server.url, token=server.api_key, max_retries=1)
    with pytest.raises(HTTPRequestError) as info:
        con.get_bundles()
    assert info.value.response.status_code == 503
    assert info.value.response.json() == {"code": 503, "detail": "Service unavailable"}
    server.down = False
    assert con.get_bundles()["productionBundle"] == "studio-prod"


def test_fail_next(server: AyonStandIn, con: ayon_api.ServerAPI, tmp_path: Path) -> None:
    server.fail_next(500)
    with pytest.raises(HTTPRequestError):
        con.get_addons_info()
    assert con.get_addons_info()["addons"]  # only the next request failed
    server.fail_next(500)
    with pytest.raises(requests.HTTPError):
        con.download_addon_private_file("core", CORE, "client.zip", str(tmp_path))


def test_stopped_server_is_unreachable() -> None:
    standin = AyonStandIn().start()
    url = standin.url
    standin.stop()
    with pytest.raises(requests.ConnectionError):
        ayon_api.ServerAPI(url, token=standin.api_key, max_retries=1)


def test_unknown_paths_are_ayon_404s(server: AyonStandIn) -> None:
    response = requests.get(f"{server.url}/api/nothing-here", timeout=5)
    assert response.status_code == 404
    assert response.json() == {"code": 404, "detail": "API endpoint /api/nothing-here not found",
                               "path": "/api/nothing-here"}
    post = requests.post(f"{server.url}/api/bundles", json={},
                         headers={"x-api-key": server.api_key}, timeout=5)
    assert post.status_code == 405


def test_a_service_key_acts_as_a_known_user_only(server: AyonStandIn, con: ayon_api.ServerAPI) -> None:
    server.add_user("artist")
    con.set_default_service_username("artist")
    assert con.get_user()["name"] == "artist"
    assert server.requests[-1].headers["x-as-user"] == "artist"
    con.set_default_service_username("nobody")
    with pytest.raises(HTTPRequestError) as info:  # ayon-backend 1.15 answers 500 to everything
        con.get_bundles()
    assert info.value.response.status_code == 500
    con.set_default_service_username(None)
    assert con.get_bundles()["productionBundle"] == "studio-prod"


def test_settings_of_a_bundle(server: AyonStandIn, con: ayon_api.ServerAPI) -> None:
    server.addons["core"][CORE]["settings"] = {"environments": '{"STUDIO": "1"}'}
    summary = con.get("settings", bundle_name="studio-prod", summary="true").data
    assert summary["bundleName"] == "studio-prod"
    assert [(a["name"], a["version"], a["settings"]) for a in summary["addons"]] == [("core", CORE, {})]
    full = con.get("settings", bundle_name="studio-prod", variant="production").data
    assert full["addons"][0]["settings"] == {"environments": '{"STUDIO": "1"}'}
    with_project = con.get("settings", bundle_name="studio-prod", project_bundle_name=SHOW_PROD).data
    assert [(a["name"], a["version"]) for a in with_project["addons"]] == [("core", CORE_OLD)]
    missing = con.get("settings", bundle_name="nope")
    assert missing.status_code == 404 and missing.data["detail"] == "Bundle not found"


@pytest.fixture
def site(tmp_path: Path) -> Iterator[AyonStandIn]:
    with AyonStandIn(projects={"Show": {"code": "sh", "roots": {"work": str(tmp_path)}}}, users=["artist"],
                     server_version=CHECKED_SERVER) as standin:
        standin.store.add_folder("Show", "/shots", "Folder")
        standin.store.add_folder("Show", "/shots/sh010", "Shot")
        standin.store.add_task("Show", "/shots/sh010", "lighting", "Lighting")
        yield standin


def _publish(con: ayon_api.ServerAPI, folder_id: str, version: int, product_id: str | None = None) -> str:
    session = OperationsSession(con=con)
    if product_id is None:
        product = new_product_entity("renderMain", "render", folder_id)
        session.create_entity("Show", "product", product)
        product_id = product["id"]
    version_entity = new_version_entity(version, product_id)
    session.create_entity("Show", "version", version_entity)
    session.create_entity("Show", "representation", new_representation_entity(
        "exr", version_entity["id"], files=[{"id": create_entity_id(), "name": "a.exr", "size": 3,
                                             "path": "{root[work]}/a.exr", "hash": "a"}]))
    session.commit()
    return product_id


def test_entities_as_ayon_api_reads_and_writes_them(site: AyonStandIn, tmp_path: Path) -> None:
    con = ayon_api.ServerAPI(site.url, token=site.api_key, max_retries=1)
    project = con.get_project("Show")
    assert project["config"]["roots"]["work"]["linux"] == str(tmp_path)
    assert project["config"]["templates"]["publish"]["default"]["file"].endswith(".{ext}")
    assert con.get_project_root_overrides_by_site_id("Show", "any-site") == {}
    folder = con.get_folder_by_path("Show", "/shots/sh010")
    assert folder["folderType"] == "Shot" and folder["attrib"]["fps"] == 25.0  # inherited from the project
    assert con.get_folder_by_path("Show", "/shots/nope") is None
    task = con.get_task_by_name("Show", folder["id"], "lighting")
    assert task["taskType"] == "Lighting" and task["folderId"] == folder["id"]

    con.set_default_service_username("artist")
    product_id = _publish(con, folder["id"], 1)
    _publish(con, folder["id"], 2, product_id)
    assert con.get_product_by_name("Show", "renderMain", folder["id"])["productBaseType"] == "render"
    latest = con.get_last_version_by_product_id("Show", product_id)
    assert latest["version"] == 2 and latest["name"] == "v002" and latest["author"] == "artist"
    (repre,) = con.get_representations("Show", version_ids=[latest["id"]])
    assert repre["files"][0]["path"] == "{root[work]}/a.exr" and repre["files"][0]["size"] == 3  # a string in GraphQL
    assert [v["version"] for v in con.get_versions("Show", product_ids=[product_id])] == [1, 2]
    assert ("POST", "/graphql") in site.requests_seen
    con.close_session()


def test_a_failed_operation_undoes_its_batch(site: AyonStandIn) -> None:
    con = ayon_api.ServerAPI(site.url, token=site.api_key, max_retries=1)
    folder = con.get_folder_by_path("Show", "/shots/sh010")
    product_id = _publish(con, folder["id"], 1)
    with pytest.raises(FailedOperations, match="already exists"):
        _publish(con, folder["id"], 1, product_id)  # version 1 again: unique per product
    assert [v["version"] for v in site.store.entities("Show", "version")] == [1]
    assert len(site.store.entities("Show", "representation")) == 1  # the batch's other create undone
    with pytest.raises(FailedOperations, match="does not exist"):
        _publish(con, create_entity_id(), 1)  # no such folder
    con.close_session()


def test_graphql_refuses_what_it_cannot_answer(site: AyonStandIn) -> None:
    def query(text: str, **variables) -> dict:
        response = requests.post(f"{site.url}/graphql", json={"query": text, "variables": variables},
                                 headers={"x-api-key": site.api_key}, timeout=5)
        assert response.status_code == 200  # AYON reports GraphQL errors in the body
        return response.json()

    ok = query("query F($projectName: String!) { project(name: $projectName) { folders { edges { node { name } } "
               "pageInfo { hasNextPage } } } }", projectName="Show")
    assert [e["node"]["name"] for e in ok["data"]["project"]["folders"]["edges"]] == ["shots", "sh010"]
    assert query('{ project(name: "Nope") { name } }')["errors"][0]["message"] == "Project not found"
    unknown_arg = query('{ project(name: "Show") { folders(badArg: 1) { edges { node { id } } } } }')
    assert unknown_arg["errors"][0]["message"] == "Unknown argument 'badArg' on field 'ProjectNode.folders'."
    unknown_field = query('{ project(name: "Show") { folders { edges { node { nope } } } } }')
    assert unknown_field["errors"][0]["message"] == "Cannot query field 'nope' on type 'FolderNode'."
    assert requests.post(f"{site.url}/graphql", json={"query": "{ project { name } }"}, timeout=5).status_code == 401
