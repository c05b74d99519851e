"""Server part of the SAMPLE notes addon (not AYON code): no settings.

The AYON server imports this package when it loads the addon; it runs inside ayon-backend, which
provides ``ayon_server``. Nothing of this project imports it.
"""
from ayon_server.addons import BaseServerAddon


class NotesAddon(BaseServerAddon):
    """The sample addon on the server."""
