"""AYON bundles: read from a JSON file or fetched from a server with ayon-python-api.

A bundle is used exactly as ``ayon_api.get_bundles()["bundles"][i]`` returns it. A JSON file
may hold one bundle, or the whole ``get_bundles()`` answer, from which ``select`` picks one.
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


def fetch_bundle(server_url: str, api_key: str | None, select: str) -> Bundle:
    """Fetch a bundle from an AYON server with ayon-python-api."""
    import ayon_api  # imported here: reading a bundle file must not need it

    if not api_key:
        raise AyonCondaError(server_url, "no API key", "set AYON_API_KEY (a service user's key)")
    try:
        con = ayon_api.ServerAPI(server_url, token=api_key)
        if not con.has_valid_token:
            raise AyonCondaError(server_url, "the API key was refused", "check AYON_API_KEY")
        answer = con.get_bundles()
    except AyonCondaError:
        raise
    except Exception as exc:  # requests and ayon_api raise many kinds; the message is what matters
        raise AyonCondaError(
            server_url, f"cannot read bundles ({type(exc).__name__}: {exc})", "check --server and the network"
        ) from None
    return Bundle.from_dict(select_bundle(answer, select, server_url), server_url)
