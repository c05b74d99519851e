"""A stand-in AYON server for tests: a local HTTP server that the real ``ayon_api`` client talks to.

This is *not* an AYON server. It serves only the REST endpoints that ayon-python-api calls for
server info, ``users/me``, bundles, addons, addon private files and projects, with the response
shapes of ynput/ayon-backend, from data the test hands it. Nothing is persisted, nothing can be
created or changed over HTTP, there is no GraphQL and no settings.

Use it as a context manager and point ``ayon_api`` (or ``ayon-conda pin --server``) at ``url``::

    with AyonStandIn(
        bundles=[make_bundle("prod", {"core": "1.0.0"}, production=True)],
        addons={"core": {"1.0.0": {"files": addon_private_files(CLIENT_DIR)}}},
        projects={"Show": {"bundle": {"production": "__project__Show__production"}}},
    ) as server:
        con = ayon_api.ServerAPI(server.url, token=server.api_key, max_retries=1)
        con.get_bundles()["productionBundle"]            # -> "prod"
        assert ("GET", "/api/bundles") in server.requests_seen

What it serves (all JSON unless noted; camelCase keys as AYON sends them):

* ``GET /`` -- 200 HTML (AYON serves its web UI there; ``ServerAPI.is_server_available`` only
  looks at the status code).
* ``GET /api/info`` -- no authentication needed: ``version`` and ``uptime``; with a valid key
  also ``user``, ``attributes`` and ``sites``. A wrong key is treated as no key (as AYON does).
* ``GET /api/users/me`` -- the ``user`` dict.
* ``GET /api/attributes`` -- a small attribute schema (``ayon_api`` reads it to fill the
  ``attrib`` defaults of a project).
* ``GET /api/bundles[?archived=true]`` -- ``{"bundles", "productionBundle", "stagingBundle",
  "devBundles"}``, the three summary keys derived from the ``isProduction`` / ``isStaging`` /
  ``isDev`` flags; archived bundles only with ``archived=true``; newest ``createdAt`` first.
* ``GET /api/addons[?details=1]`` -- ``{"addons": [...]}``; with details every version also has
  ``clientSourceInfo`` (``[{"type": "server", "filename": "client.zip"}]`` when it has that private
  file) and ``clientPyproject`` (its private ``pyproject.toml``, parsed), as AYON derives them.
* ``GET /addons/{name}/{version}/private/{path}`` -- the file's bytes with ``Content-Length``
  (and ``Range: bytes=N-``). Note: *not* under ``/api``; that is where AYON mounts private addon
  files and where ``ServerAPI.download_addon_private_file`` asks first (on a 404 it retries once
  under ``/api/addons/...``, which AYON does not serve either).
* ``GET /api/projects[?active=..&library=..]`` -- ``{"detail", "count", "projects": [{name, code,
  active, createdAt, updatedAt}]}``.
* ``GET /api/projects/{name}`` -- the project entity. A project's bundle override lives where
  AYON keeps it, in ``data["bundle"] = {"production": <bundle name>, "staging": <bundle name>}``
  (a variant without an override is absent); ``ayon_api.get_project()`` turns that into
  ``project["bundle"]``. The named bundles are *project bundles*: ordinary entries of ``bundles``
  with ``isProject: true``, AYON names them ``__project__<project>__<variant>`` (see
  ``project_bundle``); their ``addons`` override the studio bundle's addons (``None`` = disabled).

Anything else is a 404 in AYON's shape (``{"code", "detail", "path"}``); a known path with another
method is a 405. Everything but ``/`` and ``/api/info`` needs ``Authorization: Bearer <api_key>``
or ``x-api-key: <api_key>``, otherwise 401 ``{"code": 401, "detail": ...}``. A key in the query
string (``?token=``, which AYON would accept) is deliberately not accepted. With
``bearer_auth=False`` only ``x-api-key`` works, like a fresh API key on a real server; ayon_api
then falls back to ``X-Api-Key`` and treats the key as a service key.

For assertions: ``requests_seen`` lists ``(method, path)`` of every request (path without the
query), ``requests`` the full ``SeenRequest`` records (query string and headers too). For error
paths: set ``down = True`` (every request, ``/`` included, answers 503 like an overloaded or
restarting AYON) or call ``fail_next(status, count)``. ``ayon_api`` retries 502/503 with a 2 s
pause, so give the client ``max_retries=1`` in tests of those.

Everything is standard library; the server binds 127.0.0.1 on a free port and runs in a daemon
thread. Requests go straight to it only when no HTTP proxy applies to 127.0.0.1.
"""

from __future__ import annotations

import io
import json
import re
import stat
import threading
import time
import tomllib
import zipfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Self
from urllib.parse import parse_qs, unquote, urlsplit

DEFAULT_API_KEY = "ayon-conda-test-api-key-0123456789abcdef"
DEFAULT_SERVER_VERSION = "1.8.4"
DEFAULT_CREATED_AT = "2026-01-01T00:00:00+00:00"
ZIP_DATE = (1980, 1, 1, 0, 0, 0)  # the earliest date a zip entry can hold
_CHUNK = 64 * 1024

DEFAULT_USER: dict[str, Any] = {
    "name": "ayon-conda-test",
    "active": True,
    "attrib": {"fullName": "ayon-conda tests", "email": "tests@example.invalid", "avatarUrl": None},
    "data": {"isAdmin": False, "isManager": True, "isService": False, "isGuest": False},
    "createdAt": DEFAULT_CREATED_AT,
    "updatedAt": DEFAULT_CREATED_AT,
}


def _attribute(name: str, position: int, scope: list[str], type_: str, title: str,
               default: Any = None) -> dict[str, Any]:
    return {
        "name": name, "position": position, "scope": scope, "builtin": True,
        "data": {"type": type_, "title": title, "default": default, "inherit": True},
    }


DEFAULT_ATTRIBUTES: list[dict[str, Any]] = [
    _attribute("fps", 0, ["project", "folder", "version", "representation", "task"], "float",
               "FPS", 25.0),
    _attribute("resolutionWidth", 1, ["project", "folder", "version", "representation", "task"],
               "integer", "Width", 1920),
    _attribute("resolutionHeight", 2, ["project", "folder", "version", "representation", "task"],
               "integer", "Height", 1080),
    _attribute("frameStart", 3, ["project", "folder", "version", "representation", "task"],
               "integer", "Start frame", 1001),
    _attribute("frameEnd", 4, ["project", "folder", "version", "representation", "task"],
               "integer", "End frame", 1001),
    _attribute("fullName", 5, ["user"], "string", "Full name"),
    _attribute("email", 6, ["user"], "string", "E-Mail"),
    _attribute("avatarUrl", 7, ["user"], "string", "Avatar URL"),
]

# Keys of an addon version's entry that describe the addon as a whole (AYON lists them once per
# addon, not per version); the rest of the entry, apart from "files", is per-version metadata.
_ADDON_LEVEL_KEYS = ("title", "description", "addonType", "system")


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
        "updatedAt": created_at,
        "description": None,
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
    the addon for the project (AYON also stores ``"__inherit__"``, meaning: no override).
    Reference it from the project with ``{"bundle": {variant: <this bundle's name>}}``.
    """
    return make_bundle(project_bundle_name(project_name, variant), addons, project=True, **kwargs)


def zip_client(client_dir: Path) -> bytes:
    """An AYON-style ``client.zip`` of ``client_dir``: entries ``<client_dir.name>/<relpath>``.

    Deterministic: files only, sorted, fixed dates, unix permissions 0644 (0755 when the file is
    executable), ``__pycache__`` directories and ``.pyc`` files left out.
    """
    client_dir = Path(client_dir)
    if not client_dir.is_dir():
        raise NotADirectoryError(client_dir)
    files = sorted(
        (p for p in client_dir.rglob("*")
         if p.is_file() and "__pycache__" not in p.relative_to(client_dir).parts
         and p.suffix != ".pyc"),
        key=lambda p: p.relative_to(client_dir).as_posix(),
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        for path in files:
            entry = zipfile.ZipInfo(f"{client_dir.name}/{path.relative_to(client_dir).as_posix()}",
                                    date_time=ZIP_DATE)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.create_system = 3  # unix, whatever OS builds it
            mode = 0o755 if path.stat().st_mode & stat.S_IXUSR else 0o644
            entry.external_attr = (stat.S_IFREG | mode) << 16
            zf.writestr(entry, path.read_bytes(), compresslevel=9)
    return buffer.getvalue()


def addon_private_files(client_dir: Path, pyproject: Path | None = None) -> dict[str, bytes]:
    """The private files AYON's ``create_package.py`` puts on the server for an addon:
    ``client.zip`` (see ``zip_client``) and the client's ``pyproject.toml`` (by default the one
    next to ``client_dir``, left out if there is none)."""
    client_dir = Path(client_dir)
    files = {"client.zip": zip_client(client_dir)}
    pyproject = pyproject or client_dir.parent / "pyproject.toml"
    if pyproject.is_file():
        files["pyproject.toml"] = pyproject.read_bytes()
    return files


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
    def __init__(self, status: int, detail: str, *, with_path: bool = True) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.with_path = with_path


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


class AyonStandIn:
    """A local stand-in AYON server (see the module docstring). Use as a context manager.

    Args:
        bundles: bundle dicts as AYON lists them (see ``make_bundle``); missing keys get
            defaults when served.
        addons: ``{name: {version: {"files": {filename: bytes}, **metadata}}}``. ``metadata``
            keys are served per version as given (camelCase: ``hasSettings``,
            ``clientSourceInfo``, ``clientPyproject``, ...) and override what is derived from
            the files; ``title``, ``description``, ``addonType`` and ``system`` describe the
            addon as a whole.
        projects: ``{name: {...}}``; ``"bundle": {"production": name|None, "staging": name|None}``
            is stored as AYON stores it, in ``data["bundle"]``; any other keys (``code``,
            ``active``, ``library``, ``attrib``, ``data``, ...) override the entity defaults.
        api_key: the key requests must carry.
        server_version: what ``/api/info`` reports.
        user: the ``users/me`` dict.
        bearer_auth: accept the key as ``Authorization: Bearer``; when False only ``x-api-key``.
    """

    def __init__(self, *, bundles: list[dict[str, Any]] | None = None,
                 addons: dict[str, dict[str, dict[str, Any]]] | None = None,
                 projects: dict[str, dict[str, Any]] | None = None,
                 api_key: str = DEFAULT_API_KEY, server_version: str = DEFAULT_SERVER_VERSION,
                 user: dict[str, Any] | None = None, bearer_auth: bool = True) -> None:
        self.bundles: list[dict[str, Any]] = list(bundles or [])
        self.addons: dict[str, dict[str, dict[str, Any]]] = dict(addons or {})
        self.projects: dict[str, dict[str, Any]] = dict(projects or {})
        self.api_key = api_key
        self.server_version = server_version
        self.user: dict[str, Any] = dict(user or DEFAULT_USER)
        self.attributes: list[dict[str, Any]] = list(DEFAULT_ATTRIBUTES)
        self.bearer_auth = bearer_auth
        self.down = False  # when True every request answers 503
        self._check_bundles()
        self._lock = threading.Lock()
        self._seen: list[SeenRequest] = []
        self._failures: list[tuple[int, str]] = []
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

    def _served_project(self, name: str) -> dict[str, Any]:
        given = dict(self.projects[name])
        override = given.pop("bundle", None)
        data = dict(given.pop("data", None) or {})
        if override is not None:
            bundle_data = {**data.get("bundle", {}), **override}
            bundle_data = {k: v for k, v in bundle_data.items() if v is not None}
            if bundle_data:
                data["bundle"] = bundle_data
            else:
                data.pop("bundle", None)
        project: dict[str, Any] = {
            "name": name,
            "code": re.sub(r"[^A-Za-z0-9]", "", name)[:8].lower() or "prj",
            "library": False,
            "folderTypes": [],
            "taskTypes": [],
            "linkTypes": [],
            "statuses": [],
            "tags": [],
            "config": {},
            "attrib": {},
            "data": data,
            "active": True,
            "ownAttrib": [],
            "createdAt": DEFAULT_CREATED_AT,
            "updatedAt": DEFAULT_CREATED_AT,
        }
        project.update(given)
        return project

    # -- endpoints --

    def _authorize(self, headers: Mapping[str, str]) -> None:
        x_api_key = headers.get("x-api-key")
        authorization = headers.get("authorization")
        if x_api_key is not None:
            if x_api_key != self.api_key:
                raise _HttpError(401, "Invalid API key", with_path=False)
            return
        if authorization is None:
            raise _HttpError(401, "Access token is missing", with_path=False)
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not self.bearer_auth or token.strip() != self.api_key:
            raise _HttpError(401, "Invalid access token", with_path=False)

    def _is_authorized(self, headers: Mapping[str, str]) -> bool:
        try:
            self._authorize(headers)
        except _HttpError:
            return False
        return True

    def _info(self, headers: Mapping[str, str]) -> dict[str, Any]:
        info: dict[str, Any] = {
            "version": self.server_version,
            "uptime": time.monotonic() - self._started,
        }
        if not self._is_authorized(headers):
            info.update({"noAdminUser": False, "sites": [], "ssoOptions": []})
            return info
        sites = []
        if headers.get("x-ayon-site-id"):
            sites.append({
                "id": headers["x-ayon-site-id"],
                "platform": headers.get("x-ayon-platform"),
                "hostname": headers.get("x-ayon-hostname"),
                "version": headers.get("x-ayon-version"),
                "users": [self.user["name"]],
            })
        info.update({"user": self.user, "attributes": self.attributes, "sites": sites,
                     "ssoOptions": []})
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
                files: dict[str, bytes] = entry.pop("files", {}) or {}
                for key in _ADDON_LEVEL_KEYS:
                    if key in entry:
                        addon_meta[key] = entry.pop(key)
                info: dict[str, Any] = {"hasSettings": False, "hasSiteSettings": False,
                                        "frontendScopes": {}}
                if details:
                    if "pyproject.toml" in files:
                        info["clientPyproject"] = tomllib.loads(
                            files["pyproject.toml"].decode("utf-8"))
                    if "client.zip" in files:
                        info["clientSourceInfo"] = [{"type": "server", "filename": "client.zip"}]
                info["isBroken"] = False
                for key, value in entry.items():
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

    def _projects(self, query: dict[str, list[str]]) -> dict[str, Any]:
        active = _query_bool(query, "active")
        library = _query_bool(query, "library")
        rows = []
        for name in self.projects:
            project = self._served_project(name)
            if active is not None and bool(project["active"]) != active:
                continue
            if library is not None and bool(project["library"]) != library:
                continue
            rows.append({k: project[k] for k in ("name", "code", "active", "createdAt",
                                                   "updatedAt")})
        rows.sort(key=lambda p: (not p["active"], p["name"]))  # AYON: "active desc, name"
        if not rows:
            return {"detail": "No projects", "count": 0, "projects": []}
        return {"detail": f"Showing {len(rows)} of {len(rows)} projects", "count": len(rows),
                "projects": rows}

    def _project(self, name: str) -> dict[str, Any]:
        for known in self.projects:  # AYON matches project names case-insensitively
            if known.lower() == name.lower():
                return self._served_project(known)
        raise _HttpError(404, f"Project {name} not found")

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
_PROJECT = re.compile(r"^/api/projects/([^/]+)$")
_JSON_ROUTES = ("/api/users/me", "/api/attributes", "/api/bundles", "/api/addons",
                "/api/projects")


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
        if length:
            self.rfile.read(length)  # drain a body we do not use
        try:
            if standin.down:
                raise _HttpError(503, "Service unavailable", with_path=False)
            if failure is not None:
                raise _HttpError(failure[0], failure[1])
            self._route(standin, path, parse_qs(split.query), headers)
        except _HttpError as exc:
            body: dict[str, Any] = {"code": exc.status, "detail": exc.detail}
            if exc.with_path:
                body["path"] = path
            self._send_json(exc.status, body)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def _route(self, standin: AyonStandIn, path: str, query: dict[str, list[str]],
               headers: dict[str, str]) -> None:
        get = self.command in ("GET", "HEAD")
        private = _PRIVATE_FILE.match(path)
        project = _PROJECT.match(path)
        if path == "/":
            if not get:
                raise _HttpError(405, "Method Not Allowed")
            self._send(200, b"<!doctype html><title>AYON stand-in</title>\n", "text/html")
            return
        if path == "/api/info":
            if not get:
                raise _HttpError(405, "Method Not Allowed")
            self._send_json(200, standin._info(headers))
            return
        if not (private or project or path in _JSON_ROUTES):
            if path.startswith("/api"):
                raise _HttpError(404, f"API endpoint {path} not found")
            if path.startswith("/addons"):
                raise _HttpError(404, f"Addon endpoint {path} not found")
            raise _HttpError(404, f"File {path} not found")
        if not get:
            raise _HttpError(405, "Method Not Allowed")
        standin._authorize(headers)
        if private:
            name, version, file_path = private.groups()
            self._send_file(standin._private_file(name, version, file_path), headers)
        elif project:
            self._send_json(200, standin._project(project.group(1)))
        elif path == "/api/users/me":
            self._send_json(200, standin.user)
        elif path == "/api/attributes":
            self._send_json(200, {"attributes": standin.attributes})
        elif path == "/api/bundles":
            self._send_json(200, standin._bundles(query))
        elif path == "/api/addons":
            self._send_json(200, standin._addons(query))
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
