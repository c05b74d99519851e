"""rattler-build's ``build`` command, run with its Python module where there is no executable.

py-rattler-build (PyPI) is rattler-build's engine as the Python module ``rattler_build``, with
no executable. The rattler-build backend runs this module as a process with the command line
it would give the executable (the part of it the backend uses), so both are handled alike:
output lines, exit code, and the error as the last line of output::

    python -m ayon_conda.build.backends.rattler_build_module build --recipe RECIPE --output-dir DIR
        [--package-format conda] [--test native|skip] [--channel CHANNEL]...

What the module does not do the way the executable does is done here:

* Its log goes to a progress callback; each message is printed on stdout as it comes.
* Its test strategy defaults to ``skip``; ``--test`` defaults to ``native`` here, as the
  executable's does.
* Its exceptions keep only the top of the error ("Test failed", "Script failed to execute",
  "Failed to resolve dependencies"). The last line adds the cause: the failing script's last
  line of output and exit status, or, when the last environment the log announced was not
  made, what py-rattler says when it solves the same specs against the same channels (rattler
  is rattler-build's solver too).

Exit codes: 0 built (and its tests passed, with ``--test native``), 1 the build failed, 2 usage.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlparse

if TYPE_CHECKING:
    from rattler_build.progress import BuildStepEvent, LogEvent

_SCRIPT_FAILED = re.compile(r"Script failed with status (-?\d+)")
#: A line that says what went wrong: ``error: ...`` (ayon-conda), ``FAILED ...`` (ayon
#: --self-check), the last line of a traceback (``NameError: ...``).
_ERROR_LINE = re.compile(r"^(error\b|FAILED\b|[\w.]*(Error|Exception)\b)", re.IGNORECASE)


class BuildLog:
    """rattler-build's progress callback: prints every log message, keeps them for the error."""

    def __init__(self) -> None:
        self.messages: list[tuple[str, str]] = []  # (level, message)

    def on_log(self, event: LogEvent) -> None:
        self.messages.append((event.level, event.message))
        print(event.message, flush=True)

    def on_build_step(self, event: BuildStepEvent) -> None:
        print(event.message, flush=True)

    def on_download_start(self, event: object) -> None:
        pass

    def on_download_progress(self, event: object) -> None:
        pass

    def on_download_complete(self, event: object) -> None:
        pass

    def lines(self, upto: int | None = None) -> list[str]:
        """The non-empty lines of the messages (of the first ``upto`` messages)."""
        return [line.strip() for _, message in self.messages[:upto] for line in message.splitlines() if line.strip()]


def _one_line(text: object) -> str:
    return " ".join(line.strip() for line in str(text).splitlines() if line.strip())


def script_cause(log: BuildLog) -> str | None:
    """What the failing script said last and its exit status: its last error line, else its last
    line (its output follows the command rattler-build echoes, ``+ ...``; a script's stderr may
    come before its buffered stdout)."""
    for index, (level, message) in enumerate(log.messages):
        failed = _SCRIPT_FAILED.search(message)
        if level == "error" and failed:
            before = log.lines(index)
            command = max((i for i, line in enumerate(before) if line.startswith("+ ")), default=-1)
            output = before[command + 1:] or ["no output"]
            said = next((line for line in reversed(output) if _ERROR_LINE.match(line)), output[-1])
            return f"{said} (exit status {failed.group(1)})"
    return None


def unfinished_solve(log: BuildLog) -> tuple[list[str], list[str]] | None:
    """The channels and specs of the last solve the log announced, unless an environment was
    made from it (``Successfully updated the ... environment``)."""
    lines = log.lines()
    starts = [i for i, line in enumerate(lines) if line == "Channels:"]
    if not starts:
        return None
    channels: list[str] = []
    specs: list[str] = []
    current: list[str] | None = None
    for line in lines[starts[-1]:]:
        if "Successfully updated the" in line:
            return None
        if line == "Channels:":
            current = channels
        elif line == "Specs:":
            current = specs
        elif line.startswith("- ") and current is not None:
            current.append(line[2:].strip())
        else:
            current = None
    return channels, specs


def _still_there(channel: str) -> bool:
    """False for a local channel that is gone (the test step's temporary channel)."""
    url = urlparse(channel)
    return url.scheme != "file" or Path(unquote(url.path)).is_dir()


def _requirements_of_tested(specs: list[str], output_dir: Path) -> list[str]:
    """The specs, with a package whose tests could not start replaced by its run requirements:
    rattler-build moves such a package to ``DIR/broken/``, out of every channel."""
    from rattler.package import IndexJson

    moved = {}
    for path in sorted((output_dir / "broken").glob("*.conda")):
        index = IndexJson.from_package_archive(path)
        moved[index.name.normalized] = list(index.depends)
    return [req for spec in specs for req in moved.get(spec.split()[0], [spec])]


def solve_cause(channels: list[str], specs: list[str], output_dir: Path) -> str | None:
    """Why the specs do not solve from the channels, in py-rattler's words."""
    specs = _requirements_of_tested(specs, output_dir)
    if not specs:
        return None
    from rattler import Channel, Subdir, VirtualPackage, solve

    from ayon_conda import rattler_channels

    there = [c for c in channels if _still_there(c)]
    try:
        asyncio.run(solve(sources=[Channel(c) for c in there], specs=specs, gateway=rattler_channels.gateway(there, fresh=True),
                          platforms=[Subdir.current(), Subdir("noarch")], virtual_packages=VirtualPackage.detect()))
    except Exception as exc:  # the solver's explanation is what is wanted
        return _one_line(exc)
    return f"{', '.join(specs)} from {', '.join(channels)}"


def failure(exc: BaseException, log: BuildLog, output_dir: Path) -> str:
    """The error's message with its cause, in one line."""
    message = _one_line(exc).removeprefix("PyRattlerBuildError: ")
    cause = script_cause(log)
    solve = unfinished_solve(log) if cause is None else None
    if solve is not None:
        cause = solve_cause(*solve, output_dir)
    return f"{message}: {cause}" if cause else message


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m ayon_conda.build.backends.rattler_build_module",
        description="rattler-build's build command, run with the rattler_build module (py-rattler-build).",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    build = commands.add_parser("build", help="build a recipe, then test its package")
    build.add_argument("--recipe", required=True, type=Path, help="the recipe.yaml to build")
    build.add_argument("--output-dir", required=True, type=Path, help="where the package (DIR/noarch/...) goes")
    build.add_argument("--package-format", default="conda", choices=["conda"], help="the archive format (conda)")
    build.add_argument("--test", default="native", choices=["native", "skip"],
                       help="run the recipe's tests on the new package (native, the default) or not (skip)")
    build.add_argument("-c", "--channel", action="append", default=[],
                       help="a channel for the build and test environments (repeatable; default conda-forge)")
    args = parser.parse_args(argv)

    from rattler_build import Stage0Recipe, ToolConfiguration

    log = BuildLog()
    try:
        recipe = Stage0Recipe.from_file(args.recipe)
        recipe.run_build(tool_config=ToolConfiguration(test_strategy=args.test), output_dir=args.output_dir,
                         channels=args.channel or None, progress_callback=log, package_format=args.package_format)
    except Exception as exc:  # every failure of the engine ends the build with its message
        print(failure(exc, log, args.output_dir), flush=True)
        return 1
    return 0


if __name__ == "__main__":
    from ayon_conda.shutdown import run_and_exit

    run_and_exit(lambda: sys.exit(main(sys.argv[1:])))  # py-rattler ran: see shutdown.py
