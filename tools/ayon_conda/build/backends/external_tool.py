"""What the rattler-build and conda-build backends share: render, run the tool, take its package.

Each build renders the lock's recipes (:func:`ayon_conda.build.recipes.render`) into a temporary
directory, runs the tool there with its own output directory and the configured channels
(``--channel``, default conda-forge), checks that it wrote exactly the pinned file name, and
copies that file to the path ``building.build`` moves into place. The tool's own recipe tests
run too (``ayon --version``, ``ayon --self-check``).

The recipes' build scripts call ``ayon-conda stage``. They get this installation's launcher in
``AYON_CONDA``: activating the build environments may remove the caller's environment (e.g.
pixi's) from PATH, and the staging code must be the code that rendered the recipe.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import tempfile
from abc import ABC, abstractmethod
from collections import deque
from pathlib import Path

from ayon_conda.build.build_lock import BuildOptions
from ayon_conda.build.lock_packages import Package
from ayon_conda.build.recipes import RenderedRecipes, render
from ayon_conda.errors import AyonCondaError

_TAIL = 30  # lines of the tool's output kept for the error message when it fails quietly


def find_tool(tool: str, how_to_get: str) -> str:
    """The tool's executable on PATH, or a one-line error saying how to get it."""
    found = shutil.which(tool)
    if found is None:
        raise AyonCondaError(tool, "not found on PATH", how_to_get)
    return found


def ayon_conda_launcher() -> str:
    """The ``ayon-conda`` launcher of the running installation (for the recipes' build scripts)."""
    scripts = Path(sysconfig.get_path("scripts"))
    for name in ("ayon-conda.exe", "ayon-conda") if sys.platform == "win32" else ("ayon-conda",):
        if (scripts / name).is_file():
            return str(scripts / name)
    found = shutil.which("ayon-conda")
    if found is None:
        raise AyonCondaError("ayon-conda", "no launcher script found for the recipes' build scripts",
                             "install ayon-conda (pip install -e . or pixi install)")
    return found


def run_tool(command: list[str], options: BuildOptions, cwd: Path) -> None:
    """Run a build tool; its output goes to stderr with the progress (or is kept for the error)."""
    progress = options.progress
    env = {**os.environ, "AYON_CONDA": ayon_conda_launcher()}
    tool = Path(command[0]).name
    progress.step(f"Running {' '.join([tool, *command[1:]])}")
    tail: deque[str] = deque(maxlen=_TAIL)
    try:
        proc = subprocess.Popen(command, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, text=True, errors="replace")
    except OSError as exc:
        raise AyonCondaError(command[0], f"cannot run it ({exc.strerror})", "check the installation") from None
    assert proc.stdout is not None
    with proc:
        for line in proc.stdout:
            line = line.rstrip()
            tail.append(line)
            progress.step(line)
    if proc.returncode != 0:
        last = next((line for line in reversed(tail) if line.strip()), "no output")
        hint = "see its output above" if progress.enabled else "run again without --quiet/--json to see its output"
        raise AyonCondaError(tool, f"failed (exit code {proc.returncode}): {last.strip()}", hint)


def take_package(output: Path, package: Package, tool: str, out_path: Path) -> None:
    """Copy the tool's package (``output/noarch/<pinned file name>``) to ``out_path``."""
    filename = package.pin.filename
    expected = output / "noarch" / filename
    if not expected.is_file():
        produced = sorted(
            str(p.relative_to(output)) for p in output.rglob("*") if p.name.endswith((".conda", ".tar.bz2"))
        )
        found = ", ".join(produced) or "no package"
        raise AyonCondaError(tool, f"wrote {found}, not noarch/{filename}",
                             "check the tool's version (rattler-build, or conda-build >= 25.1 for .conda) and the rendered recipe")
    shutil.copyfile(expected, out_path)


class ExternalBackend(ABC):
    """A backend that runs a recipe build tool; subclasses say which tool and how to call it."""

    name: str
    tool: str
    how_to_get: str

    def __init__(self) -> None:
        self.executable = find_tool(self.tool, self.how_to_get)

    @abstractmethod
    def command(self, recipes: RenderedRecipes, output: Path, work: Path, channels: tuple[str, ...]) -> list[str]:
        """The tool's command line that builds ``recipes`` into ``output``."""

    def build(self, package: Package, out_path: Path, options: BuildOptions) -> None:
        with tempfile.TemporaryDirectory(prefix=f"ayon-conda-{self.name}-") as tmp:
            work = Path(tmp)
            recipes = render(package, work / "recipes", options)
            output = work / "output"
            output.mkdir()
            run_tool(self.command(recipes, output, work, options.channels), options, cwd=work)
            take_package(output, package, self.tool, out_path)
