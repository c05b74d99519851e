"""Addon API of the SAMPLE core addon (not AYON code), with real ``ayon_core.addon``'s names."""
from .base import AddonsManager, AYONAddon, load_addons
from .interfaces import IPluginPaths

__all__ = ("AddonsManager", "AYONAddon", "IPluginPaths", "load_addons")
