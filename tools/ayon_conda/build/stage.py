"""Staging: a package's files, laid out in a ``site-packages`` directory (DESIGN decision 6).

Every backend builds from this: the native backend stages into a scratch directory and archives
it; the rattler-build and conda-build recipes call ``ayon-conda stage`` with their ``$SP_DIR``
(and ``$PREFIX`` for the files outside site-packages). One code path for every package of a
lock (:mod:`ayon_conda.build.lock_packages`); layout, inside ``site-packages/ayon_publish/``::

    __init__.py, bootstrap.py, __main__.py   the ``ayon`` entry point (recipe/ayon_publish)
    addon_sync.py, ...                       ayon-publish-core: the worker-side addon sync
    build_info.json                          what was baked, for ``ayon --version``
    launcher/version.py                      ``AYON_ROOT``: the launcher version ayon-core reads
    vendor/                                  the pure-Python wheels of the lock
    addons/{name}_{version}/{client_dir}/    the baked addons, in AYON's layout

and, for ayon-publish-core, beside site-packages in the prefix::

    etc/conda/activate.d/ayon-publish-core.{sh,bat,ps1}     (from recipe/activation/)
    etc/conda/deactivate.d/ayon-publish-core.{sh,bat,ps1}

The vendored wheels come unpacked (:mod:`ayon_conda.build.vendor_tree`): staging only links or
copies them.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from ayon_publish import names
from ayon_publish.addon_store import addon_dir_name

from ayon_conda.build.lock_packages import Package
from ayon_conda.build.vendor_tree import link_tree
from ayon_conda.errors import AyonCondaError
from ayon_conda.pin.addon_tree import client_package_dir
from ayon_conda.pin.headless import check_vendor_dir
from ayon_conda.pin.source_archives import iter_tree

PACKAGE_DIR = "ayon_publish"
ENTRY_POINT = "ayon = ayon_publish.bootstrap:main"


@dataclass(frozen=True)
class StagedTree:
    site_packages: Path
    prefix: Path | None = None  # where files outside site-packages went (activation scripts)

    @property
    def package_dir(self) -> Path:
        return self.site_packages / PACKAGE_DIR

    @property
    def vendor_dir(self) -> Path:
        return self.package_dir / "vendor"

    @property
    def addons_dir(self) -> Path:
        return self.package_dir / "addons"


def inside(root: Path, *parts: str, origin: str, resolve: bool = True) -> Path:
    """``root/parts...``, refused unless each part is one plain name and the result stays under
    ``root`` with symlinks resolved: whatever the names were checked for where they came in,
    staging and rendering never write outside their root. ``resolve=False`` skips resolving
    symlinks (a few syscalls a file): only for files under a root that this code made and checked,
    in which nothing made a link.

    >>> inside(Path("/out"), "core_1.9.0", "ayon_core", origin="addon core")
    PosixPath('/out/core_1.9.0/ayon_core')
    >>> inside(Path("/out"), "core_0.2.0/../../../x", origin="addon core")
    Traceback (most recent call last):
    ...
    ayon_publish_submit.errors.UserError: addon core: 'core_0.2.0/../../../x' would be written outside /out; ...
    """
    target = root.joinpath(*parts)
    plain = all(p and p not in (".", "..") and "/" not in p and "\\" not in p and "\0" not in p for p in parts)
    if not plain or (resolve and not target.resolve().is_relative_to(root.resolve())):
        raise AyonCondaError(origin, f"{names.shown('/'.join(parts))} would be written outside {root}",
                             "check the names in the lock (pin again) and that the output holds no symlinks")
    return target


def build_info(package: Package) -> dict:
    pin, lock = package.pin, package.lock
    return {
        "package": {"name": pin.name, "version": pin.version, "build": pin.build, "spec": pin.spec},
        "bundle": {k: lock.bundle.get(k) for k in ("name", "installerVersion") if k in lock.bundle},
        "addons": {
            a.name: {"version": a.version, "client_dir": a.client_dir, "dir": addon_dir_name(a.name, a.version)}
            for a in package.addons
        },
        "vendored": {d.name: d.version for d in lock.vendored},
        # the AYON launcher the package stands in for: the bundle's installer version
        "launcher": {"version": str(lock.bundle.get("installerVersion") or pin.version)},
    }


def _shipped_source_dir() -> Path:
    import ayon_publish

    return Path(ayon_publish.__file__).resolve().parent


def _copy(src: Path, dst: Path, link: bool) -> None:
    """A link or a copy; either way the file keeps its executable bit (the archive keeps only
    that of a file's mode), so linked and copied trees archive alike."""
    if link:
        try:
            os.link(src, dst)
            return
        except OSError:
            pass  # another file system: copy
    shutil.copy(src, dst)


def stage(
    package: Package,
    addon_trees: Mapping[str, Path],
    vendor: Path | None,
    site_packages: Path,
    prefix: Path | None = None,
    *,
    link: bool = False,
) -> StagedTree:
    """Write ``package``'s files under ``site_packages`` (and ``prefix``) from verified addon trees
    and the unpacked vendored set (:func:`ayon_conda.build.vendor_tree.vendor_tree`).

    ``link``: hard-link the addon and vendored files instead of copying them; only for a tree
    that nothing writes to before it is archived (the native backend's), since the links share
    their bytes with the cache.
    """
    scripts = package.activation_scripts()
    if scripts and prefix is None:
        raise AyonCondaError(package.name, "ships activation scripts outside site-packages",
                             "pass --prefix (a recipe passes $PREFIX)")
    tree = StagedTree(Path(site_packages), Path(prefix) if prefix is not None else None)
    tree.package_dir.mkdir(parents=True, exist_ok=True)
    shipped = _shipped_source_dir()
    for name in package.modules:
        shutil.copyfile(shipped / name, tree.package_dir / name)
    info = build_info(package)
    (tree.package_dir / "build_info.json").write_text(json.dumps(info, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    launcher = tree.package_dir / "launcher"
    launcher.mkdir(exist_ok=True)
    (launcher / "version.py").write_text(f"__version__ = {info['launcher']['version']!r}\n", encoding="utf-8")
    for rel, source in scripts.items():
        target = inside(tree.prefix, *rel.split("/"), origin=package.name)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)

    if package.vendored:
        if vendor is None:
            raise AyonCondaError(package.name, "vendors the lock's wheels, but none were unpacked", "report this as a bug")
        if link:
            link_tree(vendor, tree.vendor_dir)
        else:
            shutil.copytree(vendor, tree.vendor_dir)
        check_vendor_dir(tree.vendor_dir)

    for addon in package.addons:
        origin = f"addon {addon.name} {addon.version}"
        src = client_package_dir(addon_trees[addon.name], addon.client_dir, origin)
        dst = inside(tree.addons_dir, addon_dir_name(addon.name, addon.version), addon.client_dir, origin=origin)
        for rel, path in iter_tree(src, origin):
            if addon.leaves_out(rel.as_posix()):
                continue
            target = inside(dst, *rel.parts, origin=origin, resolve=False)  # dst was checked, then made here
            target.parent.mkdir(parents=True, exist_ok=True)
            _copy(path, target, link)
    return tree
