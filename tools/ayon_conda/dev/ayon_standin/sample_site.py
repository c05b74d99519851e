"""The sample studio on the AYON stand-in: what the demo and the tests publish into (dev only).

``sample_site`` serves a bundle (``examples/bundles/sample.json``), the addons of source trees
(each one's ``client.zip``, ``pyproject.toml`` and the settings defaults of its server part, as
an AYON server holds an uploaded addon) and the sample project of ``examples/publish``: project
``sample_project`` with its ``work`` root in a directory of the caller's, folder
``/shots/sh010`` with task ``lighting``, and the submitting user ``sample-artist``.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ayon_conda.dev.addon_package import default_settings, private_files
from ayon_conda.pin.addon_tree import read_package_py

from .server import AyonStandIn

PROJECT = "sample_project"
FOLDER = "/shots/sh010"
TASK = "lighting"
USER = "sample-artist"
#: the ayon-backend version the stand-in's answers were checked against
SERVER_VERSION = "1.15.17"


def addon_entry(addon_dir: Path) -> tuple[str, str, dict[str, Any]]:
    """``(name, version, entry)`` of an addon source tree, as the stand-in's ``addons`` take it."""
    meta = read_package_py(addon_dir)
    client = Path(addon_dir) / "client" / str(meta["client_dir"])
    entry: dict[str, Any] = {"files": private_files(client), "title": meta.get("title", meta["name"])}
    if (Path(addon_dir) / "server" / "settings.py").is_file():
        entry["settings"] = default_settings(addon_dir)
    return str(meta["name"]), str(meta["version"]), entry


def sample_site(bundle: Mapping[str, Any], addon_dirs: list[Path], projects_root: Path,
                **standin_args: Any) -> AyonStandIn:
    """A (not yet started) stand-in serving ``bundle``, the addons and the sample project."""
    addons: dict[str, dict[str, dict[str, Any]]] = {}
    for addon_dir in addon_dirs:
        name, version, entry = addon_entry(addon_dir)
        addons.setdefault(name, {})[version] = entry
    standin_args.setdefault("server_version", SERVER_VERSION)
    standin = AyonStandIn(bundles=[dict(bundle)], addons=addons, users=[USER],
                          projects={PROJECT: {"code": "smp", "roots": {"work": str(projects_root)}}},
                          **standin_args)
    standin.store.add_folder(PROJECT, "/shots", "Folder")
    standin.store.add_folder(PROJECT, FOLDER, "Shot")
    standin.store.add_task(PROJECT, FOLDER, TASK, "Lighting")
    return standin
