"""Collect the project, folder and task into the context (SAMPLE, not AYON code).

Shaped like real ayon-core's: values already in the context stay; missing ones come from
``AYON_PROJECT_NAME``, ``AYON_FOLDER_PATH`` and ``AYON_TASK_NAME``.
"""
import pyblish.api

from ayon_core.pipeline import get_current_context


class CollectCurrentContext(pyblish.api.ContextPlugin):
    """Provides ``projectName``, ``folderPath`` and ``task``."""

    order = pyblish.api.CollectorOrder - 0.5
    label = "Collect Current context"

    def process(self, context: pyblish.api.Context) -> None:
        current = get_current_context()
        context.data["projectName"] = context.data.get("projectName") or current["project_name"]
        context.data["folderPath"] = context.data.get("folderPath") or current["folder_path"]
        context.data["task"] = context.data.get("task") or current["task_name"]
        self.log.info("Collected project context: %s %s %s", context.data["projectName"],
                      context.data["folderPath"], context.data["task"])
