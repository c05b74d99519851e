"""Register a publish in AYON and copy its files into the project (SAMPLE, not AYON code).

A simplified ``IntegrateAsset`` of real ayon-core, with its steps: the product (created, or
updated when it exists) and the version go to the server in one ayon_api ``OperationsSession``
commit; then every representation's files are copied to the project's ``publish`` template
path under the anatomy roots (all copies undone if one fails); then the representations, with
each file's rootless path, size and hash, are committed. A version's representations that were
not published again are deleted (unless the instance says ``append``).
"""
import copy
import os

import clique
import pyblish.api
from ayon_api import get_product_by_name, get_representations, get_version_by_name
from ayon_api.operations import (
    OperationsSession,
    new_product_entity,
    new_representation_entity,
    new_version_entity,
)
from ayon_api.utils import create_entity_id

from ayon_core.lib import FileTransaction, source_hash
from ayon_core.lib.file_transaction import DuplicateDestinationError
from ayon_core.pipeline.publish import KnownPublishError, get_publish_template_name


class IntegrateAsset(pyblish.api.InstancePlugin):
    """Register the product, version and representations and transfer the files.

    Requires ``instance.data``: ``productName``, ``productType``, ``version``,
    ``folderEntity``, ``anatomyData`` and ``representations``, each a dict with ``name``,
    ``ext``, ``stagingDir`` and ``files`` (a file name, or a list of names for a sequence).
    """

    label = "Integrate Asset"
    order = pyblish.api.IntegratorOrder

    def process(self, instance: pyblish.api.Instance) -> None:
        if instance.data.get("farm"):
            self.log.debug("Instance is marked to be processed on farm. Skipping")
            return
        if not instance.data.get("integrate", True):
            self.log.debug("Instance is marked to skip integrating. Skipping")
            return
        repres = [r for r in instance.data.get("representations") or []
                  if "delete" not in r.get("tags", [])]
        if not repres:
            self.log.info("Skipping, there are no representations to integrate for instance %s",
                          instance)
            return

        file_transactions = FileTransaction(log=self.log)
        try:
            self.register(instance, file_transactions, repres)
        except DuplicateDestinationError as exc:
            file_transactions.rollback()
            raise KnownPublishError(str(exc)) from exc
        except Exception:
            file_transactions.rollback()
            raise
        file_transactions.finalize()

    def register(self, instance: pyblish.api.Instance, file_transactions: FileTransaction,
                 repres: list) -> None:
        context = instance.context
        project_name = context.data["projectName"]
        anatomy = context.data["anatomy"]
        anatomy_data = instance.data["anatomyData"]
        template_name = get_publish_template_name(
            project_name, context.data.get("hostName"),
            instance.data.get("productBaseType") or instance.data["productType"],
            (anatomy_data.get("task") or {}).get("name"), (anatomy_data.get("task") or {}).get("type"),
        )
        template = anatomy.get_template_item("publish", template_name, "path")

        op_session = OperationsSession()
        product_entity = self.prepare_product(instance, op_session, project_name)
        version_entity = self.prepare_version(instance, op_session, product_entity, project_name)
        instance.data["versionEntity"] = version_entity

        existing_repres_by_name = {
            repre["name"].lower(): repre
            for repre in get_representations(project_name, version_ids=[version_entity["id"]])
        }
        prepared = [self.prepare_representation(repre, template, anatomy_data, version_entity,
                                                existing_repres_by_name)
                    for repre in repres]
        for item in prepared:
            for src, dst in item["transfers"]:
                file_transactions.add(src, dst)

        op_session.commit()
        self.log.info("Product '%s' version %s written to database..",
                      product_entity["name"], version_entity["version"])

        file_transactions.process()

        new_names = set()
        for item in prepared:
            repre_entity = item["representation"]
            repre_entity["files"] = [self.prepare_file_info(dst, rootless)
                                     for (_, dst), rootless in zip(item["transfers"], item["rootless"])]
            existing = existing_repres_by_name.get(repre_entity["name"].lower())
            if existing is None:
                op_session.create_entity(project_name, "representation", repre_entity)
            else:
                op_session.update_entity(project_name, "representation", existing["id"], {
                    "files": repre_entity["files"], "attrib": repre_entity["attrib"],
                    "data": repre_entity["data"],
                })
                repre_entity["id"] = existing["id"]
            new_names.add(repre_entity["name"].lower())
        if not instance.data.get("append", False):
            for name, existing in existing_repres_by_name.items():
                if name not in new_names:
                    op_session.delete_entity(project_name, "representation", existing["id"])
        op_session.commit()

        instance.data["published_representations"] = {
            item["representation"]["id"]: item for item in prepared
        }
        self.log.info("Registered %d representations: %s", len(prepared),
                      ", ".join(item["representation"]["name"] for item in prepared))

    def prepare_product(self, instance: pyblish.api.Instance, op_session: OperationsSession,
                        project_name: str) -> dict:
        folder_entity = instance.data["folderEntity"]
        product_name = instance.data["productName"]
        product_type = instance.data["productType"]
        product_base_type = instance.data.get("productBaseType") or product_type
        existing = get_product_by_name(project_name, product_name, folder_entity["id"])
        product_entity = new_product_entity(
            product_name, product_type, folder_entity["id"],
            product_base_type=product_base_type,
            entity_id=existing["id"] if existing else None,
        )
        if existing is None:
            self.log.info("Product '%s' not found, creating ...", product_name)
            op_session.create_entity(project_name, "product", product_entity)
        elif existing.get("productType") != product_type:
            op_session.update_entity(project_name, "product", existing["id"],
                                     {"productType": product_type})
        return product_entity

    def prepare_version(self, instance: pyblish.api.Instance, op_session: OperationsSession,
                        product_entity: dict, project_name: str) -> dict:
        version_number = instance.data["version"]
        task_entity = instance.data.get("taskEntity")
        existing = get_version_by_name(project_name, version_number, product_entity["id"])
        data = {
            "host_name": instance.context.data.get("hostName"),
            "source": instance.context.data.get("sourceFile") or instance.context.data.get("outputPath"),
        }
        # like ayon-core's IntegrateAsset: what the server defines as a version attribute (the
        # comment, the frame range, the resolution) goes to attrib, the rest to data
        attribs = {key: instance.data[key] for key in ("frameStart", "frameEnd", "resolutionWidth", "resolutionHeight")
                   if key in instance.data}
        attribs["comment"] = instance.data.get("comment", "")
        version_entity = new_version_entity(
            version_number, product_entity["id"],
            task_id=task_entity["id"] if task_entity else None,
            data=data, attribs=attribs,
            entity_id=existing["id"] if existing else None,
        )
        if existing:
            op_session.update_entity(project_name, "version", existing["id"],
                                     {"data": data, "attrib": attribs})
        else:
            op_session.create_entity(project_name, "version", version_entity)
        return version_entity

    def prepare_representation(self, repre: dict, template, anatomy_data: dict,
                               version_entity: dict, existing_repres_by_name: dict) -> dict:
        ext = repre["ext"].lstrip(".")
        data = copy.deepcopy(anatomy_data)
        data.update({"representation": repre["name"], "ext": ext})
        staging_dir = repre["stagingDir"]
        files = repre["files"]
        transfers, rootless = [], []
        if isinstance(files, (list, tuple)):
            collections, remainder = clique.assemble(files, minimum_items=1)
            if len(collections) != 1 or remainder:
                raise KnownPublishError(
                    f"Representation '{repre['name']}' files are not one frame sequence: {files}")
            collection = collections[0]
            for index, filename in zip(sorted(collection.indexes), collection):
                data["frame"] = index
                dst = template.format_strict(data)
                transfers.append((os.path.join(staging_dir, os.path.basename(filename)), str(dst)))
                rootless.append(dst.rootless)
            data["frame"] = min(collection.indexes)
        else:
            dst = template.format_strict(data)
            transfers.append((os.path.join(staging_dir, files), str(dst)))
            rootless.append(dst.rootless)
        for path in rootless:
            if not path.startswith("{root["):
                raise KnownPublishError(f"'{path}' is not in any of the project's roots")

        existing = existing_repres_by_name.get(repre["name"].lower())
        representation = new_representation_entity(
            repre["name"], version_entity["id"], files=[],
            attribs={"path": transfers[0][1], "template": template.template},
            data={"context": data},
            entity_id=existing["id"] if existing else None,
        )
        return {"representation": representation, "transfers": transfers, "rootless": rootless}

    @staticmethod
    def prepare_file_info(path: str, rootless: str) -> dict:
        return {
            "id": create_entity_id(),
            "name": os.path.basename(path),
            "path": rootless,
            "size": os.path.getsize(path),
            "hash": source_hash(path),
            "hash_type": "op3",
        }
