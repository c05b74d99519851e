"""An addon's client dependencies, read from ``client/pyproject.toml`` as AYON reads them.

Three tables hold them, as in ynput's addons (ayon-core's is the model):

* ``[project] dependencies``: PEP 508 strings;
* ``[tool.poetry.dependencies]``: Poetry constraints (``"^3.4.1"``, ``"~1.2"``, ``"1.6.*"``,
  ``"9.5.0"``, ``"*"``), or tables ``{version = "...", markers = "...", platform = "..."}``;
* ``[ayon.runtimeDependencies]``: the same, plus what ynput's dependency tool reads there: a
  per-platform table ``Name = {linux = "1.0", windows = "1.1"}`` (the platform's entry wins,
  ``version`` inside it too) and a platform sub-table ``[ayon.runtimeDependencies.darwin]``
  (ayon-core 1.9's ``pyobjc-core``) whose entries apply on that platform only.

AYON's platform names (``windows``, ``linux``, ``darwin``) become environment markers on
``sys_platform``, so the one universal resolution (:mod:`ayon_conda.pin.python_deps`, for the
platforms the package serves) keeps exactly what applies to Linux and Windows workers; every
requirement and the platforms it applies to are recorded in the lock. A dependency the package
cannot take from PyPI (``git``, ``path``, ``url``) is an error naming the file, the table and
what to write instead, unless the component config excludes it: exclusions apply here, before
anything is judged, so that advice works.

Poetry's own constraint parser (poetry-core) turns constraints into PEP 508, so they mean
exactly what they mean to Poetry.
"""

from __future__ import annotations

import tomllib
from collections.abc import Collection, Mapping
from pathlib import Path
from typing import Any

from packaging.requirements import InvalidRequirement
from packaging.requirements import Requirement as PepRequirement

from ayon_conda.errors import AyonCondaError
from ayon_conda.pin.component_config import normalize_name
from ayon_conda.pin.lock import PLATFORMS, Requirement

TABLES = ("[project] dependencies", "[tool.poetry.dependencies]", "[ayon.runtimeDependencies]")
_SOURCE_KEYS = ("git", "path", "url", "file")


def _platform_marker(platform: str) -> str:
    return f"sys_platform == '{PLATFORMS[platform]}'"


def _and(*markers: str | None) -> str:
    parts = [m for m in markers if m]
    return " and ".join(f"({m})" if len(parts) > 1 else m for m in parts)


class _Reader:
    """Turns one table's entries into requirements; knows the file for its errors."""

    def __init__(self, path: Path, origin: str, exclude: Collection[str]) -> None:
        self.path = path
        self.origin = origin
        self.exclude = exclude

    def fail(self, table: str, name: str, problem: str, fix: str) -> AyonCondaError:
        return AyonCondaError(self.path, f"{table} '{name}' {problem}", fix)

    def constraint(self, table: str, name: str, value: Any, marker: str | None = None) -> list[Requirement]:
        """Requirements for ``name = value`` in ``table``, under ``marker``."""
        from poetry.core.packages.dependency import Dependency  # only pin reads pyproject files

        exclude_fix = (f"write {name} = \"<version constraint>\" (a PyPI version), or leave it out of the "
                       f"package with 'exclude: {{{name}: <why>}}' in the component config")
        if isinstance(value, Mapping):
            platform_keys = [k for k in value if k in PLATFORMS]
            if platform_keys and table.startswith("[ayon.runtimeDependencies"):
                if len(platform_keys) != len(value):
                    raise self.fail(table, name, f"mixes platform keys with others ({', '.join(map(str, value))})",
                                    f"write {name} = {{linux = \"...\", windows = \"...\"}} with platform keys only")
                found = []
                for platform in sorted(platform_keys):
                    found += self.constraint(table, name, value[platform], _and(marker, _platform_marker(platform)))
                return found
            source = next((k for k in _SOURCE_KEYS if k in value), None)
            if source is not None or "version" not in value:
                what = f"is a {source} source" if source else f"has no version ({dict(value)})"
                raise self.fail(table, name, f"{what}, not a PyPI version", exclude_fix)
            extra = []
            if value.get("markers"):
                extra.append(str(value["markers"]))
            if value.get("platform"):  # Poetry's platform key is a sys_platform value
                extra.append(f"sys_platform == '{value['platform']}'")
            if value.get("python"):
                python = Dependency("python", str(value["python"])).to_pep_508().removeprefix("python")
                extra += [f"python_version {c.strip()}" for c in python.split(",") if c.strip()]
            return self.constraint(table, name, str(value["version"]), _and(marker, *extra))
        if not isinstance(value, str):
            raise self.fail(table, name, f"is not a version constraint ({value!r})", exclude_fix)
        try:
            text = Dependency(name, value).to_pep_508()
        except ValueError as exc:
            raise self.fail(table, name, f"has a constraint Poetry cannot read ('{value}': {exc})", exclude_fix) from None
        return [Requirement(f"{text} ; {marker}" if marker else text, f"{self.origin} (client/pyproject.toml {table})")]

    def table(self, table: str, entries: Any, *, platform_tables: bool) -> list[Requirement]:
        if not isinstance(entries, Mapping):
            raise AyonCondaError(self.path, f"{table} is not a table", f"write it as {table} with name = \"constraint\" lines")
        found = []
        for name, value in entries.items():
            if platform_tables and name in PLATFORMS and isinstance(value, Mapping):
                sub = f"{table[:-1]}.{name}]"
                for dep, constraint in value.items():
                    if normalize_name(dep) not in self.exclude:
                        found += self.constraint(sub, dep, constraint, _platform_marker(name))
                continue
            if name.lower() == "python" or normalize_name(name) in self.exclude:
                continue
            found += self.constraint(table, name, value)
        return found


def client_requirements(root: Path, origin: str, exclude: Collection[str] = ()) -> list[Requirement]:
    """The requirements of the addon at ``root`` (``client/pyproject.toml``; none without one).

    ``origin`` names the addon (``addon core 1.9.5``) in each requirement's origin; ``exclude``
    holds the normalized names the component config leaves out, which are skipped unread.
    """
    path = root / "client" / "pyproject.toml"
    if not path.is_file():
        return []
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise AyonCondaError(path, f"not valid TOML ({exc})", "fix the addon's client/pyproject.toml") from None
    reader = _Reader(path, origin, exclude)
    found = []
    for text in data.get("project", {}).get("dependencies", []):
        try:
            name = normalize_name(PepRequirement(str(text)).name)
        except InvalidRequirement as exc:
            raise AyonCondaError(path, f"{TABLES[0]} has an invalid requirement '{text}' ({exc})",
                                 "write it as PEP 508, e.g. \"click>=8,<9\"") from None
        if name not in exclude:
            found.append(Requirement(str(text), f"{origin} (client/pyproject.toml {TABLES[0]})"))
    poetry = data.get("tool", {}).get("poetry", {}).get("dependencies")
    if poetry is not None:
        found += reader.table(TABLES[1], poetry, platform_tables=False)
    runtime = data.get("ayon", {}).get("runtimeDependencies")
    if runtime is not None:
        found += reader.table(TABLES[2], runtime, platform_tables=True)
    return found
