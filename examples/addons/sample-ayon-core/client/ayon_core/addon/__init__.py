"""Addon API of the SAMPLE core addon (not AYON code)."""
from .base import AddonsManager, AYONAddon, IPluginPaths

__all__ = ("AddonsManager", "AYONAddon", "IPluginPaths")
