"""Collect the files listed in a publish job JSON (SAMPLE, not AYON code)."""
from __future__ import annotations

import os

import clique
import pyblish.api


class CollectJobFiles(pyblish.api.ContextPlugin):
    """Create one instance per file listed in the job's ``files``.

    Paths are relative to ``outputPath``. Files that belong to a numbered
    sequence (found with ``clique``) get the sequence name and frame.
    """

    label = "Collect Job Files (sample)"
    order = pyblish.api.CollectorOrder
    targets = ["farm"]

    def process(self, context: pyblish.api.Context) -> None:
        files = context.data.get("files") or []
        if not files:
            self.log.info("The job lists no files")
            return
        output_path = context.data.get("outputPath") or os.getcwd()

        collections, _remainder = clique.assemble(
            [os.path.basename(name) for name in files],
            patterns=[clique.PATTERNS["frames"]],
            minimum_items=1,
        )
        frames: dict[str, tuple[str, int]] = {}
        for collection in collections:
            sequence = collection.format("{head}{padding}{tail}")
            # Iterating a collection yields its items in sorted index order.
            for index, item in zip(sorted(collection.indexes), collection):
                frames[item] = (sequence, index)

        for name in files:
            path = os.path.normpath(os.path.join(output_path, name))
            if not os.path.isfile(path):
                raise FileNotFoundError(f"File listed in the job is missing: {path}")
            basename = os.path.basename(path)
            instance = context.create_instance(name=basename)
            instance.data.update({
                "family": "render",
                "families": ["render"],
                "productBaseType": context.data.get("productBaseType", "render"),
                "folderPath": context.data.get("folderPath"),
                "taskName": context.data.get("taskName"),
                "path": path,
                "stagingDir": os.path.dirname(path),
                "files": [basename],
            })
            if basename in frames:
                instance.data["sequence"], instance.data["frame"] = frames[basename]
            self.log.info("Collected %s", path)
