"""The repository's own files: pixi manifest, README commands, CI entry point, configs, CLI help."""

from __future__ import annotations

import json
import os
import re
import tomllib

import click
import pytest
from ayon_conda.cli import main
from ayon_conda.pin.component_config import load_config
from conftest import REPO, SHARED, run_cli

needs_shared = pytest.mark.skipif(not (SHARED / "schemas").is_dir(), reason="../shared/schemas is not beside the checkout")


@needs_shared
def test_pixi_manifest_is_valid():
    import jsonschema

    schema = json.loads((SHARED / "schemas" / "pixi-manifest.schema.json").read_text())
    manifest = tomllib.loads((REPO / "pixi.toml").read_text())
    jsonschema.validate(manifest, schema)
    assert "conda-forge" in manifest["workspace"]["channels"]
    tasks = manifest["tasks"]
    assert {"test", "demo", "build", "publish", "bench"} <= set(tasks)
    assert tasks["test"]["cmd"] == "python -m pytest"  # ./scripts/test
    assert tasks["demo"]["cmd"].startswith("python scripts/demo.py")  # ./scripts/demo
    assert tasks["build"]["cmd"] == "ayon-conda build --backend rattler-build"
    assert tasks["publish"]["cmd"] == "ayon-conda publish"
    assert tasks["bench"]["cmd"].startswith("python bench/")
    needed = {"python", "rattler-build", "conda-build", "py-rattler", "boto3", "click", "ruamel.yaml", "pytest", "uv"}
    assert needed <= set(manifest["dependencies"])
    assert manifest["pypi-dependencies"]["ayon-conda"]["extras"] == ["test"]


def test_readme_commands_exist_and_ci_runs_the_test_command():
    readme = (REPO / "README.md").read_text()
    head = readme[:3000]
    assert "./scripts/demo" in head and "./scripts/test" in head
    for script in ("scripts/demo", "scripts/test", ".ci/run"):
        assert os.access(REPO / script, os.X_OK), script
    ci = (REPO / ".ci" / "run").read_text()
    assert re.search(r"^\./scripts/test\b", ci, re.M)


def test_shipped_configs_load():
    real = load_config(REPO / "recipe" / "components.yaml")
    sample = load_config(REPO / "examples" / "bundles" / "sample.components.yaml")
    for config in (real, sample):
        assert config.bake == ("core", "deadline_cloud")
        assert config.conda_names["pillow"] == "pillow"
    assert real.addons["core"].source.kind == "url"
    assert sample.addons["core"].source.kind == "path"


def _commands(group: click.Group, path: tuple[str, ...] = ()):
    """Every command, with the words that call it (``addons upload``), groups walked into."""
    for name, command in group.commands.items():
        if isinstance(command, click.Group):
            assert command.help, " ".join((*path, name))
            yield from _commands(command, (*path, name))
        else:
            yield (*path, name), command


def test_every_command_and_option_has_help():
    for words, command in _commands(main):
        assert command.help, words
        for param in command.params:
            if param.param_type_name == "option":
                assert param.help, f"{' '.join(words)} {param.opts}"
        help_text = run_cli(*words, "--help").output
        assert "--json" in help_text


def test_exit_codes_are_documented():
    text = run_cli("--help").output
    for code in ("0", "1", "2", "3", "4"):
        assert re.search(rf"^\s+{code}\s+\S", text, re.M), code
