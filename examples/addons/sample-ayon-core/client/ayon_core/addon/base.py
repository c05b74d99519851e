"""Addon loading of the SAMPLE core addon (not AYON code), shaped like ``ayon_core.addon.base``.

Which addons load is the server's answer, as in real ayon-core: the studio bundle named by
``AYON_STUDIO_BUNDLE_NAME`` (else ``AYON_BUNDLE_NAME``) must be in ``ayon_api.get_bundles()``,
and the addon versions come from ``GET settings?summary=true&bundle_name=...``. Each addon's
client code is ``$AYON_ADDONS_DIR/{name}_{version}``: that directory goes on ``sys.path`` and
every importable module in it that defines an :class:`AYONAddon` subclass is loaded. ``core``
itself is never loaded as an addon; a version without local client code is skipped; a module
that fails to import is logged and skipped.
"""
from __future__ import annotations

import inspect
import logging
import os
import sys
import threading
from abc import ABC, abstractmethod
from types import ModuleType
from typing import TYPE_CHECKING, Any, Optional
from urllib.parse import urlencode

import ayon_api

from ayon_core.lib import Logger, get_launcher_storage_dir
from ayon_core.settings import get_studio_settings

from .interfaces import IPluginPaths

if TYPE_CHECKING:
    import click


class _LoadCache:
    addons_lock = threading.Lock()
    addons_loaded = False
    addon_modules: list[ModuleType] = []


def _get_ayon_bundle_data() -> tuple[dict[str, Any], Optional[dict[str, Any]]]:
    """The studio bundle (and the project bundle when another one is named) from the server."""
    studio_bundle_name = os.environ.get("AYON_STUDIO_BUNDLE_NAME")
    project_bundle_name = os.getenv("AYON_BUNDLE_NAME")
    if not studio_bundle_name:
        studio_bundle_name = project_bundle_name
    bundles = ayon_api.get_bundles()["bundles"]
    studio_bundle = next((b for b in bundles if b["name"] == studio_bundle_name), None)
    if studio_bundle is None:
        raise RuntimeError(f"Failed to find bundle '{studio_bundle_name}'.")
    project_bundle = None
    if project_bundle_name and project_bundle_name != studio_bundle_name:
        project_bundle = next((b for b in bundles if b["name"] == project_bundle_name), None)
        if project_bundle is None:
            raise RuntimeError(f"Failed to find project bundle '{project_bundle_name}'.")
    return studio_bundle, project_bundle


def _get_ayon_addons_information(
    studio_bundle: dict[str, Any], project_bundle: Optional[dict[str, Any]]
) -> dict[str, str]:
    """``{addon name: version}`` the server says the bundle(s) use."""
    query = {"summary": "true", "bundle_name": studio_bundle["name"]}
    if project_bundle:
        query["project_bundle_name"] = project_bundle["name"]
    response = ayon_api.get(f"settings?{urlencode(query)}")
    return {addon["name"]: addon["version"] for addon in response.data["addons"]}


def _load_ayon_addons(log: logging.Logger) -> list[ModuleType]:
    """Import the client code of the bundle's addons from ``AYON_ADDONS_DIR``."""
    all_addon_modules: list[ModuleType] = []
    studio_bundle, project_bundle = _get_ayon_bundle_data()
    addons_info = _get_ayon_addons_information(studio_bundle, project_bundle)
    if not addons_info:
        return all_addon_modules

    addons_dir = os.environ.get("AYON_ADDONS_DIR") or get_launcher_storage_dir("addons")
    if not os.path.exists(addons_dir):
        log.warning(f'Addons directory does not exists. Path "{addons_dir}"')
        return all_addon_modules

    for addon_name, addon_version in addons_info.items():
        if addon_name == "core":  # core addon does not have any addon object
            continue
        addon_dir = os.path.join(addons_dir, f"{addon_name}_{addon_version}")
        if not os.path.exists(addon_dir):
            log.debug(f"No localized client code found for addon {addon_name} {addon_version}.")
            continue

        sys.path.insert(0, addon_dir)
        addon_modules = []
        for name in os.listdir(addon_dir):
            if name in ("setup.py", "start.py", "__pycache__"):
                continue
            path = os.path.join(addon_dir, name)
            basename, ext = os.path.splitext(name)
            if "." in basename:  # dotted names cannot be imported
                continue
            if ext.lower() != ".py" and not os.path.isdir(path):
                continue
            try:
                mod = __import__(basename, fromlist=("",))
            except BaseException:  # noqa: BLE001 - a broken addon must not stop the others
                log.warning(f'Failed to import "{basename}"', exc_info=True)
                continue
            if any(inspect.isclass(attr) and issubclass(attr, AYONAddon)
                   for attr in vars(mod).values()):
                addon_modules.append(mod)

        if not addon_modules:
            log.warning(f"Addon {addon_name} {addon_version} has no content to import")
            continue
        all_addon_modules.extend(addon_modules)
    return all_addon_modules


def load_addons(force: bool = False) -> None:
    """Import the addons' client code once per process."""
    if _LoadCache.addons_loaded and not force:
        return
    with _LoadCache.addons_lock:
        _LoadCache.addon_modules = _load_ayon_addons(Logger.get_logger("AddonsLoader"))
        _LoadCache.addons_loaded = True


class AYONAddon(ABC):
    """Base class of AYON addons: subclasses set ``name`` and ``version``."""

    enabled: bool = True

    def __init__(self, manager: AddonsManager, settings: dict[str, Any]) -> None:
        self.manager = manager
        self.log = Logger.get_logger(self.name)
        self.initialize(settings)

    @property
    @abstractmethod
    def name(self) -> str:
        """Addon name."""

    @property
    def version(self) -> str:
        return "0.0.0"

    def initialize(self, settings: dict[str, Any]) -> None:
        """Set up the addon from the studio settings of every addon; no-op by default."""

    def connect_with_addons(self, enabled_addons: list[AYONAddon]) -> None:
        """Connect with the other enabled addons; no-op by default."""

    def get_global_environments(self) -> dict[str, str]:
        """Environment variables the addon wants set for the whole process."""
        return {}

    def cli(self, addon_click_group: click.Group) -> None:
        """Add the addon's commands to ``ayon addon``; no-op by default."""


class AddonsManager:
    """Initializes the loaded addons and asks them for plugin paths and environments."""

    _log: Optional[logging.Logger] = None

    def __init__(self, settings: Optional[dict[str, Any]] = None, initialize: bool = True) -> None:
        self._settings = settings
        self._addons: list[AYONAddon] = []
        self._addons_by_name: dict[str, AYONAddon] = {}
        if initialize:
            self.initialize_addons()
            self.connect_addons()

    def __getitem__(self, addon_name: str) -> AYONAddon:
        return self._addons_by_name[addon_name]

    @property
    def log(self) -> logging.Logger:
        if self._log is None:
            self._log = Logger.get_logger(self.__class__.__name__)
        return self._log

    @property
    def addons(self) -> list[AYONAddon]:
        return list(self._addons)

    @property
    def addons_by_name(self) -> dict[str, AYONAddon]:
        return dict(self._addons_by_name)

    def get(self, addon_name: str, default: Any = None) -> Any:
        return self._addons_by_name.get(addon_name, default)

    def get_enabled_addon(self, addon_name: str, default: Any = None) -> Any:
        addon = self.get(addon_name)
        return addon if addon is not None and addon.enabled else default

    def get_enabled_addons(self) -> list[AYONAddon]:
        return [addon for addon in self._addons if addon.enabled]

    def initialize_addons(self) -> None:
        """Instantiate every non-abstract AYONAddon class of the loaded addon modules."""
        load_addons()
        settings = self._settings if self._settings is not None else get_studio_settings()
        for module in _LoadCache.addon_modules:
            for name in dir(module):
                item = getattr(module, name, None)
                if not inspect.isclass(item) or item is AYONAddon or not issubclass(item, AYONAddon):
                    continue
                if inspect.isabstract(item):
                    self.log.warning(f"Skipping abstract Class: {name}.")
                    continue
                try:
                    addon = item(self, settings)
                except Exception:  # noqa: BLE001
                    self.log.warning(f"Initialization of addon '{name}' failed.", exc_info=True)
                    continue
                if addon.name in self._addons_by_name:
                    continue
                self._addons.append(addon)
                self._addons_by_name[addon.name] = addon
        for addon in self._addons:
            self.log.debug(f"[{'X' if addon.enabled else ' '}] {addon.name} ({addon.version})")

    def connect_addons(self) -> None:
        enabled = self.get_enabled_addons()
        for addon in enabled:
            try:
                addon.connect_with_addons(enabled)
            except Exception:  # noqa: BLE001
                self.log.error("BUG: Module failed on connection with other modules.", exc_info=True)

    def collect_global_environments(self) -> dict[str, str]:
        env: dict[str, str] = {}
        for addon in self.get_enabled_addons():
            env.update(addon.get_global_environments())
        return env

    def _collect_plugin_paths(self, method_name: str, host_name: str) -> list[str]:
        output: list[str] = []
        for addon in self.get_enabled_addons():
            if not isinstance(addon, IPluginPaths):
                continue
            try:
                paths = getattr(addon, method_name)(host_name)
            except Exception:  # noqa: BLE001
                self.log.warning(f"Failed to get plugin paths from addon '{addon.name}'.", exc_info=True)
                continue
            output.extend(path for path in paths if path not in output)
        return output

    def collect_publish_plugin_paths(self, host_name: Optional[str] = None) -> list[str]:
        return self._collect_plugin_paths("get_publish_plugin_paths", host_name)

    def collect_create_plugin_paths(self, host_name: Optional[str] = None) -> list[str]:
        return self._collect_plugin_paths("get_create_plugin_paths", host_name)
