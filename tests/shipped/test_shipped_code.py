"""The code that ships inside the packages (recipe/ayon_publish): Python 3.9, no pipeline imports."""

from __future__ import annotations

import ast
import subprocess
import sys

import pytest
from conftest import REPO
from support.vermin import python_3_9_violations

SHIPPED = REPO / "recipe" / "ayon_publish"


def test_shipped_code_runs_on_python_3_9():
    assert python_3_9_violations(SHIPPED) == ""


@pytest.mark.parametrize("path", sorted(SHIPPED.glob("*.py")), ids=lambda p: p.name)
def test_shipped_code_imports_nothing_from_the_pipeline(path):
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names = [a.name for a in node.names] if isinstance(node, ast.Import) else (
            [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
        assert not any(n.split(".")[0] == "ayon_conda" for n in names), (path.name, names)


def test_the_sync_module_is_light_to_import():
    """A warm activation must not pay for boto3 or the archive code."""
    code = ("import sys, ayon_publish.addon_sync; "
            "print(sorted(m for m in ('boto3', 'botocore', 'zipfile', 'tarfile') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


@pytest.mark.parametrize("package", ["full", "core"])
def test_each_package_ships_every_module_its_modules_import(package: str):
    """A shipped module importing one the package does not carry fails only on a worker."""
    from ayon_conda.build.lock_packages import BOOTSTRAP_MODULES, SYNC_MODULES

    shipped = set(BOOTSTRAP_MODULES) | (set(SYNC_MODULES) if package == "core" else set())
    for name in sorted(shipped):
        for node in ast.walk(ast.parse((SHIPPED / name).read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module == "ayon_publish":
                imported = {f"{a.name}.py" for a in node.names}
            elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("ayon_publish."):
                imported = {f"{node.module.split('.')[1]}.py"}
            else:
                continue
            in_try = name == "bootstrap.py" and imported <= set(SYNC_MODULES)  # sync_refusal: core package only
            assert imported <= shipped or in_try, (package, name, sorted(imported - shipped))
