"""Create publish instances from a Deadline Cloud job's output files (SAMPLE, not AYON code).

Shaped like ``CreateInstancesFromFiles`` of ynput/ayon-deadline-cloud: a farm collector that
runs first, finds the folder (and task) with ayon_api, groups the files of ``outputPath`` with
clique (one instance per frame sequence; loose files that share a name prefix become one
instance, others one each) and names products with ``get_product_name``. It runs for the default
pyblish target, which every publish has: a publish without ``outputPath`` (not a Deadline
Cloud job's) is left alone. Each instance has
what ayon-core's ``IntegrateAsset`` needs: ``productName``, ``productType``,
``productBaseType``, ``folderPath``, ``task`` and ``representations`` of
``{name, ext, files, stagingDir}`` (frame sequences also ``frameStart``/``frameEnd``).
The real addon also adds trait representations; the sample keeps to the standard ones.
"""
from __future__ import annotations

import os
from typing import Any

import ayon_api
import clique
import pyblish.api
from ayon_core.pipeline import KnownPublishError
from ayon_core.pipeline.create import get_product_name

# The product's host name, as the real addon names it.
PRODUCT_HOST_NAME = "deadline_cloud"
# A shared prefix shorter than this does not make loose files one product.
MIN_PREFIX_LEN = 2


def _common_prefix(stems: list[str]) -> str:
    prefix = os.path.commonprefix(stems)
    return prefix.rstrip("._- ")


def _ext(filename: str) -> str:
    return os.path.splitext(filename)[1].lstrip(".")


class CreateInstancesFromFiles(pyblish.api.ContextPlugin):
    """Create one publish instance per product found in ``outputPath``."""

    label = "Create publishing instances from files"
    order = pyblish.api.CollectorOrder - 0.5
    hosts = ["shell"]

    def process(self, context: pyblish.api.Context) -> None:
        output_path = context.data.get("outputPath")
        if not output_path:
            # Not a Deadline Cloud job's publish (the real collector raises here, which fails
            # every other farm publish of a bundle that has the addon).
            self.log.debug("No outputPath in the context: nothing to collect.")
            return

        project_name = context.data["projectName"]
        folder_path = context.data["folderPath"]
        folder_entity = ayon_api.get_folder_by_path(project_name, folder_path)
        if not folder_entity:
            raise KnownPublishError(
                f"Unable to find folder '{folder_path}' in project '{project_name}'."
            )
        task_name = context.data.get("task")
        task_entity = None
        if task_name:
            task_entity = ayon_api.get_task_by_name(
                project_name, folder_entity["id"], task_name
            )
            if not task_entity:
                raise KnownPublishError(
                    f"Unable to find task '{task_name}' in folder '{folder_path}' "
                    f"in project '{project_name}'."
                )

        filenames = sorted(
            name for name in os.listdir(output_path)
            if not name.startswith(".") and os.path.isfile(os.path.join(output_path, name))
        )
        if not filenames:
            raise KnownPublishError(f"Provided path {output_path} has no files.")

        collections, remainder = clique.assemble(filenames)
        products: list[tuple[str, list[dict[str, Any]]]] = []
        for collection in collections:
            products.append(self._sequence_product(collection, output_path))
        products.extend(self._loose_products(remainder, output_path))

        product_base_type = context.data.get("productBaseType") or "render"
        for variant, representations in products:
            product_name = get_product_name(
                project_name=project_name,
                folder_entity=folder_entity,
                task_entity=task_entity,
                product_base_type=product_base_type,
                product_type=product_base_type,
                host_name=PRODUCT_HOST_NAME,
                variant=variant,
            )
            instance = context.create_instance(name=str(product_name))
            instance.data.update({
                "publish": True,
                "active": True,
                "label": f"{product_name} ({folder_path})",
                "family": product_base_type,
                "families": [product_base_type],
                "productName": str(product_name),
                "productType": product_base_type,
                "productBaseType": product_base_type,
                "variant": variant,
                "folderPath": folder_path,
                "task": task_name,
                "representations": representations,
            })
            frames = [r for r in representations if "frameStart" in r]
            if frames:
                instance.data["frameStart"] = frames[0]["frameStart"]
                instance.data["frameEnd"] = frames[0]["frameEnd"]
            self.log.info(
                "Collected %s: %s", product_name,
                ", ".join(r["name"] for r in representations),
            )

    @staticmethod
    def _sequence_product(
        collection: clique.Collection, staging_dir: str
    ) -> tuple[str, list[dict[str, Any]]]:
        """A frame sequence: one product with one representation."""
        files = list(collection)
        variant = collection.head.rstrip("._- ") or "render"
        ext = _ext(files[0])
        return variant, [{
            "name": ext,
            "ext": ext,
            "files": files,
            "stagingDir": staging_dir,
            "frameStart": min(collection.indexes),
            "frameEnd": max(collection.indexes),
        }]

    @staticmethod
    def _loose_products(
        filenames: list[str], staging_dir: str
    ) -> list[tuple[str, list[dict[str, Any]]]]:
        """Files sharing a name prefix make one product (one representation per
        extension); others one product each."""
        if not filenames:
            return []

        def representation(filename: str) -> dict[str, Any]:
            return {
                "name": _ext(filename) or "file",
                "ext": _ext(filename),
                "files": filename,
                "stagingDir": staging_dir,
            }

        stems = [os.path.splitext(name)[0] for name in filenames]
        prefix = _common_prefix(stems)
        exts = [_ext(name) for name in filenames]
        if len(filenames) > 1 and len(prefix) >= MIN_PREFIX_LEN and len(set(exts)) == len(exts):
            return [(prefix, [representation(name) for name in filenames])]
        return [(stem, [representation(name)]) for stem, name in zip(stems, filenames)]

