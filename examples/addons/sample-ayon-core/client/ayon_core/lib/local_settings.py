"""Machine-local settings of the SAMPLE core addon (not AYON code): site id, storage, user."""
from __future__ import annotations

import os

import ayon_api
import platformdirs


def get_launcher_storage_dir(*subdirs: str) -> str:
    """``AYON_LAUNCHER_STORAGE_DIR`` or the user data dir, where the launcher keeps addons."""
    storage_dir = os.getenv("AYON_LAUNCHER_STORAGE_DIR") or platformdirs.user_data_dir("AYON", "Ynput")
    return os.path.join(storage_dir, *subdirs)


def get_local_site_id() -> str:
    """This machine's site id: ``AYON_SITE_ID``, else the one the launcher stored."""
    site_id = os.environ.get("AYON_SITE_ID")
    if site_id:
        return site_id
    path = get_launcher_storage_dir("site_id")
    if os.path.exists(path):
        with open(path, encoding="utf-8") as stream:
            site_id = stream.read().strip()
    if not site_id:
        raise ValueError("Couldn't access local site id (set AYON_SITE_ID)")
    return site_id


def get_ayon_username() -> str:
    """The user publishes are made as: the one a service user acts as, else the key's user."""
    con = ayon_api.get_server_api_connection()
    stack = getattr(con, "_as_user_stack", None)  # as ayon-core reads it: no public API for it
    if stack is not None and stack.username:
        return stack.username
    return ayon_api.get_user()["name"]
