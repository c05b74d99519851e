"""Pipeline API of the SAMPLE core addon (not AYON code), with real ``ayon_core.pipeline``'s names."""
from .anatomy import Anatomy
from .context_tools import (
    get_current_context,
    get_global_context,
    install_ayon_plugins,
)
from .publish import KnownPublishError, PublishValidationError

__all__ = (
    "Anatomy",
    "KnownPublishError",
    "PublishValidationError",
    "get_current_context",
    "get_global_context",
    "install_ayon_plugins",
)
