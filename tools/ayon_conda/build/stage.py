"""Staging: a package's files, laid out in a ``site-packages`` directory (DESIGN decision 6).

Every backend builds from this: the native backend stages into a scratch directory and archives
it; the rattler-build and conda-build recipes call ``ayon-conda stage`` with their ``$SP_DIR``
(and ``$PREFIX`` for the files outside site-packages). One code path for every package of a
lock (:mod:`ayon_conda.build.lock_packages`); layout, inside ``site-packages/ayon_publish/``::

    __init__.py, bootstrap.py, __main__.py   the ``ayon`` entry point (recipe/ayon_publish)
    addon_sync.py, ...                       ayon-publish-core: the worker-side addon sync
    build_info.json                          what was baked, for ``ayon --version``
    vendor/                                  the pure-Python wheels of the lock
    addons/{name}_{version}/{client_dir}/    the baked addons, in AYON's layout

and, for ayon-publish-core, beside site-packages in the prefix::

    etc/conda/activate.d/ayon-publish-core.{sh,bat,ps1}     (from recipe/activation/)
    etc/conda/deactivate.d/ayon-publish-core.{sh,bat,ps1}

Wheels are unpacked with pypa/installer (console scripts and data files of vendored libraries
are not shipped: they would land outside the private directory). Each ``*.dist-info/INSTALLER``
says ``conda``: rattler-build rewrites every such file in a package to ``conda\n`` without
touching ``RECORD``, so writing those bytes here keeps each ``RECORD`` true, and the payload the
same, whichever backend packages the tree (and a conda installer is what installs them).
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
from installer import install
from installer.destinations import SchemeDictionaryDestination
from installer.sources import WheelFile

from ayon_conda.build.lock_packages import Package
from ayon_conda.errors import AyonCondaError
from ayon_conda.pin.addon_tree import client_package_dir
from ayon_conda.pin.headless import check_requirements, check_vendor_dir
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


def inside(root: Path, *parts: str, origin: str) -> Path:
    """``root/parts...``, refused unless each part is one plain name and the result stays under
    ``root`` with symlinks resolved: whatever the names were checked for where they came in,
    staging and rendering never write outside their root.

    >>> inside(Path("/out"), "core_1.9.0", "ayon_core", origin="addon core")
    PosixPath('/out/core_1.9.0/ayon_core')
    >>> inside(Path("/out"), "core_0.2.0/../../../x", origin="addon core")
    Traceback (most recent call last):
    ...
    ayon_publish_submit.errors.UserError: addon core: 'core_0.2.0/../../../x' would be written outside /out; ...
    """
    target = root.joinpath(*parts)
    plain = all(p and p not in (".", "..") and "/" not in p and "\\" not in p and "\0" not in p for p in parts)
    if not plain or not target.resolve().is_relative_to(root.resolve()):
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
    }


def _shipped_source_dir() -> Path:
    import ayon_publish

    return Path(ayon_publish.__file__).resolve().parent


#: The ``*.dist-info/INSTALLER`` of every vendored distribution (what rattler-build writes there).
INSTALLER = b"conda\n"


def install_wheel(wheel: Path, vendor: Path, scratch: Path) -> None:
    """Unpack a wheel's importable files into ``vendor`` (scripts, headers and data go to ``scratch``)."""
    discard = {key: str(scratch / key) for key in ("headers", "scripts", "data")}
    destination = SchemeDictionaryDestination(
        scheme_dict={"purelib": str(vendor), "platlib": str(vendor), **discard},
        interpreter="python",
        script_kind="posix",
        bytecode_optimization_levels=(),
    )
    with WheelFile.open(wheel) as source:
        install(source, destination, additional_metadata={"INSTALLER": INSTALLER})


def stage(
    package: Package,
    addon_trees: Mapping[str, Path],
    wheels: Mapping[str, Path],
    site_packages: Path,
    prefix: Path | None = None,
    vendor_from: Path | None = None,
) -> StagedTree:
    """Write ``package``'s files under ``site_packages`` (and ``prefix``) from verified sources and wheels."""
    lock = package.lock
    check_requirements(str(lock.path), [d.name for d in lock.vendored], [r.conda_name for r in lock.conda_requirements])
    scripts = package.activation_scripts()
    if scripts and prefix is None:
        raise AyonCondaError(package.name, "ships activation scripts outside site-packages",
                             "pass --prefix (a recipe passes $PREFIX)")
    tree = StagedTree(Path(site_packages), Path(prefix) if prefix is not None else None)
    tree.package_dir.mkdir(parents=True, exist_ok=True)
    shipped = _shipped_source_dir()
    for name in package.modules:
        shutil.copyfile(shipped / name, tree.package_dir / name)
    (tree.package_dir / "build_info.json").write_text(
        json.dumps(build_info(package), indent=2, sort_keys=True) + "\n", encoding="utf-8"
    )
    for rel, source in scripts.items():
        target = inside(tree.prefix, *rel.split("/"), origin=package.name)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)

    if package.vendored and vendor_from is not None:
        # the lock's wheels, installed for another package of the same build: link, don't unpack again
        shutil.copytree(vendor_from, tree.vendor_dir, copy_function=os.link)
    elif package.vendored:
        tree.vendor_dir.mkdir(exist_ok=True)
        # The discarded scheme dirs sit beside the vendor dir at a fixed relative place, so the
        # RECORD files installer writes are the same whatever the staging directory is.
        scratch = tree.package_dir / ".discard"
        try:
            for dist in lock.vendored:
                install_wheel(wheels[dist.name], tree.vendor_dir, scratch)
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
        check_vendor_dir(tree.vendor_dir)

    for addon in package.addons:
        origin = f"addon {addon.name} {addon.version}"
        src = client_package_dir(addon_trees[addon.name], addon.client_dir, origin)
        dst = inside(tree.addons_dir, addon_dir_name(addon.name, addon.version), addon.client_dir, origin=origin)
        for rel, path in iter_tree(src, origin):
            if addon.leaves_out(rel.as_posix()):
                continue
            target = inside(dst, *rel.parts, origin=origin)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, target)
    return tree
