"""Where synced addons live in S3 and what their manifests say (option C): the one description.

``ayon-conda addons upload`` writes this layout (the pipeline imports this module) and
:mod:`ayon_publish.addon_sync` reads it on workers. Under a prefix (on workers
``AYON_ADDONS_S3_URI``, a prefix the studio chooses, e.g. ``s3://studio-conda/ayon-addons``)::

    addons/{name}_{version}.json              addon manifest; the addon is published once it exists
    addons/{name}_{version}/{sha256}.zip      its client code, content-addressed
    addons/{name}_{version}/python/{sha256}.whl   a pure-Python wheel its client code needs
    bundles/{bundle}.json                     bundle manifest: each addon's version, archive, sha256

An archive holds the addon's client package at its top (``{client_dir}/...``), exactly what
AYON's ``{name}_{version}`` directory holds. Everything is append-only, like the conda channel:
an object is never replaced, an addon version is published once, and a bundle's manifest never
changes (so a worker that has one cached needs S3 only for archives it does not have yet).
An addon's client dependencies (its ``client/pyproject.toml``, resolved by ``ayon-conda addons
upload`` with the rules of ``pin``) are listed in both manifests under the addon: ``python``, the
pure-Python wheels stored beside it (what ``ayon-publish-core`` does not vendor already), and
``conda``, compiled ones that the worker's environment must hold as conda packages. An addon
without dependencies has neither key, so its manifests are the bytes they always were.
The archive key carries its sha256 so that an upload from another machine, whose zlib may
compress the same files to other bytes, can never collide with a published archive; the addon
manifest's ``tree_sha256`` (over the files, not the zip bytes) says whether two uploads are the
same addon.

Manifests are JSON objects with ``"format": 1``, written canonically (sorted keys, two-space
indent, trailing newline) so that identical uploads produce identical bytes. Python 3.9
compatible; standard library only.

>>> entry = AddonEntry("deadline_cloud", "0.2.0", "ayon_deadline_cloud", "ab" * 32, 1234)
>>> entry.archive
'addons/deadline_cloud_0.2.0/abababababababababababababababababababababababababababababababab.zip'
>>> PythonDep("inflection", "0.5.1", "inflection-0.5.1-py2.py3-none-any.whl", "cd" * 32, 9).archive("notes", "1.0.0")
'addons/notes_1.0.0/python/cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd.whl'
>>> bundle_manifest_key("production-2026")
'bundles/production-2026.json'
"""

from __future__ import annotations

import json
from typing import Any, Mapping, NamedTuple, Sequence, Tuple

from ayon_publish import names

FORMAT = 1


class ManifestError(ValueError):
    """A manifest that does not follow this layout."""


def addon_dir_name(name: str, version: str) -> str:
    """AYON's directory name for an addon version (``core_1.9.0``)."""
    return f"{name}_{version}"


def addon_manifest_key(name: str, version: str) -> str:
    return f"addons/{addon_dir_name(name, version)}.json"


def archive_key(name: str, version: str, sha256: str) -> str:
    return f"addons/{addon_dir_name(name, version)}/{sha256}.zip"


def bundle_manifest_key(bundle: str) -> str:
    return f"bundles/{bundle}.json"


def wheel_key(name: str, version: str, sha256: str) -> str:
    return f"addons/{addon_dir_name(name, version)}/python/{sha256}.whl"


def _checked(check: Any, value: Any, kind: str) -> Any:
    try:
        return check(value, kind)
    except names.InvalidName as exc:
        raise ManifestError(str(exc)) from None


def _size(value: Any, what: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise ManifestError(f"{what}: size {names.shown(value)} is not a number of bytes")
    return value


def _list(data: Mapping[str, Any], key: str, addon: str) -> Sequence[Any]:
    value = data.get(key, [])
    if not isinstance(value, list):
        raise ManifestError(f"addon {addon}: '{key}' is not a list")
    return value


class PythonDep(NamedTuple):
    """A pure-Python wheel an addon's client code imports, stored beside the addon."""

    name: str  # normalized distribution name
    version: str
    file: str  # the wheel's file name
    sha256: str
    size: int

    def archive(self, addon: str, addon_version: str) -> str:
        """The wheel's key, relative to the prefix."""
        return wheel_key(addon, addon_version, self.sha256)

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "version": self.version, "file": self.file, "sha256": self.sha256, "size": self.size}

    @classmethod
    def from_dict(cls, data: Any, addon: str) -> PythonDep:
        if not isinstance(data, Mapping):
            raise ManifestError(f"addon {addon}: a python dependency is not an object")
        what = f"python dependency of addon {addon}"
        file = _checked(names.file_name, data.get("file"), f"wheel file of addon {addon}")
        if not file.endswith(".whl"):
            raise ManifestError(f"{what}: {names.shown(file)} is not a wheel")
        return cls(_checked(names.distribution, data.get("name"), what),
                   _checked(names.dist_version, data.get("version"), f"version of a {what}"),
                   file, _checked(names.sha256, data.get("sha256"), f"sha256 of a {what}"),
                   _size(data.get("size"), what))


class CondaDep(NamedTuple):
    """A compiled dependency of an addon: a conda package the worker's environment must hold."""

    name: str  # the PyPI name it was resolved as
    version: str
    conda_name: str

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "version": self.version, "conda_name": self.conda_name}

    @classmethod
    def from_dict(cls, data: Any, addon: str) -> CondaDep:
        if not isinstance(data, Mapping):
            raise ManifestError(f"addon {addon}: a conda dependency is not an object")
        what = f"conda dependency of addon {addon}"
        return cls(_checked(names.distribution, data.get("name"), what),
                   _checked(names.dist_version, data.get("version"), f"version of a {what}"),
                   _checked(names.package_name, data.get("conda_name"), f"conda name of a {what}"))


class AddonEntry(NamedTuple):
    """One published addon version: what a worker needs to fetch and check it."""

    name: str
    version: str
    client_dir: str
    sha256: str  # of the archive's bytes
    size: int
    python: Tuple[PythonDep, ...] = ()
    conda: Tuple[CondaDep, ...] = ()

    @property
    def archive(self) -> str:
        """The archive's key, relative to the prefix."""
        return archive_key(self.name, self.version, self.sha256)

    @property
    def dir_name(self) -> str:
        return addon_dir_name(self.name, self.version)

    def wheel(self, dep: PythonDep) -> str:
        """The key of one of its wheels, relative to the prefix."""
        return dep.archive(self.name, self.version)

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"version": self.version, "client_dir": self.client_dir, "archive": self.archive,
                                "sha256": self.sha256, "size": self.size}
        if self.python:
            data["python"] = [dict(d.to_dict(), archive=self.wheel(d)) for d in self.python]
        if self.conda:
            data["conda"] = [d.to_dict() for d in self.conda]
        return data

    @classmethod
    def from_dict(cls, name: Any, data: Any) -> AddonEntry:
        """An entry of a manifest, every name, version and sha256 checked (:mod:`ayon_publish.names`)."""
        if not isinstance(data, Mapping):
            raise ManifestError(f"addon {names.shown(name)} is not an object")
        try:
            entry = cls(
                name=names.addon_name(name),
                version=names.version(data.get("version"), f"version of addon {name}"),
                client_dir=names.client_dir(data.get("client_dir"), f"client_dir of addon {name}"),
                sha256=names.sha256(data.get("sha256"), f"sha256 of addon {name}"),
                size=data.get("size"),
            )
        except names.InvalidName as exc:
            raise ManifestError(str(exc)) from None
        _size(entry.size, f"addon {name}")
        if data.get("archive") != entry.archive:
            raise ManifestError(f"addon {name}: archive {names.shown(data.get('archive'))} is not {entry.archive!r}")
        python = tuple(PythonDep.from_dict(d, entry.name) for d in _list(data, "python", entry.name))
        for dep, raw in zip(python, data.get("python", [])):
            if raw.get("archive") != entry.wheel(dep):
                raise ManifestError(f"addon {name}: archive {names.shown(raw.get('archive'))} is not {entry.wheel(dep)!r}")
        conda = tuple(CondaDep.from_dict(d, entry.name) for d in _list(data, "conda", entry.name))
        return entry._replace(python=python, conda=conda)


def dumps(manifest: Mapping[str, Any]) -> bytes:
    """Canonical bytes of a manifest."""
    return (json.dumps(manifest, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode("utf-8")


def addon_manifest(entry: AddonEntry, tree_sha256: str, files: int) -> dict[str, Any]:
    """The manifest of one addon version; ``tree_sha256`` identifies its files."""
    return {"format": FORMAT, "name": entry.name, **entry.to_dict(), "tree_sha256": tree_sha256, "files": files}


def parse_addon_manifest(data: bytes) -> tuple[AddonEntry, str]:
    """(entry, tree sha256) of an addon manifest."""
    obj = _load(data)
    return AddonEntry.from_dict(obj.get("name"), obj), str(obj.get("tree_sha256"))


def bundle_manifest(bundle: str, entries: Sequence[AddonEntry]) -> dict[str, Any]:
    """The manifest of a bundle: every synced addon of it."""
    return {
        "format": FORMAT,
        "bundle": names.bundle_name(bundle),
        "addons": {e.name: e.to_dict() for e in sorted(entries, key=lambda e: e.name)},
    }


def parse_bundle_manifest(data: bytes, bundle: str) -> list[AddonEntry]:
    """The addons of bundle ``bundle``'s manifest, checked."""
    obj = _load(data)
    if obj.get("bundle") != bundle:
        raise ManifestError(f"it is the manifest of bundle {names.shown(obj.get('bundle'))}, not {bundle!r}")
    addons = obj.get("addons")
    if not isinstance(addons, Mapping):
        raise ManifestError("it has no 'addons' object")
    return [AddonEntry.from_dict(name, entry) for name, entry in sorted(addons.items())]


def _load(data: bytes) -> Mapping[str, Any]:
    try:
        obj = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise ManifestError(f"not valid JSON ({names.one_line(str(exc))})") from None
    if not isinstance(obj, Mapping) or obj.get("format") != FORMAT:
        raise ManifestError(f"not a manifest of format {FORMAT}")
    return obj
