"""Where a bundle comes from: a JSON file, or an AYON server through ayon-python-api.

A JSON file may hold one bundle, or the whole ``get_bundles()`` answer, from which ``select``
picks one. What a bundle *is* lives in :mod:`ayon_publish_submit.bundle`, which the submission
side shares.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ayon_publish import names
from ayon_publish_submit.bundle import (
    PRODUCTION,
    STAGING,
    Bundle,
    apply_project_bundle,
    select_bundle,
)
from ayon_publish_submit.pin_scheme import CORE_ADDON

from ayon_conda.errors import AyonCondaError, Unreachable, names_checked


def checked_bundle(bundle: Bundle) -> Bundle:
    """``bundle`` when its name, addon names and versions are valid (:mod:`ayon_publish.names`);
    ayon-core's version must also make a conda version. Every bundle the pipeline reads passes here."""
    with names_checked(bundle.origin, "fix the bundle in AYON (or the file) and export it again"):
        names.bundle_name(bundle.name)
        for name, version in bundle.addons.items():
            names.addon_name(name)
            if name == CORE_ADDON:
                names.core_version(version, "core version")
            else:
                names.version(version, f"version of addon {name}")
    return bundle


def load_bundle_file(path: Path, select: str | None = None) -> Bundle:
    """Read a bundle from a JSON file (one bundle, or a ``get_bundles()`` answer)."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise AyonCondaError(path, "no such file", "pass the path of a bundle JSON file") from None
    except OSError as exc:
        raise AyonCondaError(path, f"cannot read: {exc.strerror}", "check the path") from None
    except UnicodeDecodeError as exc:
        raise AyonCondaError(path, f"not UTF-8 text (byte {exc.start})", "export the bundle from AYON as JSON") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise AyonCondaError(
            path, f"not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})", "fix the file"
        ) from None
    except (ValueError, RecursionError) as exc:  # numbers too long, nesting too deep
        raise AyonCondaError(path, f"not a JSON file this reads ({type(exc).__name__})", "fix the file") from None
    if isinstance(data, Mapping) and "bundles" in data:
        data = select_bundle(data, select or PRODUCTION, str(path))
    return checked_bundle(Bundle.from_dict(data, str(path)))


def connect(server_url: str, api_key: str | None) -> Any:
    """An ``ayon_api.ServerAPI`` for ``server_url`` whose key the server accepted."""
    import ayon_api  # imported here: reading a bundle file must not need it

    if not api_key:
        raise Unreachable(server_url, "no API key", "set AYON_API_KEY (a service user's key)")
    try:
        con = ayon_api.ServerAPI(server_url, token=api_key)
        valid = con.has_valid_token
    except Exception as exc:
        raise _server_failure(server_url, "the server", exc) from None
    if not valid:
        raise Unreachable(server_url, "the API key was refused", "check AYON_API_KEY")
    return con


def _root_cause(exc: BaseException) -> str:
    """The innermost reason of a requests/urllib3 error chain, e.g. ``[Errno 111] Connection refused``.

    >>> inner = OSError(111, "Connection refused")
    >>> outer = RuntimeError("HTTPConnectionPool(host='h', port=9): Max retries exceeded")
    >>> outer.__context__ = inner
    >>> _root_cause(outer)
    '[Errno 111] Connection refused'
    """
    seen = []
    while exc is not None and exc not in seen:
        seen.append(exc)
        exc = exc.__cause__ or exc.__context__ or next((a for a in getattr(exc, "args", ()) if isinstance(a, BaseException)), None)
    text = str(seen[-1]) or type(seen[-1]).__name__
    return text.rsplit(": ", 1)[-1] if "Failed to establish a new connection" in text else text


def _server_failure(server_url: str, what: str, exc: Exception) -> AyonCondaError:
    # requests and ayon_api raise many kinds wrapped in each other; the innermost reason is what matters
    return Unreachable(server_url, f"cannot read {what} ({_root_cause(exc)})", "check --server and the network")


def fetch_bundle(server_url: str, api_key: str | None, select: str, project: str | None = None) -> Bundle:
    """Fetch a bundle from an AYON server with ayon-python-api.

    With ``project``, the project's override of the ``select`` bundle (production or staging)
    applies, as it does for the project's artists.
    """
    if project is not None and select not in (PRODUCTION, STAGING):
        raise AyonCondaError(f"project '{project}'", f"a project overrides only the production or staging bundle, not '{select}'",
                             "select production or staging with a project")
    try:
        con = connect(server_url, api_key)
        answer = con.get_bundles()
        entity = con.get_project(project) if project is not None else None
    except AyonCondaError:
        raise
    except Exception as exc:
        raise _server_failure(server_url, "bundles", exc) from None
    studio = select_bundle(answer, select, server_url)
    if project is None:
        return checked_bundle(Bundle.from_dict(studio, server_url))
    origin = f"{server_url} (project '{project}')"
    if entity is None:
        raise AyonCondaError(server_url, f"no project named '{project}'", "check the project name")
    override = (entity.get("bundle") or {}).get(select)
    if not override:
        return checked_bundle(Bundle.from_dict({**studio, "project": project}, origin))  # the studio bundle applies
    project_bundle = next((b for b in answer.get("bundles") or [] if isinstance(b, Mapping) and b.get("name") == override), None)
    if project_bundle is None:
        raise AyonCondaError(origin, f"its {select} bundle '{override}' is not on the server",
                             "fix the project's bundle override in AYON")
    return checked_bundle(Bundle.from_dict(apply_project_bundle(studio, project_bundle, project), origin))


def fetch_server_version(server_url: str) -> str:
    """The AYON server's version (``/api/info`` needs no API key)."""
    import ayon_api

    try:
        return str(ayon_api.ServerAPI(server_url).get_server_version())
    except Exception as exc:
        raise _server_failure(server_url, "the server version", exc) from None
