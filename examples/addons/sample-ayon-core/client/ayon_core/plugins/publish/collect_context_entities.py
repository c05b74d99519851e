"""Collect the project, folder and task entities and the anatomy (SAMPLE, not AYON code)."""
import ayon_api
import pyblish.api

from ayon_core.lib import get_ayon_username
from ayon_core.pipeline import Anatomy, KnownPublishError


class CollectContextEntities(pyblish.api.ContextPlugin):
    """Provides ``projectEntity``, ``anatomy``, ``folderEntity``, ``taskEntity``, ``user``."""

    order = pyblish.api.CollectorOrder - 0.45
    label = "Collect Context Entities"

    def process(self, context: pyblish.api.Context) -> None:
        project_name = context.data["projectName"]
        project_entity = context.data.get("projectEntity") or ayon_api.get_project(project_name)
        if not project_entity:
            raise KnownPublishError(f"Project '{project_name}' was not found.")
        context.data["projectEntity"] = project_entity
        context.data["anatomy"] = Anatomy(project_name, project_entity=project_entity)
        # the AYON user (pyblish's own collector put the OS user here)
        context.data["user"] = get_ayon_username()

        folder_path = context.data.get("folderPath")
        if not folder_path:
            self.log.info("Context is not set. Can't collect global data.")
            return
        folder_entity = ayon_api.get_folder_by_path(project_name, folder_path)
        if not folder_entity:
            raise KnownPublishError(f"Folder '{folder_path}' was not found in project '{project_name}'.")
        task_entity = None
        task_name = context.data.get("task")
        if task_name:
            task_entity = ayon_api.get_task_by_name(project_name, folder_entity["id"], task_name)
            if not task_entity:
                raise KnownPublishError(f"Task '{task_name}' was not found in folder '{folder_path}'.")
        context.data["folderEntity"] = folder_entity
        context.data["taskEntity"] = task_entity
