"""The layout shows the flow: one subpackage per step, imports pointing one way, no near-twin names."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from conftest import REPO

PIPELINE = REPO / "tools" / "ayon_conda"
SUBMIT = REPO / "submit" / "ayon_publish_submit"
SHIPPED = REPO / "recipe" / "ayon_publish"
MODULES = sorted([*PIPELINE.rglob("*.py"), *SUBMIT.rglob("*.py"), *SHIPPED.rglob("*.py")])

#: package (dotted prefix) -> packages it must never import
FORBIDDEN = {
    "ayon_publish_submit": ("ayon_conda", "ayon_publish."),
    "ayon_publish.": ("ayon_conda", "ayon_publish_submit"),
    "ayon_conda.channel": ("ayon_conda.pin", "ayon_conda.build"),
    "ayon_conda.pin": ("ayon_conda.build", "ayon_conda.channel"),
    "ayon_conda.build": ("ayon_conda.channel",),
}


def module_name(path: Path) -> str:
    root = {PIPELINE: "ayon_conda", SUBMIT: "ayon_publish_submit", SHIPPED: "ayon_publish"}
    for base, name in root.items():
        if path.is_relative_to(base):
            parts = [name, *path.relative_to(base).with_suffix("").parts]
            return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
    raise AssertionError(path)


def imported(path: Path) -> set[str]:
    """Absolute names of every module ``path`` imports (relative imports resolved)."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package.split(".")[: len(package.split(".")) - node.level + 1] if node.level else []
            found.add(".".join([*base, node.module] if node.module else base))
    return found


@pytest.mark.parametrize("path", MODULES, ids=lambda p: module_name(p))
def test_imports_point_one_way(path: Path):
    name = module_name(path)
    for owner, banned in FORBIDDEN.items():
        if name == owner.rstrip(".") or name.startswith(owner.rstrip(".") + "."):
            bad = sorted(m for m in imported(path) for b in banned if m == b.rstrip(".") or m.startswith(b.rstrip(".") + "."))
            assert not bad, f"{name} imports {bad}"


@pytest.mark.parametrize("path", MODULES, ids=lambda p: module_name(p))
def test_every_module_says_what_it_is_for(path: Path):
    doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8")))
    assert doc and doc.splitlines()[0].strip(), f"{module_name(path)} has no one-line docstring"


def test_no_two_modules_differ_only_by_a_suffix():
    stems = sorted({p.stem for p in MODULES if p.stem != "__init__"} | {p.parent.name for p in MODULES})

    def root(stem: str) -> str:
        return re.sub(r"(ing|s)$", "", stem)

    seen: dict[str, str] = {}
    for stem in stems:
        assert root(stem) not in seen or seen[root(stem)] == stem, f"{seen[root(stem)]!r} and {stem!r}"
        seen[root(stem)] = stem
