"""``ayon-conda addons upload``: a bundle's addons to S3, for the worker-side sync (option C).

Studios change addon versions without rebuilding a package: workers run ``ayon-publish-core``
(ayon-core alone), whose activation syncs the bundle's other addons from what this uploads
(:mod:`ayon_publish.addon_sync`). The S3 layout and the manifest formats are defined once, in
the shipped :mod:`ayon_publish.addon_store`, which the worker reads with.

The flow: for every addon of the bundle (minus ``--exclude``) fetch its client code from the
component config's source, or, for addons the config does not list, from the AYON server's
``client.zip`` (:class:`ayon_conda.pin.addon_sources.Sources`, sha256-checked like ``pin``) -> zip
``client/<client_dir>`` deterministically -> if the addon's manifest is already in S3, the same
files (tree sha256) are "already present" and other files are refused -> the new addons' client
dependencies resolved as ``pin`` resolves them, the pure-Python wheels that ayon-publish-core
does not vendor kept beside the addon, compiled ones recorded as conda packages -> upload the
wheels and the archive (content-addressed), then the addon manifest -> last, the bundle
manifest, built from the published entries. Append-only like the channel (DESIGN decision 8): nothing is overwritten, an
identical re-upload reports "already present", and objects go up before the manifest naming them.
"""

from __future__ import annotations

import hashlib
import io
import stat
import zipfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from ayon_publish import addon_store, names
from ayon_publish.addon_store import AddonEntry, CondaDep, ManifestError, PythonDep
from ayon_publish_submit.bundle import Bundle
from ayon_publish_submit.pin_scheme import CORE_ADDON

from ayon_conda import s3
from ayon_conda.errors import AyonCondaError, names_checked
from ayon_conda.pin.addon_sources import Sources
from ayon_conda.pin.addon_tree import check_version, client_package_dir, find_client_dir
from ayon_conda.build.vendored_wheels import wheel_for
from ayon_conda.pin.bundle_source import checked_bundle
from ayon_conda.pin.client_pyproject import client_requirements
from ayon_conda.pin.component_config import AddonConfig, Config, SourceRule
from ayon_conda.pin.lock import Requirement
from ayon_conda.pin.python_deps import pulled_in, resolve
from ayon_conda.pin.source_archives import iter_tree, tree_sha256
from ayon_conda.progress import Progress
from ayon_conda.reproducible_zip import ZIP_EPOCH_MIN, zip_entry

#: Zip entries' date: 1980-01-01, the earliest a zip can hold (the bytes must not depend on mtimes).
SERVER_CLIENT_FILE = "client.zip"
_ADDON_PUBLISHED = "a published addon version never changes: publish the changed addon under a new version"
_BUNDLE_PUBLISHED = "a bundle's manifest never changes: make a new bundle in AYON and upload that"
S3_KEY_LIMIT = 1024  # bytes of UTF-8, S3's limit for an object key


@dataclass(frozen=True)
class UploadedAddon:
    entry: AddonEntry
    status: str  # s3.CREATED or s3.ALREADY_PRESENT

    def to_dict(self, location: s3.S3Location) -> dict[str, Any]:
        e = self.entry
        return {"name": e.name, "version": e.version, "client_dir": e.client_dir, "sha256": e.sha256,
                "size": e.size, "archive": f"s3://{location.bucket}/{location.key(e.archive)}", "status": self.status,
                "python": [dict(d.to_dict(), archive=f"s3://{location.bucket}/{location.key(e.wheel(d))}") for d in e.python],
                "conda": [d.to_dict() for d in e.conda]}


@dataclass(frozen=True)
class UploadResult:
    location: s3.S3Location
    bundle: str
    manifest_status: str
    addons: tuple[UploadedAddon, ...]
    excluded: tuple[str, ...]

    @property
    def manifest_url(self) -> str:
        return f"s3://{self.location.bucket}/{self.location.key(addon_store.bundle_manifest_key(self.bundle))}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "location": self.location.url,
            "bundle": self.bundle,
            "manifest": {"url": self.manifest_url, "status": self.manifest_status},
            "addons": [a.to_dict(self.location) for a in self.addons],
            "excluded": list(self.excluded),
        }


def client_zip(package_dir: Path, client_dir: str, origin: str) -> tuple[bytes, int]:
    """The addon's client package as a deterministic zip of ``<client_dir>/...`` entries, and
    the number of files: sorted, fixed dates and modes, build by-products left out."""
    buffer = io.BytesIO()
    count = 0
    with zipfile.ZipFile(buffer, "w") as zf:
        for rel, path in sorted(iter_tree(package_dir, origin), key=lambda item: item[0].as_posix()):
            mode = 0o755 if path.stat().st_mode & stat.S_IXUSR else 0o644
            entry = zip_entry(f"{client_dir}/{rel.as_posix()}", ZIP_EPOCH_MIN, compress=zipfile.ZIP_DEFLATED, mode=mode)
            zf.writestr(entry, path.read_bytes(), compresslevel=9)
            count += 1
    return buffer.getvalue(), count


def addon_sources(bundle: Bundle, config: Config, *, server: bool, exclude: Iterable[str]) -> dict[str, AddonConfig]:
    """Where each addon to upload comes from: its config entry, else the AYON server's client.zip."""
    excluded = set(exclude)
    unknown = sorted(excluded - set(bundle.addons))
    if unknown:
        raise AyonCondaError(f"--exclude {unknown[0]}", f"bundle '{bundle.name}' has no such addon",
                             f"choose from: {', '.join(sorted(bundle.addons))}")
    chosen, missing = {}, []
    for name in sorted(set(bundle.addons) - excluded):
        if name in config.addons:
            chosen[name] = config.addons[name]
        elif server:
            chosen[name] = AddonConfig(name, "", SourceRule("server", SERVER_CLIENT_FILE))
        else:
            missing.append(name)
    if missing:
        raise AyonCondaError(
            config.path, f"has no source for addon{'s' if len(missing) > 1 else ''} {', '.join(missing)} "
            f"of bundle '{bundle.name}'",
            "add them under 'addons:', pass --server URL to take them from the AYON server, or leave them out with --exclude NAME",
        )
    return chosen


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass(frozen=True)
class _Prepared:
    """One addon, fetched, zipped and checked against S3: what to write, or that it is there."""

    entry: AddonEntry
    tree: Path
    archive: bytes | None  # None when already present
    files_sha256: str = ""
    files: int = 0
    wheels: tuple[tuple[PythonDep, Path], ...] = ()

    @property
    def manifest(self) -> bytes:
        return addon_store.dumps(addon_store.addon_manifest(self.entry, self.files_sha256, self.files))


def _prepare(client: Any, location: s3.S3Location, name: str, version: str, tree: Path, client_dir: str) -> _Prepared:
    """Zip one addon and compare it with what S3 holds; refuses before anything is written.
    An addon already published keeps the dependencies it was published with."""
    origin = f"addon {name} {version}"
    package_dir = client_package_dir(tree, client_dir, origin)
    files_sha = tree_sha256(package_dir, origin)
    manifest_key = location.key(addon_store.addon_manifest_key(name, version))
    existing = s3.get_or_none(client, location.bucket, manifest_key)
    if existing is not None:
        manifest_url = f"s3://{location.bucket}/{manifest_key}"
        try:
            published, published_files = addon_store.parse_addon_manifest(existing)
        except ManifestError as exc:
            raise AyonCondaError(manifest_url, f"is not an addon manifest ({exc})", "check who writes to this prefix") from None
        if (published_files, published.client_dir) != (files_sha, client_dir):
            raise AyonCondaError(manifest_url, f"{name} {version} is already published with other files "
                                 f"(tree sha256 {published_files[:12]}..., this one {files_sha[:12]}...)", _ADDON_PUBLISHED)
        return _Prepared(published, tree, None)
    data, count = client_zip(package_dir, client_dir, origin)
    return _Prepared(AddonEntry(name, version, client_dir, _sha256(data), len(data)), tree, data, files_sha, count)


def _with_dependencies(prepared: list[_Prepared], config: Config, progress: Progress, *,
                       offline: bool, wheelhouse: Path | None) -> list[_Prepared]:
    """The new addons (but core) with the client dependencies they bring.

    One resolve for the whole upload, with ``pin``'s resolver and rules
    (:func:`ayon_conda.pin.python_deps.resolve`: uv, one version per distribution, Qt refused,
    compiled ones mapped to conda-forge names or refused), over the config's requirements,
    ayon-core's and every new addon's. What ayon-core and the config's requirements pull in is
    what ``ayon-publish-core`` vendors, so each addon gets only the rest of what its own
    requirements pull in: pure-Python wheels (fetched and sha256-checked as ``build`` does) and
    compiled ones as conda packages the environment must hold.
    """
    def requirements_of(item: _Prepared) -> list[Requirement]:
        e = item.entry
        return client_requirements(item.tree, f"addon {e.name} {e.version}", config.exclude)

    new = [p for p in prepared if p.archive is not None and p.entry.name != CORE_ADDON]
    own = {p.entry.name: requirements_of(p) for p in new}
    if not any(own.values()):
        return prepared
    base = [Requirement(r, f"{config.path.name} (requirements)") for r in config.requirements]
    base += [r for p in prepared if p.entry.name == CORE_ADDON for r in requirements_of(p)]
    resolution = resolve([*base, *(r for reqs in own.values() for r in reqs)], config, progress, offline=offline)
    provided = pulled_in(resolution, {r.origin for r in base})
    vendored = {d.name for d in provided.vendored} | {r.pypi_name for r in provided.conda}
    done = []
    for item in prepared:
        reqs = own.get(item.entry.name)
        if not reqs:
            done.append(item)
            continue
        brings = pulled_in(resolution, {r.origin for r in reqs})
        wheels = tuple((dist, wheel_for(dist, progress, wheelhouse=wheelhouse, offline=offline, cache=None))
                       for dist in brings.vendored if dist.name not in vendored)
        python = tuple(PythonDep(d.name, d.version, d.file, d.sha256, path.stat().st_size) for d, path in wheels)
        conda = tuple(CondaDep(r.pypi_name, r.version, r.conda_name) for r in brings.conda if r.pypi_name not in vendored)
        if conda:
            progress.step(f"Addon {item.entry.name} {item.entry.version} needs compiled "
                          f"{', '.join(f'{c.name} {c.version}' for c in conda)}: the workers' environment must hold the "
                          f"conda package{'s' if len(conda) > 1 else ''} {', '.join(c.conda_name for c in conda)}")
        entry = item.entry._replace(python=python, conda=conda)
        done.append(replace(item, entry=entry, wheels=tuple(zip(python, (path for _, path in wheels)))))
    return done


def _check_key_lengths(location: s3.S3Location, keys: Iterable[str]) -> None:
    for key in keys:
        full = location.key(key)
        if len(full.encode("utf-8")) > S3_KEY_LIMIT:
            raise AyonCondaError(f"s3://{location.bucket}/{full[:60]}...", f"the key is {len(full.encode('utf-8'))} bytes "
                                 f"long, and S3 allows {S3_KEY_LIMIT}", "upload to a shorter --to prefix")


def upload_addons(
    bundle: Bundle,
    config: Config,
    sources: Sources,
    location: s3.S3Location,
    client: Any,
    progress: Progress,
    *,
    exclude: Iterable[str] = (),
) -> UploadResult:
    """Upload every addon of ``bundle`` (but ``exclude``) and then the bundle's manifest.

    Everything is checked before the first write: every name and version, every addon fetched,
    zipped and compared with what S3 already holds, the new addons' client dependencies resolved
    and their wheels fetched (:func:`_with_dependencies`), the bundle's manifest too, and every
    key's length. Then the wheels, archives and addon manifests are written, and the bundle
    manifest last. Wheels come from ``sources``' wheelhouse, the cache or the index, as ``build``'s do.
    """
    checked_bundle(bundle)
    chosen = addon_sources(bundle, config, server=sources.server is not None, exclude=exclude)
    if not chosen:
        raise AyonCondaError(bundle.origin, f"bundle '{bundle.name}' has no addons to upload",
                             "a bundle manifest is permanent: upload a bundle with addons (and fewer --exclude)")
    bundle_key = addon_store.bundle_manifest_key(bundle.name)
    fetched = []
    for name, addon in chosen.items():
        version = bundle.addons[name]
        origin = f"addon {name} {version}"
        progress.step(f"Fetching addon {name} {version} ({addon.source.kind})")
        try:
            _, tree = sources.pin(addon, version)
        except AyonCondaError as exc:
            raise config.source_error(exc, name) if name in config.addons else exc from None
        check_version(tree, version, origin)
        with names_checked(origin, "fix client_dir in the component config, or the addon's client package"):
            client_dir = names.client_dir(addon.client_dir or find_client_dir(tree, origin))
        entry = AddonEntry(name, version, client_dir, "0" * 64, 0)
        _check_key_lengths(location, (entry.archive, addon_store.addon_manifest_key(name, version), bundle_key))
        fetched.append((name, version, tree, client_dir))
    prepared = [_prepare(client, location, *addon) for addon in fetched]
    prepared = _with_dependencies(prepared, config, progress, offline=sources.offline, wheelhouse=sources.wheelhouse)
    _check_key_lengths(location, (p.entry.wheel(dep) for p in prepared for dep, _ in p.wheels))
    manifest = addon_store.dumps(addon_store.bundle_manifest(bundle.name, [p.entry for p in prepared]))
    existing = s3.get_or_none(client, location.bucket, location.key(bundle_key))
    if existing is not None and existing != manifest:
        raise AyonCondaError(f"s3://{location.bucket}/{location.key(bundle_key)}",
                             "already exists with other addons or versions", _BUNDLE_PUBLISHED)

    uploaded = []
    for item in prepared:
        e = item.entry
        if item.archive is None:
            progress.step(f"Addon {e.name} {e.version}: already present")
            uploaded.append(UploadedAddon(e, s3.ALREADY_PRESENT))
            continue
        wheels_size = sum(dep.size for dep, _ in item.wheels)
        progress.step(f"Addon {e.name} {e.version}: uploading {(e.size + wheels_size) / 1e6:.2f} MB"
                      + (f" with {len(item.wheels)} wheel{'s' if len(item.wheels) > 1 else ''}" if item.wheels else ""))
        for dep, path in item.wheels:  # content-addressed; another addon version may hold the same bytes
            s3.put_create_only(client, location.bucket, location.key(e.wheel(dep)), path.read_bytes(), dep.sha256,
                               content_type="application/zip")
        s3.put_create_only(client, location.bucket, location.key(e.archive), item.archive, e.sha256,
                           content_type="application/zip")
        s3.put_create_only(client, location.bucket, location.key(addon_store.addon_manifest_key(e.name, e.version)),
                           item.manifest, _sha256(item.manifest), content_type="application/json",
                           conflict_fix=_ADDON_PUBLISHED)
        uploaded.append(UploadedAddon(e, s3.CREATED))
    status = s3.put_create_only(client, location.bucket, location.key(bundle_key), manifest, _sha256(manifest),
                                content_type="application/json", conflict_fix=_BUNDLE_PUBLISHED)
    result = UploadResult(location, bundle.name, status, tuple(uploaded), tuple(sorted(set(exclude))))
    progress.step(f"Bundle {bundle.name}: {result.manifest_url} ({status})")
    return result


def workers_env(location: s3.S3Location, bundle: str) -> Mapping[str, str]:
    """What a worker needs to sync this bundle from ``location``."""
    return {"AYON_ADDONS_S3_URI": location.url, "AYON_BUNDLE_NAME": bundle}
