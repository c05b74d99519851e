"""Fill each instance's entities, version and anatomy data (SAMPLE, not AYON code).

Shaped like real ayon-core's ``CollectAnatomyInstanceData``: the instance's folder and task
entities (the context's when they match), the next version number (the product's latest
version + 1, else 1) and ``anatomyData`` for the publish templates.
"""
import ayon_api
import pyblish.api

from ayon_core.pipeline import KnownPublishError
from ayon_core.pipeline.template_data import get_template_data


class CollectAnatomyInstanceData(pyblish.api.ContextPlugin):
    """Provides ``folderEntity``, ``taskEntity``, ``version`` and ``anatomyData`` per instance."""

    order = pyblish.api.CollectorOrder + 0.49
    label = "Collect Anatomy Instance data"

    def process(self, context: pyblish.api.Context) -> None:
        project_name = context.data["projectName"]
        project_entity = context.data["projectEntity"]
        for instance in context:
            folder_entity = self._folder(context, instance)
            task_entity = self._task(context, instance, folder_entity)
            instance.data["folderEntity"] = folder_entity
            instance.data["taskEntity"] = task_entity

            version = instance.data.get("version")
            if version is None:
                product = ayon_api.get_product_by_name(
                    project_name, instance.data["productName"], folder_entity["id"])
                latest = ayon_api.get_last_version_by_product_id(
                    project_name, product["id"]) if product else None
                version = latest["version"] + 1 if latest else 1
            instance.data["version"] = version

            anatomy_data = get_template_data(project_entity, folder_entity, task_entity,
                                             context.data.get("hostName"), context.data.get("user"))
            product_type = instance.data["productType"]
            anatomy_data["product"] = {
                "name": instance.data["productName"],
                "type": product_type,
                "basetype": instance.data.get("productBaseType") or product_type,
            }
            anatomy_data["version"] = version
            instance.data["anatomyData"] = anatomy_data

    @staticmethod
    def _folder(context: pyblish.api.Context, instance: pyblish.api.Instance) -> dict:
        folder_path = instance.data.get("folderPath") or context.data["folderPath"]
        folder_entity = context.data.get("folderEntity")
        if folder_entity and folder_entity["path"] == folder_path:
            return folder_entity
        folder_entity = ayon_api.get_folder_by_path(context.data["projectName"], folder_path)
        if not folder_entity:
            raise KnownPublishError(f"Folder '{folder_path}' of instance '{instance}' was not found.")
        return folder_entity

    @staticmethod
    def _task(context: pyblish.api.Context, instance: pyblish.api.Instance, folder_entity: dict):
        task_name = instance.data.get("task")
        if not task_name:
            return None
        task_entity = context.data.get("taskEntity")
        if task_entity and task_entity["name"] == task_name and task_entity["folderId"] == folder_entity["id"]:
            return task_entity
        task_entity = ayon_api.get_task_by_name(context.data["projectName"], folder_entity["id"], task_name)
        if not task_entity:
            raise KnownPublishError(f"Task '{task_name}' of instance '{instance}' was not found.")
        return task_entity
