"""Collect the instances of a farm job's metadata JSON (SAMPLE, not AYON code).

Shaped like real ayon-core's ``CollectRenderedFiles``: ``AYON_PUBLISH_DATA`` names the JSON
files (``os.pathsep`` separated) a farm submission wrote; each must hold ``user``, ``comment``,
``job``, ``instances``, ``version`` and ``folderPath``; its ``session`` values go into the
environment and every entry of ``instances`` becomes an instance as it is (``productName``,
``productType``, ``folderPath``, ``task``, ``representations`` with ``stagingDir``; a relative
``stagingDir`` is taken relative to the JSON file).
"""
import json
import os

import pyblish.api

from ayon_core.pipeline import KnownPublishError

REQUIRED = ("user", "comment", "job", "instances", "version", "folderPath")


class CollectRenderedFiles(pyblish.api.ContextPlugin):
    """Creates the instances a farm job's metadata JSON describes."""

    order = pyblish.api.CollectorOrder - 0.2
    targets = ["filesequence", "farm"]
    label = "Collect rendered frames"

    def process(self, context: pyblish.api.Context) -> None:
        paths = os.environ.get("AYON_PUBLISH_DATA")
        if not paths:
            raise KnownPublishError("Missing `AYON_PUBLISH_DATA`")
        for path in paths.split(os.pathsep):
            path = os.path.abspath(path.strip('"'))
            if not os.path.isfile(path):
                raise KnownPublishError(f'Path to json file doesn\'t exist. "{path}"')
            with open(path, encoding="utf-8") as stream:
                data = json.load(stream)
            missing = [key for key in REQUIRED if key not in data]
            if missing:
                raise KnownPublishError(f"{path}: invalid json file - missing {', '.join(missing)}")
            os.environ.update(data.get("session") or {})
            base = os.path.dirname(path)
            for instance_data in data["instances"]:
                instance = context.create_instance(instance_data.get("productName"))
                instance.data.update(instance_data)
                instance.data.setdefault("folderPath", data["folderPath"])
                instance.data["publishJobMetadata"] = data
                for repre in instance.data.get("representations") or []:
                    repre["stagingDir"] = os.path.normpath(os.path.join(base, repre["stagingDir"]))
                self.log.debug("Collected %s from %s", instance.name, path)
