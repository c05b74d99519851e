"""Build backends: each turns a lock into a ``.conda`` archive (DESIGN decision 6).

``native`` assembles the archive in-process and needs only PyPI (or nothing, with a wheelhouse).
``rattler-build`` and ``conda-build`` render the lock's recipes (``recipe/recipe.yaml``,
``recipe/meta.yaml``) and run the tool, whose build script stages with the same code.
Constructing a backend checks that its tool is on PATH.
"""

from __future__ import annotations

from ayon_conda.build.backends.conda_build import CondaBuildBackend
from ayon_conda.build.backends.native import NativeBackend
from ayon_conda.build.backends.rattler_build import RattlerBuildBackend
from ayon_conda.build.build_lock import Backend
from ayon_conda.errors import AyonCondaError

BACKENDS: dict[str, type] = {b.name: b for b in (NativeBackend, RattlerBuildBackend, CondaBuildBackend)}


def get_backend(name: str) -> Backend:
    """The backend called ``name`` (one of :data:`ayon_conda.build.BACKEND_NAMES`), its tool checked."""
    backend = BACKENDS.get(name)
    if backend is None:
        raise AyonCondaError(name, "unknown backend", f"choose one of: {', '.join(sorted(BACKENDS))}")
    return backend()
