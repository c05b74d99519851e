"""Build backends: each turns a lock into a ``.conda`` archive (DESIGN decision 6).

``native`` assembles the archive in-process and needs only PyPI (or nothing, with a wheelhouse).
``rattler-build`` and ``conda-build`` render the lock's recipes (``recipe/recipe.yaml``,
``recipe/meta.yaml``) and run the tool, whose build script stages with the same code.
Constructing a backend checks that its tool is on PATH.
"""

from __future__ import annotations

import importlib

from ayon_conda.build import BACKEND_NAMES
from ayon_conda.build.build_lock import Backend
from ayon_conda.errors import AyonCondaError

#: Backend name -> "module:class", imported when chosen: the tool backends pull in the recipe
#: renderer (ruamel.yaml and more), which a native build never needs.
BACKENDS = {
    "native": "ayon_conda.build.backends.native:NativeBackend",
    "rattler-build": "ayon_conda.build.backends.rattler_build:RattlerBuildBackend",
    "conda-build": "ayon_conda.build.backends.conda_build:CondaBuildBackend",
}


def backend_class(name: str) -> type:
    """The class of the backend called ``name`` (one of :data:`ayon_conda.build.BACKEND_NAMES`)."""
    where = BACKENDS.get(name)
    if where is None:
        raise AyonCondaError(name, "unknown backend", f"choose one of: {', '.join(BACKEND_NAMES)}")
    module, _, cls = where.partition(":")
    return getattr(importlib.import_module(module), cls)


def get_backend(name: str) -> Backend:
    """The backend called ``name``, its tool checked."""
    return backend_class(name)()
