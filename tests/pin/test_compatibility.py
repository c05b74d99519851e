"""An addon's compatibility ranges when its source has no package.py (an AYON server serves only
the client code): the component config gives them, the lock and about.json record them, and
``resolve`` checks a server against them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conda_package_streaming.package_streaming import stream_conda_info
from conftest import json_out, refused, run_cli
from support.factories import make_addon, make_bundle, make_config

WARNING = "warning: addon core 1.0.0 records no ayon_server_version"


def setup(tmp_path: Path, *, package_py: bool, **ranges: str) -> tuple[Path, Path]:
    root = make_addon(tmp_path / "core-src", "core", "1.0.0", "ayon_core", server_range=">=1.8.4,<2.0.0")
    if not package_py:
        (root / "package.py").unlink()  # as a server's client.zip gives it
    make_addon(tmp_path / "dc-src", "deadline_cloud", "0.2.0", "ayon_deadline_cloud", server_range="<2.0.0")
    config = make_config(tmp_path / "components.yaml",
                         {"core": {"client_dir": "ayon_core", "source": {"path": "core-src"}, **ranges},
                          "deadline_cloud": {"client_dir": "ayon_deadline_cloud", "source": {"path": "dc-src"}}},
                         requirements=[])
    return make_bundle(tmp_path / "bundle.json", {"core": "1.0.0", "deadline_cloud": "0.2.0"}), config


def about(package: Path) -> dict:
    with open(package, "rb") as fh:
        return next(json.loads(tar.extractfile(m).read()) for tar, m in stream_conda_info(package, fh)
                    if m.name == "info/about.json")


def test_the_config_gives_the_range_a_source_without_package_py_lacks(tmp_path: Path):
    bundle, config = setup(tmp_path, package_py=False, ayon_server_version=">=1.10.0,<2.0.0")
    result = run_cli("pin", bundle, "--config", config, "-o", tmp_path / "lock.json")
    assert WARNING not in result.stderr
    core, deadline_cloud = json.loads((tmp_path / "lock.json").read_text())["addons"]
    assert core["compatibility"] == {"ayon_server_version": ">=1.10.0,<2.0.0"}
    assert deadline_cloud["compatibility"] == {}
    package = Path(json_out(run_cli("build", tmp_path / "lock.json", "-o", tmp_path / "dist", "--json"))["path"])
    compatibility = about(package)["extra"]["compatibility"]
    assert compatibility["ayon_server_version"] == ">=1.10.0,<2.0.0"  # core's from the config, deadline_cloud's <2.0.0
    assert compatibility["ayon_launcher_version"] == ">=1.5.4"  # deadline_cloud's package.py

    run_cli("publish", package, "--channel", tmp_path / "channel", "-q")
    fits = json_out(run_cli("resolve", bundle, "-c", tmp_path / "channel", "--server-version", "1.10.2", "--json"))
    assert fits["server_range"] == ">=1.10.0,<2.0.0"  # both addons' ranges, each condition once
    refused(run_cli("resolve", bundle, "-c", tmp_path / "channel", "--server-version", "1.9.0", code=1),
            "needs AYON server >=1.10.0,<2.0.0", "runs 1.9.0")


def test_without_package_py_or_config_pin_warns_that_nothing_is_recorded(tmp_path: Path):
    bundle, config = setup(tmp_path, package_py=False)
    result = run_cli("pin", bundle, "--config", config, "-o", tmp_path / "lock.json")
    assert WARNING in result.stderr and "addons.core.ayon_server_version" in result.stderr
    core, _ = json.loads((tmp_path / "lock.json").read_text())["addons"]
    assert core["compatibility"] == {}


def test_package_py_wins_where_both_agree(tmp_path: Path):
    bundle, config = setup(tmp_path, package_py=True, ayon_server_version=">=1.8.4,<2.0.0")
    result = run_cli("pin", bundle, "--config", config, "-o", tmp_path / "lock.json")
    assert WARNING not in result.stderr
    core, _ = json.loads((tmp_path / "lock.json").read_text())["addons"]
    assert core["compatibility"] == {}  # package.py travels with the source; nothing to add


def test_a_config_range_that_contradicts_package_py_is_refused(tmp_path: Path):
    bundle, config = setup(tmp_path, package_py=True, ayon_server_version=">=1.0.0")
    result = run_cli("pin", bundle, "--config", config, "-o", tmp_path / "lock.json", code=1)
    refused(result, "addons.core.ayon_server_version is '>=1.0.0'", "package.py says '>=1.8.4,<2.0.0'")
    assert not (tmp_path / "lock.json").exists()


@pytest.mark.parametrize("bad", ["newest", ">=1.8,,<2", "~1.8"])
def test_a_range_that_is_not_one_is_refused(tmp_path: Path, bad: str):
    bundle, config = setup(tmp_path, package_py=False, ayon_launcher_version=bad)
    result = run_cli("pin", bundle, "--config", config, "-o", tmp_path / "lock.json", code=1)
    refused(result, "components.yaml", "'addons.core.ayon_launcher_version'")
    assert not (tmp_path / "lock.json").exists()
