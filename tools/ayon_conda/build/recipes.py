"""``ayon-conda render``: the conda recipes of a lock, filled in, with everything they build from.

The templates live in ``recipe/``: ``recipe.yaml`` (rattler-build, recipe format v1),
``meta.yaml`` (conda-build) and the build scripts both run, ``build.sh`` and ``bld.bat``, which
call ``ayon-conda stage`` -- the staging code of the native backend (DESIGN decision 6). For a
package of a lock (``ayon-publish``, ``ayon-publish-core``: :mod:`ayon_conda.build.lock_packages`),
:func:`render` writes ``DIR/<name>-<version>-<build>/``::

    rattler-build/   recipe.yaml (context, run requirements, entry points, about, extra from
                     the lock), build.sh, bld.bat, ayon-publish.lock.json
    conda-build/     meta.yaml (the same values), build.sh, bld.bat, ayon-publish.lock.json
    payload/         the recipes' source ($SRC_DIR during the build): the lock the build
                     script reads and wheelhouse/ (every wheel and addon source, path sources
                     included, sha256-checked: what ayon-conda fetch writes)

The build tools copy the recipe directory into the package's ``info/recipe/``, which is why the
lock sits there too (as the native backend writes it) and why the payload does not.

Why a payload instead of letting the build script download: everything is fetched and checked
against the lock before the build tool starts, so the build script needs no network, no AYON
credentials and no cache from the caller's environment (rattler-build runs build scripts in a
clean environment), and a rendered directory can be built elsewhere, e.g. in a sandbox.

The templates are read and written with ruamel.yaml in round-trip mode, so their comments stay
in the rendered recipes. Values from the lock are refused when they contain Jinja markers: both
tools evaluate Jinja in recipes, and a bundle name from a server must not run as a template.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedSeq
from ruamel.yaml.error import YAMLError

from ayon_conda.build.build_lock import BuildOptions
from ayon_conda.build.conda_metadata import LOCK_IN_PACKAGE
from ayon_conda.build.lock_packages import Package
from ayon_conda.build.stage import ENTRY_POINT, inside
from ayon_conda.build.wheelhouse import fill_wheelhouse
from ayon_conda.errors import AyonCondaError
from ayon_conda.pin.lock import Lock

LOCK_FILE = PurePosixPath(LOCK_IN_PACKAGE).name  # ayon-publish.lock.json, also in build.sh/bld.bat
BUILD_SCRIPTS = ("build.sh", "bld.bat")
RATTLER_BUILD_DIR = "rattler-build"
CONDA_BUILD_DIR = "conda-build"
PAYLOAD_DIR = "payload"
PACKAGE_ENV = "AYON_PUBLISH_PACKAGE"  # which package of the lock the build script stages
_JINJA = re.compile(r"\{\{|\{%|\{#|\$\{\{")


def template_dir() -> Path:
    """``recipe/`` of this checkout: the templates sit beside the shipped ``ayon_publish``."""
    import ayon_publish

    return Path(ayon_publish.__file__).resolve().parent.parent


@dataclass(frozen=True)
class RecipeValues:
    """What the recipes take from one package of a lock."""

    name: str
    version: str
    build_number: int
    build_string: str
    run: tuple[str, ...]
    constrains: tuple[str, ...]
    entry_points: tuple[str, ...]
    license: str
    summary: str
    homepage: str
    extra: dict[str, Any]

    @classmethod
    def from_package(cls, package: Package) -> RecipeValues:
        lock, pin = package.lock, package.pin
        values = cls(
            name=pin.name,
            version=pin.version,
            build_number=pin.build_number,
            build_string=pin.build,
            run=tuple(package.run_requirements),
            constrains=tuple(package.constrains),
            entry_points=(ENTRY_POINT,),
            license=lock.package.license,
            summary=package.summary,
            homepage=lock.package.home,
            extra={
                "ayon_bundle": lock.bundle.get("name"),
                "pin_spec": pin.spec,
                "addon_set_sha256": pin.addon_hash,
            },
        )
        values._refuse_jinja(lock)
        return values

    def _refuse_jinja(self, lock: Lock) -> None:
        texts = [self.name, self.version, self.build_string, self.license, self.summary, self.homepage,
                 *self.run, *self.constrains, *self.entry_points, *(str(v) for v in self.extra.values())]
        for text in texts:
            if _JINJA.search(text):
                raise AyonCondaError(lock.path or "lock", f"the value '{text}' contains a Jinja marker",
                                     "recipes evaluate Jinja; rename the bundle or fix the component config and pin again")


@dataclass(frozen=True)
class RenderedRecipes:
    root: Path
    rattler_build: Path  # recipe.yaml
    conda_build: Path  # meta.yaml
    payload: Path
    payload_files: tuple[str, ...]

    def to_dict(self) -> dict:
        return {
            "dir": str(self.root),
            "rattler_build": str(self.rattler_build),
            "conda_build": str(self.conda_build),
            "payload": str(self.payload),
            "payload_files": list(self.payload_files),
        }


# -- YAML ----------------------------------------------------------------------------------------
def _yaml() -> YAML:
    yaml = YAML()  # round-trip: comments and key order survive
    yaml.preserve_quotes = True
    yaml.width = 4096
    yaml.indent(mapping=2, sequence=4, offset=2)
    return yaml


def load_template(name: str, templates: Path | None = None) -> Any:
    path = (templates or template_dir()) / name
    try:
        with open(path, encoding="utf-8") as fh:
            return _yaml().load(fh)
    except OSError as exc:
        raise AyonCondaError(path, f"cannot read the recipe template ({exc.strerror})", "restore it from the repository") from None
    except YAMLError as exc:
        raise AyonCondaError(path, f"not valid YAML ({str(exc).splitlines()[0]})", "fix the recipe template") from None


def _dump(doc: Any, path: Path) -> None:
    with open(path, "w", encoding="utf-8", newline="\n") as fh:
        _yaml().dump(doc, fh)


def _set_list(seq: Any, items: tuple[str, ...]) -> None:
    """Replace a sequence's items in place; its comments stay (the last item's moves along)."""
    trailing = seq.ca.items.pop(len(seq) - 1, None) if len(seq) else None
    seq[:] = list(items)
    seq.ca.items.clear()
    if trailing is not None and len(seq):
        seq.ca.items[len(seq) - 1] = trailing


def _set_after(mapping: Any, after: str, key: str, items: tuple[str, ...]) -> None:
    """Put the sequence ``key`` right after ``after`` in a mapping, only when it has items."""
    if items:
        mapping.insert(list(mapping).index(after) + 1, key, CommentedSeq(items))


def _context_ref(text: Any, context: dict) -> Any:
    """The value of a ``${{ var }}`` reference to a context variable (else the text itself)."""
    match = re.fullmatch(r"\$\{\{\s*(\w+)\s*\}\}", str(text).strip())
    return context.get(match.group(1)) if match else text


# -- filling the templates -----------------------------------------------------------------------
def fill_rattler_build(doc: Any, values: RecipeValues) -> Any:
    """Fill ``recipe.yaml``: the context, and the output whose package is ``values.name``."""
    context = doc["context"]
    context["name"] = values.name
    context["version"] = values.version
    context["build_number"] = values.build_number
    context["build_string"] = values.build_string
    outputs = [o for o in doc["outputs"] if _context_ref(o["package"]["name"], context) == values.name]
    if len(outputs) != 1:
        raise AyonCondaError("recipe.yaml", f"{len(outputs)} outputs are named '{values.name}'", "fix the recipe template")
    output = outputs[0]
    _set_list(output["requirements"]["run"], values.run)
    _set_after(output["requirements"], "run", "run_constraints", values.constrains)
    _set_list(output["build"]["python"]["entry_points"], values.entry_points)
    about = output["about"]
    about["homepage"], about["license"], about["summary"] = values.homepage, values.license, values.summary
    doc["extra"].update(values.extra)
    return doc


def fill_conda_build(doc: Any, values: RecipeValues) -> Any:
    """Fill ``meta.yaml`` (plain YAML: no Jinja, every value written out)."""
    doc["package"]["name"] = values.name
    doc["package"]["version"] = values.version
    build = doc["build"]
    build["number"] = values.build_number
    build["string"] = values.build_string
    _set_list(build["entry_points"], values.entry_points)
    build["script_env"] = [
        f"{PACKAGE_ENV}={values.name}" if str(item).startswith(f"{PACKAGE_ENV}=") else item for item in build["script_env"]
    ]
    _set_list(doc["requirements"]["run"], values.run)
    _set_after(doc["requirements"], "run", "run_constrained", values.constrains)
    about = doc["about"]
    about["home"], about["license"], about["summary"] = values.homepage, values.license, values.summary
    doc["extra"].update(values.extra)
    return doc


# -- the payload ---------------------------------------------------------------------------------
def write_payload(lock: Lock, payload: Path, options: BuildOptions) -> list[str]:
    """The recipes' source: the lock and a wheelhouse with every wheel and addon source of it."""
    files = [f"wheelhouse/{f}" for f in fill_wheelhouse(
        lock, payload / "wheelhouse", options.progress, server=options.server,
        wheelhouse=options.wheelhouse, offline=options.offline, cache=options.cache)]
    lock.write(payload / LOCK_FILE)
    files.append(LOCK_FILE)
    return files


# -- render --------------------------------------------------------------------------------------
def _write_recipe_dir(directory: Path, recipe_name: str, doc: Any, lock: Lock, templates: Path) -> Path:
    directory.mkdir(parents=True)
    _dump(doc, directory / recipe_name)
    for script in BUILD_SCRIPTS:
        shutil.copy2(templates / script, directory / script)
    (directory / LOCK_FILE).write_text(lock.dumps(), encoding="utf-8")  # as info/recipe/ of native
    return directory / recipe_name


def render(package: Package, output_dir: Path, options: BuildOptions, templates: Path | None = None) -> RenderedRecipes:
    """Write the recipes of one package of a lock and their payload to ``output_dir/<stem>/``.

    The directory is assembled under a temporary name and renamed into place when complete
    (replacing an earlier rendering of the same lock), so a failure leaves nothing behind.
    """
    templates = templates or template_dir()
    lock, pin = package.lock, package.pin
    values = RecipeValues.from_package(package)
    rattler_doc = fill_rattler_build(load_template("recipe.yaml", templates), values)
    conda_doc = fill_conda_build(load_template("meta.yaml", templates), values)
    output_dir = Path(output_dir)
    final = inside(output_dir, pin.stem, origin=str(lock.path or "lock"))
    progress = options.progress
    created = not output_dir.exists()
    try:
        output_dir.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{pin.stem}.", suffix=".partial", dir=output_dir))
    except OSError as exc:
        raise AyonCondaError(output_dir, f"cannot write there ({exc.strerror})", "choose a writable --output-dir") from None
    try:
        progress.step(f"Payload: the wheels and addon sources of {pin.filename}")
        payload_files = write_payload(lock, tmp / PAYLOAD_DIR, options)
        progress.step("Recipes: rattler-build (recipe.yaml) and conda-build (meta.yaml)")
        _write_recipe_dir(tmp / RATTLER_BUILD_DIR, "recipe.yaml", rattler_doc, lock, templates)
        _write_recipe_dir(tmp / CONDA_BUILD_DIR, "meta.yaml", conda_doc, lock, templates)
        if final.exists():
            shutil.rmtree(final)
        os.replace(tmp, final)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        if created and not any(output_dir.iterdir()):
            output_dir.rmdir()
        raise
    progress.step(f"Wrote {final}")
    return RenderedRecipes(
        root=final,
        rattler_build=final / RATTLER_BUILD_DIR / "recipe.yaml",
        conda_build=final / CONDA_BUILD_DIR / "meta.yaml",
        payload=final / PAYLOAD_DIR,
        payload_files=tuple(payload_files),
    )
