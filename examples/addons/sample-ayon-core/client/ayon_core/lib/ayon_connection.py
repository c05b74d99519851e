"""The global AYON server connection of the SAMPLE core addon (not AYON code).

As in real ayon-core, ``initialize_ayon_connection`` creates ayon_api's global connection from
``AYON_SERVER_URL`` and ``AYON_API_KEY`` with this machine's site id and the launcher version
(``AYON_VERSION``); the CLI calls it before it parses any argument.
"""
from __future__ import annotations

import os

import ayon_api
import semver

from .local_settings import get_local_site_id

#: ayon-python-api versions the sample was written against (real ayon-core patches older ones).
MIN_AYON_API = (1, 0, 2)


class _Cache:
    initialized = False


def initialize_ayon_connection(force: bool = False) -> None:
    """Create (or configure) the global ayon_api connection once per process."""
    if _Cache.initialized and not force:
        return
    _Cache.initialized = True
    if semver.VersionInfo.parse(ayon_api.__version__).to_tuple()[:3] < MIN_AYON_API:
        raise RuntimeError(f"ayon-python-api {ayon_api.__version__} is too old for this core addon")

    site_id = get_local_site_id()
    version = os.getenv("AYON_VERSION")
    if ayon_api.is_connection_created():
        con = ayon_api.get_server_api_connection()
        con.set_site_id(site_id)
        con.set_client_version(version)
    else:
        ayon_api.create_connection(site_id, version)
