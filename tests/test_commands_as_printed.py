"""Every command shown in ``--help``, the READMEs and the demo's output runs as printed.

* Help text never breaks a word: a URL, path or command in it is found whole in the rendered help
  (80 columns), and every line of a ``\\b`` block is printed as written.
* Every ``ayon-conda`` command line in a ``\\b`` block of ``--help`` and in a ``bash`` block of a
  README parses: its command exists and it has the options and arguments it needs. Inline
  mentions in README prose name options that exist.
* The README's "flow by hand" (the same commands as ``ayon-conda --help``) runs for real, as
  printed, from a directory that has the repository's ``examples/``.
* The demo prints each command it runs, and runs exactly what it prints.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import click
import pytest
from ayon_conda.cli import main
from click.testing import CliRunner
from conftest import REPO

DOCS = [REPO / "README.md", REPO / "channel" / "README.md", REPO / "tools" / "ayon_conda" / "README.md"]


def _commands(group: click.Group = main, path: tuple[str, ...] = ()):
    yield path, group
    for name, command in group.commands.items():
        if isinstance(command, click.Group):
            yield from _commands(command, (*path, name))
        else:
            yield (*path, name), command


def _help_sources(command: click.Command) -> list[str]:
    texts = [command.help or "", command.epilog or ""]
    texts += [p.help for p in command.params if getattr(p, "help", None)]
    return texts


def _unbreakable_words(text: str) -> set[str]:
    """URLs, paths, variables and options: what must never be split across lines."""
    return {w.strip(".,;:()[]'\"") for w in text.split() if re.search(r"://|/|\$|^--", w)} - {""}


def _bare_blocks(text: str) -> list[list[str]]:
    """The lines of every ``\\b`` block (paragraphs click prints without rewrapping)."""
    import inspect

    blocks = []
    for paragraph in inspect.cleandoc(text).split("\n\n"):
        lines = paragraph.splitlines()
        if lines and lines[0].strip() == "\b":
            blocks.append([line for line in lines[1:] if line.strip()])
    return blocks


def _help(words: tuple[str, ...]) -> str:
    result = CliRunner().invoke(main, [*words, "--help"], terminal_width=80)
    assert result.exit_code == 0, result.output
    return result.output


@pytest.mark.parametrize("words", [w for w, _ in _commands()], ids=lambda w: " ".join(w) or "ayon-conda")
def test_help_never_breaks_a_url_path_or_command(words: tuple[str, ...]):
    command = dict(_commands())[words]
    shown = _help(words)
    one_line = " ".join(shown.split())
    for text in _help_sources(command):
        for word in _unbreakable_words(text):
            assert word in shown, f"{word!r} is broken in the help of {' '.join(words)}:\n{shown}"
        for block in _bare_blocks(text):
            for line in block:
                assert line.strip() in shown, f"{line.strip()!r} is rewrapped:\n{shown}"
        assert " ".join(text.replace("\b", "").split())[:40] in one_line


def usage_check(args: list[str]) -> click.Command:
    """Parse an ``ayon-conda`` command line as the CLI would; raises click.UsageError if it cannot run."""
    ctx = main.make_context("ayon-conda", list(args))
    command: click.Command = main
    while isinstance(command, click.Group):
        name, command, rest = command.resolve_command(ctx, [*ctx._protected_args, *ctx.args])
        ctx = command.make_context(name, rest, parent=ctx)
    return command


def _help_command_lines() -> list[str]:
    lines = []
    for _, command in _commands():
        for text in _help_sources(command):
            for block in _bare_blocks(text):
                lines += [line.strip() for line in block if line.strip().startswith("ayon-conda ")]
    return lines


def _doc_command_lines(path: Path) -> list[str]:
    lines = []
    for block in re.findall(r"```bash\n(.*?)```", path.read_text(encoding="utf-8"), re.S):
        lines += [line.strip() for line in block.replace("\\\n", " ").splitlines() if line.strip().startswith("ayon-conda ")]
    return lines


@pytest.mark.parametrize("line", [*_help_command_lines(), *(line for doc in DOCS for line in _doc_command_lines(doc))])
def test_every_shown_command_line_parses(line: str):
    usage_check(shlex.split(line, comments=True)[1:])


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: str(p.relative_to(REPO)))
def test_inline_mentions_name_real_commands_and_options(doc: Path):
    for span in re.findall(r"`(ayon-conda [^`]+)`", doc.read_text(encoding="utf-8")):
        words = shlex.split(span.replace("\\|", "|"))[1:]
        command: click.Command = main
        while isinstance(command, click.Group) and words and words[0] in command.commands:
            command = command.commands[words.pop(0)]
        assert not (isinstance(command, click.Group) and words and not words[0].startswith("-")), \
            f"{span!r} in {doc.name}: no such command"
        options = {opt for p in command.params for opt in (*p.opts, *p.secondary_opts)} | {"--help"}
        for word in words:
            if word.startswith("-") and not word.startswith("---"):
                assert word.split("=")[0] in options, f"{span!r} in {doc.name}: no option {word}"


def _readme_flow() -> list[str]:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    section = text.split("## The flow by hand", 1)[1].split("\n## ", 1)[0]
    return _doc_command_lines_from(section)


def _doc_command_lines_from(text: str) -> list[str]:
    block = re.search(r"```bash\n(.*?)```", text, re.S).group(1)
    return [line.strip() for line in block.splitlines() if line.strip()]


def test_the_help_flow_is_the_readme_flow():
    flow = [shlex.split(line, comments=True) for line in _readme_flow()]
    shown = [shlex.split(line) for line in _help_command_lines()[:5]]
    assert shown == flow[:5]


@pytest.mark.network
def test_the_readme_flow_runs_as_printed(tmp_path: Path):
    (tmp_path / "examples").symlink_to(REPO / "examples")
    venv_bin = Path(sys.executable).parent
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "AYON_SERVER", "AYON_API"))}
    env.update(PATH=f"{venv_bin}{os.pathsep}{env.get('PATH', '')}", AWS_EC2_METADATA_DISABLED="true",
               AWS_CONFIG_FILE=os.devnull, AWS_SHARED_CREDENTIALS_FILE=os.devnull)
    assert shutil.which("ayon-conda", path=env["PATH"])
    for line in _readme_flow():
        proc = subprocess.run(["bash", "-c", line], cwd=tmp_path, env=env, capture_output=True, text=True)
        assert proc.returncode == 0, f"{line}\n{proc.stderr}"
    assert list((tmp_path / "channel" / "noarch").glob("ayon-publish-1.9.0_sample.1-pyh*_0.conda"))


def _demo_module():
    spec = importlib.util.spec_from_file_location("demo", REPO / "scripts" / "demo.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_demo_runs_what_it_prints(monkeypatch, capsys):
    demo = _demo_module()
    ran = []
    monkeypatch.setattr(demo.subprocess, "run", lambda argv, **kw: ran.append((argv, kw)))
    demo.run(["ayon-conda", "verify", "--spec", "ayon-publish ==1.9.0 pyh1a2b3c4d_*", "--channel",
              demo.OUT / "channel", "--prefix", demo.OUT / "env"])
    demo.run([demo.OUT / "env" / "bin" / "ayon", "publish", REPO / "examples/publish/farm-job.json"],
             env={"AYON_PROJECT_NAME": "sample project"})
    printed = [line.removeprefix("$ ") for line in capsys.readouterr().out.splitlines()]
    for line, (argv, kwargs) in zip(printed, ran, strict=True):
        words = shlex.split(line)
        assignments = dict(w.split("=", 1) for w in words if re.match(r"^[A-Z_]+=", w))
        words = [w for w in words if not re.match(r"^[A-Z_]+=", w)]
        assert kwargs["cwd"] == REPO  # printed paths are relative to the repository root
        if words[0] == "ayon-conda":
            assert argv[:3] == [sys.executable, "-m", "ayon_conda"] and argv[3:] == words[1:]
            usage_check(words[1:])
        else:
            assert argv == words
        assert all(kwargs["env"][k] == v for k, v in assignments.items())
