"""The rattler-build backend: ``recipe.yaml`` (recipe format v1) rendered from the lock.

    rattler-build build --recipe <rendered>/rattler-build/recipe.yaml --output-dir <tmp>
                        --package-format conda -c <channel>...

Same file list, ``index.json`` (but the timestamp) and ``link.json`` as the native backend for
the same lock; README "Building with rattler-build or conda-build" lists what else differs.
"""

from __future__ import annotations

from pathlib import Path

from ayon_conda.build.backends.external_tool import ExternalBackend
from ayon_conda.build.recipes import RenderedRecipes


class RattlerBuildBackend(ExternalBackend):
    name = "rattler-build"
    tool = "rattler-build"
    how_to_get = "run it through pixi (pixi run build LOCK -o DIR) or install it (pixi global install rattler-build)"

    def command(self, recipes: RenderedRecipes, output: Path, work: Path, channels: tuple[str, ...]) -> list[str]:
        args = [self.executable, "build", "--recipe", str(recipes.rattler_build), "--output-dir", str(output),
                "--package-format", "conda"]
        for channel in channels:
            args += ["--channel", channel]
        return args
