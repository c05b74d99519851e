"""Publishing of Deadline Cloud job output, SAMPLE stand-in (not AYON code)."""
from __future__ import annotations

import contextlib
import os
from typing import TYPE_CHECKING, Optional

import ayon_api
import pyblish.api
from ayon_core.lib import Logger, get_local_site_id
from ayon_core.pipeline import install_ayon_plugins
from ayon_core.pipeline.publish import publish_plugins_discover, run_publish

if TYPE_CHECKING:
    from ayon_core.addon import AddonsManager

PUBLISH_PLUGINS_DIR = os.path.join(
    os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "plugins", "publish"
)


def _check_server_context(
    project_name: str, folder_path: str, task_name: Optional[str], user_name: str
) -> None:
    """Check that the folder (and task) exist on the AYON server."""
    con = ayon_api.get_server_api_connection()
    # Only works when the connection uses a service user.
    with contextlib.suppress(ValueError):
        con.set_default_service_username(user_name)

    folder_entity = ayon_api.get_folder_by_path(project_name, folder_path)
    if not folder_entity:
        raise ValueError(f"Unable to find folder '{folder_path}' in project '{project_name}'.")
    if task_name:
        task_entity = ayon_api.get_task_by_name(project_name, folder_entity["id"], task_name)
        if not task_entity:
            raise ValueError(
                f"Unable to find task '{task_name}' in folder '{folder_path}' "
                f"in project '{project_name}'."
            )


def publish_content(
    path: str,
    project_name: str,
    folder_path: str,
    user_name: str,
    task_name: Optional[str] = None,
    host_name: Optional[str] = None,
    source_file: Optional[str] = None,
    product_base_type: str = "render",
    addons_manager: Optional[AddonsManager] = None,
) -> pyblish.api.Context:
    """Publish the files of a Deadline Cloud job's output directory ``path``.

    Raises:
        ValueError: The folder or task does not exist on the server.
        RuntimeError: A publish plugin failed.
    """
    log = Logger.get_logger("deadline_cloud.publish")

    if os.getenv("AYON_SERVER_URL"):
        _check_server_context(project_name, folder_path, task_name, user_name)
    else:
        log.info(
            "AYON_SERVER_URL is not set: skipping the server check of folder '%s' "
            "(offline sample publish)", folder_path,
        )

    context = pyblish.api.Context()
    context.data["hostName"] = host_name or "shell"
    context.data["projectName"] = project_name
    context.data["folderPath"] = folder_path
    context.data["outputPath"] = os.path.abspath(path)
    context.data["userName"] = user_name
    context.data["productBaseType"] = product_base_type
    context.data["siteId"] = get_local_site_id()
    if task_name:
        context.data["taskName"] = task_name
    if source_file:
        context.data["sourceFile"] = os.path.abspath(source_file)

    pyblish.api.register_host("shell")
    # The publish plugins of this addon run on the farm.
    pyblish.api.register_target("farm")

    install_ayon_plugins(addons_manager, context.data["hostName"])
    # Also works when the addon was imported without AYON_ADDONS_DIR.
    if os.path.normpath(PUBLISH_PLUGINS_DIR) not in pyblish.api.registered_paths():
        pyblish.api.register_plugin_path(PUBLISH_PLUGINS_DIR)

    plugins = publish_plugins_discover().plugins
    return run_publish(context, plugins)
