"""What an AYON addon's source tree says about itself.

An addon tree has AYON's layout: ``package.py`` (name, version, client_dir and the compatible
server and launcher ranges) and ``client/`` holding the client package ``client/<client_dir>``
and ``client/pyproject.toml`` with its Python dependencies (read by
:mod:`ayon_conda.pin.client_pyproject`). ``package.py`` is read with ``ast`` and never executed:
only plain literal assignments are taken.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ayon_conda.errors import AyonCondaError


@dataclass(frozen=True)
class AddonMeta:
    """The fields of ``package.py`` that the package records (absent ones are None)."""

    name: str | None
    version: str | None
    client_dir: str | None
    ayon_server_version: str | None
    ayon_launcher_version: str | None


def read_package_py(root: Path) -> dict[str, Any]:
    """Literal top-level assignments of ``root/package.py`` ({} when there is none)."""
    path = root / "package.py"
    if not path.is_file():
        return {}
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    except SyntaxError as exc:
        raise AyonCondaError(path, f"not valid Python (line {exc.lineno})", "fix the addon's package.py") from None
    values: dict[str, Any] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            try:
                values[node.targets[0].id] = ast.literal_eval(node.value)
            except ValueError:
                continue  # computed values are not ours to evaluate
    return values


def addon_meta(root: Path) -> AddonMeta:
    values = read_package_py(root)

    def text(key: str) -> str | None:
        value = values.get(key)
        return str(value) if value is not None else None

    return AddonMeta(
        name=text("name"),
        version=text("version"),
        client_dir=text("client_dir"),
        ayon_server_version=text("ayon_server_version"),
        ayon_launcher_version=text("ayon_launcher_version"),
    )


def client_package_dir(root: Path, client_dir: str, origin: str) -> Path:
    """``client/<client_dir>`` of an addon tree, which must exist."""
    path = root / "client" / client_dir
    if not path.is_dir():
        raise AyonCondaError(
            origin,
            f"has no client/{client_dir} directory",
            "check client_dir in the component config and that the source is the addon's repository",
        )
    return path


def find_client_dir(root: Path, origin: str) -> str:
    """The client package of an addon tree whose config does not name it: the one directory in
    ``client/`` with an ``__init__.py`` (an AYON server's ``client.zip`` holds just that)."""
    client = root / "client"
    found = sorted(p.name for p in client.iterdir() if (p / "__init__.py").is_file()) if client.is_dir() else []
    if len(found) != 1:
        what = f"{len(found)} client packages ({', '.join(found)})" if found else "no client package"
        raise AyonCondaError(origin, f"has {what} in client/", "add the addon to the component config with its client_dir")
    return found[0]


def check_version(root: Path, version: str, origin: str) -> None:
    """Refuse an addon tree whose ``package.py`` names another version than the bundle's."""
    meta = addon_meta(root)
    if meta.version is not None and meta.version != version:
        raise AyonCondaError(
            origin, f"its source holds version {meta.version} (package.py)",
            "fix the source location in the component config so it points at this version",
        )
