"""Which plugin files the self-check may skip: only those shown not to run on a farm publish."""

from __future__ import annotations

from pathlib import Path

import pytest
from ayon_publish.self_check import not_on_farm

PLUGIN = """\
import pyblish.api
from ayon_core.tools.utils import host_tools  # Qt at module level


class ValidateSaved(pyblish.api.ContextPlugin):
    order = pyblish.api.ValidatorOrder
    {fields}

    def process(self, context):
        pass
"""


@pytest.mark.parametrize(("fields", "reason"), [
    ('hosts = ["maya", "nuke"]', "ValidateSaved: hosts maya, nuke"),
    ('targets = ["local"]', "ValidateSaved: targets local"),
    ('hosts = ["maya"]\n    targets = ["farm"]', "ValidateSaved: hosts maya"),
])
def test_plugins_for_other_hosts_or_targets_are_shown_off_the_farm_path(tmp_path: Path, fields: str, reason: str):
    path = tmp_path / "plugin.py"
    path.write_text(PLUGIN.format(fields=fields))
    assert not_on_farm(path) == reason


@pytest.mark.parametrize("fields", [
    "",  # defaults: every host, the default target
    'hosts = ["shell"]',
    'hosts = ["*"]\n    targets = ["farm"]',
    "hosts = HOSTS",  # not a literal: not shown, so not skipped
])
def test_anything_that_may_run_on_the_farm_is_not_skipped(tmp_path: Path, fields: str):
    path = tmp_path / "plugin.py"
    path.write_text(PLUGIN.format(fields=fields))
    assert not_on_farm(path) is None


def test_one_farm_plugin_in_the_file_keeps_it_on_the_path(tmp_path: Path):
    path = tmp_path / "plugin.py"
    path.write_text(PLUGIN.format(fields='hosts = ["maya"]') + PLUGIN.format(fields="").split("\n\n\n", 1)[1]
                    .replace("ValidateSaved", "CollectAll"))
    assert not_on_farm(path) is None


def test_actions_in_the_file_are_not_plugins(tmp_path: Path):
    """ayon-core's validate_file_saved.py shape: two pyblish Actions (with process()) and one
    validator for DCC hosts; the Actions must not keep the file on the farm path."""
    action = ('class ShowWorkfiles(pyblish.api.Action):\n    label = "Show"\n    on = "failed"\n\n'
              '    def process(self, context, plugin):\n        pass\n\n\n')
    source = PLUGIN.format(fields='hosts = ["maya"]')
    head, body = source.split("\n\n\n", 1)
    path = tmp_path / "plugin.py"
    path.write_text(f"{head}\n\n\n{action}{body}")
    assert not_on_farm(path) == "ValidateSaved: hosts maya"
