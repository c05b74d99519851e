"""Studio settings of the SAMPLE core addon, shaped like real ayon-core's (not AYON code).

``environments`` is a JSON object of environment variables the ``ayon`` CLI sets at start;
``publish.<PluginName>`` values are set on that publish plugin (``enabled: false`` removes it).
"""
from typing import Any

from ayon_server.settings import BaseSettingsModel, SettingsField

DEFAULT_VALUES: dict[str, Any] = {
    "environments": "{}",
    "publish": {
        "ValidateCurrentSaveFile": {"enabled": True},
        "IntegrateAsset": {"enabled": True},
    },
}


class EnabledModel(BaseSettingsModel):
    enabled: bool = SettingsField(True, title="Enabled")


class PublishPluginsModel(BaseSettingsModel):
    ValidateCurrentSaveFile: EnabledModel = SettingsField(
        default_factory=EnabledModel, title="Validate File Saved")
    IntegrateAsset: EnabledModel = SettingsField(
        default_factory=EnabledModel, title="Integrate Asset")


class CoreSettings(BaseSettingsModel):
    environments: str = SettingsField(
        "{}", title="Global environment variables", widget="textarea",
        description="A JSON object of environment variables set for every AYON process.",
    )
    publish: PublishPluginsModel = SettingsField(default_factory=PublishPluginsModel, title="Publish plugins")
