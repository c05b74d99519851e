"""The lock: the single source of truth for a build (DESIGN decision 2).

A JSON file, written canonically (fixed key order, two-space indent, trailing newline) so that
pinning an unchanged bundle twice gives the same bytes. It holds the bundle, each baked addon's
source and sha256, every vendored distribution (file, URL, sha256), the compiled dependencies as
conda run requirements, and the pin. ``Lock.load`` re-derives the pin from the locked addons,
so a hand-edited lock that no longer matches its own build string is refused.
"""

from __future__ import annotations

import fnmatch
import json
import os
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ayon_publish import names
from ayon_publish_submit.pin_scheme import CORE_ADDON, Pin, conda_version
from packaging.markers import Marker
from packaging.requirements import Requirement as PepRequirement
from packaging.utils import canonicalize_name

from ayon_conda.errors import AyonCondaError, names_checked
from ayon_conda.reproducible_zip import ZIP_EPOCH_MAX, ZIP_EPOCH_MIN

LOCK_VERSION = 1
SOURCE_KINDS = ("url", "server", "path")  # where an addon's client code comes from
#: ``package.py`` keys a component config may give for an addon whose source has none.
COMPATIBILITY_KEYS = ("ayon_server_version", "ayon_launcher_version")
_REPIN = "run ayon-conda pin again"

#: AYON's platform names -> ``sys_platform``.
PLATFORMS = {"darwin": "darwin", "linux": "linux", "windows": "win32"}
#: The platforms a noarch ayon-publish serves: Deadline Cloud workers run Linux and Windows.
SERVED = ("linux", "windows")


@dataclass(frozen=True)
class Requirement:
    """A requirement that was asked for, and by whom: the component config's ``requirements``
    or an addon's ``client/pyproject.toml`` (which table). PEP 508, markers included.

    >>> r = Requirement("pyobjc-core>=11.1,<12.0 ; sys_platform == 'darwin'", "addon core 1.9.5")
    >>> r.name, r.platforms, r.served
    ('pyobjc-core', ('darwin',), False)
    >>> Requirement("Click>=8,<9", "components.yaml").platforms
    ('darwin', 'linux', 'windows')
    """

    text: str
    origin: str  # e.g. "addon core 1.9.5 (client/pyproject.toml [ayon.runtimeDependencies])"

    @property
    def name(self) -> str:
        """The PEP 503 normalized distribution name; raises InvalidRequirement."""
        return canonicalize_name(PepRequirement(self.text).name)

    @property
    def platforms(self) -> tuple[str, ...]:
        """AYON platforms on which the requirement applies (its markers on ``sys_platform``)."""
        marker = PepRequirement(self.text).marker
        if marker is None:
            return tuple(PLATFORMS)
        return tuple(p for p, sys in PLATFORMS.items() if Marker(str(marker)).evaluate({"sys_platform": sys, "extra": ""}))

    @property
    def served(self) -> bool:
        """Whether it applies on a platform the package serves (Linux or Windows)."""
        return any(p in SERVED for p in self.platforms)


@dataclass(frozen=True)
class AddonSource:
    """A locked addon source. ``location`` is a URL, a server private file name, or a path
    source's own name (its directory's or archive's name: a lock does not depend on where it was
    pinned); ``sha256`` covers the archive, or a directory's tree (see
    :func:`ayon_conda.pin.source_archives.tree_sha256`)."""

    kind: str
    location: str
    sha256: str
    strip: str | None = None


@dataclass(frozen=True)
class LockedAddon:
    name: str
    version: str
    client_dir: str
    source: AddonSource
    #: Parts of the client package the packages leave out (pattern -> why); see ``leaves_out``.
    leave_out: Mapping[str, str] = field(default_factory=dict)
    #: Compatibility ranges from the component config (see ``COMPATIBILITY_KEYS``), for a
    #: source without ``package.py``; the build records them as package.py's would be.
    compatibility: Mapping[str, str] = field(default_factory=dict)

    def leaves_out(self, rel: str) -> str | None:
        """The pattern that leaves ``rel`` (a posix path inside the client package) out, or None.

        A pattern ending in ``/`` names a directory; any other is a glob on the whole path.

        >>> addon = LockedAddon("core", "1.9.5", "ayon_core", AddonSource("path", "x", "0" * 64),
        ...                     {"tests/": "test suite", "style/fonts/*.ttf": "Qt UI fonts"})
        >>> addon.leaves_out("tests/conftest.py"), addon.leaves_out("style/fonts/a.ttf"), addon.leaves_out("lib/x.py")
        ('tests/', 'style/fonts/*.ttf', None)
        """
        for pattern in self.leave_out:
            if rel.startswith(pattern) if pattern.endswith("/") else fnmatch.fnmatchcase(rel, pattern):
                return pattern
        return None


@dataclass(frozen=True)
class VendoredDist:
    """A pure-Python wheel copied into the package's private vendor directory."""

    name: str
    version: str
    file: str
    url: str
    sha256: str
    required_by: tuple[str, ...] = ()


@dataclass(frozen=True)
class CondaRequirement:
    """A compiled dependency, turned into a conda run requirement. ``wheel_sha256`` lists the
    sha256 of its Linux and Windows wheels, for hash-pinned exports to non-conda farms."""

    pypi_name: str
    version: str
    conda_name: str
    required_by: tuple[str, ...] = ()
    wheel_sha256: tuple[str, ...] = ()

    @property
    def spec(self) -> str:
        return f"{self.conda_name} =={self.version}"


@dataclass(frozen=True)
class PackageInfo:
    name: str
    version: str  # conda version
    build_number: int
    python: str  # requires-python, e.g. ">=3.9"
    license: str
    summary: str
    home: str
    source_date_epoch: int  # default mtime and index timestamp (seconds)


@dataclass(frozen=True)
class RunCheck:
    """What pin's check of the compiled run requirements found (:mod:`ayon_conda.pin.run_requirements`).

    ``skipped`` records a pin that was told not to check (``--skip-run-check``); then ``python``
    is the configured range, unproven.
    """

    channels: tuple[str, ...]
    python: str  # the narrowed conda spec of python, e.g. ">=3.9,<3.12"
    solved: tuple[str, ...]  # Python minor versions where every run requirement solves
    refused: Mapping[str, str] = field(default_factory=dict)  # minor -> "linux-64: pillow ==9.5.0; ..."
    unchecked_subdirs: tuple[str, ...] = ()  # served subdirs the channels have no python for
    skipped: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {"channels": list(self.channels), "python": self.python, "solved": list(self.solved),
                "refused": dict(sorted(self.refused.items(), key=lambda kv: minor_key(kv[0]))),
                "unchecked_subdirs": list(self.unchecked_subdirs), "skipped": self.skipped}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RunCheck:
        return cls(tuple(data["channels"]), str(data["python"]), tuple(data["solved"]), dict(data.get("refused", {})),
                   tuple(data.get("unchecked_subdirs", ())), bool(data.get("skipped", False)))


def minor_key(minor: str) -> tuple[int, ...]:
    """Sort key of a ``major.minor`` Python version."""
    return tuple(int(p) for p in minor.split("."))


@dataclass(frozen=True)
class Lock:
    bundle: Mapping[str, Any]
    package: PackageInfo
    addons: tuple[LockedAddon, ...]
    vendored: tuple[VendoredDist, ...]
    conda_requirements: tuple[CondaRequirement, ...]
    requirements: tuple[Requirement, ...] = ()  # what was asked for, before resolution
    run_check: RunCheck | None = None  # None: no compiled run requirements, nothing to prove
    path: Path | None = field(default=None, compare=False)

    # -- derived -----------------------------------------------------------------------------
    @property
    def addon_versions(self) -> dict[str, str]:
        return {a.name: a.version for a in self.addons}

    @property
    def pin(self) -> Pin:
        return Pin.for_addons(self.package.name, self.addon_versions, self.package.build_number)

    @property
    def run_requirements(self) -> list[str]:
        """``index.json`` depends: python (narrowed to where the compiled dependencies install),
        then the compiled dependencies, sorted."""
        return [f"python {self.python}"] + sorted(r.spec for r in self.conda_requirements)

    @property
    def python(self) -> str:
        """The package's Python range: the configured one, narrowed by the run-requirement check."""
        return self.run_check.python if self.run_check else self.package.python

    # -- (de)serialisation -------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        pin = self.pin
        return {
            "lock_version": LOCK_VERSION,
            "pin": {
                "spec": pin.spec,
                "exact_spec": pin.exact_spec,
                "filename": pin.filename,
                "addon_set": {a.name: a.version for a in sorted(self.addons, key=lambda a: a.name)},
                "addon_set_sha256": pin.addon_hash,
            },
            "package": asdict(self.package),
            "bundle": json.loads(json.dumps(self.bundle, sort_keys=True)),  # canonical order
            "addons": [asdict(a) for a in self.addons],
            "vendored": [_dist_dict(d) for d in self.vendored],
            "conda_requirements": [
                {**_dist_dict(r), "spec": r.spec} for r in self.conda_requirements
            ],
            "run_requirements": self.run_requirements,
            "requirements": [
                {"requirement": r.text, "origin": r.origin, "platforms": list(r.platforms)} for r in self.requirements
            ],
            "run_check": self.run_check.to_dict() if self.run_check else None,
        }

    def dumps(self) -> str:
        return json.dumps(self.to_dict(), indent=2, ensure_ascii=False) + "\n"

    def write(self, path: Path) -> Path:
        """Write atomically: a reader never sees half a lock."""
        path = Path(path)
        tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp.write_text(self.dumps(), encoding="utf-8")
            os.replace(tmp, path)
        except OSError as exc:
            tmp.unlink(missing_ok=True)
            raise AyonCondaError(path, f"cannot write the lock: {exc.strerror}", "choose a writable path") from None
        return path

    @classmethod
    def load(cls, path: Path) -> Lock:
        path = Path(path)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise AyonCondaError(path, "no such lock file", "create it with ayon-conda pin") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise AyonCondaError(path, f"cannot read the lock: {exc}", "check the path") from None
        except json.JSONDecodeError as exc:
            raise AyonCondaError(path, f"not valid JSON (line {exc.lineno})", _REPIN) from None
        except (ValueError, RecursionError) as exc:  # numbers too long, nesting too deep
            raise AyonCondaError(path, f"not a JSON file this reads ({type(exc).__name__})", _REPIN) from None
        return cls.from_dict(data, path)

    @classmethod
    def from_dict(cls, data: Any, path: Path) -> Lock:
        if not isinstance(data, Mapping) or data.get("lock_version") != LOCK_VERSION:
            raise AyonCondaError(path, f"not an ayon-conda lock (lock_version {LOCK_VERSION})", _REPIN)
        reader = _Reader(path)
        addons = tuple(reader.addon(a) for a in reader.items(data, "addons"))
        if len({a.name for a in addons}) != len(addons):
            raise AyonCondaError(path, "malformed lock (an addon is listed twice)", _REPIN)
        lock = cls(
            bundle=reader.bundle(reader.field(data, "bundle", Mapping)),
            package=reader.package(reader.field(data, "package", Mapping)),
            addons=addons,
            vendored=tuple(reader.vendored(d) for d in reader.items(data, "vendored")),
            conda_requirements=tuple(reader.conda(r) for r in reader.items(data, "conda_requirements")),
            requirements=tuple(reader.requirement(r) for r in reader.items(data, "requirements", optional=True)),
            run_check=reader.run_check(data.get("run_check")),
            path=path.resolve(),
        )
        core = lock.addon_versions.get(CORE_ADDON)
        if core is None or lock.package.version != conda_version(core):
            raise AyonCondaError(path, f"malformed lock (package version {lock.package.version!r} is not its core "
                                 "addon's)", _REPIN)
        pin = data.get("pin")
        recorded = pin.get("exact_spec") if isinstance(pin, Mapping) else None
        if recorded != lock.pin.exact_spec:
            raise AyonCondaError(
                path,
                f"the recorded pin '{recorded}' does not match its addons ('{lock.pin.exact_spec}')",
                _REPIN,
            )
        return lock


class _Reader:
    """Reads the parts of a lock file, checking every type, name, version and sha256 on the way
    (:mod:`ayon_publish.names`): a lock is input like any other, and its values become paths."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def field(self, data: Mapping[str, Any], key: str, kind: type | tuple[type, ...], where: str = "") -> Any:
        value = data.get(key)
        if not isinstance(value, kind) or (isinstance(value, bool) and kind is int):
            names_ = kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__ for k in kind)
            raise AyonCondaError(self.path, f"malformed lock ('{where}{key}' is missing or not a {names_})", _REPIN)
        return value

    def items(self, data: Mapping[str, Any], key: str, optional: bool = False) -> list[Mapping[str, Any]]:
        found = data.get(key, []) if optional and key not in data else self.field(data, key, list)
        if not isinstance(found, list):
            raise AyonCondaError(self.path, f"malformed lock ('{key}' is not a list)", _REPIN)
        for item in found:
            if not isinstance(item, Mapping):
                raise AyonCondaError(self.path, f"malformed lock (an entry of '{key}' is not an object)", _REPIN)
        return found

    def strings(self, data: Mapping[str, Any], key: str, where: str) -> tuple[str, ...]:
        found = data.get(key, [])
        if not isinstance(found, list) or not all(isinstance(item, str) for item in found):
            raise AyonCondaError(self.path, f"malformed lock ('{where}{key}' is not a list of strings)", _REPIN)
        return tuple(found)

    def bundle(self, data: Mapping[str, Any]) -> Mapping[str, Any]:
        with names_checked(self.path, _REPIN):
            names.bundle_name(data.get("name"), "bundle name")
        return data

    def package(self, data: Mapping[str, Any]) -> PackageInfo:
        text = {key: self.field(data, key, str, "package.") for key in ("version", "python", "license", "summary", "home")}
        epoch = self.field(data, "source_date_epoch", int, "package.")
        if not ZIP_EPOCH_MIN <= epoch <= ZIP_EPOCH_MAX:
            raise AyonCondaError(self.path, f"malformed lock (package.source_date_epoch {epoch} is outside "
                                 "1980-2107, the dates a zip can hold)", _REPIN)
        number = self.field(data, "build_number", int, "package.")
        if number < 0:
            raise AyonCondaError(self.path, f"malformed lock (package.build_number {number} is negative)", _REPIN)
        with names_checked(self.path, _REPIN):
            name = names.package_name(data.get("name"), "package.name")
        return PackageInfo(name=name, build_number=number, source_date_epoch=epoch, **text)

    def addon(self, data: Mapping[str, Any]) -> LockedAddon:
        with names_checked(self.path, _REPIN):
            name = names.addon_name(data.get("name"), "addon name")
            check = names.core_version if name == CORE_ADDON else names.version
            version = check(data.get("version"), f"version of addon {name}")
            client_dir = names.client_dir(data.get("client_dir"), f"client_dir of addon {name}")
            source = self.field(data, "source", Mapping, f"addons.{name}.")
            sha = names.sha256(source.get("sha256"), f"sha256 of addon {name}")
        kind = self.field(source, "kind", str, f"addons.{name}.source.")
        if kind not in SOURCE_KINDS:
            raise AyonCondaError(self.path, f"malformed lock (addon {name} has a source of kind {kind!r})", _REPIN)
        strip = self.field(source, "strip", (str, type(None)), f"addons.{name}.source.")
        location = self.field(source, "location", str, f"addons.{name}.source.")
        leave_out = data.get("leave_out", {})
        if not isinstance(leave_out, Mapping) or not all(isinstance(k, str) and isinstance(v, str)
                                                         for k, v in leave_out.items()):
            raise AyonCondaError(self.path, f"malformed lock (addons.{name}.leave_out is not a mapping of texts)", _REPIN)
        compatibility = data.get("compatibility", {})
        if not isinstance(compatibility, Mapping) or not all(k in COMPATIBILITY_KEYS and isinstance(v, str)
                                                             for k, v in compatibility.items()):
            raise AyonCondaError(self.path, f"malformed lock (addons.{name}.compatibility may hold only "
                                 f"{' and '.join(COMPATIBILITY_KEYS)} ranges)", _REPIN)
        return LockedAddon(name, version, client_dir, AddonSource(kind, location, sha, strip), dict(leave_out),
                           dict(compatibility))

    def requirement(self, data: Mapping[str, Any]) -> Requirement:
        return Requirement(self.field(data, "requirement", str, "requirements."),
                           self.field(data, "origin", str, "requirements."))

    def run_check(self, data: Any) -> RunCheck | None:
        if not data:
            return None
        try:
            return RunCheck.from_dict(data)
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise AyonCondaError(self.path, f"malformed lock (run_check: {type(exc).__name__} {exc})", _REPIN) from None

    def vendored(self, data: Mapping[str, Any]) -> VendoredDist:
        name = self.field(data, "name", str, "vendored.")
        with names_checked(self.path, _REPIN):
            file = names.file_name(data.get("file"), f"wheel file of {names.shown(name)}")
            sha = names.sha256(data.get("sha256"), f"sha256 of {file}")
        return VendoredDist(name=name, version=self.field(data, "version", str, "vendored."), file=file,
                            url=self.field(data, "url", str, "vendored."), sha256=sha,
                            required_by=self.strings(data, "required_by", "vendored."))

    def conda(self, data: Mapping[str, Any]) -> CondaRequirement:
        with names_checked(self.path, _REPIN):
            conda_name = names.package_name(data.get("conda_name"), "conda_requirements.conda_name")
            wheels = tuple(names.sha256(v, f"wheel sha256 of {conda_name}") for v in self.strings(
                data, "wheel_sha256", "conda_requirements."))
        return CondaRequirement(pypi_name=self.field(data, "pypi_name", str, "conda_requirements."),
                                version=self.field(data, "version", str, "conda_requirements."), conda_name=conda_name,
                                required_by=self.strings(data, "required_by", "conda_requirements."),
                                wheel_sha256=wheels)


def _dist_dict(obj: Any) -> dict[str, Any]:
    d = asdict(obj)
    d["required_by"] = list(d.get("required_by", ()))
    return d
