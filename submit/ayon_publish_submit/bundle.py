"""AYON bundles as ``ayon_api.get_bundles()`` returns them, and a project's bundle overrides.

A bundle is used exactly as ``ayon_api.get_bundles()["bundles"][i]`` returns it. A
``get_bundles()`` answer holds many, from which :func:`select_bundle` picks one.

A project can override the studio's production or staging bundle: the project entity names a
*project bundle* per variant (``project["bundle"]``, which ayon_api fills from the project's
``data["bundle"]``), and that bundle's ``addons`` replace the studio bundle's addons of the same
name (``None`` disables one, ``"__inherit__"`` keeps the studio's): see :func:`apply_project_bundle`.
Pure data handling: where a bundle comes from (a file, a server) is the pipeline's business.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .errors import UserError

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
            raise UserError(origin, "a bundle must be a JSON object", "export it from AYON")
        name = data.get("name")
        addons = data.get("addons")
        if not isinstance(name, str) or not name:
            raise UserError(origin, "bundle has no 'name'", "export the bundle from AYON again")
        if not isinstance(addons, Mapping):
            raise UserError(
                origin, f"bundle '{name}' has no 'addons' mapping", "export the bundle from AYON again"
            )
        # A null version means the addon is disabled in this bundle.
        enabled = {str(k): str(v) for k, v in addons.items() if v}
        return cls(name=name, addons=enabled, raw=dict(data), origin=origin)


def select_bundle(answer: Mapping[str, Any], select: str, origin: str) -> Mapping[str, Any]:
    """Pick a bundle from a ``get_bundles()`` answer by name, ``production`` or ``staging``."""
    bundles = answer.get("bundles") or []
    if not isinstance(bundles, list):
        raise UserError(origin, "'bundles' is not a list", "pass a get_bundles() answer or one bundle")
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
    raise UserError(origin, what, f"choose one of: {names or '(none)'}")


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
