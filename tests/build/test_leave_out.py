"""What the component config leaves out of an addon's client package stays out of the packages,
and the lock and about.json say so."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conda_package_streaming.package_streaming import stream_conda_component, stream_conda_info
from conftest import json_out, refused, run_cli
from support.factories import make_addon, make_bundle, make_config


def setup(tmp_path: Path, leave_out) -> tuple[Path, Path]:
    root = make_addon(tmp_path / "core-src", "core", "1.0.0", "ayon_core")
    client = root / "client" / "ayon_core"
    for rel in ("tests/test_x.py", "tests/data/big.bin", "style/fonts/Noto.ttf", "style/style.css", "lib/x.py"):
        (client / rel).parent.mkdir(parents=True, exist_ok=True)
        (client / rel).write_text(rel)
    config = make_config(tmp_path / "components.yaml",
                         {"core": {"client_dir": "ayon_core", "source": {"path": "core-src"}, "leave_out": leave_out}},
                         requirements=[])
    return make_bundle(tmp_path / "bundle.json", {"core": "1.0.0"}), config


def payload(package: Path) -> set[str]:
    with open(package, "rb") as fh:
        return {m.name for _, m in stream_conda_component(package, fh, "pkg") if m.isfile()}


def test_left_out_files_are_not_in_the_package_and_are_recorded(tmp_path: Path):
    bundle, config = setup(tmp_path, {"tests/": "test suite", "style/fonts/*.ttf": "Qt UI fonts"})
    run_cli("pin", bundle, "--config", config, "-o", tmp_path / "lock.json", "-q")
    (addon,) = json.loads((tmp_path / "lock.json").read_text())["addons"]
    assert addon["leave_out"] == {"tests/": "test suite", "style/fonts/*.ttf": "Qt UI fonts"}
    package = Path(json_out(run_cli("build", tmp_path / "lock.json", "-o", tmp_path / "dist", "--json"))["path"])
    files = {f.removeprefix("site-packages/ayon_publish/addons/core_1.0.0/ayon_core/") for f in payload(package)}
    assert {"lib/x.py", "style/style.css", "__init__.py"} <= files
    assert not any(f.startswith("tests/") or f.endswith(".ttf") for f in files)
    with open(package, "rb") as fh:
        about = next(json.loads(tar.extractfile(m).read()) for tar, m in stream_conda_info(package, fh)
                     if m.name == "info/about.json")
    core = next(c for c in about["extra"]["components"] if c["name"] == "core")
    assert core["left_out"] == {"style/fonts/*.ttf": "Qt UI fonts", "tests/": "test suite"}


def test_a_pattern_that_matches_nothing_is_reported(tmp_path: Path):
    bundle, config = setup(tmp_path, {"test/": "typo"})
    result = run_cli("pin", bundle, "--config", config, "-o", tmp_path / "lock.json")
    assert "warning: leave_out 'test/' of addon core 1.0.0 matches nothing in client/ayon_core" in result.stderr


@pytest.mark.parametrize("pattern", ["../outside/", "/abs/"])
def test_a_pattern_outside_the_client_package_is_refused(tmp_path: Path, pattern: str):
    bundle, config = setup(tmp_path, {pattern: "why"})
    result = run_cli("pin", bundle, "--config", config, "-o", tmp_path / "lock.json", code=1)
    refused(result, f"'addons.core.leave_out' pattern '{pattern}' is not a path inside the client package")
