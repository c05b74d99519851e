"""The component config: what goes into the package and where it comes from.

A YAML file (``recipe/components.yaml`` for real bundles, ``examples/bundles/sample.components.yaml``
for the offline sample) says which addons are baked, where each addon's client code comes
from, which extra Python distributions are vendored, which addon dependencies are left out,
and where the PyPI -> conda-forge name map is.
Only ``pin`` reads it: everything after that reads the lock.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ayon_publish import names
from ayon_publish_submit.versions import check_range
from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from ayon_conda.errors import AyonCondaError, names_checked
from ayon_conda.pin.lock import COMPATIBILITY_KEYS, SOURCE_KINDS
from ayon_conda.rattler_channels import DEFAULT_CHANNELS

_FIX = "fix the component config (see recipe/components.yaml for the format)"


def normalize_name(name: str) -> str:
    """PEP 503 normalized distribution name.

    >>> normalize_name("Pillow"), normalize_name("a_b.c"), normalize_name("PySide6_Essentials")
    ('pillow', 'a-b-c', 'pyside6-essentials')
    """
    return re.sub(r"[-_.]+", "-", name).lower()


#: How a config was chosen (:func:`choose_config`), for messages about what it says.
BY_OPTION = "given by --config"
BY_ENVIRONMENT = "given by AYON_CONDA_CONFIG"
BY_BUNDLE = "found beside the bundle"
BY_DEFAULT = "the default"
#: The config a bundle file names by sitting beside it: ``bundles/sample.json`` -> ``bundles/sample.components.yaml``.
BESIDE_BUNDLE = "{stem}.components.yaml"


def default_config_path() -> Path:
    """``recipe/components.yaml`` of this checkout."""
    import ayon_publish  # the shipped package lives in recipe/, beside the config

    return Path(ayon_publish.__file__).resolve().parent.parent / "components.yaml"


def choose_config(given: Path | None, *, from_environment: bool = False,
                  bundle_file: Path | None = None) -> tuple[Path, str]:
    """Which component config to use, and how it was chosen.

    In order: ``--config`` (``given``), ``AYON_CONDA_CONFIG`` (``given`` with
    ``from_environment``, or read here), ``<bundle stem>.components.yaml`` beside a bundle file,
    else ``recipe/components.yaml``.
    """
    if given is not None:
        return Path(given), BY_ENVIRONMENT if from_environment else BY_OPTION
    env = os.environ.get("AYON_CONDA_CONFIG")
    if env:
        return Path(env), BY_ENVIRONMENT
    if bundle_file is not None:
        beside = Path(bundle_file).parent / BESIDE_BUNDLE.format(stem=Path(bundle_file).stem)
        if beside.is_file():
            return beside, BY_BUNDLE
    return default_config_path(), BY_DEFAULT


@dataclass(frozen=True)
class SourceRule:
    """Where an addon's client code comes from, as configured (``{version}`` not yet filled)."""

    kind: str  # url | server | path
    location: str  # URL template, server private file name template, or path
    strip: str | None = None  # top directory of an archive to strip, a template
    known_sha256: Mapping[str, str] | None = None  # version -> sha256 the download must have

    def render(self, version: str) -> tuple[str, str | None]:
        """Location and strip prefix for one addon version."""
        fill = {"version": version}
        location = self.location.format(**fill)
        strip = self.strip.format(**fill) if self.strip else None
        return location, strip


@dataclass(frozen=True)
class AddonConfig:
    name: str
    client_dir: str
    source: SourceRule
    #: Parts of the client package no farm publish imports (``dir/`` or a glob -> why): left out
    #: of the packages, recorded in the lock.
    leave_out: Mapping[str, str] = field(default_factory=dict)
    #: ``package.py``'s compatibility ranges (``ayon_server_version``, ``ayon_launcher_version``)
    #: for a source that has no ``package.py``: an AYON server serves only the client code.
    compatibility: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Config:
    path: Path
    package_name: str
    python: str  # requires-python of the vendored set, and the package's python run requirement
    license: str
    summary: str
    home: str
    bake: tuple[str, ...]
    addons: Mapping[str, AddonConfig]
    requirements: tuple[str, ...]  # PEP 508, vendored besides the addons' own dependencies
    exclude: Mapping[str, str]  # normalized name -> why it is left out
    conda_names: Mapping[str, str]  # normalized PyPI name -> conda-forge name
    channels: tuple[str, ...] = DEFAULT_CHANNELS  # where compiled run requirements come from (pin checks them)
    chosen_by: str = BY_OPTION  # how it was chosen (see choose_config)

    def describe(self) -> str:
        """Which config this is and how it was chosen, for messages: ``recipe/components.yaml (the default)``."""
        return f"{_shown(self.path)} ({self.chosen_by})"

    def source_error(self, exc: AyonCondaError, addon: str) -> AyonCondaError:
        """``exc``, a failure of addon ``addon``'s configured source, saying which config configured
        it and how to choose another (same class, so its exit code stays)."""
        fix = f"{exc.fix}; {CHOOSE_ANOTHER}" if exc.fix else CHOOSE_ANOTHER
        return type(exc)(exc.subject, f"{exc.problem} (the source of addon {addon} in {self.describe()})", fix)

    def addon(self, name: str) -> AddonConfig:
        try:
            return self.addons[name]
        except KeyError:
            raise AyonCondaError(
                self.path,
                f"addon '{name}' has no entry under 'addons:'",
                "add it with its client_dir and source (url, server or path)",
            ) from None


def _load_yaml(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise AyonCondaError(path, "no such file", "pass --config PATH or set AYON_CONDA_CONFIG") from None
    except OSError as exc:
        raise AyonCondaError(path, f"cannot read: {exc.strerror}", "check the path") from None
    except UnicodeDecodeError as exc:
        raise AyonCondaError(path, f"not UTF-8 text (byte {exc.start})", "fix the file") from None
    try:
        return YAML(typ="safe", pure=True).load(text)
    except YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark else ""
        raise AyonCondaError(path, f"not valid YAML{where}", "fix the file") from None


def _require(data: Mapping[str, Any], key: str, path: Path, kind: type, where: str = "") -> Any:
    value = data.get(key)
    if not isinstance(value, kind):
        label = f"{where}{key}"
        raise AyonCondaError(path, f"'{label}' is missing or not a {kind.__name__}", _FIX)
    return value


def _optional(data: Mapping[str, Any], key: str, path: Path, kind: type) -> Any:
    """A list of strings, or a mapping with string keys, that may be left out."""
    value = data.get(key) or kind()
    if not isinstance(value, kind) or not all(isinstance(item, str) for item in value):
        what = "list of strings" if kind is list else "mapping of names"
        raise AyonCondaError(path, f"'{key}' is not a {what}", _FIX)
    return value


def _template(value: Any, path: Path, label: str) -> str:
    """A text with at most a ``{version}`` field (refused before any addon is fetched)."""
    if not isinstance(value, str):
        raise AyonCondaError(path, f"'{label}' is not a string", _FIX)
    try:
        value.format(version="0.0.0")
    except (KeyError, IndexError, ValueError, AttributeError) as exc:
        raise AyonCondaError(path, f"'{label}' is not a template with only a {{version}} field ({type(exc).__name__}: "
                             f"{exc})", _FIX) from None
    return value


def _source_rule(data: Any, path: Path, where: str) -> SourceRule:
    if not isinstance(data, Mapping):
        raise AyonCondaError(path, f"'{where}source' is missing or not a mapping", _FIX)
    kinds = [k for k in SOURCE_KINDS if k in data]
    if len(kinds) != 1:
        raise AyonCondaError(
            path, f"'{where}source' needs exactly one of {', '.join(SOURCE_KINDS)}", _FIX
        )
    kind = kinds[0]
    location = _template(data[kind], path, f"{where}source.{kind}")
    if kind == "path":
        location = str((path.parent / location).resolve())
    strip = data.get("strip")
    if strip is not None:
        _template(strip, path, f"{where}source.strip")
    known = data.get("sha256") or {}
    if not isinstance(known, Mapping):
        raise AyonCondaError(path, f"'{where}source.sha256' must map versions to sha256", _FIX)
    with names_checked(path, _FIX):
        known = {names.version(k, f"{where}source.sha256 version"): names.sha256(str(v).lower(), f"{where}source.sha256")
                 for k, v in known.items()}
    return SourceRule(kind=kind, location=location, strip=strip, known_sha256=known)


#: What every message about a config's contents adds: the way to another config.
CHOOSE_ANOTHER = "or choose another config with --config PATH or AYON_CONDA_CONFIG"


def _shown(path: Path) -> str:
    """``path`` relative to the working directory when it is below it, else absolute."""
    absolute = Path(path).absolute()
    return str(absolute.relative_to(Path.cwd())) if absolute.is_relative_to(Path.cwd()) else str(absolute)


def load_config(path: Path | None = None, chosen_by: str | None = None) -> Config:
    """Read and check a component config; relative paths in it are relative to the file.

    Without ``path``, the one :func:`choose_config` finds (no bundle file).
    """
    if path is None:
        path, chosen_by = choose_config(None)
    path = Path(path)
    if not path.is_file():
        raise AyonCondaError(path, f"no such file (the component config, {chosen_by or BY_OPTION})",
                             "pass --config PATH or set AYON_CONDA_CONFIG")
    data = _load_yaml(path)
    if not isinstance(data, Mapping):
        raise AyonCondaError(path, "not a mapping at the top level", _FIX)

    package = _require(data, "package", path, Mapping)
    addons: dict[str, AddonConfig] = {}
    for name, entry in _require(data, "addons", path, Mapping).items():
        with names_checked(path, _FIX):
            names.addon_name(name, "addon name under 'addons:'")
        where = f"addons.{name}."
        if not isinstance(entry, Mapping):
            raise AyonCondaError(path, f"'addons.{name}' is not a mapping", _FIX)
        with names_checked(path, _FIX):
            client_dir = names.client_dir(entry.get("client_dir"), f"{where}client_dir")
        addons[name] = AddonConfig(name=name, client_dir=client_dir, source=_source_rule(entry.get("source"), path, where),
                                   leave_out=_leave_out(entry.get("leave_out"), path, where),
                                   compatibility=_compatibility(entry, path, where))

    with names_checked(path, _FIX):
        bake = tuple(names.addon_name(n, "addon name in 'bake:'") for n in _require(data, "bake", path, list))
        package_name = names.package_name(package.get("name"), "package.name")
    config_names = _load_conda_names(path, data)
    config = Config(
        path=path,
        package_name=package_name,
        python=str(_require(package, "python", path, str, "package.")),
        license=str(package.get("license", "")),
        summary=str(package.get("summary", "")),
        home=str(package.get("home", "")),
        bake=bake,
        addons=addons,
        requirements=tuple(_optional(data, "requirements", path, list)),
        exclude={normalize_name(k): str(v) for k, v in _optional(data, "exclude", path, dict).items()},
        conda_names=config_names,
        channels=_channels(data, path),
        chosen_by=chosen_by or BY_OPTION,
    )
    for name in bake:
        config.addon(name)  # every baked addon needs a source entry
    return config


def _leave_out(data: Any, path: Path, where: str) -> dict[str, str]:
    if data is None:
        return {}
    if not isinstance(data, Mapping) or not all(isinstance(k, str) and k and isinstance(v, str) and v
                                                for k, v in data.items()):
        raise AyonCondaError(path, f"'{where}leave_out' must map paths in the client package to why they are left out", _FIX)
    bad = next((k for k in data if k.startswith(("/", "../")) or "/../" in k or "\\" in k), None)
    if bad is not None:
        raise AyonCondaError(path, f"'{where}leave_out' pattern '{bad}' is not a path inside the client package",
                             "write it relative to the client package, e.g. 'tests/'")
    return {str(k): str(v) for k, v in data.items()}


def _compatibility(entry: Mapping[str, Any], path: Path, where: str) -> dict[str, str]:
    found: dict[str, str] = {}
    for key in COMPATIBILITY_KEYS:
        value = entry.get(key)
        if value is None:
            continue
        if not isinstance(value, str):
            raise AyonCondaError(path, f"'{where}{key}' must be a version range like '>=1.8.4,<2.0.0'", _FIX)
        try:
            found[key] = check_range(value, f"'{where}{key}'")
        except AyonCondaError as exc:
            raise AyonCondaError(path, f"{exc.subject} {exc.problem}", exc.fix) from None
    return found


def _channels(data: Mapping[str, Any], path: Path) -> tuple[str, ...]:
    channels = data.get("channels", list(DEFAULT_CHANNELS))
    if not isinstance(channels, list) or not channels or not all(isinstance(c, str) and c for c in channels):
        raise AyonCondaError(path, "'channels' must be a list of channel names or URLs", _FIX)
    return tuple(channels)


def _load_conda_names(path: Path, data: Mapping[str, Any]) -> dict[str, str]:
    ref = data.get("conda_names")
    if not ref:
        return {}
    names_path = path.parent / str(ref)
    names = _load_yaml(names_path)
    if not isinstance(names, Mapping):
        raise AyonCondaError(names_path, "must map PyPI names to conda-forge names", "fix the file")
    return {normalize_name(str(k)): str(v) for k, v in names.items()}
