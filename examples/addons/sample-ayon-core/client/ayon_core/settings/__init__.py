"""Studio and project settings of the SAMPLE core addon (not AYON code).

As in real ``ayon_core.settings``: every addon's settings of the bundle come from one
``GET /api/settings?bundle_name=...&variant=...[&project_name=...]`` request (the bundle from
``AYON_STUDIO_BUNDLE_NAME``, else ``AYON_BUNDLE_NAME``), as ``{addon name: settings}``, cached
per project for the process.
"""
from __future__ import annotations

import json
import os
from typing import Any, Optional
from urllib.parse import urlencode

import ayon_api

_CACHE: dict[Optional[str], dict[str, Any]] = {}


def get_settings_variant() -> str:
    """``staging`` when ``AYON_USE_STAGING`` is set, else ``production``."""
    return "staging" if os.getenv("AYON_USE_STAGING") else "production"


def get_studio_bundle_name() -> str:
    return os.environ.get("AYON_STUDIO_BUNDLE_NAME") or os.environ["AYON_BUNDLE_NAME"]


def _get_addons_settings(project_name: Optional[str]) -> dict[str, Any]:
    studio_bundle_name = get_studio_bundle_name()
    project_bundle_name = os.environ.get("AYON_BUNDLE_NAME") or studio_bundle_name
    query = {"bundle_name": studio_bundle_name, "variant": get_settings_variant()}
    if project_name:
        query["project_name"] = project_name
    if project_bundle_name != studio_bundle_name:
        query["project_bundle_name"] = project_bundle_name
    site_id = ayon_api.get_site_id()
    if site_id:
        query["site_id"] = site_id
    response = ayon_api.get(f"settings?{urlencode(query)}")
    response.raise_for_status()
    return {addon["name"]: addon["settings"] for addon in response.data["addons"]}


def get_project_settings(project_name: Optional[str]) -> dict[str, Any]:
    """Settings of every addon of the bundle, with ``project_name``'s overrides."""
    if project_name not in _CACHE:
        _CACHE[project_name] = _get_addons_settings(project_name)
    return _CACHE[project_name]


def get_studio_settings() -> dict[str, Any]:
    """Settings of every addon of the bundle, studio level."""
    return get_project_settings(None)


def get_general_environments(studio_settings: Optional[dict[str, Any]] = None) -> dict[str, Any]:
    """The studio's environment variables: core's ``environments`` setting (a JSON object)."""
    if studio_settings is None:
        studio_settings = get_studio_settings()
    return json.loads(studio_settings.get("core", {}).get("environments") or "{}")
