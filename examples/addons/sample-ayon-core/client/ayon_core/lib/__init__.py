"""Helpers of the SAMPLE core addon (not AYON code), under the names real ``ayon_core.lib`` uses.

Real ayon-core imports ``semver``, ``platformdirs``, ``arrow`` and ``attrs`` at run time; on a
workstation the AYON launcher provides them, so a packaged publish environment has to vendor
them. The sample's modules import them at module level, as the real ones do, so a missing one
fails at import time.
"""
from .ayon_connection import initialize_ayon_connection
from .ayon_info import (
    get_ayon_launcher_version,
    is_headless_mode_enabled,
    is_running_from_build,
)
from .dateutils import get_datetime_data, get_timestamp
from .file_transaction import FileTransaction
from .local_settings import (
    get_ayon_username,
    get_launcher_storage_dir,
    get_local_site_id,
)
from .log import Logger
from .path_tools import source_hash

__all__ = (
    "FileTransaction",
    "Logger",
    "get_ayon_launcher_version",
    "get_ayon_username",
    "get_datetime_data",
    "get_launcher_storage_dir",
    "get_local_site_id",
    "get_timestamp",
    "initialize_ayon_connection",
    "is_headless_mode_enabled",
    "is_running_from_build",
    "source_hash",
)
