"""Plugin discovery and headless publishing, SAMPLE core addon (not AYON code).

``publish_plugins_discover`` works like real ayon-core's: every ``.py`` file of the registered
paths is imported on its own; a file that fails to import is dropped (recorded in
``crashed_file_paths``, with a debug log line, as the real one does) and the others still load.
``filter_pyblish_plugins`` applies the ``core`` settings' ``publish.<PluginName>`` values and
removes disabled plugins. ``main_cli_publish`` is ``ayon publish PATH``: a farm publish of the
metadata JSON at PATH (``AYON_PUBLISH_DATA``), in the context of ``AYON_PROJECT_NAME``,
``AYON_FOLDER_PATH`` and ``AYON_TASK_NAME``.
"""
from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import os
import sys
from typing import TYPE_CHECKING, Any, Optional

import attrs
import ayon_api
import pyblish.api
import pyblish.plugin
import pyblish.util

from ayon_core.lib import Logger
from ayon_core.settings import get_project_settings

if TYPE_CHECKING:
    from types import TracebackType

    from ayon_core.addon import AddonsManager

ExcInfo = tuple[type[BaseException], BaseException, "TracebackType"]


@attrs.define
class DiscoverResult:
    """Plugins found, and the files that could not be imported."""

    plugins: list[type] = attrs.field(factory=list)
    crashed_file_paths: dict[str, ExcInfo] = attrs.field(factory=dict)
    duplicated_plugins: list[type] = attrs.field(factory=list)

    def __iter__(self):
        return iter(self.plugins)

    def __len__(self) -> int:
        return len(self.plugins)

    def get_report(self, only_errors: bool = True) -> str:
        lines = [] if only_errors else [f"Plugins found: {len(self.plugins)}"]
        for path, (_, exc, _) in sorted(self.crashed_file_paths.items()):
            lines.append(f"Crashed: {path}: {type(exc).__name__}: {exc}")
        return "\n".join(lines)


def _import_filepath(filepath: str, module_name: str):
    spec = importlib.util.spec_from_file_location(module_name, filepath)
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        sys.modules.pop(module_name, None)
        raise
    return module


def publish_plugins_discover(paths: Optional[list[str]] = None) -> DiscoverResult:
    """Find the pyblish plugins of ``paths`` (default: the registered ones)."""
    result = DiscoverResult()
    plugins: dict[str, type] = {}
    names: list[str] = []
    log = pyblish.plugin.log
    for path in paths or pyblish.plugin.plugin_paths():
        path = os.path.normpath(path)
        if os.path.isdir(path):
            filenames = sorted(n for n in os.listdir(path)
                               if os.path.isfile(os.path.join(path, n)) and not n.startswith("_"))
        else:
            path, filenames = os.path.dirname(path), [os.path.basename(path)]
        dir_hash = hashlib.md5(path.encode("utf-8")).hexdigest()  # noqa: S324 - a module name, as in ayon-core
        for filename in filenames:
            basename, ext = os.path.splitext(filename)
            if ext.lower() != ".py":
                continue
            filepath = os.path.join(path, filename)
            try:
                module = _import_filepath(filepath, f"{dir_hash}.{basename}")
            except Exception as err:  # noqa: BLE001 - any import failure drops the file
                result.crashed_file_paths[filepath] = sys.exc_info()
                log.debug('Skipped: "%s" (%s)', filepath, err)
                continue
            for plugin in pyblish.plugin.plugins_from_module(module):
                if plugin in (pyblish.api.Plugin, pyblish.api.ContextPlugin, pyblish.api.InstancePlugin):
                    continue
                if plugin.__name__ in names:
                    result.duplicated_plugins.append(plugin)
                    continue
                names.append(plugin.__name__)
                plugin.__file__ = module.__file__
                plugins[f"{module.__file__}.{plugin.__name__}"] = plugin
    for plugin in pyblish.plugin.registered_plugins():
        if plugin.__name__ not in names:
            names.append(plugin.__name__)
            plugins[plugin.__name__] = plugin
    found = list(plugins.values())
    pyblish.plugin.sort(found)
    for filter_ in pyblish.plugin._registered_plugin_filters:  # noqa: SLF001 - as ayon-core does
        filter_(found)
    result.plugins = found
    return result


def filter_pyblish_plugins(plugins: list[type]) -> None:
    """Apply the project's ``core`` publish settings; drop disabled plugins (in place)."""
    project_settings = get_project_settings(os.environ.get("AYON_PROJECT_NAME"))
    publish_settings = project_settings.get("core", {}).get("publish", {})
    for plugin in plugins[:]:
        for key, value in (publish_settings.get(plugin.__name__) or {}).items():
            setattr(plugin, key, value)
        if getattr(plugin, "enabled", True) is False or not pyblish.plugin.host_is_compatible(plugin):
            plugins.remove(plugin)


def get_publish_template_name(
    project_name: str,
    host_name: str,
    product_base_type: str,
    task_name: Optional[str] = None,
    task_type: Optional[str] = None,
    project_settings: Optional[dict[str, Any]] = None,
) -> str:
    """Name of the ``publish`` template to use (real ayon-core chooses by settings profiles;
    the sample always uses ``default``)."""
    return "default"


def main_cli_publish(path: str, targets: Optional[list[str]] = None,
                     addons_manager: Optional[AddonsManager] = None) -> None:
    """Publish the farm job whose metadata JSON is at ``path``; exit 1 on the first error."""
    from ayon_core.pipeline import get_global_context, install_ayon_plugins  # noqa: PLC0415 - import cycle

    log = Logger.get_logger("CLI-publish")
    username = os.environ.get("AYON_USERNAME")
    if username:
        con = ayon_api.get_server_api_connection()
        with contextlib.suppress(ValueError):
            con.set_default_service_username(username)

    context = get_global_context()
    get_project_settings(context["project_name"])
    install_ayon_plugins()
    pyblish.api.register_host("shell")
    for target in targets or ["farm"]:
        pyblish.api.register_target(target)
    os.environ["AYON_PUBLISH_DATA"] = path
    os.environ["HEADLESS_PUBLISH"] = "true"

    log.info("Running publish ...")
    discover_result = publish_plugins_discover()
    for result in pyblish.util.publish_iter(plugins=discover_result.plugins):
        if result["error"]:
            log.error("Failed %s: %s", result["plugin"].__name__, result["error"])
            sys.exit(1)
    log.info("Publish finished.")
