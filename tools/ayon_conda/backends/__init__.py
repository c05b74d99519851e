"""Build backends: each turns a lock into a ``.conda`` archive (DESIGN decision 6).

``native`` assembles the archive in-process and needs only PyPI (or nothing, with a wheelhouse).
"""

from __future__ import annotations

from ..building import Backend
from ..errors import AyonCondaError
from .native import NativeBackend

BACKENDS: dict[str, type] = {NativeBackend.name: NativeBackend}


def get_backend(name: str) -> Backend:
    try:
        return BACKENDS[name]()
    except KeyError:
        raise AyonCondaError(name, "unknown backend", f"choose one of: {', '.join(sorted(BACKENDS))}") from None
