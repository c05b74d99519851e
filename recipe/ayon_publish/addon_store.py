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
import re
from typing import Any, Mapping, NamedTuple, Sequence

FORMAT = 1
#: Bundle, addon and version names: what AYON allows, and safe as S3 keys and directory names.
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._+-]*$")
_SHA256 = re.compile(r"^[0-9a-f]{64}$")


class ManifestError(ValueError):
    """A manifest or name that does not follow this layout."""


def check_name(kind: str, value: Any) -> str:
    """``value`` if it is a safe bundle/addon/version name, else :class:`ManifestError`."""
    if not isinstance(value, str) or not _NAME.match(value) or ".." in value:
        raise ManifestError(f"{kind} {value!r} is not a valid name (letters, digits and . _ + - only)")
    return value


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
    def from_dict(cls, name: str, data: Any) -> AddonEntry:
        if not isinstance(data, Mapping):
            raise ManifestError(f"addon {name!r} is not an object")
        try:
            entry = cls(
                name=check_name("addon", name),
                version=check_name("version", data["version"]),
                client_dir=str(data["client_dir"]),
                sha256=str(data["sha256"]),
                size=int(data["size"]),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ManifestError(f"addon {name!r}: {exc}") from None
        if not entry.client_dir.isidentifier():
            raise ManifestError(f"addon {name!r}: client_dir {entry.client_dir!r} is not a Python package name")
        if not _SHA256.match(entry.sha256):
            raise ManifestError(f"addon {name!r}: sha256 {entry.sha256!r} is not a sha256")
        if data.get("archive") != entry.archive:
            raise ManifestError(f"addon {name!r}: archive {data.get('archive')!r} is not {entry.archive!r}")
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
        "bundle": check_name("bundle", bundle),
        "addons": {e.name: e.to_dict() for e in sorted(entries, key=lambda e: e.name)},
    }


def parse_bundle_manifest(data: bytes, bundle: str) -> list[AddonEntry]:
    """The addons of bundle ``bundle``'s manifest, checked."""
    obj = _load(data)
    if obj.get("bundle") != bundle:
        raise ManifestError(f"it is the manifest of bundle {obj.get('bundle')!r}, not {bundle!r}")
    addons = obj.get("addons")
    if not isinstance(addons, Mapping):
        raise ManifestError("it has no 'addons' object")
    return [AddonEntry.from_dict(name, entry) for name, entry in sorted(addons.items())]


def _load(data: bytes) -> Mapping[str, Any]:
    try:
        obj = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise ManifestError(f"not valid JSON ({exc})") from None
    if not isinstance(obj, Mapping) or obj.get("format") != FORMAT:
        raise ManifestError(f"not a manifest of format {FORMAT}")
    return obj
