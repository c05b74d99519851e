"""The conda-build backend: ``meta.yaml`` rendered from the lock (conda-build >= 25.1).

    conda-build <rendered>/conda-build --output-folder <tmp> --croot <tmp>/croot
                --override-channels -c <channel>... --no-anaconda-upload

conda-build 25.1 and later write ``.conda`` packages by default. It runs the recipe's tests
unless told not to, with an empty package cache of the build's own (``CONDA_PKGS_DIRS``).
conda-build and conda cannot be installed from PyPI; the pixi environment has them. Same file list, ``index.json``
(but the timestamp) and ``link.json`` as the native backend for the same lock; README
"Building with rattler-build or conda-build" lists what else differs.
"""

from __future__ import annotations

from pathlib import Path

from ayon_conda.build.backends.external_tool import ExternalBackend
from ayon_conda.build.recipes import RenderedRecipes


class CondaBuildBackend(ExternalBackend):
    name = "conda-build"
    tool = "conda-build"
    how_to_get = "run it through pixi (pixi run ayon-conda build LOCK -o DIR --backend conda-build) or install it (conda install -c conda-forge 'conda-build>=25.1')"

    def command(self, recipes: RenderedRecipes, output: Path, work: Path, channels: tuple[str, ...]) -> list[str]:
        args = [*self.program, str(recipes.conda_build.parent), "--output-folder", str(output),
                "--croot", str(work / "croot"), "--no-anaconda-upload", "--override-channels"]
        for channel in channels:
            args += ["--channel", channel]
        return args

    def private_cache(self, cache: Path) -> dict[str, str]:
        return {"CONDA_PKGS_DIRS": str(cache)}
