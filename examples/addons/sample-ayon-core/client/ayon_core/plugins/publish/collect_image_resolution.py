"""Collect the resolution of rendered images (SAMPLE, not AYON code).

Reads the first file of each instance's first image representation with Pillow (through
``ayon_core.lib.transcoding``) into ``resolutionWidth``/``resolutionHeight``, which the
integrator records on the version. On a worker without Pillow this file cannot be imported and
discovery drops it: the versions then have no resolution.
"""
import os

import pyblish.api

from ayon_core.lib.transcoding import IMAGE_EXTENSIONS, get_image_resolution


class CollectImageResolution(pyblish.api.InstancePlugin):
    """Provides ``resolutionWidth`` and ``resolutionHeight`` of image instances."""

    order = pyblish.api.CollectorOrder + 0.48
    label = "Collect Image Resolution"

    def process(self, instance: pyblish.api.Instance) -> None:
        for repre in instance.data.get("representations") or []:
            files = repre["files"]
            first = files[0] if isinstance(files, (list, tuple)) else files
            if os.path.splitext(first)[1].lower() not in IMAGE_EXTENSIONS:
                continue
            width, height = get_image_resolution(os.path.join(repre["stagingDir"], first))
            instance.data.setdefault("resolutionWidth", width)
            instance.data.setdefault("resolutionHeight", height)
            self.log.debug("%s: %dx%d", instance, width, height)
            return
