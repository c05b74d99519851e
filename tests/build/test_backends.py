"""``ayon-conda build --backend rattler-build|conda-build``.

Where the tool is on PATH (the pixi environment, CI's pixi job), the sample lock is built with
it and compared with the native build: payload files and their sha256, ``index.json`` (but the
fields the tools set themselves, see ``support/conda_packages.py``) and ``link.json``. Here the
tools are absent, so those tests skip; what the backends do around the tool is tested with
stand-in executables that fail the way a tool can.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import sys
from dataclasses import replace
from pathlib import Path

import pytest
from ayon_conda.pin.lock import Lock
from conftest import error_line, json_out, run_cli
from support.conda_packages import TOOL_SET_INDEX_FIELDS, differences, read_info

pytestmark = pytest.mark.network

TOOLS = ("rattler-build", "conda-build")


@pytest.mark.parametrize("tool", TOOLS)
def test_build_with_the_tool_matches_the_native_build(tool: str, sample_lock: Path, sample_package: Path, tmp_path: Path):
    if shutil.which(tool) is None:
        pytest.skip(f"{tool} is not on PATH (it is in the pixi environment: pixi run test)")
    result = json_out(run_cli("build", sample_lock, "-o", tmp_path, "--backend", tool, "--channel", "conda-forge", "--json"))
    built = Path(result["path"])
    assert built.name == sample_package.name and built.parent == tmp_path / "noarch"
    assert differences(sample_package, built) == []
    index = json.loads(read_info(built)["info/index.json"])
    assert isinstance(index["timestamp"], int) and index["timestamp"] > 0


def test_comparison_ignores_only_the_tool_set_fields(sample_lock: Path, sample_package: Path, tmp_path: Path, monkeypatch):
    """The comparison above can fail: another build time is no difference, another build is."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    later = Path(json_out(run_cli("build", sample_lock, "-o", tmp_path / "later", "--json"))["path"])
    assert later.read_bytes() != sample_package.read_bytes()
    assert differences(sample_package, later) == []
    assert set(TOOL_SET_INDEX_FIELDS) == {"timestamp", "license_family"}

    lock = Lock.load(sample_lock)
    rebuild = replace(lock, package=replace(lock.package, build_number=1)).write(sample_lock.with_name("rebuild-1.lock.json"))
    other = Path(json_out(run_cli("build", rebuild, "-o", tmp_path / "rebuild", "--json"))["path"])
    found = differences(sample_package, other)
    assert any(d.startswith("index.json build:") for d in found)
    assert any(d.startswith("index.json build_number:") for d in found)
    assert any(d.startswith("payload site-packages/ayon_publish/build_info.json") for d in found)


# -- around the tool -----------------------------------------------------------------------------
@pytest.mark.parametrize("tool", TOOLS)
def test_a_missing_tool_is_one_line_that_says_how_to_get_it(tool: str, sample_lock: Path, tmp_path: Path, monkeypatch):
    empty = tmp_path / "empty-path"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    out = tmp_path / "dist"
    line = error_line(run_cli("build", sample_lock, "-o", out, "--backend", tool, code=1))
    assert line == f"error: {tool}: not found on PATH; " + line.split("; ", 1)[1]
    assert "pixi" in line
    assert not out.exists()


@pytest.mark.parametrize("command", ["build", "release"])
def test_unknown_backend_is_a_usage_error_listing_every_backend(command: str, tmp_path: Path):
    from ayon_conda.build import BACKEND_NAMES
    from ayon_conda.build.backends import BACKENDS

    assert tuple(BACKENDS) == BACKEND_NAMES
    args = [tmp_path / "x.lock.json", "-o", tmp_path / "dist"] if command == "build" else ["--channel", tmp_path / "c"]
    result = run_cli(command, *args, "--backend", "mamba", code=2)
    assert "'mamba' is not one of 'native', 'rattler-build', 'conda-build'" in result.stderr
    assert "[native|rattler-build|conda-build]" in run_cli(command, "--help").output
    assert not (tmp_path / "dist").exists()


def stand_in(bin_dir: Path, tool: str, body: str) -> None:
    """An executable named like the tool: it records how it was called, then does ``body``."""
    bin_dir.mkdir(exist_ok=True)
    script = bin_dir / tool
    script.write_text(
        f"#!{sys.executable}\n"
        "import json, os, sys\n"
        "from pathlib import Path\n"
        "dirs = {a: sorted(os.listdir(a)) for a in sys.argv[1:] if os.path.isdir(a)}\n"
        "dirs.update({a: sorted(os.listdir(os.path.dirname(a))) for a in sys.argv[1:] if os.path.isfile(a)})\n"
        f"Path({str(bin_dir / 'call.json')!r}).write_text(json.dumps({{'argv': sys.argv[1:], 'dirs': dirs, 'AYON_CONDA': os.environ.get('AYON_CONDA')}}))\n"
        + body
    )
    script.chmod(script.stat().st_mode | stat.S_IXUSR)


def _with_stand_in(monkeypatch, bin_dir: Path) -> None:
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")


def test_a_failing_tool_leaves_nothing_and_reports_its_last_line(sample_lock: Path, tmp_path: Path, monkeypatch):
    bin_dir = tmp_path / "bin"
    stand_in(bin_dir, "rattler-build", "print('solving host environment'); print('error: could not find python in conda-forge'); sys.exit(3)\n")
    _with_stand_in(monkeypatch, bin_dir)
    out = tmp_path / "dist"
    result = run_cli("build", sample_lock, "-o", out, "--backend", "rattler-build", "--quiet", code=1)
    assert error_line(result) == ("error: rattler-build: failed (exit code 3): error: could not find python in conda-forge; "
                                  "run again without --quiet/--json to see its output")
    assert not out.exists()

    call = json.loads((bin_dir / "call.json").read_text())
    argv = call["argv"]
    assert argv[0] == "build" and argv[argv.index("--package-format") + 1] == "conda"
    recipe = argv[argv.index("--recipe") + 1]
    assert Path(recipe).name == "recipe.yaml" and Path(recipe).parent.name == "rattler-build"
    assert call["dirs"][recipe] == ["ayon-publish.lock.json", "bld.bat", "build.sh", "recipe.yaml"]
    assert not Path(recipe).exists()  # the rendered recipes were temporary
    assert argv[argv.index("--channel") + 1] == "conda-forge"
    assert os.access(call["AYON_CONDA"], os.X_OK)


def test_a_package_with_another_name_is_refused(sample_lock: Path, tmp_path: Path, monkeypatch):
    bin_dir = tmp_path / "bin"
    body = (
        "args = sys.argv[1:]\n"
        "out = Path(args[args.index('--output-folder') + 1])\n"
        "(out / 'noarch').mkdir(parents=True)\n"
        "(out / 'noarch' / 'ayon-publish-1.9.0-h1234567_0.tar.bz2').write_bytes(b'not ours')\n"
    )
    stand_in(bin_dir, "conda-build", body)
    _with_stand_in(monkeypatch, bin_dir)
    out = tmp_path / "dist"
    line = error_line(run_cli("build", sample_lock, "-o", out, "--backend", "conda-build",
                              "-c", "file:///srv/channel", "-c", "conda-forge", code=1))
    assert "wrote noarch/ayon-publish-1.9.0-h1234567_0.tar.bz2, not noarch/ayon-publish-" in line
    assert "conda-build >= 25.1" in line
    assert not out.exists()
    call = json.loads((bin_dir / "call.json").read_text())
    argv = call["argv"]
    assert Path(argv[0]).name == "conda-build"
    assert call["dirs"][argv[0]] == ["ayon-publish.lock.json", "bld.bat", "build.sh", "meta.yaml"]
    assert [argv[i + 1] for i, a in enumerate(argv) if a == "--channel"] == ["file:///srv/channel", "conda-forge"]
    assert "--override-channels" in argv
