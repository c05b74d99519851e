"""What the rattler-build and conda-build backends share: render, run the tool, take its package.

Each build renders the lock's recipes (:func:`ayon_conda.build.recipes.render`) into a temporary
directory and runs the tool there with its own output directory, its own empty package cache
(so a cached package of the same name, which every backend produces by design, is never
installed instead of the new one) and the configured channels (``--channel``, default
conda-forge). The tool runs the recipe's tests (``ayon --version``, ``ayon --self-check``); a
build counts only when its output shows ``ayon --version`` of the pinned package, so a tool that
skipped them fails the build. It must have written exactly the pinned file name, which is
copied, mode 0644 like a native package, to the path ``building.build`` moves into place. When
the tool fails, its last line of output is the cause in the one-line error.

The recipes' build scripts call ``ayon-conda stage``. They get this installation's launcher in
``AYON_CONDA``: activating the build environments may remove the caller's environment (e.g.
pixi's) from PATH, and the staging code must be the code that rendered the recipe.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import sysconfig
import tempfile
from abc import ABC, abstractmethod
from pathlib import Path

from ayon_conda.build.build_lock import BuildOptions
from ayon_conda.build.lock_packages import Package
from ayon_conda.build.recipes import RenderedRecipes, render
from ayon_conda.errors import AyonCondaError

#: What tools draw around their output (rattler-build's log groups, miette's error report).
_FRAME = re.compile(r"^[\s│┃├╭╰─┆×▶]+")


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


def plain(line: str) -> str:
    """A line of tool output without the frame drawn around it."""
    return _FRAME.sub("", line).rstrip()


def run_tool(tool: str, command: list[str], options: BuildOptions, cwd: Path, env: dict[str, str]) -> list[str]:
    """Run a build tool; its output goes to stderr with the progress and is returned as plain lines.

    A non-zero exit is a one-line error ending with the tool's last line of output.
    """
    progress = options.progress
    progress.step(f"Running {' '.join([Path(command[0]).name, *command[1:]])}")
    lines: list[str] = []
    try:
        proc = subprocess.Popen(command, cwd=cwd, env={**os.environ, **env}, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, text=True, errors="replace")
    except OSError as exc:
        raise AyonCondaError(command[0], f"cannot run it ({exc.strerror})", "check the installation") from None
    assert proc.stdout is not None
    with proc:
        for line in proc.stdout:
            line = line.rstrip()
            lines.append(plain(line))
            progress.step(line)
    if proc.returncode != 0:
        last = next((line for line in reversed(lines) if line), "no output")
        hint = "see its output above" if progress.enabled else "run again without --quiet/--json to see its output"
        raise AyonCondaError(tool, f"failed (exit code {proc.returncode}): {last}", hint)
    return lines


def check_tests_ran(lines: list[str], package: Package, tool: str) -> None:
    """Fail unless the tool's output shows the recipe's ``ayon --version`` of this very package."""
    pin = package.pin
    said = f"{pin.name} {pin.version} {pin.build}"  # the first line of `ayon --version`
    if said not in lines:
        raise AyonCondaError(tool, f"exited 0, but the recipe's tests did not run on {pin.filename} "
                                   f"(no '{said}' from 'ayon --version' in its output)",
                             "check that the tool runs recipe tests (rattler-build --test native; conda-build without --no-test)")


def take_package(output: Path, package: Package, tool: str, out_path: Path) -> None:
    """Copy the tool's package (``output/noarch/<pinned file name>``) to ``out_path``, mode 0644."""
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
    os.chmod(out_path, 0o644)  # tools leave 0600; a package is readable like a native one


class ExternalBackend(ABC):
    """A backend that runs a recipe build tool; subclasses say which tool and how to call it."""

    name: str
    tool: str
    how_to_get: str

    def __init__(self) -> None:
        self.program = self.find()

    def find(self) -> list[str]:
        """How to start the tool (its executable on PATH), or a one-line error saying how to get it."""
        return [find_tool(self.tool, self.how_to_get)]

    @abstractmethod
    def command(self, recipes: RenderedRecipes, output: Path, work: Path, channels: tuple[str, ...]) -> list[str]:
        """The tool's command line that builds ``recipes`` into ``output`` and runs their tests."""

    @abstractmethod
    def private_cache(self, cache: Path) -> dict[str, str]:
        """The environment that makes the tool use ``cache`` (empty) as its package cache."""

    def environment(self, work: Path) -> dict[str, str]:
        """What the tool's process gets on top of the caller's environment."""
        return {"AYON_CONDA": ayon_conda_launcher(), **self.private_cache(work / "package-cache")}

    def build(self, package: Package, out_path: Path, options: BuildOptions) -> None:
        with tempfile.TemporaryDirectory(prefix=f"ayon-conda-{self.name}-") as tmp:
            work = Path(tmp)
            recipes = render(package, work / "recipes", options)
            output = work / "output"
            output.mkdir()
            command = self.command(recipes, output, work, options.channels)
            lines = run_tool(self.tool, command, options, cwd=work, env=self.environment(work))
            take_package(output, package, self.tool, out_path)
            check_tests_ran(lines, package, self.tool)
