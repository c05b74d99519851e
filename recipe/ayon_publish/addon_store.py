"""Where synced addons live in S3 and what their manifests say (option C): the one description.

``ayon-conda addons upload`` writes this layout (the pipeline imports this module) and
:mod:`ayon_publish.addon_sync` reads it on workers. Under a prefix (on workers
``AYON_ADDONS_S3_URI``, default ``s3://$DEADLINE_JA_S3_BUCKET/$DEADLINE_JA_ROOT_PREFIX/ayon``)::

    addons/{name}_{version}.json              addon manifest; the addon is published once it exists
    addons/{name}_{version}/{sha256}.zip      its client code, content-addressed
    bundles/{bundle}.json                     bundle manifest: each addon's version, archive, sha256

An archive holds the addon's client package at its top (``{client_dir}/...``), exactly what
AYON's ``{name}_{version}`` directory holds. Everything is append-only, like the conda channel:
an object is never replaced, an addon version is published once, and a bundle's manifest never
changes (so a worker that has one cached needs S3 only for archives it does not have yet).
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
>>> bundle_manifest_key("production-2026")
'bundles/production-2026.json'
"""

from __future__ import annotations

import json
from typing import Any, Mapping, NamedTuple, Sequence

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


class AddonEntry(NamedTuple):
    """One published addon version: what a worker needs to fetch and check it."""

    name: str
    version: str
    client_dir: str
    sha256: str  # of the archive's bytes
    size: int

    @property
    def archive(self) -> str:
        """The archive's key, relative to the prefix."""
        return archive_key(self.name, self.version, self.sha256)

    @property
    def dir_name(self) -> str:
        return addon_dir_name(self.name, self.version)

    def to_dict(self) -> dict[str, Any]:
        return {"version": self.version, "client_dir": self.client_dir, "archive": self.archive,
                "sha256": self.sha256, "size": self.size}

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
        if not isinstance(entry.size, int) or isinstance(entry.size, bool) or entry.size < 0:
            raise ManifestError(f"addon {name}: size {names.shown(entry.size)} is not a number of bytes")
        if data.get("archive") != entry.archive:
            raise ManifestError(f"addon {name}: archive {names.shown(data.get('archive'))} is not {entry.archive!r}")
        return entry


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
