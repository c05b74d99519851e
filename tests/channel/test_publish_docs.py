"""What the README and channel/ promise about publishing stays true of the code."""

from __future__ import annotations

import json
import re

import click

from ayon_conda.cli import main
from conftest import REPO


def test_publisher_policy_never_deletes():
    policy = json.loads((REPO / "channel" / "iam" / "publisher-policy.json").read_text())
    actions = {a for statement in policy["Statement"] for a in
               ([statement["Action"]] if isinstance(statement["Action"], str) else statement["Action"])}
    assert {"s3:PutObject", "s3:GetObject", "s3:ListBucket"} <= actions
    assert not any("Delete" in action or action.endswith("*") for action in actions)


def _commands(group: click.Group, prefix: str = "") -> dict[str, click.Command]:
    found = {}
    for name, command in group.commands.items():
        if isinstance(command, click.Group):
            found.update(_commands(command, f"{prefix}{name} "))
        else:
            found[f"{prefix}{name}"] = command
    return found


def test_the_commands_table_names_every_option_of_every_command():
    """README's Commands table has a row for each command, and each row names every option of it
    (--json and --quiet, which every command has, are said once below the table)."""
    rows = {}
    for line in (REPO / "README.md").read_text().splitlines():
        found = re.match(r"\| `ayon-conda ([a-z-]+(?: [a-z]+)?)[ `]", line)
        if found:
            rows[found.group(1)] = line
    commands = _commands(main)
    assert sorted(rows) == sorted(commands)
    missing = {}
    for name, command in commands.items():
        for param in command.params:
            if not isinstance(param, click.Option) or param.name in ("json_out", "quiet"):
                continue
            if not any(re.search(rf"(?<![\w-]){re.escape(opt)}(?![\w-])", rows[name]) for opt in param.opts):
                missing.setdefault(name, []).append(max(param.opts, key=len))
    assert missing == {}
