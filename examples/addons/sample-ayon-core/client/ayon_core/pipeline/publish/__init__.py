"""Publishing with pyblish, SAMPLE core addon (not AYON code).

``publish_from_json`` is what ``ayon publish PATH -t farm`` runs. The job JSON
is an object with a ``data`` object that becomes the pyblish context data::

    {"data": {"projectName": "...", "folderPath": "/shots/sh010",
              "taskName": "...", "outputPath": "sample-output",
              "files": ["beauty.0001.exr.txt"]}}

A relative ``outputPath`` is resolved against the JSON file's directory.
"""
from __future__ import annotations

import json
import os
from typing import TYPE_CHECKING, Any, Iterable, Optional

import pyblish.api
import pyblish.util

from ayon_core import AYON_CORE_ROOT
from ayon_core.lib import Logger, get_local_site_id

if TYPE_CHECKING:
    from ayon_core.addon import AddonsManager

PUBLISH_PATH = os.path.join(AYON_CORE_ROOT, "plugins", "publish")
DEFAULT_HOST_NAME = "shell"

__all__ = (
    "DiscoverResult",
    "KnownPublishError",
    "PUBLISH_PATH",
    "install_ayon_plugins",
    "load_job_json",
    "publish_from_json",
    "publish_plugins_discover",
    "run_publish",
)

_addons_manager: Optional[AddonsManager] = None


class KnownPublishError(Exception):
    """A publish error with a message meant for the user."""


class DiscoverResult:
    """Result of :func:`publish_plugins_discover`."""

    def __init__(self, plugins: list[type]) -> None:
        self.plugins = plugins

    def __iter__(self):
        return iter(self.plugins)

    def __len__(self) -> int:
        return len(self.plugins)


def _register_plugin_path(path: str) -> None:
    # pyblish warns about paths registered twice; stay quiet instead.
    if os.path.normpath(path) not in pyblish.api.registered_paths():
        pyblish.api.register_plugin_path(path)


def _get_addons_manager() -> Optional[AddonsManager]:
    """Addons manager for callers that did not pass one (needs AYON_ADDONS_DIR)."""
    global _addons_manager
    if _addons_manager is None and os.getenv("AYON_ADDONS_DIR"):
        from ayon_core.addon import AddonsManager  # noqa: PLC0415 - avoid import cycle

        _addons_manager = AddonsManager()
    return _addons_manager


def install_ayon_plugins(
    addons_manager: Optional[AddonsManager] = None,
    host_name: Optional[str] = None,
) -> None:
    """Register the core publish plugins and those of every addon with pyblish."""
    _register_plugin_path(PUBLISH_PATH)
    if addons_manager is None:
        addons_manager = _get_addons_manager()
    if addons_manager is not None:
        for path in addons_manager.collect_publish_plugin_paths(host_name):
            _register_plugin_path(path)


def publish_plugins_discover(paths: Optional[Iterable[str]] = None) -> DiscoverResult:
    """Discover pyblish plugins of the registered (or given) paths."""
    plugins = pyblish.api.discover(paths=list(paths) if paths is not None else None)
    return DiscoverResult(list(plugins))


def run_publish(context: pyblish.api.Context, plugins: list[type]) -> pyblish.api.Context:
    """Run ``plugins`` on ``context``; raise RuntimeError on the first failure."""
    log = Logger.get_logger("publish")
    for result in pyblish.util.publish_iter(context=context, plugins=plugins):
        error = result.get("error")
        plugin = result.get("plugin")
        plugin_name = getattr(plugin, "__name__", str(plugin))
        if error:
            instance = result.get("instance")
            where = f" (instance '{instance}')" if instance is not None else ""
            raise RuntimeError(f"Publish failed in plugin '{plugin_name}'{where}: {error}")
        log.debug("%s: ok", plugin_name)
    return context


def load_job_json(path: str) -> dict[str, Any]:
    """Read a job JSON and return its ``data``, with paths made absolute."""
    path = os.path.abspath(path)
    with open(path, encoding="utf-8") as stream:
        job = json.load(stream)
    data = job.get("data") if isinstance(job, dict) else None
    if not isinstance(data, dict):
        raise ValueError(f"{path}: the job JSON needs a 'data' object")
    data = dict(data)
    output_path = data.get("outputPath")
    if output_path:
        data["outputPath"] = os.path.normpath(
            os.path.join(os.path.dirname(path), os.path.expanduser(output_path))
        )
    data["publishJobPath"] = path
    return data


def publish_from_json(
    path: str,
    targets: Optional[Iterable[str]] = None,
    addons_manager: Optional[AddonsManager] = None,
) -> pyblish.api.Context:
    """Publish the job described by the JSON file at ``path``."""
    log = Logger.get_logger("publish")
    data = load_job_json(path)

    context = pyblish.api.Context()
    context.data.update(data)
    context.data.setdefault("hostName", DEFAULT_HOST_NAME)
    context.data["siteId"] = get_local_site_id()

    for target in targets or ():
        pyblish.api.register_target(target)
    pyblish.api.register_host(context.data["hostName"])

    install_ayon_plugins(addons_manager, context.data["hostName"])
    plugins = publish_plugins_discover().plugins
    log.info(
        "Publishing '%s' with %d plugins, targets %s",
        path, len(plugins), pyblish.api.registered_targets(),
    )
    return run_publish(context, plugins)
