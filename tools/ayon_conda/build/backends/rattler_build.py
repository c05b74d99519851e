"""The rattler-build backend: ``recipe.yaml`` (recipe format v1) rendered from the lock.

    rattler-build build --recipe <rendered>/rattler-build/recipe.yaml --output-dir <tmp>
                        --package-format conda --test native -c <channel>...

The ``rattler-build`` executable when one is on PATH (pixi's, a release binary); otherwise the
same command line goes to :mod:`ayon_conda.build.backends.rattler_build_module`, which runs it
with the engine's Python module from PyPI (py-rattler-build, ``rattler_build``). Either way the
recipe's tests run (``--test native``: the module's default is to skip them) with an empty
package cache of the build's own (``RATTLER_CACHE_DIR``).

Same payload, ``index.json`` (but the timestamp) and ``link.json`` as the native backend for
the same lock; README "Building with rattler-build or conda-build" lists what else differs.
"""

from __future__ import annotations

import importlib.util
import shutil
import sys
from pathlib import Path

from ayon_conda.build.backends.external_tool import ExternalBackend
from ayon_conda.build.recipes import RenderedRecipes
from ayon_conda.errors import AyonCondaError

#: The engine's Python module (py-rattler-build), and what runs it when no executable is on PATH
#: (not imported here: ``python -m`` would warn that it ran a module already imported).
MODULE = "rattler_build"
RUNNER = f"{__package__}.rattler_build_module"


class RattlerBuildBackend(ExternalBackend):
    name = "rattler-build"
    tool = "rattler-build"
    how_to_get = ("install py-rattler-build (pip install py-rattler-build; it is in ayon-conda's test extra), "
                  "or put a rattler-build executable on PATH (pixi global install rattler-build)")

    def find(self) -> list[str]:
        executable = shutil.which(self.tool)
        if executable is not None:
            return [executable]
        if importlib.util.find_spec(MODULE) is not None:
            return [sys.executable, "-m", RUNNER]
        raise AyonCondaError(self.tool, f"not found on PATH, and the Python module {MODULE} is not installed",
                             self.how_to_get)

    def command(self, recipes: RenderedRecipes, output: Path, work: Path, channels: tuple[str, ...]) -> list[str]:
        args = [*self.program, "build", "--recipe", str(recipes.rattler_build), "--output-dir", str(output),
                "--package-format", "conda", "--test", "native"]
        for channel in channels:
            args += ["--channel", channel]
        return args

    def private_cache(self, cache: Path) -> dict[str, str]:
        return {"RATTLER_CACHE_DIR": str(cache)}
