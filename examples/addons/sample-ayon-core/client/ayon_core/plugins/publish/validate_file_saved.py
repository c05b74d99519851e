"""Validate that the workfile is saved (SAMPLE, not AYON code).

Like real ayon-core's ``validate_file_saved.py`` it imports ``ayon_core.tools.utils``, which
imports ``qtpy``, at module level: on a worker without Qt this file fails to import and plugin
discovery drops it. It runs only in DCC hosts (``hosts``), never in a farm publish (host
``shell``), so a farm publish does not need it.
"""
import pyblish.api

from ayon_core.pipeline.publish import PublishValidationError
from ayon_core.tools.utils import show_workfiles


class ShowWorkfilesAction(pyblish.api.Action):
    """Open the workfiles tool to save the file."""

    label = "Show Workfiles Tool..."
    on = "failed"

    def process(self, context: pyblish.api.Context, plugin: type) -> None:
        show_workfiles()


class ValidateCurrentSaveFile(pyblish.api.ContextPlugin):
    """The current workfile must be saved before publishing."""

    label = "Validate File Saved"
    order = pyblish.api.ValidatorOrder - 0.1
    hosts = ["maya", "houdini", "nuke", "blender"]
    actions = [ShowWorkfilesAction]

    def process(self, context: pyblish.api.Context) -> None:
        if not context.data.get("currentFile"):
            raise PublishValidationError("File not saved")
