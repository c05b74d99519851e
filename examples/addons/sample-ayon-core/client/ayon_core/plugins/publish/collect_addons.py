"""Collect the loaded addons and what runs the publish (SAMPLE, not AYON code).

Like real ayon-core's ``CollectAddons``, it reads the launcher version from
``$AYON_ROOT/version.py``: a publish fails with ``KeyError: 'AYON_ROOT'`` where nothing set it.
"""
import os

import ayon_api
import pyblish.api

from ayon_core.addon import AddonsManager
from ayon_core.lib import get_ayon_launcher_version
from ayon_core.settings import get_settings_variant


class CollectAddons(pyblish.api.ContextPlugin):
    """Provides ``ayonAddonsManager`` and ``ayonAddons``."""

    order = pyblish.api.CollectorOrder - 0.5
    label = "AYON Addons"

    def process(self, context: pyblish.api.Context) -> None:
        manager = AddonsManager()
        context.data["ayonAddonsManager"] = manager
        context.data["ayonAddons"] = manager.addons_by_name
        lines = [
            "Basic AYON information:",
            f"AYON server: {ayon_api.get_server_version()}",
            f"Bundle: {os.getenv('AYON_BUNDLE_NAME')} ({get_settings_variant()})",
            f"AYON launcher: {get_ayon_launcher_version()}",
            "Addons: " + ", ".join(f"{a.name} {a.version}" for a in sorted(manager.addons, key=lambda a: a.name)),
        ]
        self.log.debug("\n".join(lines))
