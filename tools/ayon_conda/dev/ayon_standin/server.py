"""The AYON stand-in's HTTP side: a local server the real ``ayon_api`` client talks to (dev only).

This is *not* an AYON server. It answers what this project's code and the sample addons ask an
AYON server, in the shapes ynput/ayon-backend 1.15 answers them (checked against a running
one), from data given in Python: bundles, addons with their private files and settings,
projects with their entities, users. It keeps everything in memory.

    with AyonStandIn(
        bundles=[make_bundle("prod", {"core": "1.0.0"}, production=True)],
        addons={"core": {"1.0.0": {"files": private_files(CLIENT_DIR), "settings": {...}}}},
        projects={"Show": {"roots": {"work": "/tmp/projects"}}},
    ) as server:
        server.store.add_folder("Show", "/sh010", "Shot")
        con = ayon_api.ServerAPI(server.url, token=server.api_key, max_retries=1)
        con.get_bundles()["productionBundle"]            # -> "prod"
        assert ("GET", "/api/bundles") in server.requests_seen

What it serves (JSON unless noted; camelCase keys as AYON sends them):

* ``GET /`` -- 200 HTML (``ServerAPI.is_server_available`` only looks at the status code).
* ``GET /api/info`` -- no authentication needed: ``version`` and ``uptime``; with a valid key
  also ``user``, ``attributes`` and ``sites``. A wrong key is treated as no key (as AYON does).
* ``GET /api/users/me``, ``GET /api/users/{name}`` -- user entities. A service key may act as
  another user (``X-as-user``, what ``set_default_service_username`` sends); an unknown one
  makes every request fail with 500, as ayon-backend 1.15 does.
* ``GET /api/attributes`` -- a small attribute schema.
* ``GET /api/bundles[?archived=true]`` -- ``{"bundles", "productionBundle", "stagingBundle",
  "devBundles"}``; archived bundles only with ``archived=true``; newest ``createdAt`` first.
* ``GET /api/addons[?details=1]`` -- ``{"addons": [...]}``; with details every version also has
  ``clientSourceInfo`` and ``clientPyproject`` (its private ``pyproject.toml``, parsed).
* ``GET /addons/{name}/{version}/private/{path}`` -- the file's bytes (``Range: bytes=N-`` too).
  Not under ``/api``: that is where AYON mounts private addon files.
* ``GET /api/settings?bundle_name=B[&summary=true][&project_bundle_name=P][&variant=..]
  [&project_name=..][&site_id=..]`` -- ``{"bundleName", "addons": [{name, version, settings,
  ...}], "inheritedAddons"}`` for the addons of the bundle the stand-in has (their ``settings``
  entry; empty with ``summary``); an unknown bundle is 404 "Bundle not found".
* ``GET /api/projects[?active=..&library=..]``, ``GET /api/projects/{name}`` -- the project
  (``config`` with ``roots`` and ``templates``; a bundle override in ``data["bundle"]``, whose
  names are *project bundles*: ``isProject`` entries of ``bundles``, named
  ``__project__<project>__<variant>``).
* ``GET /api/projects/{name}/roots`` -- root overrides per site: none.
* ``POST /api/projects/{name}/operations`` -- batch create/update/delete (``projects.py``);
  ``POST .../operations/background`` the same as a task, done at once, whose
  ``GET .../operations/background/{id}`` answers ``completed`` with the result (what
  ayon-python-api 1.2's ``OperationsSession.commit`` uses).
* ``POST /graphql`` -- entity queries (``graphql.py``).

Anything else is a 404 in AYON's shape (``{"code", "detail", "path"}``); a known path with another
method is a 405 (``{"detail"}``); other errors are ``{"code", "detail"}`` as ayon-backend 1.15 sends them. Everything but ``/`` and ``/api/info`` needs ``x-api-key: <api_key>`` (or, with
``bearer_auth=True``, ``Authorization: Bearer <api_key>``, which AYON accepts only for session
tokens and which makes ayon_api treat the key as a user's, not a service's), otherwise 401.

For assertions: ``requests_seen`` lists ``(method, path)`` of every request, ``requests`` the
full ``SeenRequest`` records; ``store`` holds the entities. For error paths: ``down = True``
(every request answers 503 like a restarting AYON) or ``fail_next(status, count)``.
``ayon_api`` retries 502/503 with a 2 s pause, so give the client ``max_retries=1`` in tests of those.

Standard library only; the server binds 127.0.0.1 on a free port and runs in a daemon thread.
"""

from __future__ import annotations

import copy
import json
import re
import threading
import time
import tomllib
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self
from urllib.parse import parse_qs, unquote, urlsplit

from . import graphql
from .projects import OperationFailed, ProjectStore

DEFAULT_API_KEY = "ayon-conda-test-api-key-0123456789abcdef"
DEFAULT_SERVER_VERSION = "1.8.4"
DEFAULT_CREATED_AT = "2026-01-01T00:00:00+00:00"
_CHUNK = 64 * 1024


def _user(name: str, *, service: bool = False, admin: bool = False, full_name: str = "") -> dict[str, Any]:
    return {
        "name": name, "active": True,
        "attrib": {"fullName": full_name or name, "email": f"{name}@example.invalid", "avatarUrl": None},
        "data": {"isAdmin": admin, "isManager": False, "isService": service, "isGuest": False},
        "createdAt": DEFAULT_CREATED_AT, "updatedAt": DEFAULT_CREATED_AT,
    }


DEFAULT_USER: dict[str, Any] = _user("ayon-conda-test", service=True, full_name="ayon-conda tests")


def _attribute(name: str, position: int, scope: list[str], type_: str, title: str,
               default: Any = None) -> dict[str, Any]:
    return {
        "name": name, "position": position, "scope": scope, "builtin": True,
        "data": {"type": type_, "title": title, "default": default, "inherit": True},
    }


_ENTITY_SCOPE = ["project", "folder", "version", "representation", "task"]
DEFAULT_ATTRIBUTES: list[dict[str, Any]] = [
    _attribute("fps", 0, _ENTITY_SCOPE, "float", "FPS", 25.0),
    _attribute("resolutionWidth", 1, _ENTITY_SCOPE, "integer", "Width", 1920),
    _attribute("resolutionHeight", 2, _ENTITY_SCOPE, "integer", "Height", 1080),
    _attribute("frameStart", 3, _ENTITY_SCOPE, "integer", "Start frame", 1001),
    _attribute("frameEnd", 4, _ENTITY_SCOPE, "integer", "End frame", 1001),
    _attribute("path", 5, ["representation"], "string", "Path"),
    _attribute("template", 6, ["representation"], "string", "Template"),
    _attribute("fullName", 7, ["user"], "string", "Full name"),
    _attribute("email", 8, ["user"], "string", "E-Mail"),
    _attribute("avatarUrl", 9, ["user"], "string", "Avatar URL"),
    _attribute("comment", 10, ["version"], "string", "Comment"),
]

# Keys of an addon version's entry that describe the addon as a whole (AYON lists them once per
# addon); "files" and "settings" are the stand-in's own; the rest is per-version metadata.
_ADDON_LEVEL_KEYS = ("title", "description", "addonType", "system")
_STANDIN_KEYS = ("files", "settings")


# -- builders of inputs ---------------------------------------------------------------------------

def make_bundle(name: str, addons: Mapping[str, str | None], *, production: bool = False,
                staging: bool = False, dev: bool = False, archived: bool = False,
                project: bool = False, installer_version: str | None = "1.5.4",
                dependency_packages: Mapping[str, str | None] | None = None,
                created_at: str = DEFAULT_CREATED_AT) -> dict[str, Any]:
    """A bundle dict as ``GET /api/bundles`` lists it (ayon-backend ``BundleModel``)."""
    return {
        "name": name,
        "createdAt": created_at,
        "isProject": project,
        "addons": dict(addons),
        "installerVersion": installer_version,
        "dependencyPackages": dict(dependency_packages or {}),
        "addonDevelopment": {},
        "isProduction": production,
        "isStaging": staging,
        "isArchived": archived,
        "isDev": dev,
        "activeUser": None,
    }


def project_bundle_name(project_name: str, variant: str) -> str:
    """The name AYON gives a project's bundle (``ayon_server.bundles.project_bundles``)."""
    return f"__project__{project_name}__{variant}"


def project_bundle(project_name: str, variant: str, addons: Mapping[str, str | None],
                   **kwargs: Any) -> dict[str, Any]:
    """A project bundle: ``isProject`` set, never production/staging/dev.

    ``addons`` holds only the addons the project overrides: a version, or ``None`` to disable
    the addon for the project. Reference it from the project with
    ``{"bundle": {variant: <this bundle's name>}}``.
    """
    return make_bundle(project_bundle_name(project_name, variant), addons, project=True, **kwargs)


# -- the server -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class SeenRequest:
    """One request the stand-in received."""

    method: str
    path: str  # decoded, without the query string
    query: str  # raw query string, "" if none
    target: str  # the raw request target as sent (path and query)
    headers: dict[str, str] = field(default_factory=dict)  # names lower-cased


class _HttpError(Exception):
    def __init__(self, status: int, detail: str, *, with_path: bool = False, status_code: bool = False,
                 detail_only: bool = False) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.with_path = with_path  # AYON adds the path to its generic 404 answers,
        self.status_code = status_code  # "status_code" to some others,
        self.detail_only = detail_only  # and sends only "detail" with a 405


def _semver_key(version: str) -> tuple:
    match = re.fullmatch(r"(\d+)\.(\d+)\.(\d+)(?:-([0-9A-Za-z.-]+))?(?:\+.*)?", version)
    if not match:
        return (1, version)
    major, minor, patch, pre = match.groups()
    # a pre-release sorts before its release; numeric identifiers before alphanumeric ones
    pre_key = (1,) if pre is None else (0, tuple(
        (0, int(p), "") if p.isdigit() else (1, 0, p) for p in pre.split(".")))
    return (0, int(major), int(minor), int(patch), pre_key)


def _query_bool(query: dict[str, list[str]], name: str) -> bool | None:
    values = query.get(name)
    if not values:
        return None
    return values[-1].strip().lower() in ("1", "true", "yes", "on")


def _query_str(query: dict[str, list[str]], name: str) -> str | None:
    values = query.get(name)
    return values[-1] if values else None


class AyonStandIn:
    """A local stand-in AYON server (see the module docstring). Use as a context manager.

    Args:
        bundles: bundle dicts as AYON lists them (see ``make_bundle``).
        addons: ``{name: {version: {"files": {filename: bytes}, "settings": {...}, **metadata}}}``.
            ``files`` are the private files (``client.zip``, ``pyproject.toml``), ``settings``
            the studio settings ``/api/settings`` serves; other keys are served per version as
            given (camelCase), except ``title``, ``description``, ``addonType`` and ``system``,
            which describe the addon as a whole.
        projects: ``{name: {...}}``: ``code``, ``roots`` (root name -> path, or -> per-platform
            paths), ``"bundle": {"production": name|None, "staging": name|None}`` (stored as
            AYON stores it, in ``data["bundle"]``); other keys override the entity's.
        api_key: the key requests must carry; it belongs to ``user``.
        server_version: what ``/api/info`` reports.
        user: the key's user (a service user by default).
        users: more users (by name) a service key may act as.
        bearer_auth: also accept the key as ``Authorization: Bearer``.
    """

    def __init__(self, *, bundles: list[dict[str, Any]] | None = None,
                 addons: dict[str, dict[str, dict[str, Any]]] | None = None,
                 projects: dict[str, dict[str, Any]] | None = None,
                 api_key: str = DEFAULT_API_KEY, server_version: str = DEFAULT_SERVER_VERSION,
                 user: dict[str, Any] | None = None, users: list[str] | None = None,
                 bearer_auth: bool = False) -> None:
        self.bundles: list[dict[str, Any]] = list(bundles or [])
        self.addons: dict[str, dict[str, dict[str, Any]]] = dict(addons or {})
        self.api_key = api_key
        self.server_version = server_version
        self.user: dict[str, Any] = dict(user or DEFAULT_USER)
        self.users: dict[str, dict[str, Any]] = {self.user["name"]: self.user}
        for name in users or ():
            self.add_user(name)
        self.attributes: list[dict[str, Any]] = list(DEFAULT_ATTRIBUTES)
        self.bearer_auth = bearer_auth
        self.down = False  # when True every request answers 503
        self.store = ProjectStore()
        for name, spec in (projects or {}).items():
            self.add_project(name, **spec)
        self._check_bundles()
        self._lock = threading.Lock()
        self._seen: list[SeenRequest] = []
        self._failures: list[tuple[int, str]] = []
        self._background: dict[str, dict[str, Any]] = {}
        self._started = time.monotonic()
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle --

    def start(self) -> Self:
        if self._httpd is not None:
            raise RuntimeError("the stand-in is already running")
        httpd = _Server(("127.0.0.1", 0), _Handler)
        httpd.standin = self
        self._httpd = httpd
        self._thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="ayon-standin", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        httpd, self._httpd = self._httpd, None
        if httpd is None:
            return
        httpd.shutdown()
        httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        if self._httpd is None:
            raise RuntimeError("the stand-in is not running")
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    # -- content --

    def add_user(self, name: str) -> dict[str, Any]:
        """A user the service key may act as (``--user-name`` of a publish)."""
        self.users[name] = _user(name)
        return self.users[name]

    def add_project(self, name: str, *, bundle: Mapping[str, str | None] | None = None,
                    **spec: Any) -> None:
        """A project (see the ``projects`` argument)."""
        data = dict(spec.pop("data", None) or {})
        if bundle is not None:
            merged = {k: v for k, v in {**data.get("bundle", {}), **bundle}.items() if v is not None}
            if merged:
                data["bundle"] = merged
            else:
                data.pop("bundle", None)
        self.store.add_project(name, spec.pop("code", None), roots=spec.pop("roots", None), data=data, **spec)

    # -- test controls --

    @property
    def requests_seen(self) -> list[tuple[str, str]]:
        """``(method, path)`` of every request so far, path without the query string."""
        with self._lock:
            return [(r.method, r.path) for r in self._seen]

    @property
    def requests(self) -> list[SeenRequest]:
        with self._lock:
            return list(self._seen)

    def clear_requests(self) -> None:
        with self._lock:
            self._seen.clear()

    def fail_next(self, status: int = 500, count: int = 1, detail: str | None = None) -> None:
        """Answer the next ``count`` requests (any path) with ``status`` and an AYON error body."""
        with self._lock:
            self._failures.extend([(status, detail or f"Stand-in failure {status}")] * count)

    # -- state --

    def _check_bundles(self) -> None:
        names = [b["name"] for b in self.bundles]
        if len(names) != len(set(names)):
            raise ValueError(f"duplicate bundle names: {names}")
        for flag in ("isProduction", "isStaging"):
            flagged = [b["name"] for b in self.bundles if b.get(flag)]
            if len(flagged) > 1:
                raise ValueError(f"AYON allows one bundle with {flag}, got {flagged}")
        for bundle in self.bundles:
            if bundle.get("isProject") and (
                    bundle.get("isProduction") or bundle.get("isStaging") or bundle.get("isDev")):
                raise ValueError(f"project bundle {bundle['name']} cannot be production, "
                                 "staging or dev")

    def _record(self, request: SeenRequest) -> tuple[int, str] | None:
        with self._lock:
            self._seen.append(request)
            if self._failures and not self.down:
                return self._failures.pop(0)
        return None

    def _served_bundles(self) -> list[dict[str, Any]]:
        out = []
        for bundle in self.bundles:
            served = make_bundle(bundle["name"], {}, installer_version=None,
                                 created_at=bundle.get("createdAt", DEFAULT_CREATED_AT))
            served.update(bundle)
            out.append(served)
        return out

    def _studio_bundle(self, variant: str) -> dict[str, Any] | None:
        flag = "isProduction" if variant == "production" else "isStaging"
        return next((b for b in self.bundles if b.get(flag)), None)

    # -- endpoints --

    def _authorize(self, headers: Mapping[str, str]) -> dict[str, Any]:
        """The user the request acts as; raises 401 without a valid key."""
        x_api_key = headers.get("x-api-key")
        authorization = headers.get("authorization")
        if x_api_key is not None:
            if x_api_key != self.api_key:
                raise _HttpError(401, "Invalid API key")
            as_user = headers.get("x-as-user")
            if as_user and self.user["data"].get("isService"):
                if as_user not in self.users:  # ayon-backend 1.15 answers every such request 500
                    raise _HttpError(500, "Internal Server Error")
                return self.users[as_user]
            return self.user
        if authorization is None:
            raise _HttpError(401, "Access token is missing")
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not self.bearer_auth or token.strip() != self.api_key:
            raise _HttpError(401, "Invalid access token")
        return self.user

    def _info(self, headers: Mapping[str, str]) -> dict[str, Any]:
        info: dict[str, Any] = {
            "version": self.server_version,
            "uptime": time.monotonic() - self._started,
        }
        try:
            user = self._authorize(headers)
        except _HttpError:
            info.update({"noAdminUser": False, "sites": [], "ssoOptions": []})
            return info
        sites = []
        if headers.get("x-ayon-site-id"):
            sites.append({
                "id": headers["x-ayon-site-id"],
                "platform": headers.get("x-ayon-platform"),
                "hostname": headers.get("x-ayon-hostname"),
                "version": headers.get("x-ayon-version"),
                "users": [user["name"]],
            })
        info.update({"user": user, "attributes": self.attributes, "sites": sites, "ssoOptions": []})
        return info

    def _bundles(self, query: dict[str, list[str]]) -> dict[str, Any]:
        bundles = self._served_bundles()
        if not _query_bool(query, "archived"):
            bundles = [b for b in bundles if not b["isArchived"]]
        bundles.sort(key=lambda b: b["createdAt"], reverse=True)
        return {
            "bundles": bundles,
            "productionBundle": next((b["name"] for b in bundles if b["isProduction"]), None),
            "stagingBundle": next((b["name"] for b in bundles if b["isStaging"]), None),
            "devBundles": [b["name"] for b in bundles if b["isDev"]],
        }

    def _addons(self, query: dict[str, list[str]]) -> dict[str, Any]:
        details = bool(_query_bool(query, "details"))
        production = self._studio_bundle("production") or {}
        staging = self._studio_bundle("staging") or {}
        items = []
        for name in sorted(self.addons):
            addon_meta: dict[str, Any] = {}
            versions = {}
            for version in sorted(self.addons[name], key=_semver_key):
                entry = dict(self.addons[name][version])
                files: dict[str, bytes] = entry.get("files") or {}
                for key in _ADDON_LEVEL_KEYS:
                    if key in entry:
                        addon_meta[key] = entry.pop(key)
                info: dict[str, Any] = {"hasSettings": "settings" in entry, "hasSiteSettings": False,
                                        "frontendScopes": {}}
                if details:
                    if "pyproject.toml" in files:
                        info["clientPyproject"] = tomllib.loads(
                            files["pyproject.toml"].decode("utf-8"))
                    if "client.zip" in files:
                        info["clientSourceInfo"] = [{"type": "server", "filename": "client.zip"}]
                info["isBroken"] = False
                for key, value in entry.items():
                    if key in _STANDIN_KEYS:
                        continue
                    if details or key not in ("clientPyproject", "clientSourceInfo", "services"):
                        info[key] = value
                versions[version] = {k: v for k, v in info.items() if v is not None}
            if not versions:
                continue
            item = {
                "name": name,
                "title": addon_meta.get("title", name),
                "versions": versions,
                "description": addon_meta.get("description", ""),
                "productionVersion": (production.get("addons") or {}).get(name),
                "stagingVersion": (staging.get("addons") or {}).get(name),
                "addonType": addon_meta.get("addonType", "pipeline"),
                "system": addon_meta.get("system"),
            }
            items.append({k: v for k, v in item.items() if v is not None})
        return {"addons": items}

    def _settings(self, query: dict[str, list[str]]) -> dict[str, Any]:
        bundle_name = _query_str(query, "bundle_name")
        bundles = {b["name"]: b for b in self.bundles}
        if not bundle_name:
            bundle = self._studio_bundle(_query_str(query, "variant") or "production")
        else:
            bundle = bundles.get(bundle_name)
        if bundle is None:
            raise _HttpError(404, "Bundle not found", status_code=True)
        addons = dict(bundle.get("addons") or {})
        project_bundle_name = _query_str(query, "project_bundle_name")
        if project_bundle_name:
            if project_bundle_name not in bundles:
                raise _HttpError(404, "Bundle not found", status_code=True)
            addons.update(bundles[project_bundle_name].get("addons") or {})
        summary = bool(_query_bool(query, "summary"))
        out = []
        for name, version in addons.items():
            entry = (self.addons.get(name) or {}).get(version) if version else None
            if entry is None:  # not installed on this server, or disabled
                continue
            has_settings = "settings" in entry
            out.append({
                "name": name, "version": version, "title": entry.get("title", name),
                "hasSettings": has_settings, "hasProjectSettings": has_settings,
                "hasProjectSiteSettings": False, "hasSiteSettings": False,
                "settings": {} if summary else copy.deepcopy(entry.get("settings") or {}),
                "siteSettings": {}, "isBroken": False, "isProjectBundle": False,
            })
        return {"bundleName": bundle["name"], "addons": out, "inheritedAddons": []}

    def _projects(self, query: dict[str, list[str]]) -> dict[str, Any]:
        active = _query_bool(query, "active")
        library = _query_bool(query, "library")
        rows = []
        for project in list(self.store.projects.values()):
            entity = project.entity()
            if active is not None and bool(entity["active"]) != active:
                continue
            if library is not None and bool(entity["library"]) != library:
                continue
            rows.append({k: entity[k] for k in ("name", "code", "active", "createdAt", "updatedAt")})
        rows.sort(key=lambda p: (not p["active"], p["name"]))  # AYON: "active desc, name"
        if not rows:
            return {"detail": "No projects", "count": 0, "projects": []}
        return {"detail": f"Showing {len(rows)} of {len(rows)} projects", "count": len(rows),
                "projects": rows}

    def _project(self, name: str) -> Any:
        project = self.store.get(name)
        if project is None:
            raise _HttpError(404, f"Project {name} not found")
        return project

    def _background_task(self, result: dict[str, Any]) -> dict[str, Any]:
        task_id = uuid.uuid1().hex
        with self._lock:
            self._background[task_id] = result
        return {"id": task_id, "status": "pending", "progress": None, "result": None}

    def _background_result(self, task_id: str) -> dict[str, Any]:
        with self._lock:
            result = self._background.get(task_id)
        if result is None:
            raise _HttpError(404, f"Background operations task '{task_id}' not found")
        return {"id": task_id, "status": "completed", "progress": 100.0, "result": result}

    def _private_file(self, name: str, version: str, path: str) -> bytes:
        versions = self.addons.get(name)
        if versions is None or version not in versions:
            raise _HttpError(404, f"Addon {name} {version} not found")
        files = versions[version].get("files") or {}
        if not files:
            raise _HttpError(404, "Addon does not have a private directory")
        if path not in files:
            raise _HttpError(404, "File not found")
        return files[path]


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    standin: AyonStandIn


_PRIVATE_FILE = re.compile(r"^/addons/([^/]+)/([^/]+)/private/(.+)$")
_PROJECT = re.compile(r"^/api/projects/([^/]+)(/roots|/operations|/operations/background(?:/([^/]+))?)?$")
_USER = re.compile(r"^/api/users/([^/]+)$")
_GET_ROUTES = ("/api/attributes", "/api/bundles", "/api/addons", "/api/projects", "/api/settings")


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    server_version = "ayon-standin"
    sys_version = ""

    def log_message(self, format: str, *args: Any) -> None:
        pass  # quiet: tests assert on requests_seen instead

    def do_GET(self) -> None:
        self._dispatch()

    def do_HEAD(self) -> None:
        self._dispatch()

    def do_POST(self) -> None:
        self._dispatch()

    def do_PUT(self) -> None:
        self._dispatch()

    def do_PATCH(self) -> None:
        self._dispatch()

    def do_DELETE(self) -> None:
        self._dispatch()

    def _dispatch(self) -> None:
        standin = self.server.standin
        split = urlsplit(self.path)
        path = unquote(split.path)
        headers = {k.lower(): v for k, v in self.headers.items()}
        failure = standin._record(SeenRequest(self.command, path, split.query, self.path, headers))
        length = int(headers.get("content-length") or 0)
        body = self.rfile.read(length) if length else b""
        try:
            if standin.down:
                raise _HttpError(503, "Service unavailable")
            if failure is not None:
                raise _HttpError(failure[0], failure[1])
            self._route(standin, path, parse_qs(split.query), headers, body)
        except _HttpError as exc:
            payload: dict[str, Any] = {"detail": exc.detail} if exc.detail_only else {
                "code": exc.status, "detail": exc.detail}
            if exc.with_path:
                payload["path"] = path
            if exc.status_code:
                payload["status_code"] = exc.status
            self._send_json(exc.status, payload)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def _json_body(self, body: bytes) -> dict[str, Any]:
        try:
            payload = json.loads(body or b"{}")
        except ValueError:
            raise _HttpError(422, "Request body is not JSON") from None
        if not isinstance(payload, dict):
            raise _HttpError(422, "Request body must be a JSON object")
        return payload

    def _route(self, standin: AyonStandIn, path: str, query: dict[str, list[str]],
               headers: dict[str, str], body: bytes) -> None:
        get = self.command in ("GET", "HEAD")
        if path == "/":
            if not get:
                raise _HttpError(405, "Method Not Allowed", detail_only=True)
            self._send(200, b"<!doctype html><title>AYON stand-in</title>\n", "text/html")
            return
        if path == "/api/info":
            if not get:
                raise _HttpError(405, "Method Not Allowed", detail_only=True)
            self._send_json(200, standin._info(headers))
            return
        private = _PRIVATE_FILE.match(path)
        project = _PROJECT.match(path)
        user_path = _USER.match(path)
        posts = path == "/graphql" or (project and project.group(2) in ("/operations", "/operations/background"))
        if not (private or project or user_path or posts or path in _GET_ROUTES):
            if path.startswith("/api"):
                raise _HttpError(404, f"API endpoint {path} not found", with_path=True)
            if path.startswith("/addons"):
                raise _HttpError(404, f"Addon endpoint {path} not found", with_path=True)
            raise _HttpError(404, f"File {path} not found", with_path=True)
        if get == bool(posts) or (posts and self.command != "POST"):
            raise _HttpError(405, "Method Not Allowed", detail_only=True)
        user = standin._authorize(headers)
        if path == "/graphql":
            payload = self._json_body(body)
            self._send_json(200, graphql.execute(standin.store, payload.get("query") or "",
                                                 payload.get("variables")))
        elif private:
            name, version, file_path = private.groups()
            self._send_file(standin._private_file(name, version, file_path), headers)
        elif project:
            found = standin._project(project.group(1))
            if project.group(2) == "/roots":
                self._send_json(200, {})
            elif project.group(2) in ("/operations", "/operations/background"):
                payload = self._json_body(body)
                try:
                    result = standin.store.apply_operations(
                        found.name, payload.get("operations") or [], bool(payload.get("canFail")), user["name"])
                except OperationFailed as exc:
                    raise _HttpError(exc.status, exc.detail) from None
                if project.group(2) == "/operations":
                    self._send_json(200, result)
                else:  # done at once; the task answers "completed" when asked
                    self._send_json(200, standin._background_task(result))
            elif project.group(3):
                self._send_json(200, standin._background_result(project.group(3)))
            else:
                self._send_json(200, found.entity())
        elif user_path:
            name = user_path.group(1)
            if name == "me":
                self._send_json(200, user)
            elif name in standin.users:
                self._send_json(200, standin.users[name])
            else:
                raise _HttpError(404, f"User {name} not found")
        elif path == "/api/attributes":
            self._send_json(200, {"attributes": standin.attributes})
        elif path == "/api/bundles":
            self._send_json(200, standin._bundles(query))
        elif path == "/api/addons":
            self._send_json(200, standin._addons(query))
        elif path == "/api/settings":
            self._send_json(200, standin._settings(query))
        else:
            self._send_json(200, standin._projects(query))

    def _send_json(self, status: int, payload: Any) -> None:
        self._send(status, json.dumps(payload).encode("utf-8"), "application/json")

    def _send(self, status: int, body: bytes, content_type: str,
              extra_headers: Mapping[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for key, value in (extra_headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        if self.command != "HEAD":
            for chunk in _chunks(body):
                self.wfile.write(chunk)

    def _send_file(self, data: bytes, headers: Mapping[str, str]) -> None:
        extra = {"Accept-Ranges": "bytes"}
        match = re.fullmatch(r"\s*bytes=(\d+)-\s*", headers.get("range", ""))
        if match and 0 < int(match.group(1)) < len(data):
            start = int(match.group(1))
            extra["Content-Range"] = f"bytes {start}-{len(data) - 1}/{len(data)}"
            self._send(206, data[start:], "application/octet-stream", extra)
            return
        self._send(200, data, "application/octet-stream", extra)


def _chunks(data: bytes) -> Iterator[bytes]:
    for start in range(0, len(data), _CHUNK):
        yield data[start:start + _CHUNK]
