"""The current context and plugin registration, SAMPLE core addon (not AYON code).

``install_ayon_plugins`` does what real ayon-core's does for publishing: makes sure the server
connection and the addons are there, registers the core's publish plugins, the settings filter
and every enabled addon's publish plugin paths with pyblish.
"""
from __future__ import annotations

import os
from typing import Optional

import pyblish.api

from ayon_core import AYON_CORE_ROOT
from ayon_core.addon import AddonsManager, load_addons
from ayon_core.lib import Logger, initialize_ayon_connection

from .publish.lib import filter_pyblish_plugins

PUBLISH_PATH = os.path.join(AYON_CORE_ROOT, "plugins", "publish")

_addons_manager: Optional[AddonsManager] = None


def _get_addons_manager() -> AddonsManager:
    global _addons_manager
    if _addons_manager is None:
        _addons_manager = AddonsManager()
    return _addons_manager


def get_global_context() -> dict[str, Optional[str]]:
    """The context the environment names (``AYON_PROJECT_NAME``, ``AYON_FOLDER_PATH``,
    ``AYON_TASK_NAME``)."""
    return {
        "project_name": os.environ.get("AYON_PROJECT_NAME"),
        "folder_path": os.environ.get("AYON_FOLDER_PATH"),
        "task_name": os.environ.get("AYON_TASK_NAME"),
    }


def get_current_context() -> dict[str, Optional[str]]:
    """The current context: the environment's (the sample has no host integrations)."""
    return get_global_context()


def _register_plugin_path(path: str) -> None:
    if os.path.normpath(path) not in pyblish.api.registered_paths():
        pyblish.api.register_plugin_path(path)


def install_ayon_plugins(project_name: Optional[str] = None, host_name: Optional[str] = None) -> None:
    """Register the core's and the enabled addons' publish plugins with pyblish."""
    initialize_ayon_connection()
    load_addons()
    Logger.get_logger("context_tools").info("Registering global plug-ins..")
    _register_plugin_path(PUBLISH_PATH)
    if filter_pyblish_plugins not in pyblish.api.registered_discovery_filters():
        pyblish.api.register_discovery_filter(filter_pyblish_plugins)
    if host_name is None:
        host_name = os.environ.get("AYON_HOST_NAME")
    for path in _get_addons_manager().collect_publish_plugin_paths(host_name):
        _register_plugin_path(path)
