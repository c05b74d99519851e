"""Bad input: one line naming the input and the way out, a non-zero exit, nothing half-written."""

from __future__ import annotations

import hashlib
import json
import shutil
import tarfile
from pathlib import Path

import pytest
from conftest import EXAMPLES, SAMPLE_BUNDLE, SAMPLE_CONFIG, refused, run_cli
from support.factories import core_setup, make_addon, make_bundle, make_config, tar_with

pytestmark = pytest.mark.network




def assert_nothing_in(path: Path) -> None:
    assert not path.exists() or not any(path.rglob("*")), sorted(path.rglob("*"))


# -- bundles --------------------------------------------------------------------------------------
def test_malformed_bundle_json(tmp_path: Path):
    bad = tmp_path / "bundle.json"
    bad.write_text('{"name": "b", "addons": {"core": "1.0.0",}}')
    lock = tmp_path / "out" / "l.json"
    refused(run_cli("pin", bad, "--config", SAMPLE_CONFIG, "-o", lock, code=1), str(bad), "not valid JSON (line 1")
    assert_nothing_in(tmp_path / "out")


def test_bundle_without_core(tmp_path: Path):
    bundle = make_bundle(tmp_path / "b.json", {"deadline_cloud": "0.2.0-sample.1"})
    refused(run_cli("pin", bundle, "--config", SAMPLE_CONFIG, "-o", tmp_path / "l.json", code=1),
                          str(bundle), "no 'core' addon")
    assert not (tmp_path / "l.json").exists()


def test_bundle_without_a_baked_addon(tmp_path: Path):
    bundle = make_bundle(tmp_path / "b.json", {"core": "1.9.0-sample.1"})
    refused(run_cli("pin", bundle, "--config", SAMPLE_CONFIG, "-o", tmp_path / "l.json", code=1),
                          "no 'deadline_cloud' addon", "bake")


def test_no_bundle_at_all(tmp_path: Path, monkeypatch):
    monkeypatch.delenv("AYON_SERVER_URL", raising=False)
    refused(run_cli("pin", "--config", SAMPLE_CONFIG, "-o", tmp_path / "l.json", code=1), "--server")


# -- config ---------------------------------------------------------------------------------------
def test_addon_missing_from_the_config(tmp_path: Path):
    refused(
        run_cli("pin", SAMPLE_BUNDLE, "--config", SAMPLE_CONFIG, "-o", tmp_path / "l.json", "--addon", "maya", code=1),
        str(SAMPLE_CONFIG), "addon 'maya' has no entry")
    config = make_config(tmp_path / "c.yaml", {"core": {"client_dir": "ayon_core", "source": {"path": "x"}}},
                         bake=["core", "deadline_cloud"])
    refused(run_cli("pin", SAMPLE_BUNDLE, "--config", config, "-o", tmp_path / "l.json", code=1),
                          "addon 'deadline_cloud' has no entry")
    assert not (tmp_path / "l.json").exists()


def test_missing_and_malformed_config(tmp_path: Path):
    refused(run_cli("pin", SAMPLE_BUNDLE, "--config", tmp_path / "nope.yaml", "-o", tmp_path / "l.json", code=1),
                          "nope.yaml", "no such file")
    bad = tmp_path / "bad.yaml"
    bad.write_text("package: [unclosed\n")
    refused(run_cli("pin", SAMPLE_BUNDLE, "--config", bad, "-o", tmp_path / "l.json", code=1), "not valid YAML")


# -- sources and wheels -----------------------------------------------------------------------------
@pytest.fixture
def copied_sample(tmp_path: Path) -> tuple[Path, Path]:
    """A lock over a copy of the sample core, which the test may then change."""
    for name in ("sample-ayon-core", "sample-ayon-deadline-cloud"):
        shutil.copytree(EXAMPLES / "addons" / name, tmp_path / name)
    config = tmp_path / "components.yaml"
    shutil.copyfile(SAMPLE_CONFIG, config)
    config.write_text(config.read_text().replace("path: ../addons/", "path: ")
                      .replace("../../recipe/", str(SAMPLE_CONFIG.parents[2] / "recipe") + "/"))
    lock = tmp_path / "l.json"
    run_cli("pin", SAMPLE_BUNDLE, "--config", config, "-o", lock, "--skip-run-check", "-q")
    return lock, tmp_path / "sample-ayon-core"


def test_changed_addon_source_is_refused_at_build(copied_sample, tmp_path: Path, isolated_cache: Path):
    """The build takes a path source from the copy pin kept (not from where it was): a changed copy is refused."""
    lock, core = copied_sample
    (core / "client" / "ayon_core" / "version.py").write_text('__version__ = "changed after the pin"\n')
    sha = next(a["source"]["sha256"] for a in json.loads(lock.read_text())["addons"] if a["name"] == "core")
    kept = isolated_cache / "path-sources" / sha / "sample-ayon-core"
    version_py = kept / "client" / "ayon_core" / "version.py"
    original = version_py.read_text()
    version_py.write_text('__version__ = "tampered"\n')
    try:
        refused(run_cli("build", lock, "-o", tmp_path / "dist", code=1), "addon core 1.9.0-sample.1", "sha256 mismatch")
    finally:
        version_py.write_text(original)
    assert_nothing_in(tmp_path / "dist")



def test_a_download_with_other_bytes_of_the_same_size_is_refused(tmp_path: Path, http_server, monkeypatch):
    """An addon archive its server now serves with other bytes (same size) is refused by a build
    on another machine (empty cache), by its sha256 in the lock, and is not kept in the cache."""
    make_addon(tmp_path / "core-src", "core", "1.0.0", "ayon_core")
    served = tmp_path / "served"
    archive = Path(shutil.make_archive(str(served / "core-1.0.0"), "gztar", root_dir=tmp_path / "core-src"))
    base = http_server(served)
    config = make_config(tmp_path / "c.yaml", {"core": {"client_dir": "ayon_core", "source": {
        "url": base + "/core-{version}.tar.gz"}}}, requirements=[])
    bundle = make_bundle(tmp_path / "b.json", {"core": "1.0.0"})
    monkeypatch.setenv("AYON_CONDA_CACHE_DIR", str(tmp_path / "pin-cache"))
    run_cli("pin", bundle, "--config", config, "-o", tmp_path / "l.json", "--skip-run-check", "-q")
    data = bytearray(archive.read_bytes())
    data[len(data) // 2] ^= 0xFF  # tampered on the server: same size, other bytes
    archive.write_bytes(bytes(data))
    build_cache = tmp_path / "build-cache"
    monkeypatch.setenv("AYON_CONDA_CACHE_DIR", str(build_cache))
    refused(run_cli("build", tmp_path / "l.json", "-o", tmp_path / "dist", code=1),
            f"{base}/core-1.0.0.tar.gz", "sha256 mismatch")
    assert http_server.servers[0].gets().count("/core-1.0.0.tar.gz") == 2  # pinned once, fetched again by the build
    assert_nothing_in(tmp_path / "dist")
    assert_nothing_in(build_cache / "downloads")


def test_wheel_with_the_wrong_sha256_is_refused(sample_lock: Path, tmp_path: Path, monkeypatch):
    """On a machine that has not unpacked these wheels yet (an empty cache), a tampered wheel in
    the wheelhouse is refused."""
    lock = json.loads(sample_lock.read_text())
    wheelhouse = tmp_path / "wheelhouse"
    run_cli("fetch", sample_lock, "--wheelhouse", wheelhouse, "-q")
    monkeypatch.setenv("AYON_CONDA_CACHE_DIR", str(tmp_path / "empty-cache"))
    victim = wheelhouse / lock["vendored"][0]["file"]
    victim.write_bytes(victim.read_bytes() + b"tampered")
    (tmp_path / "dist").mkdir()
    refused(run_cli("build", sample_lock, "-o", tmp_path / "dist", "--wheelhouse", wheelhouse, code=1),
                          str(victim), "sha256 mismatch")
    assert_nothing_in(tmp_path / "dist")


def test_corrupt_cache_entry_is_replaced_not_used(sample_lock: Path, sample_package: Path, isolated_cache: Path, tmp_path: Path):
    lock = json.loads(sample_lock.read_text())
    dist = lock["vendored"][0]
    cached = isolated_cache / "downloads" / dist["sha256"] / dist["file"]
    assert cached.is_file()
    cached.write_bytes(b"corrupt")
    run_cli("build", sample_lock, "-o", tmp_path / "dist", "-q")
    assert (tmp_path / "dist" / "noarch" / sample_package.name).read_bytes() == sample_package.read_bytes()


@pytest.mark.parametrize("damage", ["changed", "added", "removed"])
def test_damaged_unpacked_wheels_in_the_cache_are_replaced_not_used(sample_lock: Path, sample_package: Path,
                                                                    isolated_cache: Path, tmp_path: Path, damage: str):
    from ayon_conda.build.vendor_tree import tree_key
    from ayon_conda.pin.lock import Lock

    tree = isolated_cache / "vendor" / tree_key(Lock.load(sample_lock))  # the sample package's unpacked wheels
    victim = next((tree / "vendor").glob("arrow/*.py"))
    if damage == "changed":
        victim.write_text(victim.read_text().replace("def ", "def  ", 1))  # same tree, one edited file
    elif damage == "added":
        (victim.parent / "extra.py").write_text("import os\n")
    else:
        victim.unlink()
    result = run_cli("build", sample_lock, "-o", tmp_path / "dist")
    assert f"warning: the cached vendored set {tree} is damaged" in result.stderr
    assert (tmp_path / "dist" / "noarch" / sample_package.name).read_bytes() == sample_package.read_bytes()


def test_hand_edited_lock_is_refused(sample_lock: Path, tmp_path: Path):
    data = json.loads(sample_lock.read_text())
    data["addons"][0]["version"] = "9.9.9"  # the recorded pin no longer matches
    edited = tmp_path / "edited.json"
    edited.write_text(json.dumps(data))
    refused(run_cli("build", edited, "-o", tmp_path / "dist", code=1), str(edited), "ayon-conda pin again")
    assert_nothing_in(tmp_path / "dist")


# -- the headless rule ----------------------------------------------------------------------------
def test_qt_binding_in_the_dependency_tree_stops_pin(tmp_path: Path):
    bundle, config = core_setup(tmp_path, runtime={"PySide6-Essentials": "*"})
    line = refused(run_cli("pin", bundle, "--config", config, "-o", tmp_path / "l.json", code=1),
                                 "Qt binding pyside6-essentials", "addon core 1.0.0")
    assert "exclude" in line
    assert not (tmp_path / "l.json").exists()


def test_qt_binding_in_a_lock_stops_build(sample_lock: Path, tmp_path: Path):
    data = json.loads(sample_lock.read_text())
    data["vendored"].append({**data["vendored"][0], "name": "pyside6"})
    edited = tmp_path / "qt.json"
    edited.write_text(json.dumps(data))
    refused(run_cli("build", edited, "-o", tmp_path / "dist", code=1), "Qt binding pyside6")
    assert_nothing_in(tmp_path / "dist")



def _wheel_carrying(path: Path, module: str) -> Path:
    """A valid pure-Python wheel at ``path`` whose only package is ``module``."""
    import base64
    import hashlib
    import zipfile

    name, version = path.name.split("-")[:2]
    info = f"{name}-{version}.dist-info"
    files = [(f"{module}/__init__.py", b"# a Qt binding under another distribution's name\n"),
             (f"{info}/METADATA", f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n".encode()),
             (f"{info}/WHEEL", b"Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n")]
    record = "".join(f"{n},sha256={base64.urlsafe_b64encode(hashlib.sha256(d).digest()).rstrip(b'=').decode()},{len(d)}\n"
                     for n, d in files) + f"{info}/RECORD,,\n"
    with zipfile.ZipFile(path, "w") as zf:
        for n, d in [*files, (f"{info}/RECORD", record.encode())]:
            zf.writestr(n, d)
    return path


def test_qt_module_only_in_the_staged_tree_stops_build(sample_lock: Path, tmp_path: Path):
    """A vendored wheel whose name says nothing of Qt but which installs PySide6: neither the
    lock's names nor its run requirements show it, only the staged tree does."""
    wheelhouse = tmp_path / "wheelhouse"
    run_cli("fetch", sample_lock, "--wheelhouse", wheelhouse, "-q")
    wheel = _wheel_carrying(wheelhouse / "gui_helpers-1.0-py3-none-any.whl", "PySide6")
    data = json.loads(sample_lock.read_text())
    data["vendored"].append({"name": "gui-helpers", "version": "1.0", "file": wheel.name,
                             "url": f"https://example.invalid/{wheel.name}",
                             "sha256": hashlib.sha256(wheel.read_bytes()).hexdigest()})
    edited = tmp_path / "edited.json"
    edited.write_text(json.dumps(data))
    refused(run_cli("build", edited, "-o", tmp_path / "dist", "--wheelhouse", wheelhouse, code=1),
            "Qt binding PySide6", "staged in the vendor directory")
    assert_nothing_in(tmp_path / "dist")

def test_compiled_dependency_without_a_conda_forge_name(tmp_path: Path):
    bundle, config = core_setup(tmp_path, runtime={"PyYAML": "*"}, conda_names={})
    line = refused(run_cli("pin", bundle, "--config", config, "-o", tmp_path / "l.json", code=1),
                                 "pyyaml", "no conda-forge name")
    assert "'pyyaml: <conda-forge name>'" in line


# -- archives -------------------------------------------------------------------------------------
def _link(name: str, target: str, kind: bytes = tarfile.SYMTYPE) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type = kind
    info.linkname = target
    return info


@pytest.mark.parametrize("entry, problem", [
    (("/etc/evil.py", b"x"), "absolute path"),
    (("core-1.0.0/../../evil.py", b"x"), "'..' component"),
    (_link("core-1.0.0/client/ayon_core/link.py", "/etc/passwd"), "is a link"),
    (_link("core-1.0.0/client/ayon_core/hard.py", "core-1.0.0/package.py", tarfile.LNKTYPE), "is a link"),
])
def test_unsafe_addon_archive_is_refused(tmp_path: Path, isolated_cache: Path, entry, problem):
    src = make_addon(tmp_path / "src", "core", "1.0.0", "ayon_core")
    good = [(f"core-1.0.0/{p.relative_to(src).as_posix()}", p.read_bytes()) for p in sorted(src.rglob("*")) if p.is_file()]
    archive = tar_with(tmp_path / "core-1.0.0.tar.gz", good + [entry])
    config = make_config(tmp_path / "c.yaml", {"core": {"client_dir": "ayon_core", "source": {
        "path": archive.name, "strip": "core-{version}"}}})
    bundle = make_bundle(tmp_path / "b.json", {"core": "1.0.0"})
    refused(run_cli("pin", bundle, "--config", config, "-o", tmp_path / "l.json", code=1),
                          "core-1.0.0.tar.gz", problem, "the archive is unsafe")
    assert not (tmp_path / "l.json").exists()
    trees = isolated_cache / "trees"
    assert not trees.exists() or not any(p.name.startswith(".extract-") for p in trees.iterdir())  # nothing half-extracted


# -- output ---------------------------------------------------------------------------------------
def test_output_dir_that_is_a_file(sample_lock: Path, tmp_path: Path):
    blocker = tmp_path / "dist"
    blocker.write_text("I am a file")
    usage = run_cli("build", sample_lock, "-o", blocker, code=2)  # click checks this one itself
    assert "is a file" in usage.stderr
    refused(run_cli("build", sample_lock, "-o", blocker / "sub", code=1), "not a directory")
    assert blocker.read_text() == "I am a file"


def test_output_dir_that_cannot_be_written(sample_lock: Path):
    refused(run_cli("build", sample_lock, "-o", "/proc/ayon-conda-test", code=1), "/proc/ayon-conda-test", "cannot write")


def test_lock_path_that_cannot_be_written(tmp_path: Path):
    refused(run_cli("pin", SAMPLE_BUNDLE, "--config", SAMPLE_CONFIG, "-o", "/proc/ayon.lock.json", "--skip-run-check",
                    code=1),
                          "/proc/ayon.lock.json", "cannot write the lock")


def test_missing_lock(tmp_path: Path):
    refused(run_cli("build", tmp_path / "nope.json", "-o", tmp_path / "dist", code=1), "nope.json", "ayon-conda pin")
    assert_nothing_in(tmp_path / "dist")
