"""Write publish-report.json (SAMPLE stand-in for integrating into AYON, not AYON code)."""
from __future__ import annotations

import json
import os

import pyblish.api

REPORT_FILENAME = "publish-report.json"
REPORT_DIR_ENV = "AYON_SAMPLE_REPORT_DIR"


class WritePublishReport(pyblish.api.ContextPlugin):
    """Write what was published into ``publish-report.json``.

    The report goes to ``$AYON_SAMPLE_REPORT_DIR`` when set, else to the
    job's output directory (``outputPath``).
    """

    label = "Write Publish Report (sample)"
    order = pyblish.api.IntegratorOrder
    targets = ["farm"]

    def process(self, context: pyblish.api.Context) -> None:
        # Imported here: an import error at discovery would silently drop this
        # plugin, here it fails the publish.
        from ayon_core import __version__ as core_version
        from ayon_core.lib import get_timestamp
        from ayon_deadline_cloud.version import __version__ as addon_version

        report_dir = os.getenv(REPORT_DIR_ENV) or context.data.get("outputPath")
        if not report_dir:
            raise RuntimeError(
                f"Nowhere to write {REPORT_FILENAME}: set {REPORT_DIR_ENV} or outputPath"
            )

        instances = []
        for instance in context:
            if instance.data.get("publish") is False:
                continue
            item = {
                "name": instance.name,
                "productBaseType": instance.data.get("productBaseType"),
                "files": list(instance.data.get("files", [])),
            }
            if instance.data.get("frame") is not None:
                item["sequence"] = instance.data.get("sequence")
                item["frame"] = instance.data["frame"]
            instances.append(item)
        if not instances:
            self.log.warning("No instances were collected")

        report = {
            "sample": True,
            "note": "Written by the SAMPLE deadline_cloud addon instead of integrating into AYON.",
            "timestamp": get_timestamp(),
            "addons": {"core": core_version, "deadline_cloud": addon_version},
            "projectName": context.data.get("projectName"),
            "folderPath": context.data.get("folderPath"),
            "taskName": context.data.get("taskName"),
            "userName": context.data.get("userName"),
            "siteId": context.data.get("siteId"),
            "instances": instances,
            "files": sorted({f for item in instances for f in item["files"]}),
        }

        os.makedirs(report_dir, exist_ok=True)
        report_path = os.path.join(report_dir, REPORT_FILENAME)
        with open(report_path, "w", encoding="utf-8") as stream:
            json.dump(report, stream, indent=2)
            stream.write("\n")
        context.data["publishReportPath"] = report_path
        self.log.info("Wrote %s", report_path)
