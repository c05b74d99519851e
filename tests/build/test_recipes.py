"""``ayon-conda render``: the rattler-build and conda-build recipes of a lock, and what they build from.

The recipes' build script is run here for real (bash, with the variables the tools set), and
must stage exactly the files of the native package: the staging code is shared.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest
from ayon_conda.build.backends.external_tool import ayon_conda_launcher
from ayon_conda.build.conda_metadata import link_json
from ayon_conda.build.lock_packages import packages
from ayon_conda.build.recipes import BUILD_SCRIPTS, LOCK_FILE, template_dir
from ayon_conda.pin.addon_sources import wheelhouse_name
from ayon_conda.pin.lock import CondaRequirement, Lock
from ayon_conda.pin.source_archives import tree_sha256
from conftest import REPO, SHARED, error_line, json_out, run_cli
from ruamel.yaml import YAML
from support.conda_packages import read_info

pytestmark = pytest.mark.network

RECIPE_SCHEMA = SHARED / "schemas" / "recipe-v1.schema.json"
needs_schema = pytest.mark.skipif(not RECIPE_SCHEMA.is_file(), reason="../shared/schemas is not beside the checkout")


def load_yaml(path: Path):
    return YAML(typ="safe").load(path.read_text(encoding="utf-8"))


def validate_recipe(path: Path) -> None:
    import jsonschema

    schema = json.loads(RECIPE_SCHEMA.read_text())
    jsonschema.Draft202012Validator(schema).validate(load_yaml(path))


def render(lock: Path, out: Path, *args: str | Path) -> dict:
    """``ayon-conda render --json``; every recipe.yaml it writes is validated against the schema."""
    rendered = json_out(run_cli("render", lock, "-o", out, "--json", *args))
    assert [Path(p["dir"]).name for p in rendered["packages"]] == [p.pin.stem for p in packages(Lock.load(lock))]
    if RECIPE_SCHEMA.is_file():
        for recipes in rendered["packages"]:
            validate_recipe(Path(recipes["rattler_build"]))
    return rendered


@pytest.fixture(scope="module")
def rendered(sample_lock: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:
    return render(sample_lock, tmp_path_factory.mktemp("rendered"))


def tree_sha256s(root: Path, prefix: str = "") -> dict[str, str]:
    found = {}
    for dirpath, _, names in os.walk(root):
        for name in names:
            path = Path(dirpath, name)
            found[prefix + path.relative_to(root).as_posix()] = hashlib.sha256(path.read_bytes()).hexdigest()
    return found


def native_payload(package: Path) -> dict[str, str]:
    paths = json.loads(read_info(package)["info/paths.json"])["paths"]
    return {p["_path"]: p["sha256"] for p in paths}


# -- the templates and the rendered recipes ------------------------------------------------------
@needs_schema
def test_the_rattler_build_template_is_a_valid_v1_recipe():
    validate_recipe(template_dir() / "recipe.yaml")
    assert template_dir() == REPO / "recipe"


def rebuild_with_compiled_deps(sample_lock: Path) -> Path:
    """The sample lock as a rebuild (build number 2) with two compiled run requirements."""
    lock = Lock.load(sample_lock)
    compiled = (CondaRequirement("Pillow", "10.4.0", "pillow"), CondaRequirement("OpenTimelineIO", "0.17.0", "opentimelineio"))
    other = replace(lock, package=replace(lock.package, build_number=2), conda_requirements=compiled)
    # beside the sample lock: its path sources are relative to the lock's directory
    return other.write(sample_lock.with_name("rebuild-compiled.lock.json"))


@needs_schema
def test_every_rendered_recipe_is_a_valid_v1_recipe(rendered, sample_lock: Path, tmp_path: Path):
    validate_recipe(Path(rendered["rattler_build"]))
    other_lock = rebuild_with_compiled_deps(sample_lock)
    other = render(other_lock, tmp_path / "out")
    validate_recipe(Path(other["rattler_build"]))
    [output] = load_yaml(Path(other["rattler_build"]))["outputs"]
    assert output["requirements"]["run"] == ["python >=3.9", "opentimelineio ==0.17.0", "pillow ==10.4.0"]
    assert load_yaml(Path(other["rattler_build"]))["context"]["build_string"].endswith("_2")


def test_run_requirements_are_written_as_rattler_writes_match_specs(sample_lock: Path):
    """rattler-build writes index.json depends as rattler's MatchSpec text: the lock's must be that text."""
    from rattler import MatchSpec

    for lock_path in (sample_lock, rebuild_with_compiled_deps(sample_lock)):
        for spec in Lock.load(lock_path).run_requirements:
            assert str(MatchSpec(spec)) == spec


def test_rendered_rattler_build_recipe_carries_the_lock(rendered, sample_lock: Path):
    lock = Lock.load(sample_lock)
    recipe = load_yaml(Path(rendered["rattler_build"]))
    context = recipe["context"]
    assert (context["name"], context["version"]) == (lock.pin.name, lock.pin.version)
    assert (context["build_number"], context["build_string"]) == (lock.pin.build_number, lock.pin.build)
    [output] = recipe["outputs"]
    assert output["package"] == {"name": "${{ name }}", "version": "${{ version }}"}
    build = output["build"]
    assert (build["string"], build["number"], build["noarch"]) == ("${{ build_string }}", "${{ build_number }}", "python")
    assert build["python"]["entry_points"] == link_json()["noarch"]["entry_points"]
    assert output["requirements"]["run"] == lock.run_requirements
    assert output["about"]["license"] == lock.package.license
    assert recipe["source"] == {"path": "../payload", "use_gitignore": False}
    assert recipe["extra"]["pin_spec"] == lock.pin.spec


def test_rendered_conda_build_recipe_carries_the_lock(rendered, sample_lock: Path):
    lock = Lock.load(sample_lock)
    meta = load_yaml(Path(rendered["conda_build"]))
    assert meta["package"] == {"name": lock.pin.name, "version": lock.pin.version}
    assert (meta["build"]["string"], meta["build"]["number"], meta["build"]["noarch"]) == (lock.pin.build, lock.pin.build_number, "python")
    assert meta["build"]["entry_points"] == link_json()["noarch"]["entry_points"]
    assert meta["requirements"]["run"] == lock.run_requirements
    assert meta["source"] == {"path": "../payload"}
    text = Path(rendered["conda_build"]).read_text()
    assert "{{" not in text and "{%" not in text  # conda-build runs Jinja over meta.yaml


def test_rendering_keeps_the_templates_comments(rendered):
    for key, template in (("rattler_build", "recipe.yaml"), ("conda_build", "meta.yaml")):
        text = Path(rendered[key]).read_text()
        for line in (template_dir() / template).read_text().splitlines():
            if line.lstrip().startswith("#"):
                assert line in text, f"{template}: lost comment {line!r}"


def test_recipe_dirs_hold_the_build_scripts_and_the_lock_as_the_native_package_does(rendered, sample_lock: Path, sample_package: Path):
    in_native = read_info(sample_package)["info/recipe/" + LOCK_FILE]
    for key in ("rattler_build", "conda_build"):
        recipe_dir = Path(rendered[key]).parent
        assert (recipe_dir / LOCK_FILE).read_bytes() == in_native == sample_lock.read_bytes()
        for script in BUILD_SCRIPTS:
            assert (recipe_dir / script).read_bytes() == (template_dir() / script).read_bytes()
        assert os.access(recipe_dir / "build.sh", os.X_OK)
    assert b"\r\n" in (template_dir() / "bld.bat").read_bytes()  # cmd.exe scripts keep CRLF


def test_payload_holds_every_wheel_and_source_checked_against_the_lock(rendered, sample_lock: Path):
    payload = Path(rendered["payload"])
    lock = Lock.load(sample_lock)
    assert (payload / LOCK_FILE).read_bytes() == sample_lock.read_bytes()  # locks do not depend on where they are
    for dist in lock.vendored:
        wheel = payload / "wheelhouse" / dist.file
        assert hashlib.sha256(wheel.read_bytes()).hexdigest() == dist.sha256
    for addon in lock.addons:  # the sample's addons are local path sources: copied in, same tree hash
        copy = payload / "wheelhouse" / wheelhouse_name(addon.name, addon.version, addon.source.location)
        assert tree_sha256(copy, "copy") == addon.source.sha256
    assert len(rendered["payload_files"]) == len(lock.vendored) + len(lock.addons) + 1


# -- the build script is the native backend's staging --------------------------------------------
@pytest.fixture(scope="module")
def natives(sample_package: Path, sample_core_package: Path) -> dict[str, Path]:
    return {"ayon-publish": sample_package, "ayon-publish-core": sample_core_package}


def _build_env(tmp_path: Path, recipes: dict, recipe_key: str, package: str) -> tuple[dict[str, str], Path]:
    """What the tool provides to the build script: its work dir with the payload, PREFIX, SP_DIR,
    RECIPE_DIR, and the package name the recipe sets."""
    src = tmp_path / "work"
    shutil.copytree(recipes["payload"], src)
    prefix = tmp_path / "prefix"
    sp_dir = prefix / "lib" / "site-packages"
    sp_dir.mkdir(parents=True)
    env = {
        "PATH": "/usr/bin:/bin",  # the caller's environment is gone: AYON_CONDA is how ayon-conda is found
        "HOME": str(tmp_path / "home"),
        "SRC_DIR": str(src),
        "PREFIX": str(prefix),
        "SP_DIR": str(sp_dir),
        "RECIPE_DIR": str(Path(recipes[recipe_key]).parent),
        "AYON_CONDA": ayon_conda_launcher(),
        "AYON_PUBLISH_PACKAGE": package,
    }
    return env, prefix


def staged_payload(prefix: Path) -> dict[str, str]:
    """The staged files as a noarch python package names them (site-packages/ moved up)."""
    staged = tree_sha256s(prefix / "lib" / "site-packages", "site-packages/")
    if (prefix / "etc").is_dir():
        staged.update(tree_sha256s(prefix / "etc", "etc/"))
    return staged


@pytest.mark.parametrize("index", [0, 1], ids=["ayon-publish", "ayon-publish-core"])
def test_conda_build_script_stages_exactly_the_native_payload(rendered, natives, tmp_path: Path, index: int):
    recipes = rendered["packages"][index]
    meta = load_yaml(Path(recipes["conda_build"]))
    package = meta["package"]["name"]
    assert f"AYON_PUBLISH_PACKAGE={package}" in meta["build"]["script_env"]
    env, prefix = _build_env(tmp_path, recipes, "conda_build", package)
    subprocess.run(["bash", str(Path(env["RECIPE_DIR"]) / "build.sh")], env=env, check=True, capture_output=True)
    assert staged_payload(prefix) == native_payload(natives[package])


@pytest.mark.parametrize("index", [0, 1], ids=["ayon-publish", "ayon-publish-core"])
def test_rattler_build_script_stages_exactly_the_native_payload(rendered, natives, tmp_path: Path, index: int):
    recipes = rendered["packages"][index]
    recipe = load_yaml(Path(recipes["rattler_build"]))
    [output] = recipe["outputs"]
    script = output["build"]["script"]
    assert script["env"]["AYON_CONDA"] == '${{ env.get("AYON_CONDA", default="ayon-conda") }}'
    assert script["env"]["AYON_PUBLISH_PACKAGE"] == "${{ name }}"
    package = recipe["context"]["name"]
    env, prefix = _build_env(tmp_path, recipes, "rattler_build", package)
    [branch] = script["content"]
    assert branch["if"] == "unix"
    subprocess.run(["bash", "-euo", "pipefail", "-c", branch["then"]], env=env, check=True, capture_output=True)
    assert staged_payload(prefix) == native_payload(natives[package])
    assert "%RECIPE_DIR%\\bld.bat" in branch["else"]


def test_core_recipe_carries_its_own_pin_and_constraint(rendered, sample_lock: Path):
    core = packages(Lock.load(sample_lock))[1]
    recipes = rendered["packages"][1]
    recipe = load_yaml(Path(recipes["rattler_build"]))
    [output] = recipe["outputs"]
    assert (recipe["context"]["name"], recipe["context"]["build_string"]) == (core.name, core.pin.build)
    assert output["requirements"]["run"] == core.run_requirements and "boto3 >=1.28" in core.run_requirements
    assert output["requirements"]["run_constraints"] == list(core.constrains)
    meta = load_yaml(Path(recipes["conda_build"]))
    assert meta["requirements"]["run_constrained"] == list(core.constrains)
    assert "run_constraints" not in load_yaml(Path(rendered["rattler_build"]))["outputs"][0]["requirements"]


def test_windows_build_script_runs_the_same_stage_command():
    def stage_args(text: str) -> list[str]:
        lines = [line for line in text.replace("\\\n", " ").splitlines() if not line.startswith(("#", "rem "))]
        line = next(line for line in lines if " stage " in line)
        line = re.sub(r"%(\w+)%", r"$\1", line).replace("${AYON_CONDA:-ayon-conda}", "$AYON_CONDA")
        return [w.strip('"').replace("\\", "/") for w in line.split()]

    unix = stage_args((template_dir() / "build.sh").read_text())
    windows = stage_args((template_dir() / "bld.bat").read_text())
    assert unix == windows
    assert "--offline" in unix and f"$SRC_DIR/{LOCK_FILE}" in unix


# -- bad input ----------------------------------------------------------------------------------
@pytest.mark.parametrize("field, value, needle", [
    ("bundle.name", '${{ env.get("AWS_SECRET_ACCESS_KEY") }}', "bundle name '${{ env.get"),  # not a bundle name
    ("package.summary", '${{ env.get("AWS_SECRET_ACCESS_KEY") }}', "contains a Jinja marker"),  # free text
])
def test_jinja_from_the_lock_is_refused_before_anything_is_written(field: str, value: str, needle: str,
                                                                  sample_lock: Path, tmp_path: Path):
    data = json.loads(sample_lock.read_text())
    part, key = field.split(".")
    data[part][key] = value
    bad = tmp_path / "bad.lock.json"
    bad.write_text(json.dumps(data))
    out = tmp_path / "out"
    line = error_line(run_cli("render", bad, "-o", out, code=1))
    assert needle in line and str(bad) in line
    assert not out.exists()


def test_render_of_a_missing_lock_writes_nothing(tmp_path: Path):
    out = tmp_path / "out"
    line = error_line(run_cli("render", tmp_path / "nope.lock.json", "-o", out, code=1))
    assert "no such lock file" in line
    assert not out.exists()


def test_render_replaces_an_earlier_rendering_and_leaves_no_partial_dirs(sample_lock: Path, tmp_path: Path):
    first = render(sample_lock, tmp_path)
    stale = Path(first["payload"]) / "stale-file"
    stale.write_text("left from an earlier rendering")
    second = render(sample_lock, tmp_path)
    assert second["dir"] == first["dir"] and not stale.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(Path(r["dir"]).name for r in first["packages"])


def test_render_offline_with_an_empty_wheelhouse_fails_cleanly(sample_lock: Path, tmp_path: Path, monkeypatch):
    monkeypatch.setenv("AYON_CONDA_CACHE_DIR", str(tmp_path / "empty-cache"))
    (tmp_path / "wheels").mkdir()
    out = tmp_path / "out"
    line = error_line(run_cli("render", sample_lock, "-o", out, "--offline", "--wheelhouse", tmp_path / "wheels", code=1))
    assert "--offline" in line
    assert not out.exists()
