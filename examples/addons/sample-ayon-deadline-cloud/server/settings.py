"""Studio settings of the SAMPLE AWS Deadline Cloud addon, shaped like the real addon's (not AYON code)."""
from typing import Any

from ayon_server.settings import BaseSettingsModel, SettingsField

DEFAULT_VALUES: dict[str, Any] = {
    "farm_id": "",
    "queue_id": "",
    "conda_packages": "",
    "conda_channels": "deadline-cloud",
    "publish_host_requirement_roles": ["publish"],
}


class DeadlineCloudSettings(BaseSettingsModel):
    """Where jobs go and what their publish step installs."""

    farm_id: str = SettingsField(
        default="", title="Farm ID",
        description="AWS Deadline Cloud farm ID; empty: the workstation's Deadline Cloud config.",
    )
    queue_id: str = SettingsField(
        default="", title="Queue ID",
        description="AWS Deadline Cloud queue ID; empty: the workstation's Deadline Cloud config.",
    )
    conda_packages: str = SettingsField(
        default="", title="Conda Packages",
        description="Space-separated conda package specs for the job (empty: the queue's default).",
    )
    conda_channels: str = SettingsField(
        default="deadline-cloud", title="Conda Channels",
        description="Space-separated conda channels the packages come from.",
    )
    publish_host_requirement_roles: list[str] = SettingsField(
        default_factory=list, title="Publish Host Requirement Roles",
        description="Worker capability 'attr.role' values of the machines that run the publish step.",
    )
