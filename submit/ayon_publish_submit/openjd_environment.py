"""OpenJD environments that install conda packages in a Deadline Cloud session, around one script.

:mod:`ayon_publish_submit.conda_session` is the script; :func:`session_script` is its text as both
templates embed it (``channel/queue-environment.yaml``, generated with ``python -m
ayon_conda.queue_environment``, and the publish step's environment of
:func:`ayon_publish_submit.add_publish_step_environment`, built here by :func:`conda_environment`).
The embedded copy is compacted, since Deadline Cloud takes queue environment templates of at
most 15,000 characters: docstrings, comments and blank lines are left out, every indentation
level is one space and short statements share lines (:func:`compact`; a test checks the result
parses to the source's syntax tree less its docstrings, and it is the same on Python 3.9 to
3.13). Minifiers from PyPI (python-minifier) do this and more, but the submission side must
not depend on anything, and renaming or reordering would make the script in a job's log harder
to read than its source.
"""

from __future__ import annotations

import ast
import functools
import io
import tokenize
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from .errors import UserError

SCRIPT = Path(__file__).with_name("conda_session.py")
#: The embedded file's name on the worker.
SCRIPT_FILENAME = "ayon_conda_session.py"
#: The Python that ran the session script, exported by it for later environments of the session.
PYTHON_VAR = "AYON_CONDA_PYTHON"
#: Environments unused for this many days are removed when a session ends.
DEFAULT_KEEP_DAYS = 30
PRIORITIES = ("Strict", "Disabled")
#: Joined lines of the compacted script stay within this many characters.
WIDTH = 140


_COMPOUND = (ast.If, ast.For, ast.While, ast.With, ast.Try, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef,
             ast.AsyncFor, ast.AsyncWith)


def _docstring_lines(tree: ast.AST) -> set[int]:
    """Line numbers of every docstring in ``tree``."""
    lines: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) and isinstance(first.value.value, str):
                lines.update(range(first.lineno, (first.end_lineno or first.lineno) + 1))
    return lines


def _logical_lines(source: str) -> list[tuple[int, int, dict[int, int]]]:
    """(first row, last row) of every logical line, and the column of each row's comment."""
    spans, comments, first = [], {}, None
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type == tokenize.COMMENT:
            comments[token.start[0]] = token.start[1]
        elif token.type == tokenize.STRING and token.start[0] != token.end[0]:
            spans.append((-token.start[0], -token.end[0]))  # marks a multi-line string
        if token.type in (tokenize.NL, tokenize.COMMENT, tokenize.INDENT, tokenize.DEDENT, tokenize.ENDMARKER):
            continue
        first = token.start[0] if first is None else first
        if token.type == tokenize.NEWLINE:
            spans.append((first, token.start[0]))
            first = None
    return [(a, b, comments) for a, b in spans]


def compact(source: str, width: int = WIDTH) -> str:
    """``source`` as fewer, shorter lines with the same syntax tree, less docstrings.

    Docstrings, comments and blank lines go; every indentation level is one space; a statement
    continued over several lines is joined into one; consecutive simple statements of one block
    share a line (``a; b``), and a clause whose body is one such line takes it after its colon,
    as long as the line stays within ``width`` characters.
    The source must be indented with four spaces and hold no multi-line string but docstrings.

    >>> print(compact('''def f(x):
    ...     "Doc."
    ...
    ...     if x:  # why
    ...         y = 1
    ...         return (y,
    ...                 x)
    ...     return 0
    ... '''), end="")
    def f(x):
     if x: y = 1; return (y, x)
     return 0
    """
    tree = ast.parse(source)
    skip = _docstring_lines(tree)
    simple = {n.lineno for n in ast.walk(tree) if isinstance(n, ast.stmt) and not isinstance(n, _COMPOUND)}
    rows = source.splitlines()
    lines: list[list[Any]] = []  # [level, text, simple]
    for first, last, comments in _logical_lines(source):
        if first < 0:
            if -first not in skip:
                raise ValueError(f"line {-first}: a multi-line string would lose its indentation")
            continue
        if first in skip:
            continue
        parts = [rows[r - 1][:comments.get(r)].strip() for r in range(first, last + 1)]
        head = rows[first - 1]
        level = (len(head) - len(head.lstrip(" "))) // 4
        text = parts[0]
        for part in filter(None, parts[1:]):  # a space between tokens, none inside brackets' edges
            text += part if text[-1] in "([{" or part[0] in ")]}" else f" {part}"
        if first in simple and lines and lines[-1][2] and lines[-1][0] == level and len(lines[-1][1]) + len(text) < width:
            lines[-1][1] += f"; {text}"
        else:
            lines.append([level, text, first in simple])
    out: list[list[Any]] = []
    for i, (level, text, is_simple) in enumerate(lines):
        body_alone = i + 1 < len(lines) and lines[i + 1][0] == level + 1 and lines[i + 1][2] and (
            i + 2 == len(lines) or lines[i + 2][0] <= level) and level + len(text) + len(lines[i + 1][1]) < width
        if out and out[-1][2] is None:  # this line went after the previous clause's colon
            out[-1][1] += f" {text}"
            out[-1][2] = False
        elif not is_simple and text.endswith(":") and body_alone:
            out.append([level, text, None])
        else:
            out.append([level, text, is_simple])
    return "".join(" " * level + text + "\n" for level, text, _ in out)


@functools.lru_cache(maxsize=None)
def session_script() -> str:
    """The embedded script: :mod:`ayon_publish_submit.conda_session`, compacted."""
    return compact(SCRIPT.read_text(encoding="utf-8"))


def session_environment(name: str, python: Sequence[str], enter: Sequence[str], leave: Sequence[str], *,
                        variables: Mapping[str, str] | None = None, description: str | None = None) -> dict[str, Any]:
    """An OpenJD environment that runs the session script: ``PYTHON... SCRIPT enter *enter`` on
    entering, ``PYTHON... SCRIPT exit *leave`` on exit (``python`` is the command and its first
    arguments); ``variables`` are set before either runs. Values may be OpenJD format strings
    (the queue environment passes its parameters)."""
    script = "{{Env.File.CondaSession}}"
    environment: dict[str, Any] = {"name": name}
    if description:
        environment["description"] = description
    if variables:
        environment["variables"] = dict(variables)
    command, *prefix = python
    environment["script"] = {
        "actions": {
            "onEnter": {"command": command, "args": [*prefix, script, "enter", *enter]},
            "onExit": {"command": command, "args": [*prefix, script, "exit", *leave]},
        },
        "embeddedFiles": [{"name": "CondaSession", "type": "TEXT", "filename": SCRIPT_FILENAME, "data": session_script()}],
    }
    return environment


def _literal(what: str, value: str) -> str:
    """``value`` for a template; OpenJD would take ``{{`` for a format string."""
    if "{{" in value or "}}" in value:
        raise UserError(what, f"'{value}' holds '{{{{' or '}}}}', which OpenJD reads as a format string",
                        "remove them from the value")
    return value


def conda_environment(name: str, packages: Sequence[str], channels: Sequence[str], *,
                      variables: Mapping[str, str] | None = None, python: str | None = None, cache_dir: str = "",
                      keep_days: int = DEFAULT_KEEP_DAYS, priority: str = "Strict",
                      description: str | None = None) -> dict[str, Any]:
    """An OpenJD environment (for a step's ``stepEnvironments``) that installs ``packages`` from
    ``channels`` with the session script and activates them, setting ``variables`` first (so that
    activation scripts see them). Every value is literal. ``cache_dir`` empty means the worker
    user's cache directory, as in the queue environment, so that both share environments.

    ``python`` runs the script; by default bash runs ``$AYON_CONDA_PYTHON`` (which our queue
    environment exports: the Python it ran on), else ``python`` from ``PATH``, since a conda
    environment activated before this one puts its own ``python`` first, often without pip."""
    if priority not in PRIORITIES:
        raise UserError("channel priority", f"'{priority}' is not one of {', '.join(PRIORITIES)}", "pass Strict or Disabled")
    if isinstance(keep_days, bool) or not isinstance(keep_days, int) or keep_days < 0:
        raise UserError("keep_days", f"{keep_days!r} is not a whole number of days", "pass e.g. 30, or 0 to keep every environment")
    cache = _literal("cache directory", cache_dir)
    command = [_literal("python", python)] if python else ["bash", "-c", f'exec "${{{PYTHON_VAR}:-python}}" "$@"', "python"]
    return session_environment(
        name, command,
        [_literal("packages", " ".join(packages)), _literal("channels", " ".join(channels)), priority, cache],
        [cache, str(keep_days)],
        variables={k: _literal(k, str(v)) for k, v in (variables or {}).items()}, description=description)
