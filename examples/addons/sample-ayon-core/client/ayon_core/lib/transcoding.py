"""Reading rendered images, SAMPLE core addon (not AYON code).

Stands in for real ayon-core's compiled runtime dependencies (Pillow, OpenTimelineIO,
opencolorio in ``[ayon.runtimeDependencies]``): Pillow is imported at module level, so a worker
environment without the conda package it becomes fails to import this module, and plugin
discovery drops every plugin file that imports it, as real ayon-core's would.
"""
from __future__ import annotations

from PIL import Image

#: Extensions of files read as images.
IMAGE_EXTENSIONS = {".png", ".jpg", ".jpeg", ".tif", ".tiff", ".exr", ".dpx", ".tga"}


def get_image_resolution(filepath: str) -> tuple[int, int]:
    """``(width, height)`` of an image file."""
    with Image.open(filepath) as image:
        return image.size
