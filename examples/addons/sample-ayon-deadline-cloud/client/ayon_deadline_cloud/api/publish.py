"""Publishing of Deadline Cloud job output, SAMPLE stand-in (not AYON code).

Shaped like ``publish_content`` of ynput/ayon-deadline-cloud: the service user acts as the
submitter, folder and task are checked with ayon_api, a pyblish context is filled
(``hostName`` "workflow", ``projectName``, ``folderPath``, ``outputPath``, ``taskName``,
``sourceFile``), host "shell" is registered, ``install_ayon_plugins()`` and
``publish_plugins_discover()`` find the plugins and ``pyblish.util.publish_iter`` runs them,
stopping at the first error. It uses only APIs that real ayon-core 1.9.x has.

Where it differs from the real addon, so that real ayon-core 1.9.x integrates the output:
it sets ``task`` next to ``taskName`` (ayon-core's collectors read ``context.data["task"]``),
sets ``AYON_PROJECT_NAME`` so that the project's settings apply to the plugins, checks that
the submitting user and the project exist and that ``path`` has files (for one-line errors), and fails when no new version
was integrated, so that a publish never exits 0 without one. (The real
collector is a "farm" target plugin, but the real ``publish_content`` registers no target; the
sample's collector runs for the default target, and registering "farm" would also run
ayon-core's ``CollectRenderedFiles``, which needs a farm job's ``AYON_PUBLISH_DATA``.)
"""
from __future__ import annotations

import contextlib
import os
from typing import Optional

import ayon_api
import pyblish.api
import pyblish.util
from ayon_core.pipeline import install_ayon_plugins
from ayon_core.pipeline.publish import publish_plugins_discover


class PublishFailedError(RuntimeError):
    """A publish plugin failed, or nothing was integrated."""


def _check_context(project_name: str, folder_path: str, task_name: Optional[str]) -> None:
    """Raise ValueError naming the project, folder or task that does not exist."""
    if not ayon_api.get_project(project_name):
        raise ValueError(f"Unable to find project '{project_name}'.")
    folder_entity = ayon_api.get_folder_by_path(
        project_name=project_name,
        folder_path=folder_path,
    )
    if not folder_entity:
        raise ValueError(
            f"Unable to find folder '{folder_path}' in project '{project_name}'."
        )
    if task_name:
        task_entity = ayon_api.get_task_by_name(
            project_name=project_name,
            folder_id=folder_entity["id"],
            task_name=task_name,
        )
        if not task_entity:
            raise ValueError(
                f"Unable to find task '{task_name}' in folder '{folder_path}' "
                f"in project '{project_name}'."
            )


def _failure_line(result: dict) -> str:
    plugin = result.get("plugin")
    instance = result.get("instance")
    where = getattr(plugin, "__name__", str(plugin))
    if instance is not None:
        where += f" (instance '{instance}')"
    return f"Publish failed in {where}: {result['error']}"


def publish_content(  # noqa: PLR0913 - the command's options, as in the real addon
    path: str,
    project_name: str,
    folder_path: str,
    user_name: str,
    task_name: Optional[str] = None,
    host_name: Optional[str] = None,
    source_file: Optional[str] = None,
    product_base_type: str = "render",
) -> pyblish.api.Context:
    """Publish the files of a Deadline Cloud job's output directory ``path``.

    Returns the pyblish context; every integrated instance has ``versionEntity``.

    Raises:
        ValueError: The user, project, folder or task does not exist on the server, or
            ``path`` has no files.
        PublishFailedError: A publish plugin failed, or no version was integrated.
    """
    # Make the service user act as the submitter (works only with a service key;
    # ayon-python-api raises ValueError otherwise). The user must exist: AYON answers every
    # request that acts as an unknown user with 500.
    if ayon_api.get(f"users/{user_name}").status_code == 404:
        raise ValueError(f"Unable to find user '{user_name}' on the AYON server.")
    con = ayon_api.get_server_api_connection()
    with contextlib.suppress(ValueError):
        con.set_default_service_username(user_name)

    _check_context(project_name, folder_path, task_name)
    if not any(entry.is_file() for entry in os.scandir(path)):
        raise ValueError(f"Nothing to publish: '{path}' has no files.")

    context = pyblish.api.Context()
    context.data["hostName"] = host_name or "workflow"
    context.data["projectName"] = project_name
    context.data["folderPath"] = folder_path
    context.data["outputPath"] = os.path.abspath(path)
    context.data["productBaseType"] = product_base_type
    if task_name:
        context.data["taskName"] = task_name
        context.data["task"] = task_name
    if source_file:
        context.data["sourceFile"] = os.path.abspath(source_file)

    # ayon-core applies the settings of the project in AYON_PROJECT_NAME to the plugins
    # (filter_pyblish_plugins); without it they run with the studio's settings.
    os.environ["AYON_PROJECT_NAME"] = project_name
    pyblish.api.register_host("shell")

    install_ayon_plugins()
    discover_result = publish_plugins_discover()

    for result in pyblish.util.publish_iter(
        context=context,
        plugins=discover_result.plugins,
    ):
        if result["error"]:
            raise PublishFailedError(_failure_line(result))

    if not any(instance.data.get("versionEntity") for instance in context):
        raise PublishFailedError(
            f"Nothing was published from '{path}': no instance was integrated."
        )
    return context
