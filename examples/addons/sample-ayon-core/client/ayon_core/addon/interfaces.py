"""Interfaces addons implement, SAMPLE core addon (not AYON code)."""
from __future__ import annotations


class IPluginPaths:
    """An addon that provides plugins: real ayon-core asks per plugin type and host."""

    def get_publish_plugin_paths(self, host_name: str) -> list[str]:
        return []

    def get_create_plugin_paths(self, host_name: str) -> list[str]:
        return []
