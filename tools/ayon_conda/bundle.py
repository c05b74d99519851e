"""AYON bundles: read from a JSON file or fetched from a server with ayon-python-api.

A bundle is used exactly as ``ayon_api.get_bundles()["bundles"][i]`` returns it. A JSON file
may hold one bundle, or the whole ``get_bundles()`` answer, from which ``select`` picks one.

A project can override the studio's production or staging bundle: the project entity names a
*project bundle* per variant (``project["bundle"]``, which ayon_api fills from the project's
``data["bundle"]``), and that bundle's ``addons`` replace the studio bundle's addons of the same
name (``None`` disables one, ``"__inherit__"`` keeps the studio's): see :func:`apply_project_bundle`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import AyonCondaError

PRODUCTION = "production"
STAGING = "staging"
INHERIT = "__inherit__"  # a project bundle's "no override" for an addon


@dataclass(frozen=True)
class Bundle:
    name: str
    addons: Mapping[str, str]  # enabled addons only: name -> version
    raw: Mapping[str, Any]  # the bundle as the server returned it
    origin: str  # file path or server URL, for messages

    @classmethod
    def from_dict(cls, data: Any, origin: str) -> Bundle:
        if not isinstance(data, Mapping):
            raise AyonCondaError(origin, "a bundle must be a JSON object", "export it from AYON")
        name = data.get("name")
        addons = data.get("addons")
        if not isinstance(name, str) or not name:
            raise AyonCondaError(origin, "bundle has no 'name'", "export the bundle from AYON again")
        if not isinstance(addons, Mapping):
            raise AyonCondaError(
                origin, f"bundle '{name}' has no 'addons' mapping", "export the bundle from AYON again"
            )
        # A null version means the addon is disabled in this bundle.
        enabled = {str(k): str(v) for k, v in addons.items() if v}
        return cls(name=name, addons=enabled, raw=dict(data), origin=origin)


def select_bundle(answer: Mapping[str, Any], select: str, origin: str) -> Mapping[str, Any]:
    """Pick a bundle from a ``get_bundles()`` answer by name, ``production`` or ``staging``."""
    bundles = answer.get("bundles") or []
    wanted = select
    if select == PRODUCTION:
        wanted = answer.get("productionBundle") or ""
    elif select == STAGING:
        wanted = answer.get("stagingBundle") or ""
    for bundle in bundles:
        if isinstance(bundle, Mapping) and bundle.get("name") == wanted:
            return bundle
    names = ", ".join(sorted(str(b.get("name")) for b in bundles if isinstance(b, Mapping)))
    what = f"no {select} bundle is set" if select in (PRODUCTION, STAGING) and not wanted else (
        f"no bundle named '{wanted}'"
    )
    raise AyonCondaError(origin, what, f"choose one of: {names or '(none)'}")


def load_bundle_file(path: Path, select: str | None = None) -> Bundle:
    """Read a bundle from a JSON file (one bundle, or a ``get_bundles()`` answer)."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise AyonCondaError(path, "no such file", "pass the path of a bundle JSON file") from None
    except OSError as exc:
        raise AyonCondaError(path, f"cannot read: {exc.strerror}", "check the path") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise AyonCondaError(
            path, f"not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})", "fix the file"
        ) from None
    if isinstance(data, Mapping) and "bundles" in data:
        data = select_bundle(data, select or PRODUCTION, str(path))
    return Bundle.from_dict(data, str(path))


def apply_project_bundle(studio: Mapping[str, Any], project_bundle: Mapping[str, Any], project: str) -> dict[str, Any]:
    """The studio bundle with a project bundle's addon overrides applied.

    >>> studio = {"name": "prod", "addons": {"core": "1.9.0", "deadline_cloud": "0.2.0", "maya": "0.4.10"}}
    >>> override = {"name": "__project__Show__production",
    ...             "addons": {"core": "1.8.0", "maya": None, "deadline_cloud": "__inherit__"}}
    >>> apply_project_bundle(studio, override, "Show")["addons"]
    {'core': '1.8.0', 'deadline_cloud': '0.2.0', 'maya': None}
    """
    addons = dict(studio.get("addons") or {})
    for name, version in (project_bundle.get("addons") or {}).items():
        if version != INHERIT:
            addons[name] = version
    return {**studio, "addons": addons, "project": project, "projectBundle": project_bundle.get("name")}


def _connect(server_url: str, api_key: str | None) -> Any:
    import ayon_api  # imported here: reading a bundle file must not need it

    if not api_key:
        raise AyonCondaError(server_url, "no API key", "set AYON_API_KEY (a service user's key)")
    con = ayon_api.ServerAPI(server_url, token=api_key)
    if not con.has_valid_token:
        raise AyonCondaError(server_url, "the API key was refused", "check AYON_API_KEY")
    return con


def _server_failure(server_url: str, what: str, exc: Exception) -> AyonCondaError:
    # requests and ayon_api raise many kinds; the message is what matters
    return AyonCondaError(server_url, f"cannot read {what} ({type(exc).__name__}: {exc})", "check --server and the network")


def fetch_bundle(server_url: str, api_key: str | None, select: str, project: str | None = None) -> Bundle:
    """Fetch a bundle from an AYON server with ayon-python-api.

    With ``project``, the project's override of the ``select`` bundle (production or staging)
    applies, as it does for the project's artists.
    """
    if project is not None and select not in (PRODUCTION, STAGING):
        raise AyonCondaError(f"project '{project}'", f"a project overrides only the production or staging bundle, not '{select}'",
                             "select production or staging with a project")
    try:
        con = _connect(server_url, api_key)
        answer = con.get_bundles()
        entity = con.get_project(project) if project is not None else None
    except AyonCondaError:
        raise
    except Exception as exc:
        raise _server_failure(server_url, "bundles", exc) from None
    studio = select_bundle(answer, select, server_url)
    if project is None:
        return Bundle.from_dict(studio, server_url)
    origin = f"{server_url} (project '{project}')"
    if entity is None:
        raise AyonCondaError(server_url, f"no project named '{project}'", "check the project name")
    override = (entity.get("bundle") or {}).get(select)
    if not override:
        return Bundle.from_dict({**studio, "project": project}, origin)  # the studio bundle applies
    project_bundle = next((b for b in answer.get("bundles") or [] if isinstance(b, Mapping) and b.get("name") == override), None)
    if project_bundle is None:
        raise AyonCondaError(origin, f"its {select} bundle '{override}' is not on the server",
                             "fix the project's bundle override in AYON")
    return Bundle.from_dict(apply_project_bundle(studio, project_bundle, project), origin)


def fetch_server_version(server_url: str) -> str:
    """The AYON server's version (``/api/info`` needs no API key)."""
    import ayon_api

    try:
        return str(ayon_api.ServerAPI(server_url).get_server_version())
    except Exception as exc:
        raise _server_failure(server_url, "the server version", exc) from None
