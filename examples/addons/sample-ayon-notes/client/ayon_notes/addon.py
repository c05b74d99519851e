"""The SAMPLE notes addon (not AYON code): one publish plugin path."""
from __future__ import annotations

import os
from typing import Optional

from ayon_core.addon import AYONAddon, IPluginPaths

from .version import __version__

NOTES_ADDON_ROOT = os.path.dirname(os.path.abspath(__file__))


class NotesAddon(AYONAddon, IPluginPaths):
    """Writes a comment on published versions (sample)."""

    name = "notes"
    version = __version__

    def get_publish_plugin_paths(self, host_name: Optional[str] = None) -> list[str]:
        return [os.path.join(NOTES_ADDON_ROOT, "plugins", "publish")]
