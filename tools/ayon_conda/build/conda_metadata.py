"""The conda package format's ``info/`` files, in one place.

``index.json`` (identity and run requirements), ``link.json`` (noarch python and the ``ayon``
entry point), ``paths.json`` and ``files`` (every file with sha256 and size), ``about.json``
(what the package was built from: the bundle, every component with version and sha256, and the
AYON server and launcher ranges from each addon's ``package.py``), and ``info/recipe/`` (the
lock itself). Plain dicts, written as sorted JSON so that the bytes are reproducible.
Every package of a lock (:mod:`ayon_conda.build.lock_packages`) is described by the same functions.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from ayon_conda import __version__
from ayon_conda.build.conda_archive import payload_files
from ayon_conda.build.lock_packages import Package
from ayon_conda.build.stage import ENTRY_POINT
from ayon_conda.pin.addon_tree import AddonMeta

LOCK_IN_PACKAGE = "info/recipe/ayon-publish.lock.json"


def index_json(package: Package) -> dict[str, Any]:
    pin, info = package.pin, package.lock.package
    index = {
        "arch": None,
        "build": pin.build,
        "build_number": pin.build_number,
        "depends": package.run_requirements,
        "license": info.license,
        "name": pin.name,
        "noarch": "python",
        "platform": None,
        "subdir": "noarch",
        "timestamp": info.source_date_epoch * 1000,
        "version": pin.version,
    }
    if package.constrains:
        index["constrains"] = list(package.constrains)
    return index


def link_json() -> dict[str, Any]:
    return {"noarch": {"entry_points": [ENTRY_POINT], "type": "python"}, "package_metadata_version": 1}


def _combined_range(ranges: Iterable[str | None]) -> str | None:
    """The intersection of several version ranges, as one comma-joined specifier."""
    parts: list[str] = []
    for spec in ranges:
        for part in (spec or "").split(","):
            part = part.strip()
            if part and part not in parts:
                parts.append(part)
    return ",".join(parts) or None


def about_json(package: Package, metas: Mapping[str, AddonMeta]) -> dict[str, Any]:
    lock = package.lock
    bundle = lock.bundle
    addons = [
        {
            "kind": "addon",
            "name": a.name,
            "version": a.version,
            "sha256": a.source.sha256,
            "source": a.source.kind,
            "ayon_server_version": metas[a.name].ayon_server_version,
            "ayon_launcher_version": metas[a.name].ayon_launcher_version,
            **({"left_out": dict(sorted(a.leave_out.items()))} if a.leave_out else {}),
        }
        for a in package.addons
    ]
    vendored = [
        {"kind": "vendored", "name": d.name, "version": d.version, "sha256": d.sha256, "file": d.file}
        for d in lock.vendored
    ]
    conda = [
        {"kind": "conda", "name": r.conda_name, "version": r.version, "pypi_name": r.pypi_name}
        for r in lock.conda_requirements
    ]
    return {
        "summary": package.summary,
        "license": lock.package.license,
        "home": lock.package.home,
        "extra": {
            "bundle": {k: bundle.get(k) for k in ("name", "createdAt", "installerVersion", "addons") if k in bundle},
            "components": addons + vendored + conda,
            "compatibility": {
                "ayon_server_version": _combined_range(a["ayon_server_version"] for a in addons),
                "ayon_launcher_version": _combined_range(a["ayon_launcher_version"] for a in addons),
                "python": lock.python,
            },
            **({"run_check": lock.run_check.to_dict()} if lock.run_check else {}),
            "pin": {"spec": package.pin.spec, "addon_set_sha256": package.pin.addon_hash},
            "built_by": f"ayon-conda {__version__}",
        },
    }


def _sha256(path: Path) -> tuple[str, int]:
    data = path.read_bytes()
    return hashlib.sha256(data).hexdigest(), len(data)


def paths_json(root: Path, files: Iterable[str], digests: Mapping[str, tuple[str, int]] | None = None) -> dict[str, Any]:
    """``paths.json`` of ``files``; ``digests`` (sha256, size) by file, where the caller has them."""
    entries = []
    for rel in files:
        sha, size = digests[rel] if digests is not None else _sha256(root / rel)
        entries.append({"_path": rel, "path_type": "hardlink", "sha256": sha, "size_in_bytes": size})
    return {"paths": entries, "paths_version": 1}


def _text(data: Mapping[str, Any]) -> str:
    """How every ``info/*.json`` is written: two-space indent, sorted keys, trailing newline.

    ``paths.json`` (thousands of entries) takes a fast path that writes the same text: the
    indenting encoder is pure Python and was a tenth of a warm build.

    >>> data = {"paths": [{"_path": "a\\u00e9", "path_type": "hardlink", "sha256": "00", "size_in_bytes": 1}],
    ...         "paths_version": 1}
    >>> _text(data) == json.dumps(data, indent=2, sort_keys=True) + "\\n"
    True
    """
    if set(data) == {"paths", "paths_version"} and all(set(e) == _PATH_KEYS for e in data["paths"]):
        entries = ",\n".join(
            "    {\n" + ",\n".join(f"      {json.dumps(k)}: {json.dumps(e[k])}" for k in sorted(_PATH_KEYS)) + "\n    }"
            for e in data["paths"]
        )
        body = f"[\n{entries}\n  ]" if data["paths"] else "[]"
        return f'{{\n  "paths": {body},\n  "paths_version": {json.dumps(data["paths_version"])}\n}}\n'
    return json.dumps(data, indent=2, sort_keys=True) + "\n"


_PATH_KEYS = {"_path", "path_type", "sha256", "size_in_bytes"}


def _dump(path: Path, data: Mapping[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(_text(data), encoding="utf-8")


def write_info_files(root: Path, index: Mapping[str, Any], link: Mapping[str, Any] | None, about: Mapping[str, Any],
                     digests: Mapping[str, tuple[str, int]] | None = None) -> None:
    """Write ``root/info/``: the given index, link and about data, and the file list of ``root``
    (``digests``: each file's sha256 and size, when the caller has read them already)."""
    files = payload_files(root)
    info = root / "info"
    _dump(info / "index.json", index)
    if link is not None:
        _dump(info / "link.json", link)
    _dump(info / "about.json", about)
    _dump(info / "paths.json", paths_json(root, files, digests))
    (info / "files").write_text("".join(f"{f}\n" for f in files), encoding="utf-8")


def write_info(root: Path, package: Package, metas: Mapping[str, AddonMeta],
               digests: Mapping[str, tuple[str, int]] | None = None) -> None:
    """Write ``root/info/`` of ``package`` for the files already staged under ``root``."""
    write_info_files(root, index_json(package), link_json(), about_json(package, metas), digests)
    recipe_lock = root / LOCK_IN_PACKAGE
    recipe_lock.parent.mkdir(parents=True, exist_ok=True)
    recipe_lock.write_text(package.lock.dumps(), encoding="utf-8")
