"""Addon base classes and discovery of the SAMPLE core addon (not AYON code).

``AYON_ADDONS_DIR`` holds one directory per addon, named ``{name}_{version}``,
each containing the addon's client package, e.g.::

    core_1.9.0-sample.1/ayon_core/
    deadline_cloud_0.2.0-sample.1/ayon_deadline_cloud/

:class:`AddonsManager` puts every such directory on ``sys.path``, imports the
package(s) in it and instantiates the :class:`AYONAddon` subclasses found in
the package's top-level namespace. A broken addon is logged and skipped.
"""
from __future__ import annotations

import importlib
import inspect
import logging
import os
import sys
from typing import TYPE_CHECKING, Any, Optional

from ayon_core.lib import AddonInfo, Logger, get_addons_dir

if TYPE_CHECKING:
    import click

# The core addon's own package is not an AYONAddon in this sample.
CORE_PACKAGE_NAME = "ayon_core"


class AYONAddon:
    """Base class of addons; subclasses set ``name`` and ``version``."""

    name: str = ""
    version: str = "0.0.0"
    enabled: bool = True

    def __init__(self, manager: AddonsManager, settings: dict[str, Any]) -> None:
        self._manager = manager
        self._log: Optional[logging.Logger] = None
        self.initialize(settings)

    @property
    def manager(self) -> AddonsManager:
        return self._manager

    @property
    def log(self) -> logging.Logger:
        if self._log is None:
            self._log = Logger.get_logger(self.__class__.__name__)
        return self._log

    def initialize(self, settings: dict[str, Any]) -> None:
        """Set up the addon from (studio/project) settings; no-op by default."""

    def get_global_environments(self) -> dict[str, str]:
        """Environment variables the addon wants set for the whole process."""
        return {}

    def cli(self, addon_click_group: click.Group) -> None:
        """Add the addon's commands to ``ayon addon``; no-op by default."""

    def __repr__(self) -> str:
        return f"<{self.__class__.__name__} {self.name} {self.version}>"


class IPluginPaths:
    """Interface of addons that provide pyblish plugins."""

    def get_publish_plugin_paths(self, host_name: Optional[str] = None) -> list[str]:
        return []


class AddonsManager:
    """Finds, imports and holds the addons of ``AYON_ADDONS_DIR``."""

    def __init__(
        self,
        settings: Optional[dict[str, Any]] = None,
        addons_dir: Optional[str] = None,
        initialize: bool = True,
    ) -> None:
        self.log = Logger.get_logger(self.__class__.__name__)
        self._settings = settings or {}
        self._addons_dir = addons_dir
        self._addons_by_name: dict[str, AYONAddon] = {}
        if initialize:
            self.initialize_addons()

    @property
    def addons(self) -> list[AYONAddon]:
        return [addon for addon in self._addons_by_name.values() if addon.enabled]

    @property
    def addons_by_name(self) -> dict[str, AYONAddon]:
        return dict(self._addons_by_name)

    def get(self, name: str) -> Optional[AYONAddon]:
        return self._addons_by_name.get(name)

    def _find_addon_dirs(self, addons_dir: str) -> list[AddonInfo]:
        """One directory per addon name; the highest version wins."""
        found: dict[str, AddonInfo] = {}
        for entry in sorted(os.scandir(addons_dir), key=lambda e: e.name):
            if not entry.is_dir() or entry.name.startswith((".", "__")):
                continue
            try:
                info = AddonInfo.from_dir(entry.path)
            except ValueError as exc:
                self.log.warning("Skipping '%s': %s", entry.path, exc)
                continue
            current = found.get(info.name)
            if current is not None:
                self.log.warning(
                    "Addon '%s' found twice (%s, %s); using the higher version",
                    info.name, current.version, info.version,
                )
                if current.semver >= info.semver:
                    continue
            found[info.name] = info
        return list(found.values())

    @staticmethod
    def _package_names(addon_dir: str) -> list[str]:
        return sorted(
            name for name in os.listdir(addon_dir)
            if os.path.isfile(os.path.join(addon_dir, name, "__init__.py"))
        )

    def initialize_addons(self) -> None:
        addons_dir = self._addons_dir or get_addons_dir()
        if not os.path.isdir(addons_dir):
            raise RuntimeError(f"AYON_ADDONS_DIR is not a directory: {addons_dir}")

        for info in self._find_addon_dirs(addons_dir):
            package_names = [
                name for name in self._package_names(info.path)
                if name != CORE_PACKAGE_NAME
            ]
            if not package_names:
                self.log.debug("No addon package in '%s'", info.path)
                continue
            if info.path not in sys.path:
                sys.path.insert(0, info.path)
            for package_name in package_names:
                try:
                    self._load_package(package_name, info)
                except Exception:  # noqa: BLE001 - a broken addon must not stop the others
                    self.log.warning(
                        "Failed to import addon package '%s' from '%s'",
                        package_name, info.path, exc_info=True,
                    )

    def _load_package(self, package_name: str, info: AddonInfo) -> None:
        module = importlib.import_module(package_name)
        for obj in list(vars(module).values()):
            if (
                not inspect.isclass(obj)
                or not issubclass(obj, AYONAddon)
                or obj is AYONAddon
                or inspect.isabstract(obj)
            ):
                continue
            try:
                addon = obj(self, self._settings.get(obj.name, {}))
            except Exception:  # noqa: BLE001
                self.log.warning(
                    "Failed to initialize addon '%s'", obj.__name__, exc_info=True
                )
                continue
            if addon.name in self._addons_by_name:
                self.log.warning("Addon '%s' is defined twice; keeping the first", addon.name)
                continue
            if addon.version != info.version:
                self.log.warning(
                    "Addon '%s' reports version %s but its directory says %s",
                    addon.name, addon.version, info.version,
                )
            self._addons_by_name[addon.name] = addon
            self.log.debug("Loaded addon %r from '%s'", addon, info.path)

    def collect_global_environments(self) -> dict[str, str]:
        env: dict[str, str] = {}
        for addon in self.addons:
            try:
                env.update(addon.get_global_environments())
            except Exception:  # noqa: BLE001
                self.log.warning(
                    "Failed to get environments of addon '%s'", addon.name, exc_info=True
                )
        return env

    def collect_publish_plugin_paths(self, host_name: Optional[str] = None) -> list[str]:
        paths: list[str] = []
        for addon in self.addons:
            if not isinstance(addon, IPluginPaths):
                continue
            try:
                addon_paths = addon.get_publish_plugin_paths(host_name)
            except Exception:  # noqa: BLE001
                self.log.warning(
                    "Failed to get publish plugin paths of addon '%s'",
                    addon.name, exc_info=True,
                )
                continue
            for path in addon_paths:
                if path not in paths:
                    paths.append(path)
        return paths

    def collect_plugin_paths(self, host_name: Optional[str] = None) -> list[str]:
        """Publish plugin paths of all :class:`IPluginPaths` addons.

        (The real manager returns a dict by plugin type; the sample only has
        publish plugins.)
        """
        return self.collect_publish_plugin_paths(host_name)
