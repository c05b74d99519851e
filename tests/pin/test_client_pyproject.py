"""Addon client dependencies read from ``client/pyproject.toml`` the way AYON reads them."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from ayon_conda.errors import AyonCondaError
from ayon_conda.pin.client_pyproject import client_requirements
from conftest import error_line, run_cli
from support.factories import make_bundle, make_config

#: Shapes of real ayon-core 1.9.x's client/pyproject.toml (carets, tildes, wildcards, exact pins,
#: "*", and a platform sub-table), written here from its documented shape, not copied.
REAL_SHAPED = """\
[project]
name = "core"

[tool.poetry.dependencies]
markdown = "^3.4.1"
clique = "1.6.*"
speedcopy = "~2.2"
qtawesome = "0.7.3"

[ayon.runtimeDependencies]
Click = "^8"
Pillow = "9.5.0"
fontTools = "*"
opencolorio = "^2.5.1,<2.6.0"

[ayon.runtimeDependencies.darwin]
pyobjc-core = "^11.1"
"""


def addon_with(tmp_path: Path, pyproject: str) -> Path:
    (tmp_path / "client").mkdir(parents=True, exist_ok=True)
    (tmp_path / "client" / "pyproject.toml").write_text(pyproject)
    return tmp_path


def by_name(reqs) -> dict:
    return {r.name: r for r in reqs}


def test_real_shapes_become_pep508_with_platform_markers(tmp_path: Path):
    reqs = by_name(client_requirements(addon_with(tmp_path, REAL_SHAPED), "addon core 1.9.5"))
    assert reqs["markdown"].text == "markdown (>=3.4.1,<4.0.0)"
    assert reqs["clique"].text == "clique (==1.6.*)"
    assert reqs["speedcopy"].text == "speedcopy (>=2.2,<2.3)"
    assert reqs["pillow"].text == "Pillow (==9.5.0)" and reqs["fonttools"].text == "fontTools"
    assert reqs["opencolorio"].text == "opencolorio (>=2.5.1,<2.6.0)"
    darwin = reqs["pyobjc-core"]
    assert darwin.text == "pyobjc-core (>=11.1,<12.0) ; sys_platform == 'darwin'"
    assert darwin.platforms == ("darwin",) and not darwin.served  # Linux and Windows workers never get it
    assert darwin.origin == "addon core 1.9.5 (client/pyproject.toml [ayon.runtimeDependencies.darwin])"
    assert reqs["click"].served and reqs["click"].platforms == ("darwin", "linux", "windows")
    assert "darwin" not in reqs  # the sub-table is not a dependency named 'darwin'


def test_per_platform_versions_and_version_tables(tmp_path: Path):
    pyproject = """\
[tool.poetry.dependencies]
six = {version = "^1.15", markers = "python_version >= '3.9'"}
colorama = {version = "*", platform = "win32"}

[ayon.runtimeDependencies]
OpenTimelineIO = {linux = "0.16.0", windows = {version = "0.17.0"}}
"""
    reqs = client_requirements(addon_with(tmp_path, pyproject), "addon x 1.0.0")
    texts = [r.text for r in reqs]
    assert "six (>=1.15,<2.0) ; python_version >= '3.9'" in texts
    assert "colorama ; sys_platform == 'win32'" in texts
    otio = [r for r in reqs if r.name == "opentimelineio"]
    assert [(r.text, r.platforms) for r in otio] == [
        ("OpenTimelineIO (==0.16.0) ; sys_platform == 'linux'", ("linux",)),
        ("OpenTimelineIO (==0.17.0) ; sys_platform == 'win32'", ("windows",)),
    ]


@pytest.mark.parametrize(("entry", "what"), [
    ('tool = {git = "https://github.com/x/tool.git"}', "is a git source"),
    ('tool = {path = "../tool"}', "is a path source"),
    ('tool = {extras = ["a"]}', "has no version"),
])
def test_a_source_pypi_cannot_give_names_file_table_and_the_way_out(tmp_path: Path, entry: str, what: str):
    root = addon_with(tmp_path, f"[ayon.runtimeDependencies]\n{entry}\n")
    with pytest.raises(AyonCondaError) as caught:
        client_requirements(root, "addon x 1.0.0")
    line = str(caught.value)
    assert str(root / "client" / "pyproject.toml") in line and "[ayon.runtimeDependencies] 'tool'" in line
    assert what in line and "exclude: {tool: <why>}" in line
    # ... and that advice works: excluded, the entry is not even read
    assert client_requirements(root, "addon x 1.0.0", exclude={"tool"}) == []


def test_the_exclude_advice_works_through_pin(tmp_path: Path):
    """The whole command: the error's advice, followed, makes the pin go through."""
    addon = tmp_path / "core-src"
    (addon / "client" / "ayon_core").mkdir(parents=True)
    (addon / "client" / "ayon_core" / "__init__.py").write_text("")
    (addon / "package.py").write_text('name = "core"\nversion = "1.0.0"\nclient_dir = "ayon_core"\n')
    (addon / "client" / "pyproject.toml").write_text('[ayon.runtimeDependencies]\nacre = {git = "https://x/acre.git"}\n')
    bundle = make_bundle(tmp_path / "bundle.json", {"core": "1.0.0"})
    addons = {"core": {"client_dir": "ayon_core", "source": {"path": "core-src"}}}
    config = make_config(tmp_path / "components.yaml", addons, requirements=[])
    assert "exclude: {acre: <why>}" in error_line(run_cli("pin", bundle, "--config", config, "-o", tmp_path / "lock.json", code=1))
    config = make_config(tmp_path / "components.yaml", addons, requirements=[], exclude={"acre": "launcher-only"})
    run_cli("pin", bundle, "--config", config, "-o", tmp_path / "lock.json")


@pytest.mark.skipif(not os.environ.get("AYON_CORE_SOURCE"), reason="AYON_CORE_SOURCE (an unpacked ayon-core tag) is not set")
def test_real_ayon_core_pyproject_is_read():
    root = Path(os.environ["AYON_CORE_SOURCE"])
    reqs = by_name(client_requirements(root, "addon core"))
    assert {"pillow", "opentimelineio", "opencolorio", "pyblish-base", "clique"} <= set(reqs)
    assert not reqs["pyobjc-core"].served
