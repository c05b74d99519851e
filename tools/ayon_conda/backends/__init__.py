"""Build backends: each turns a lock into a ``.conda`` archive (DESIGN decision 6).

``native`` assembles the archive in-process and needs only PyPI (or nothing, with a wheelhouse).
``rattler-build`` and ``conda-build`` render the lock's recipes (``recipe/recipe.yaml``,
``recipe/meta.yaml``) and run the tool, whose build script stages with the same code.
Constructing a backend checks that its tool is on PATH.
"""

from __future__ import annotations

from ..building import Backend
from ..errors import AyonCondaError
from .conda_build import CondaBuildBackend
from .native import NativeBackend
from .rattler_build import RattlerBuildBackend

BACKENDS: dict[str, type] = {b.name: b for b in (NativeBackend, RattlerBuildBackend, CondaBuildBackend)}


def get_backend(name: str) -> Backend:
    backend = BACKENDS.get(name)
    if backend is None:
        raise AyonCondaError(name, "unknown backend", f"choose one of: {', '.join(sorted(BACKENDS))}")
    return backend()
