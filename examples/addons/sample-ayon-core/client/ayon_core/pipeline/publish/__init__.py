"""Publishing API of the SAMPLE core addon (not AYON code), with real
``ayon_core.pipeline.publish``'s names."""
from .lib import (
    DiscoverResult,
    filter_pyblish_plugins,
    get_publish_template_name,
    main_cli_publish,
    publish_plugins_discover,
)
from .publish_plugins import KnownPublishError, PublishValidationError

__all__ = (
    "DiscoverResult",
    "KnownPublishError",
    "PublishValidationError",
    "filter_pyblish_plugins",
    "get_publish_template_name",
    "main_cli_publish",
    "publish_plugins_discover",
)
