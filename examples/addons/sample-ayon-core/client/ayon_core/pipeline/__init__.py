"""Pipeline API of the SAMPLE core addon (not AYON code)."""
from .publish import KnownPublishError, install_ayon_plugins

__all__ = ("KnownPublishError", "install_ayon_plugins")
