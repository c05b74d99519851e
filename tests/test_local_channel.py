"""``ayon-conda local-channel``: python and a lock's compiled run requirements, installable offline."""

from __future__ import annotations

import asyncio
import subprocess
from pathlib import Path

import pytest
from conftest import SAMPLE_BUNDLE, SAMPLE_CONFIG, json_out, refused, run_cli
from ruamel.yaml import YAML

#: ayon-core 1.9.x's compiled runtime dependencies (client/pyproject.toml) besides Pillow, which
#: the sample core brings (11.1.0), and aiohttp, which its aiohttp-middlewares pulls in
#: (multidict, yarl, frozenlist, propcache come with it).
COMPILED = ["OpenTimelineIO==0.16.0", "opencolorio==2.5.2", "aiohttp==3.13.5"]
#: conda name -> module to import
MODULES = {"pillow": "PIL.Image", "opentimelineio": "opentimelineio", "opencolorio": "PyOpenColorIO",
           "aiohttp": "aiohttp", "multidict": "multidict", "yarl": "yarl", "frozenlist": "frozenlist"}


@pytest.fixture(scope="module")
def compiled_lock(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample bundle pinned with ayon-core's compiled dependencies added (unchecked: conda-forge is out of reach)."""
    work = tmp_path_factory.mktemp("compiled")
    yaml = YAML(typ="safe", pure=True)
    config = yaml.load(SAMPLE_CONFIG.read_text())
    for addon in config["addons"].values():
        addon["source"]["path"] = str((SAMPLE_CONFIG.parent / addon["source"]["path"]).resolve())
    config["conda_names"] = str((SAMPLE_CONFIG.parent / config["conda_names"]).resolve())
    config["requirements"] += COMPILED
    with open(work / "components.yaml", "w") as fh:
        yaml.dump(config, fh)
    lock = work / "compiled.lock.json"
    run_cli("pin", SAMPLE_BUNDLE, "--config", work / "components.yaml", "-o", lock, "--skip-run-check", "-q")
    return lock


@pytest.fixture(scope="module")
def channel(compiled_lock: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    directory = tmp_path_factory.mktemp("local") / "channel"
    return directory, json_out(run_cli("local-channel", directory, "--lock", compiled_lock, "--json"))


def _install(channel_url: str, spec: str, prefix: Path) -> None:
    """Solve ``spec`` against the channel alone and install it with py-rattler."""
    from rattler import Channel, Subdir, VirtualPackage, install, solve

    async def run() -> None:
        records = await solve(sources=[Channel(channel_url)], specs=[spec], platforms=[Subdir.current(), Subdir("noarch")],
                              virtual_packages=VirtualPackage.detect())
        await install(records, target_prefix=prefix)

    asyncio.run(run())


def _imports(prefix: Path, module: str) -> str:
    code = f"import {module} as m; print(m.__file__)"
    proc = subprocess.run([str(prefix / "bin" / "python"), "-I", "-c", code], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.strip()


@pytest.mark.network
def test_the_lock_package_installs_with_its_compiled_requirements(channel, compiled_lock: Path, tmp_path: Path):
    directory, made = channel
    lock = json_out(run_cli("build", compiled_lock, "-o", tmp_path / "dist", "--json"))
    prefix = tmp_path / "env"
    verified = json_out(run_cli("verify", lock["path"], "--channel", directory, "--prefix", prefix, "--json"))
    installed = {line.split()[0] for line in verified["installed"]}
    assert set(MODULES) <= installed
    site = prefix / "lib"
    for module in MODULES.values():  # from the conda packages, not the vendored copies
        assert Path(_imports(prefix, module)).is_relative_to(site)
    assert made["python"] in {line.split()[1] for line in verified["installed"] if line.startswith("python ")}


@pytest.mark.network
@pytest.mark.parametrize("name", sorted(MODULES))
def test_each_compiled_package_installs_alone_and_imports(channel, name: str, tmp_path: Path):
    from ayon_conda.dev.python_channel import current_subdir

    directory, made = channel
    compiled = [p for p in made["packages"] if p.startswith(f"{name}-")]
    assert len(compiled) == 1 and (directory / current_subdir() / compiled[0]).is_file(), made["packages"]
    _install(made["channel"], name, tmp_path / "env")
    _imports(tmp_path / "env", MODULES[name])


@pytest.mark.network
def test_ayon_publish_core_gets_boto3(channel, compiled_lock: Path):
    _, made = channel
    assert any(p.startswith("boto3-") for p in made["packages"])


def test_closure_follows_markers_and_extras_for_this_interpreter():
    from ayon_conda.dev.wheel_channel import interpreter_closure
    from ayon_conda.pin.python_deps import ROOT

    def wheel(name: str, tag: str = "py3-none-any") -> dict:
        return {"url": f"https://example.invalid/{name}-1.0-{tag}.whl", "hash": "sha256:" + "0" * 64}

    uv_lock = {"package": [
        {"name": ROOT, "version": "0", "dependencies": [{"name": "requests", "extra": ["socks"]},
                                                        {"name": "colorama", "marker": "sys_platform == 'never'"}]},
        {"name": "requests", "version": "1.0", "wheels": [wheel("requests")], "dependencies": [{"name": "idna"}],
         "optional-dependencies": {"socks": [{"name": "PySocks"}]}},
        {"name": "idna", "version": "1.0", "wheels": [wheel("idna"), wheel("idna", "cp27-cp27m-win32")]},
        {"name": "pysocks", "version": "1.0", "wheels": [wheel("pysocks")]},
        {"name": "colorama", "version": "1.0", "wheels": [wheel("colorama")]},
    ]}
    closure = {w.dist.name: w for w in interpreter_closure(uv_lock)}
    assert sorted(closure) == ["idna", "pysocks", "requests"]
    assert closure["requests"].needs == ("idna", "pysocks")
    assert closure["idna"].dist.file == "idna-1.0-py3-none-any.whl"


@pytest.mark.network
def test_a_lock_for_another_python_is_refused(compiled_lock_stub: Path):
    refused(run_cli("local-channel", compiled_lock_stub.parent / "channel", "--lock", compiled_lock_stub, code=1),
            "needs python", str(compiled_lock_stub))
    assert not (compiled_lock_stub.parent / "channel").exists()


@pytest.fixture()
def compiled_lock_stub(sample_lock: Path, tmp_path: Path) -> Path:
    """The sample lock, claiming a Python range this interpreter is outside of."""
    import json

    data = json.loads(sample_lock.read_text())
    data["package"]["python"] = ">=2.7,<3"
    if data.get("run_check"):
        data["run_check"]["python"] = ">=2.7,<3"
    lock = tmp_path / "old.lock.json"
    lock.write_text(json.dumps(data))
    return lock
