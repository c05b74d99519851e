"""Reading built ``.conda`` packages for comparisons between backends.

Packages are read with conda-package-streaming (not our writer's code). What must match
between the native, rattler-build and conda-build backends for the same lock (DESIGN decision 6):

* the payload: every file outside ``info/`` with its sha256 (from ``info/paths.json``),
* ``info/index.json``, except the fields in :data:`TOOL_SET_INDEX_FIELDS`,
* ``info/link.json`` (noarch python and the ``ayon`` entry point).

Everything else under ``info/`` is the tool's own: ``about.json`` (each tool adds its version,
channels and environment), ``recipe/`` (the recipe the tool built from), ``test/`` or
``tests/`` (the recipe's tests), ``hash_input.json``, ``files`` order and ``paths.json`` entry
fields beyond path and sha256 (e.g. ``no_link``, ``path_type`` spelling).

:func:`untrue_records` checks what a tool may rewrite behind the wheels' backs: every
``*.dist-info/RECORD`` in the payload must name the files beside it with their real hashes.
(Lines for a wheel's console scripts point outside, ``../.discard/scripts/``: staging does not
ship them, so they are not checked.)
"""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import json
from pathlib import Path, PurePosixPath
from typing import Any

from conda_package_streaming.package_streaming import stream_conda_component

#: index.json fields a build tool sets on its own, and why they may differ.
TOOL_SET_INDEX_FIELDS = {
    "timestamp": "the build time: rattler-build and conda-build stamp when they ran and take no "
                 "SOURCE_DATE_EPOCH for it (rattler-build: an open pull request adds --timestamp)",
    "license_family": "derived from the SPDX license by the tool; the native backend does not write it",
}
#: Values that mean "not set" in conda metadata: a tool may write them or leave the key out
#: (native writes "arch": null and "platform": null; tools may add "constrains": []).
_UNSET = (None, [], {}, "")


def read_info(path: Path, component: str = "info") -> dict[str, bytes]:
    """The files under ``info/`` of a ``.conda`` package (``component="pkg"``: the others)."""
    files: dict[str, bytes] = {}
    with open(path, "rb") as fh:
        for tar, member in stream_conda_component(path.name, fh, component):
            if member.isfile():
                files[member.name] = tar.extractfile(member).read()
    return files


def payload(info: dict[str, bytes]) -> dict[str, str]:
    """``{path: sha256}`` of every file outside ``info/``, from ``info/paths.json``."""
    return {p["_path"]: p["sha256"] for p in json.loads(info["info/paths.json"])["paths"]}


def comparable_index(index: dict[str, Any]) -> dict[str, Any]:
    """``index.json`` without tool-set fields and unset values; ``depends`` sorted (its order
    carries no meaning to a solver, and a tool may append run exports after the recipe's)."""
    out = {k: v for k, v in index.items() if k not in TOOL_SET_INDEX_FIELDS and v not in _UNSET}
    out["depends"] = sorted(out.get("depends", []))
    return out


def differences(native: Path, other: Path) -> list[str]:
    """What differs between two builds of the same lock, among what must match (empty: none)."""
    a, b = read_info(native), read_info(other)
    found = []
    pa, pb = payload(a), payload(b)
    for name in sorted(set(pa) | set(pb)):
        if pa.get(name) != pb.get(name):
            found.append(f"payload {name}: {pa.get(name, 'missing')} != {pb.get(name, 'missing')}")
    ia, ib = (comparable_index(json.loads(x["info/index.json"])) for x in (a, b))
    for key in sorted(set(ia) | set(ib)):
        if ia.get(key) != ib.get(key):
            found.append(f"index.json {key}: {ia.get(key)!r} != {ib.get(key)!r}")
    la, lb = (json.loads(x["info/link.json"]) for x in (a, b))
    if la != lb:
        found.append(f"link.json: {la} != {lb}")
    return found


def untrue_records(path: Path) -> list[str]:
    """Every ``RECORD`` line of the package's vendored distributions whose file is missing or
    has another sha256 or size (empty: every RECORD is true). Also fails on a package without any.
    Lines for files outside the vendored directory (discarded console scripts) are skipped."""
    files = read_info(path, "pkg")
    records = [name for name in files if name.endswith(".dist-info/RECORD")]
    found = [] if records else ["no *.dist-info/RECORD in the payload"]
    for record in records:
        root = PurePosixPath(record).parent.parent  # RECORD paths are relative to site-packages
        for row in csv.reader(io.StringIO(files[record].decode())):
            if not row or not row[1] or row[0].startswith("../"):
                continue  # RECORD itself carries no hash; console scripts are not shipped
            name, digest, size = row[0], row[1], row[2]
            data = files.get(str(root / name))
            actual = "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode() if data is not None else None
            if actual != digest or (data is not None and str(len(data)) != size):
                found.append(f"{record}: {name} {digest} != {actual or 'missing'}")
    return found
