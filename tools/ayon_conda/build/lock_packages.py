"""The conda packages one lock builds: one staging code path, a small difference per package.

``ayon-publish``
    every baked addon of the lock: the publish step runs from the package alone.
``ayon-publish-core``
    ayon-core alone, plus ``etc/conda/activate.d`` and ``deactivate.d`` scripts that sync the
    bundle's other addons from S3 into a node-local cache when the environment is activated
    ("option C": studios change addon versions without a package rebuild; see
    :mod:`ayon_publish.addon_sync`). It needs boto3 for that, as a conda run requirement, and it
    cannot share an environment with ``ayon-publish`` (both own ``site-packages/ayon_publish``).

Both carry the lock's vendored libraries and compiled run requirements: the synced addons need
them as much as the baked ones do. Both are pinned by the same scheme (DESIGN decision 1); the
core package's hash covers the core addon alone, so its spec follows from the bundle's core
version alone:

>>> from ayon_publish_submit.pin_scheme import spec_for_addons
>>> spec_for_addons("ayon-publish-core", {"core": "1.9.0"})
'ayon-publish-core ==1.9.0 pyhf529a990_*'
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ayon_publish_submit.pin_scheme import CORE_ADDON, Pin

from ayon_conda.errors import AyonCondaError
from ayon_conda.pin.lock import Lock, LockedAddon

#: Modules of ``recipe/ayon_publish`` in every package: the ``ayon`` bootstrap, its server check
#: and its self-check.
BOOTSTRAP_MODULES = ("__init__.py", "__main__.py", "bootstrap.py", "preflight.py", "self_check.py")
#: Modules the worker-side addon sync adds (imported by the activation scripts).
SYNC_MODULES = ("addon_store.py", "addon_sync.py", "file_lock.py", "names.py", "safe_archive.py", "shell_env.py")
#: The sync's S3 client; 1.28 is the oldest boto3 that reads AWS_ENDPOINT_URL itself.
BOTO3_REQUIREMENT = "boto3 >=1.28"
CORE_SUFFIX = "-core"
#: ``etc/conda/<kind>.d/<package>.<ext>``: bash/sh, cmd.exe and PowerShell.
ACTIVATION_KINDS = ("activate", "deactivate")
ACTIVATION_SHELLS = ("sh", "bat", "ps1")


@dataclass(frozen=True)
class Package:
    """One conda package of a lock: which addons it bakes and what it adds."""

    lock: Lock
    name: str
    addons: tuple[LockedAddon, ...]
    modules: tuple[str, ...]
    activation: bool = False  # ships the addon-sync activation scripts
    extra_depends: tuple[str, ...] = ()
    constrains: tuple[str, ...] = ()
    summary_note: str = ""  # appended to the lock's summary in about.json
    vendored: bool = True  # carries the lock's pure-Python wheels in ayon_publish/vendor

    @property
    def summary(self) -> str:
        return f"{self.lock.package.summary}{self.summary_note}"

    @property
    def addon_versions(self) -> dict[str, str]:
        return {a.name: a.version for a in self.addons}

    @property
    def pin(self) -> Pin:
        return Pin.for_addons(self.name, self.addon_versions, self.lock.package.build_number)

    @property
    def run_requirements(self) -> list[str]:
        """``index.json`` depends: python, then the compiled dependencies and extras, sorted."""
        python, *rest = self.lock.run_requirements
        return [python] + sorted([*rest, *self.extra_depends])

    def activation_scripts(self) -> dict[str, Path]:
        """Prefix-relative path -> source file of every activation script this package ships."""
        if not self.activation:
            return {}
        return {
            f"etc/conda/{kind}.d/{self.name}.{ext}": activation_source_dir() / f"{kind}.{ext}"
            for kind in ACTIVATION_KINDS
            for ext in ACTIVATION_SHELLS
        }


def activation_source_dir() -> Path:
    """``recipe/activation/``, beside the shipped ``ayon_publish`` package."""
    import ayon_publish

    return Path(ayon_publish.__file__).resolve().parent.parent / "activation"


def packages(lock: Lock) -> tuple[Package, ...]:
    """Every package of ``lock``, the full one first."""
    name = lock.package.name
    core = tuple(a for a in lock.addons if a.name == CORE_ADDON)
    return (
        Package(lock, name, lock.addons, BOOTSTRAP_MODULES),
        Package(
            lock,
            name + CORE_SUFFIX,
            core,
            BOOTSTRAP_MODULES + SYNC_MODULES,
            activation=True,
            extra_depends=(BOTO3_REQUIREMENT,),
            # never in one environment with the full package: both own site-packages/ayon_publish
            constrains=(f"{name} <0.0a0",),
            summary_note=" (ayon-core only; the bundle's other addons are synced from S3 on activation)",
        ),
    )


def package_named(lock: Lock, name: str | None) -> Package:
    """The package called ``name`` (default: the full one)."""
    choices = packages(lock)
    if name is None:
        return choices[0]
    for package in choices:
        if package.name == name:
            return package
    raise AyonCondaError(name, "is not a package of this lock", f"choose one of: {', '.join(p.name for p in choices)}")
