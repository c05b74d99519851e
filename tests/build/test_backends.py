"""``ayon-conda build --backend rattler-build|conda-build``.

rattler-build runs here for real: the ``rattler-build`` executable where one is on PATH (the
pixi environment), else the py-rattler-build module (this venv, ``.ci/run``). It builds the
sample lock from a local channel (python made from this interpreter, boto3 from its PyPI
wheels), runs the recipes' tests, and both packages are compared with the native ones: payload
file by file with sha256, ``index.json`` (but the fields the tools set themselves, see
``support/conda_packages.py``), ``link.json``, and every vendored ``RECORD`` checked against the
files. conda-build cannot be installed from the registries this project reaches, so its
comparison skips here and runs where it is on PATH (``pixi run test``). What the backends do
around the tool is also tested with stand-in executables that misbehave the way a tool can.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest
from ayon_conda.build.backends.external_tool import ayon_conda_launcher
from ayon_conda.build.backends.rattler_build import RUNNER
from ayon_conda.pin.lock import Lock
from conftest import error_line, json_out, run_cli
from support.conda_packages import comparable_index, differences, read_info, untrue_records

pytestmark = pytest.mark.network

TOOLS = ("rattler-build", "conda-build")
CONDA_BUILD_ABSENT = ("conda-build is not on PATH: neither it nor conda can be installed from the registries this "
                      "project reaches (PyPI, Debian, npm); the pixi environment has it (pixi run test)")


def assert_same_as_native(paths: list[Path], natives: dict[str, Path], out: Path) -> None:
    built = {path.name: path for path in paths}
    assert sorted(built) == sorted(natives)
    for name, path in built.items():
        assert path.parent == out / "noarch"
        assert differences(natives[name], path) == []
        assert untrue_records(path) == []
        assert untrue_records(natives[name]) == []
        assert stat.S_IMODE(path.stat().st_mode) == 0o644
        index = json.loads(read_info(path)["info/index.json"])
        assert isinstance(index["timestamp"], int) and index["timestamp"] > 0


@pytest.fixture(scope="module")
def natives(sample_package: Path, sample_core_package: Path) -> dict[str, Path]:
    return {sample_package.name: sample_package, sample_core_package.name: sample_core_package}


def test_rattler_build_packages_match_the_native_ones(sample_lock: Path, natives: dict[str, Path], sync_channel: str,
                                                      tmp_path: Path, monkeypatch):
    user_cache = tmp_path / "user-rattler-cache"
    monkeypatch.setenv("RATTLER_CACHE_DIR", str(user_cache))
    out = tmp_path / "dist"
    done = run_cli("build", sample_lock, "-o", out, "--backend", "rattler-build", "--channel", sync_channel)
    assert_same_as_native([Path(line.split()[0]) for line in done.stdout.splitlines()], natives, out)
    for name in natives:  # the recipes' tests ran on each package: `ayon --version`, `ayon --self-check`
        assert " ".join(name.removesuffix(".conda").rsplit("-", 2)) in done.stderr.splitlines()
    assert done.stderr.splitlines().count("ok import ayon_core") == 2
    assert not user_cache.exists()  # each build had a package cache of its own


def test_conda_build_packages_match_the_native_ones(sample_lock: Path, natives: dict[str, Path], tmp_path: Path):
    if shutil.which("conda-build") is None:
        pytest.skip(CONDA_BUILD_ABSENT)
    out = tmp_path / "dist"
    result = json_out(run_cli("build", sample_lock, "-o", out, "--backend", "conda-build", "--channel", "conda-forge", "--json"))
    assert_same_as_native([Path(p["path"]) for p in result["packages"]], natives, out)


def test_comparison_ignores_only_the_tool_set_fields(sample_lock: Path, sample_package: Path, tmp_path: Path, monkeypatch):
    """The comparison above can fail: another build time is no difference, another build is."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    later = Path(json_out(run_cli("build", sample_lock, "-o", tmp_path / "later", "--json"))["path"])
    assert later.read_bytes() != sample_package.read_bytes()
    assert differences(sample_package, later) == []
    index = json.loads(read_info(sample_package)["info/index.json"])
    as_a_tool_writes = {**index, "timestamp": index["timestamp"] + 1, "license_family": "APACHE", "constrains": [],
                        "depends": list(reversed(index["depends"]))}
    assert comparable_index(as_a_tool_writes) == comparable_index(index)
    for field, value in (("license", "MIT"), ("noarch", "generic"), ("depends", [*index["depends"], "qt"])):
        assert comparable_index({**index, field: value}) != comparable_index(index), field

    lock = Lock.load(sample_lock)
    rebuild = replace(lock, package=replace(lock.package, build_number=1)).write(sample_lock.with_name("rebuild-1.lock.json"))
    other = Path(json_out(run_cli("build", rebuild, "-o", tmp_path / "rebuild", "--json"))["path"])
    found = differences(sample_package, other)
    assert any(d.startswith("index.json build:") for d in found)
    assert any(d.startswith("index.json build_number:") for d in found)
    assert any(d.startswith("payload site-packages/ayon_publish/build_info.json") for d in found)


# -- the engine's own failures (py-rattler-build) -------------------------------------------------
def _only_the_module(monkeypatch) -> None:
    """No rattler-build executable on PATH: the backend runs the py-rattler-build module."""
    keep = [d for d in os.environ["PATH"].split(os.pathsep) if not (Path(d) / "rattler-build").exists()]
    monkeypatch.setenv("PATH", os.pathsep.join(keep))


def _empty_channel(root: Path) -> str:
    (root / "noarch").mkdir(parents=True)
    (root / "noarch" / "repodata.json").write_text(json.dumps({"info": {"subdir": "noarch"}, "packages": {}, "packages.conda": {}}))
    return root.as_uri()


@pytest.mark.parametrize("channel, cause", [
    ("empty", "Failed to resolve dependencies: Cannot solve the request because of: No candidates were found for python *."),
    # ayon-publish builds, but its tests cannot install its compiled run requirement
    ("python only", "Test failed: Cannot solve the request because of: No candidates were found for pillow"),
])
def test_the_engines_cause_reaches_the_one_line_error(channel: str, cause: str, sample_lock: Path,
                                                      tmp_path: Path, monkeypatch):
    _only_the_module(monkeypatch)
    if channel == "empty":
        url = _empty_channel(tmp_path / "empty")
    else:
        url = json_out(run_cli("local-channel", tmp_path / "python-only", "--json"))["channel"]
    out = tmp_path / "dist"
    line = error_line(run_cli("build", sample_lock, "-o", out, "--backend", "rattler-build", "-c", url, "--quiet", code=1))
    assert line.startswith(f"error: rattler-build: failed (exit code 1): {cause}")
    assert line.endswith("; run again without --quiet/--json to see its output")
    assert not out.exists()  # not even the package whose tests passed


def test_a_package_whose_recipe_tests_fail_is_not_written(sample_lock: Path, python_channel: str, tmp_path: Path):
    """The module, as the backend runs it, on a recipe whose build script breaks ``ayon``."""
    rendered = json_out(run_cli("render", sample_lock, "-o", tmp_path / "recipes", "--json"))
    recipe = Path(rendered["packages"][0]["rattler_build"])  # ayon-publish
    with open(recipe.parent / "build.sh", "a", encoding="utf-8") as fh:
        fh.write("echo 'raise SystemExit(\"bootstrap broken on purpose\")' > \"$SP_DIR/ayon_publish/bootstrap.py\"\n")
    out = tmp_path / "output"
    env = {**os.environ, "AYON_CONDA": ayon_conda_launcher(), "RATTLER_CACHE_DIR": str(tmp_path / "cache")}
    proc = subprocess.run([sys.executable, "-m", RUNNER, "build", "--recipe", str(recipe), "--output-dir", str(out),
                           "-c", python_channel], env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 1, proc.stdout[-2000:]
    assert proc.stdout.splitlines()[-1] == "Test failed: bootstrap broken on purpose (exit status 1)"
    assert not list(out.glob("noarch/*.conda"))


# -- around the tool -----------------------------------------------------------------------------
@pytest.mark.parametrize("tool", TOOLS)
def test_a_missing_tool_is_one_line_that_says_how_to_get_it(tool: str, sample_lock: Path, tmp_path: Path, monkeypatch):
    empty = tmp_path / "empty-path"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    monkeypatch.setitem(sys.modules, "rattler_build", None)  # as if py-rattler-build were not installed
    out = tmp_path / "dist"
    line = error_line(run_cli("build", sample_lock, "-o", out, "--backend", tool, code=1))
    if tool == "rattler-build":
        assert line.startswith("error: rattler-build: not found on PATH, and the Python module rattler_build is not "
                               "installed; install py-rattler-build (pip install py-rattler-build")
    else:
        assert line.startswith("error: conda-build: not found on PATH; ")
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
    """An executable named like the tool: it records each call (arguments, what the directories
    it was given hold, its package cache), then does ``body``."""
    bin_dir.mkdir(exist_ok=True)
    script = bin_dir / tool
    script.write_text(
        f"#!{sys.executable}\n"
        "import json, os, shutil, sys\n"
        "from pathlib import Path\n"
        "dirs = {a: sorted(os.listdir(a)) for a in sys.argv[1:] if os.path.isdir(a)}\n"
        "dirs.update({a: sorted(os.listdir(os.path.dirname(a))) for a in sys.argv[1:] if os.path.isfile(a)})\n"
        "cache = os.environ.get('RATTLER_CACHE_DIR') or os.environ.get('CONDA_PKGS_DIRS')\n"
        "call = {'argv': sys.argv[1:], 'dirs': dirs, 'AYON_CONDA': os.environ.get('AYON_CONDA'), 'cache': cache,\n"
        "        'cache_was_empty': not (cache and os.path.exists(cache) and os.listdir(cache))}\n"
        f"with open({str(bin_dir / 'calls.jsonl')!r}, 'a') as fh: fh.write(json.dumps(call) + '\\n')\n"
        + body
    )
    script.chmod(script.stat().st_mode | stat.S_IXUSR)


def calls(bin_dir: Path) -> list[dict]:
    return [json.loads(line) for line in (bin_dir / "calls.jsonl").read_text().splitlines()]


def _with_stand_in(monkeypatch, bin_dir: Path) -> None:
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")


#: A stand-in rattler-build that writes the native package the recipe names, mode 0600 as the
#: real one leaves it, and prints ``test_output`` (a format string given the package's name,
#: version and build).
_WRITES_THE_PACKAGE = (
    "args = sys.argv[1:]\n"
    "stem = Path(args[args.index('--recipe') + 1]).parent.parent.name\n"
    "out = Path(args[args.index('--output-dir') + 1]) / 'noarch'\n"
    "out.mkdir(parents=True, exist_ok=True)\n"
    "shutil.copyfile(Path(os.environ['NATIVE_DIST']) / f'{stem}.conda', out / f'{stem}.conda')\n"
    "os.chmod(out / f'{stem}.conda', 0o600)\n"
    "name, version, build = stem.rsplit('-', 2)\n"
    "print(os.environ['TEST_OUTPUT'].format(name=name, version=version, build=build))\n"
)


def test_a_failing_tool_leaves_nothing_and_reports_its_last_line(sample_lock: Path, tmp_path: Path, monkeypatch):
    bin_dir = tmp_path / "bin"
    stand_in(bin_dir, "rattler-build", "print('solving host environment'); print('  × could not find python in conda-forge'); sys.exit(3)\n")
    _with_stand_in(monkeypatch, bin_dir)
    out = tmp_path / "dist"
    result = run_cli("build", sample_lock, "-o", out, "--backend", "rattler-build", "--quiet", code=1)
    assert error_line(result) == ("error: rattler-build: failed (exit code 3): could not find python in conda-forge; "
                                  "run again without --quiet/--json to see its output")
    assert not out.exists()

    [call] = calls(bin_dir)  # the executable on PATH, not the module
    argv = call["argv"]
    assert argv[0] == "build" and argv[argv.index("--package-format") + 1] == "conda"
    assert argv[argv.index("--test") + 1] == "native"
    recipe = argv[argv.index("--recipe") + 1]
    assert Path(recipe).name == "recipe.yaml" and Path(recipe).parent.name == "rattler-build"
    assert call["dirs"][recipe] == ["ayon-publish.lock.json", "bld.bat", "build.sh", "recipe.yaml"]
    assert not Path(recipe).exists()  # the rendered recipes were temporary
    assert argv[argv.index("--channel") + 1] == "conda-forge"
    assert os.access(call["AYON_CONDA"], os.X_OK)


def test_a_tool_that_ran_no_recipe_test_fails_the_build(sample_lock: Path, sample_package: Path, tmp_path: Path, monkeypatch):
    bin_dir = tmp_path / "bin"
    stand_in(bin_dir, "rattler-build", _WRITES_THE_PACKAGE)
    _with_stand_in(monkeypatch, bin_dir)
    monkeypatch.setenv("NATIVE_DIST", str(sample_package.parent))
    monkeypatch.setenv("TEST_OUTPUT", "Skipping tests because the package is cached: {name}-{version}-{build}")
    out = tmp_path / "dist"
    line = error_line(run_cli("build", sample_lock, "-o", out, "--backend", "rattler-build", code=1))
    pin = sample_package.name.removesuffix(".conda").rsplit("-", 2)
    assert line.startswith(f"error: rattler-build: exited 0, but the recipe's tests did not run on {sample_package.name} "
                           f"(no '{' '.join(pin)}' from 'ayon --version' in its output); ")
    assert not out.exists()


def test_tool_packages_are_0644_and_each_build_has_its_own_package_cache(sample_lock: Path, sample_package: Path,
                                                                         tmp_path: Path, monkeypatch):
    bin_dir = tmp_path / "bin"
    stand_in(bin_dir, "rattler-build", _WRITES_THE_PACKAGE)
    _with_stand_in(monkeypatch, bin_dir)
    monkeypatch.setenv("NATIVE_DIST", str(sample_package.parent))
    monkeypatch.setenv("TEST_OUTPUT", " │ │ {name} {version} {build}")  # framed, as rattler-build's log groups are
    user_cache = tmp_path / "user-cache"
    monkeypatch.setenv("RATTLER_CACHE_DIR", str(user_cache))
    out = tmp_path / "dist"
    result = json_out(run_cli("build", sample_lock, "-o", out, "--backend", "rattler-build", "--json"))
    for package in result["packages"]:
        assert stat.S_IMODE(Path(package["path"]).stat().st_mode) == 0o644
    made = calls(bin_dir)
    assert len(made) == 2
    caches = [Path(c["cache"]) for c in made]
    assert all(c["cache_was_empty"] for c in made)
    assert caches[0] != caches[1] and user_cache not in caches
    assert all(c.name == "package-cache" and c.parent.name.startswith("ayon-conda-rattler-build-") for c in caches)
    assert not any(c.exists() for c in caches)  # removed with the build's work directory


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
    [call] = calls(bin_dir)
    argv = call["argv"]
    assert Path(argv[0]).name == "conda-build"
    assert call["dirs"][argv[0]] == ["ayon-publish.lock.json", "bld.bat", "build.sh", "meta.yaml"]
    assert [argv[i + 1] for i, a in enumerate(argv) if a == "--channel"] == ["file:///srv/channel", "conda-forge"]
    assert "--override-channels" in argv
    assert Path(call["cache"]).name == "package-cache" and call["cache_was_empty"]
