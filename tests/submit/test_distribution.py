"""The ``ayon-publish-submit`` distribution (``submit/``): installs into a bare venv with nothing
else, runs there on Python 3.9 and later, and needs nothing beyond the standard library on any
path (cache directory, version ranges, plain ``repodata.json`` without a zstd module)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from ayon_publish_submit.openjd_environment import session_script
from conftest import REPO
from support.channels import FakePackage, directory_channel
from support.vermin import python_3_9_violations

SUBMIT = REPO / "submit"
PACKAGE = SUBMIT / "ayon_publish_submit"
BUNDLE = {"name": "prod-2026-10", "addons": {"core": "1.9.0", "deadline_cloud": "0.2.0", "maya": "0.4.10"}}
PACKAGES = [FakePackage({"core": "1.9.0", "deadline_cloud": "0.2.0"}, build_number=n) for n in range(2)]
#: What an addon does in a DCC: resolve, and add the publish step's environment to a job.
IN_THE_VENV = """
import json, sys
from ayon_publish_submit import add_publish_step_environment, resolve, UserError
bundle, channel, cache = json.loads(sys.argv[1]), sys.argv[2], sys.argv[3]
found = resolve(bundle, channel, cache=cache)
job = {"steps": [{"name": "Render"}, {"name": "publish to AYON"}]}
env = add_publish_step_environment(job, bundle, [channel, "conda-forge"], cache=cache)
try:
    resolve(bundle, channel, cache=cache, server_version="1.9.3")  # reads the package's metadata
    refused = None
except UserError as exc:
    refused = str(exc)
args = env["script"]["actions"]["onEnter"]["args"]
script = env["script"]["embeddedFiles"][0]["data"]
print(json.dumps({"package": found.package, "args": args[args.index("enter") + 1], "script": script,
                  "index": sorted(p.name for p in __import__("pathlib").Path(cache).rglob("repodata*")),
                  "zstd": sorted(m for m in sys.modules if "zstd" in m), "refused": refused}))
"""
#: The oldest Python the distribution supports: $AYON_TEST_PYTHON39, else python3.9 on PATH.
PYTHON39 = os.environ.get("AYON_TEST_PYTHON39", "python3.9")
PYTHONS = [pytest.param(sys.executable, id=f"python{sys.version_info[0]}.{sys.version_info[1]}"),
           pytest.param(PYTHON39, id="python3.9")]


def interpreter(name: str) -> str:
    found = shutil.which(name)
    if found is None or subprocess.run([found, "-c", "import venv"], capture_output=True).returncode:
        pytest.skip(f"{name} is not a usable Python (set AYON_TEST_PYTHON39; CI sets up Python 3.9 for this test)")
    return found


@pytest.fixture(scope="module")
def file_channel(tmp_path_factory: pytest.TempPathFactory) -> str:
    return directory_channel(tmp_path_factory.mktemp("channel"), PACKAGES)


@pytest.mark.network  # pip fetches setuptools to build the distribution
@pytest.mark.parametrize("python", PYTHONS)
def test_installs_alone_into_a_bare_venv_and_resolves_there(python: str, file_channel: str, tmp_path: Path):
    venv = tmp_path / "venv"
    subprocess.run([interpreter(python), "-m", "venv", str(venv)], check=True)
    bin_python = venv / ("Scripts/python.exe" if sys.platform == "win32" else "bin/python")
    before = pip_list(bin_python)
    source = shutil.copytree(SUBMIT, tmp_path / "submit", ignore=shutil.ignore_patterns("build", "*.egg-info", "__pycache__"))
    subprocess.run([str(bin_python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", str(source)],
                   check=True, cwd=tmp_path)  # from a copy: setuptools writes build/ beside the sources
    assert pip_list(bin_python) - before == {"ayon-publish-submit"}  # nothing else installed

    out = subprocess.run([str(bin_python), "-c", IN_THE_VENV, json.dumps(BUNDLE), file_channel, str(tmp_path / "cache")],
                         capture_output=True, text=True, cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout)
    assert result["package"] == result["args"] == f"ayon-publish==1.9.0[build={PACKAGES[-1].lock().pin.build}]"
    assert result["script"] == session_script()  # compacted there as here: the queue environment's script
    assert result["zstd"] == []  # no zstd module in a bare venv before Python 3.14 ...
    assert result["index"] == ["repodata.json"]  # ... so the plain index was read
    assert result["refused"] == (f"{file_channel}/noarch/{PACKAGES[-1].filename}: reading its package metadata needs a "
                                 "zstd decoder, which this Python does not have; install backports.zstd for it "
                                 "(Python 3.14 has one built in)")


def pip_list(python: Path) -> set[str]:
    out = subprocess.run([str(python), "-m", "pip", "list", "--format", "json", "--disable-pip-version-check"],
                         capture_output=True, text=True, check=True).stdout
    return {p["name"] for p in json.loads(out)}


def test_with_a_zstd_module_the_compressed_index_is_read(file_channel: str, tmp_path: Path):
    from ayon_publish_submit import resolve
    from ayon_publish_submit.package_about import zstd_decompress

    assert zstd_decompress() is not None  # the test environment has backports.zstd
    resolve(BUNDLE, file_channel, cache=tmp_path)
    assert sorted(p.name for p in tmp_path.rglob("repodata*")) == ["repodata.json.zst"]


def test_the_distribution_declares_no_dependencies_and_python_3_9():
    import tomllib

    project = tomllib.loads((SUBMIT / "pyproject.toml").read_text())["project"]
    assert project["name"] == "ayon-publish-submit" and project["dependencies"] == []
    assert project["requires-python"] == ">=3.9"


def test_the_code_runs_on_python_3_9():
    assert python_3_9_violations(PACKAGE) == ""


def test_it_imports_only_the_standard_library():
    """Every module of the package, imported in a process that cannot import anything installed."""
    modules = sorted(p.relative_to(SUBMIT).with_suffix("").as_posix().replace("/", ".")
                     for p in PACKAGE.rglob("*.py") if "pyblish_plugins" not in p.parts or p.name == "__init__.py")
    code = (f"import sys; sys.path[:] = [{str(SUBMIT)!r}] + [p for p in sys.path if 'site-packages' not in p]\n"
            f"for name in {modules!r}: __import__(name.removesuffix('.__init__'))\n")
    proc = subprocess.run([sys.executable, "-I", "-c", code], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr


def test_import_is_light():
    """Inside a DCC: importing the package and computing a spec loads no heavy or optional library."""
    code = (
        "import sys, ayon_publish_submit as s\n"
        "s.spec_for_bundle({'name': 'b', 'addons': {'core': '1.9.0', 'deadline_cloud': '0.2.0'}})\n"
        "heavy = ('boto3', 'botocore', 'rattler', 'requests', 'urllib3', 'click', 'ayon_api', 'platformdirs', 'semver',\n"
        "         'backports', 'compression', 'ayon_conda')\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & set(heavy)))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


@pytest.mark.parametrize("xdg", [None, "/srv/cache", "   "])
def test_cache_directory_is_where_platformdirs_puts_it(xdg: str | None, monkeypatch):
    import platformdirs
    from ayon_publish_submit.cache import APP, cache_dir

    monkeypatch.delenv("AYON_CONDA_CACHE_DIR", raising=False)
    if xdg is None:
        monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    else:
        monkeypatch.setenv("XDG_CACHE_HOME", xdg)
    assert cache_dir() == Path(platformdirs.user_cache_dir(APP))


def test_reading_s3_without_boto3_is_one_line(tmp_path: Path):
    code = ("import sys, importlib.util\n"
            "orig = importlib.util.find_spec\n"
            "importlib.util.find_spec = lambda name, *a: None if name == 'boto3' else orig(name, *a)\n"
            "from ayon_publish_submit import resolve, UserError\n"
            "try:\n"
            f"    resolve({BUNDLE!r}, 's3://studio-conda/ayon', cache={str(tmp_path)!r})\n"
            "except UserError as exc:\n"
            "    print(exc)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == ("s3://studio-conda/ayon: reading an s3:// channel needs boto3, which this Python does not have; "
                           "install boto3 for it, or use the channel's https:// address")
