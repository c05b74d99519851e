"""Builders of small test inputs: addon trees, component configs, bundles, archives."""

from __future__ import annotations

import io
import json
import tarfile
from pathlib import Path

from ruamel.yaml import YAML

REPO = Path(__file__).resolve().parents[2]


def make_addon(root: Path, name: str, version: str, client_dir: str, *, deps: dict[str, str] | None = None,
               runtime: dict[str, str] | None = None, server_range: str = ">=1.8.4,<2.0.0") -> Path:
    """An addon tree with AYON's layout: package.py, client/pyproject.toml, client/<client_dir>."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "package.py").write_text(
        f'name = "{name}"\nversion = "{version}"\nclient_dir = "{client_dir}"\n'
        f'ayon_server_version = "{server_range}"\nayon_launcher_version = ">=1.5.4"\n'
    )
    pkg = root / "client" / client_dir
    pkg.mkdir(parents=True, exist_ok=True)
    (pkg / "__init__.py").write_text(f'__version__ = "{version}"\n')
    lines = [f'[project]\nname = "{name}"\n', "[tool.poetry.dependencies]", 'python = ">=3.9"']
    lines += [f'"{k}" = "{v}"' for k, v in (deps or {}).items()]
    lines += ["", "[ayon.runtimeDependencies]"] + [f'"{k}" = "{v}"' for k, v in (runtime or {}).items()]
    (root / "client" / "pyproject.toml").write_text("\n".join(lines) + "\n")
    return root


def make_config(path: Path, addons: dict[str, dict], *, bake: list[str] | None = None,
                requirements: list[str] | None = None, exclude: dict[str, str] | None = None,
                conda_names: dict[str, str] | None = None) -> Path:
    """A component config; ``addons`` maps name -> {client_dir, source: {...}}."""
    names_file = path.with_name(path.stem + "-names.yaml")
    YAML().dump(conda_names or {}, names_file)
    data = {
        "package": {"name": "ayon-publish", "python": ">=3.9", "license": "Apache-2.0", "summary": "test"},
        "bake": bake or list(addons),
        "addons": addons,
        "requirements": requirements if requirements is not None else ["pyblish-base"],
        "exclude": exclude or {},
        "conda_names": names_file.name,
    }
    YAML().dump(data, path)
    return path


def make_bundle(path: Path, addons: dict[str, str], name: str = "test-bundle") -> Path:
    path.write_text(json.dumps({
        "name": name, "createdAt": "2026-10-01T09:30:00+00:00", "installerVersion": "1.5.4",
        "addons": addons, "dependencyPackages": {}, "isProduction": True, "isStaging": False,
        "isDev": False, "isArchived": False,
    }))
    return path


def core_setup(tmp: Path, *, deps: dict[str, str] | None = None, runtime: dict[str, str] | None = None,
               conda_names: dict[str, str] | None = None, exclude: dict[str, str] | None = None) -> tuple[Path, Path]:
    """A bundle baking only a minimal core addon (path source) and its config."""
    make_addon(tmp / "core-src", "core", "1.0.0", "ayon_core", deps=deps, runtime=runtime)
    config = make_config(
        tmp / "components.yaml",
        {"core": {"client_dir": "ayon_core", "source": {"path": "core-src"}}},
        conda_names=conda_names, exclude=exclude,
    )
    return make_bundle(tmp / "bundle.json", {"core": "1.0.0"}), config


def tar_with(path: Path, entries: list[tarfile.TarInfo | tuple[str, bytes]]) -> Path:
    """A .tar.gz with the given entries (TarInfo for links, (name, data) for files)."""
    with tarfile.open(path, "w:gz") as tar:
        for entry in entries:
            if isinstance(entry, tarfile.TarInfo):
                tar.addfile(entry)
            else:
                name, data = entry
                info = tarfile.TarInfo(name)
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))
    return path
