"""The pin: which conda package belongs to a bundle (DESIGN decision 1).

Pure functions, no I/O and no imports beyond the standard library: the AYON addon computes the
same pin at submission time inside a DCC, so this module must stay light.

Package version = the bundle's ayon-core version (as a conda version). Build string =
``pyh<h>_<build_number>`` where ``<h>`` is the first 8 hex digits of sha256 over the canonical
text of the addon set baked into the package: one ``name=version`` line per addon, sorted by
name, each line ending in a newline.

>>> addons = {"deadline_cloud": "0.2.0", "core": "1.9.0"}
>>> addon_set_text(addons)
'core=1.9.0\\ndeadline_cloud=0.2.0\\n'
>>> pin = Pin.for_addons("ayon-publish", addons, build_number=2)
>>> pin.spec
'ayon-publish ==1.9.0 pyhd745850c_*'
>>> pin.filename
'ayon-publish-1.9.0-pyhd745850c_2.conda'
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

CORE_ADDON = "core"
HASH_LENGTH = 8
DEFAULT_PACKAGE = "ayon-publish"
#: The package with ayon-core alone, whose activation syncs the other addons (option C).
CORE_PACKAGE = "ayon-publish-core"
#: The addons a package bakes unless its component config says otherwise: the shipped configs'
#: ``bake:`` (a test keeps them equal). The submission side, which never reads a config, uses it.
DEFAULT_BAKE = (CORE_ADDON, "deadline_cloud")


class MissingAddon(ValueError):
    """The bundle has no (enabled) addon that the package bakes."""

    def __init__(self, name: str) -> None:
        self.name = name
        super().__init__(f"the bundle has no '{name}' addon")


def baked_versions(addons: Mapping[str, str | None], bake: Iterable[str]) -> dict[str, str]:
    """The baked addon set: ``core`` and the ``bake`` names, with the bundle's versions, sorted.

    ``addons`` is a bundle's ``addons`` as AYON returns it (a null version means disabled).
    Raises :class:`MissingAddon` for the first baked name the bundle lacks, ``core`` first.

    >>> baked_versions({"maya": "0.4.10", "deadline_cloud": "0.2.0", "core": "1.9.0"}, DEFAULT_BAKE)
    {'core': '1.9.0', 'deadline_cloud': '0.2.0'}
    >>> baked_versions({"core": "1.9.0", "deadline_cloud": None}, DEFAULT_BAKE)
    Traceback (most recent call last):
    ...
    ayon_publish_submit.pin_scheme.MissingAddon: the bundle has no 'deadline_cloud' addon
    """
    names = list(dict.fromkeys((CORE_ADDON, *bake)))
    for name in names:
        if not addons.get(name):
            raise MissingAddon(name)
    return {name: str(addons[name]) for name in sorted(names)}

def conda_version(ayon_version: str) -> str:
    """Turn an AYON (semver) version into a conda version that sorts the same way.

    conda versions cannot contain ``-``; each becomes ``_``, so a semver pre-release still sorts
    before its release (``1.9.0_rc.1 < 1.9.0``). Build metadata (``+dev``) stays a conda local
    version.

    >>> conda_version("1.9.0-sample.1")
    '1.9.0_sample.1'
    >>> conda_version("1.6.9+dev")
    '1.6.9+dev'
    """
    if not ayon_version or any(c.isspace() for c in ayon_version):
        raise ValueError(f"not a version: {ayon_version!r}")
    return ayon_version.replace("-", "_")


def addon_set_text(addons: Mapping[str, str]) -> str:
    """Canonical text of an addon set: sorted ``name=version`` lines."""
    return "".join(f"{name}={addons[name]}\n" for name in sorted(addons))


def addon_set_hash(addons: Mapping[str, str]) -> str:
    """Full sha256 (hex) of :func:`addon_set_text`."""
    return hashlib.sha256(addon_set_text(addons).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Pin:
    """The exact identity of one package build, and the spec that matches every rebuild."""

    name: str
    version: str  # conda version
    addon_hash: str  # full sha256 of the addon set text
    build_number: int

    @classmethod
    def for_addons(cls, name: str, addons: Mapping[str, str], build_number: int = 0) -> Pin:
        """The pin of package ``name`` baking ``addons`` (which must include ``core``)."""
        if CORE_ADDON not in addons:
            raise ValueError("the addon set has no 'core' addon")
        if build_number < 0:
            raise ValueError(f"build number must be >= 0, got {build_number}")
        return cls(
            name=name,
            version=conda_version(addons[CORE_ADDON]),
            addon_hash=addon_set_hash(addons),
            build_number=build_number,
        )

    @property
    def build_prefix(self) -> str:
        return f"pyh{self.addon_hash[:HASH_LENGTH]}"

    @property
    def build(self) -> str:
        return f"{self.build_prefix}_{self.build_number}"

    @property
    def spec(self) -> str:
        """Match spec for every build of this addon set (the solver takes the highest)."""
        return f"{self.name} =={self.version} {self.build_prefix}_*"

    @property
    def exact_spec(self) -> str:
        return f"{self.name} =={self.version} {self.build}"

    @property
    def stem(self) -> str:
        return f"{self.name}-{self.version}-{self.build}"

    @property
    def filename(self) -> str:
        return f"{self.stem}.conda"


def spec_for_addons(name: str, addons: Mapping[str, str]) -> str:
    """Match spec for a package baking exactly ``addons``; computable from a bundle alone."""
    return Pin.for_addons(name, addons).spec
