"""``ayon-conda pin``: a bundle and the component config become a lock.

The flow: pick the baked addons from the bundle -> fetch and hash each addon's source -> read
their client dependencies -> resolve everything with uv -> prove the compiled run requirements
install for the package's Python range -> write the lock.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timezone
from pathlib import Path

from ayon_publish_submit.bundle import Bundle
from ayon_publish_submit.pin_scheme import CORE_ADDON, MissingAddon, baked_versions, conda_version

from ayon_conda.errors import AyonCondaError
from ayon_conda.pin.addon_sources import Sources
from ayon_conda.pin.addon_tree import addon_meta, check_version, client_package_dir
from ayon_conda.pin.client_pyproject import client_requirements
from ayon_conda.pin.component_config import AddonConfig, Config
from ayon_conda.pin.lock import COMPATIBILITY_KEYS, Lock, LockedAddon, PackageInfo, Requirement, RunCheck
from ayon_conda.pin.python_deps import resolve
from ayon_conda.pin.run_requirements import check_run_requirements
from ayon_conda.pin.source_archives import iter_tree
from ayon_conda.progress import Progress
from ayon_conda.reproducible_zip import ZIP_EPOCH_MAX, ZIP_EPOCH_MIN


def source_date_epoch(bundle: Bundle) -> int:
    """Build timestamp derived from the bundle: its ``createdAt``, else 1980-01-01 (zip files
    cannot hold earlier dates)."""
    created = bundle.raw.get("createdAt")
    if not created:
        return ZIP_EPOCH_MIN
    try:
        moment = datetime.fromisoformat(str(created).replace("Z", "+00:00"))
    except ValueError:
        raise AyonCondaError(bundle.origin, f"createdAt '{created}' is not an ISO date", "fix the bundle") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    try:
        epoch = int(moment.timestamp())
    except (OverflowError, ValueError):
        epoch = ZIP_EPOCH_MAX + 1
    if epoch > ZIP_EPOCH_MAX:
        raise AyonCondaError(bundle.origin, f"createdAt '{created}' is after 2107, the last date a zip can hold",
                             "fix the bundle") from None
    return max(ZIP_EPOCH_MIN, epoch)


def _compatibility(tree: Path, addon: AddonConfig, version: str, config: Config, progress: Progress) -> dict[str, str]:
    """The config's compatibility ranges the addon's ``package.py`` does not give (see
    ``AddonConfig.compatibility``). A range both give must agree; a missing server range is
    warned about, since ``resolve`` then cannot check the AYON server against the package."""
    meta = addon_meta(tree)
    recorded: dict[str, str] = {}
    for key in COMPATIBILITY_KEYS:
        own, configured = getattr(meta, key), addon.compatibility.get(key)
        if own is not None and configured is not None and own != configured:
            raise AyonCondaError(config.path, f"addons.{addon.name}.{key} is '{configured}' but addon {addon.name} "
                                 f"{version}'s package.py says '{own}'", "remove it from the config: package.py is the addon's own")
        if own is None and configured is not None:
            recorded[key] = configured
    if meta.ayon_server_version is None and "ayon_server_version" not in recorded:
        why = " (an AYON server serves no package.py)" if addon.source.kind == "server" else ""
        progress.step(f"warning: addon {addon.name} {version} records no ayon_server_version{why}; set "
                      f"addons.{addon.name}.ayon_server_version in {config.path.name} to the range of its package.py "
                      "so resolve can check an AYON server against the package")
    return recorded


def baked_addons(bundle: Bundle, config: Config, extra: tuple[str, ...] = ()) -> dict[str, str]:
    """The addons the package bakes, with the bundle's versions."""
    names = tuple(dict.fromkeys((*config.bake, *extra)))
    for name in names:
        config.addon(name)
    try:
        return baked_versions(bundle.addons, names)
    except MissingAddon as exc:
        if exc.name == CORE_ADDON:
            raise AyonCondaError(
                bundle.origin, f"bundle '{bundle.name}' has no '{CORE_ADDON}' addon",
                "the package version is ayon-core's: add core to the bundle",
            ) from None
        raise AyonCondaError(
            bundle.origin, f"bundle '{bundle.name}' has no '{exc.name}' addon, which the package bakes",
            f"add {exc.name} to the bundle, or remove it from 'bake' in {config.path.name}",
        ) from None


def _warn_unmatched(addon: LockedAddon, client: Path, progress: Progress) -> None:
    """A leave_out pattern that matches nothing is most likely a typo: say so (not an error, a
    newer addon version may simply have dropped what it names)."""
    used = {addon.leaves_out(rel.as_posix()) for rel, _ in iter_tree(client, f"addon {addon.name}")}
    for pattern in addon.leave_out:
        if pattern not in used:
            progress.step(f"warning: leave_out '{pattern}' of addon {addon.name} {addon.version} matches nothing "
                          f"in client/{addon.client_dir}")


def make_lock(
    bundle: Bundle,
    config: Config,
    sources: Sources,
    lock_path: Path,
    progress: Progress,
    *,
    build_number: int = 0,
    extra_addons: tuple[str, ...] = (),
    exclude_newer: str | None = None,
    run_channels: Sequence[str] | None = (),
    endpoint_url: str | None = None,
) -> Lock:
    """Pin ``bundle``: the returned lock is not written yet.

    ``run_channels``: where the compiled run requirements come from, to prove they install
    (:mod:`ayon_conda.pin.run_requirements`); empty: the config's ``channels``; None: not checked
    (recorded as skipped).
    """
    addons = baked_addons(bundle, config, extra_addons)
    locked: list[LockedAddon] = []
    requirements = [Requirement(r, f"{config.path.name} (requirements)") for r in config.requirements]
    for name, version in addons.items():
        addon = config.addon(name)
        progress.step(f"Fetching addon {name} {version} ({addon.source.kind})")
        try:
            source, tree = sources.pin(addon, version)
        except AyonCondaError as exc:
            raise config.source_error(exc, name) from None
        origin = f"addon {name} {version}"
        client_package_dir(tree, addon.client_dir, origin)
        check_version(tree, version, origin)
        requirements += client_requirements(tree, origin, config.exclude)
        locked.append(LockedAddon(name, version, addon.client_dir, source, dict(addon.leave_out),
                                  _compatibility(tree, addon, version, config, progress)))
        _warn_unmatched(locked[-1], client_package_dir(tree, addon.client_dir, origin), progress)

    resolution = resolve(requirements, config, progress, exclude_newer=exclude_newer, offline=sources.offline)
    specs = [r.spec for r in resolution.conda]
    if run_channels is None:
        run_check = RunCheck((), config.python, (), skipped=True) if specs else None
    else:
        run_check = check_run_requirements(specs, config.python, list(run_channels or config.channels), progress,
                                           endpoint_url=endpoint_url)
    package = PackageInfo(
        name=config.package_name,
        version=conda_version(addons[CORE_ADDON]),
        build_number=build_number,
        python=config.python,
        license=config.license,
        summary=config.summary,
        home=config.home,
        source_date_epoch=source_date_epoch(bundle),
    )
    return Lock(
        bundle=bundle.raw,
        package=package,
        addons=tuple(locked),
        vendored=resolution.vendored,
        conda_requirements=resolution.conda,
        requirements=tuple(requirements),
        run_check=run_check,
        path=Path(lock_path).resolve(),
    )
