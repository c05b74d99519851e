"""Server part of the SAMPLE AWS Deadline Cloud addon (not AYON code).

The AYON server imports this package when it loads the addon: ``DeadlineCloudAddon`` is its
``BaseServerAddon``, with the settings model and defaults of ``settings.py``. It runs inside
ayon-backend, which provides ``ayon_server``; nothing of this project imports it.
"""
from typing import Type

from ayon_server.addons import BaseServerAddon

from .settings import DEFAULT_VALUES, DeadlineCloudSettings


class DeadlineCloudAddon(BaseServerAddon):
    """The sample addon on the server: settings only."""

    settings_model: Type[DeadlineCloudSettings] = DeadlineCloudSettings

    async def get_default_settings(self) -> DeadlineCloudSettings:
        settings_model_cls = self.get_settings_model()
        return settings_model_cls(**DEFAULT_VALUES)
