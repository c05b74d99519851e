"""Collect the files of a Deadline Cloud job's output directory (SAMPLE, not AYON code)."""
from __future__ import annotations

import os

import pyblish.api

# Written by write_publish_report.py; never published itself.
REPORT_FILENAME = "publish-report.json"


class CollectOutputFiles(pyblish.api.ContextPlugin):
    """Create one instance per file under ``outputPath``.

    Files that an earlier collector already turned into an instance (for
    example the core's job collector) are skipped.
    """

    label = "Collect Deadline Cloud Output Files (sample)"
    order = pyblish.api.CollectorOrder + 0.1
    targets = ["farm"]

    def process(self, context: pyblish.api.Context) -> None:
        output_path = context.data.get("outputPath")
        if not output_path:
            self.log.info("No outputPath in the context; nothing to collect")
            return
        if not os.path.isdir(output_path):
            raise NotADirectoryError(f"outputPath is not a directory: {output_path}")

        known = {os.path.normpath(i.data["path"]) for i in context if i.data.get("path")}
        for root, dirs, files in os.walk(output_path):
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))
            for filename in sorted(files):
                if filename.startswith(".") or filename == REPORT_FILENAME:
                    continue
                path = os.path.normpath(os.path.join(root, filename))
                if path in known:
                    continue
                name = os.path.relpath(path, output_path).replace(os.sep, "/")
                instance = context.create_instance(name=name)
                instance.data.update({
                    "family": "render",
                    "families": ["render"],
                    "productBaseType": context.data.get("productBaseType", "render"),
                    "folderPath": context.data.get("folderPath"),
                    "taskName": context.data.get("taskName"),
                    "path": path,
                    "stagingDir": root,
                    "files": [filename],
                })
                known.add(path)
                self.log.info("Collected %s", path)
