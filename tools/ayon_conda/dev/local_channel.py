"""``ayon-conda local-channel``: a conda channel on disk for verifying without conda-forge.

It holds ``python`` made from the running interpreter (:mod:`ayon_conda.dev.python_channel`)
and, for each lock given, the run requirements of the lock's packages (the compiled
dependencies under their conda names, and ayon-publish-core's boto3) made from PyPI wheels for
this interpreter (:mod:`ayon_conda.dev.wheel_channel`). ``ayon-conda verify PACKAGE --channel
DIR`` then installs and runs a package with no conda-forge access. The channel works only on the
machine that made it (its python is this interpreter): never publish it.
"""

from __future__ import annotations

import platform
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from packaging.requirements import InvalidRequirement
from packaging.requirements import Requirement as PepRequirement
from packaging.specifiers import SpecifierSet

from ayon_conda.build.lock_packages import packages
from ayon_conda.dev.python_channel import make_python_channel
from ayon_conda.dev.wheel_channel import add_wheel_packages
from ayon_conda.errors import AyonCondaError
from ayon_conda.pin.component_config import normalize_name
from ayon_conda.pin.lock import Lock
from ayon_conda.progress import Progress


@dataclass(frozen=True)
class LocalChannel:
    url: str
    python: str
    packages: tuple[Path, ...]  # the packages made from wheels

    def to_dict(self) -> dict:
        return {"channel": self.url, "python": self.python, "packages": [p.name for p in self.packages]}


def _pep508(spec: str, lock: Lock) -> str:
    """A conda run requirement (``boto3 >=1.28``) as a PyPI requirement (``boto3>=1.28``)."""
    name, _, constraint = spec.strip().partition(" ")
    text = name + constraint.replace(" ", "")
    try:
        PepRequirement(text)
    except InvalidRequirement:
        raise AyonCondaError(lock.path, f"run requirement '{spec}' has no PyPI equivalent",
                             "add its package to the channel yourself") from None
    return text


def lock_requirements(lock: Lock) -> tuple[list[str], dict[str, str]]:
    """PyPI requirements for the run requirements of every package of ``lock`` (python aside),
    and the conda name of each compiled distribution (normalized PyPI name -> conda name)."""
    python = platform.python_version()
    if not SpecifierSet(lock.python).contains(python):
        raise AyonCondaError(lock.path, f"needs python {lock.python}, this interpreter is {python}",
                             "run ayon-conda with a Python the lock supports")
    names = {normalize_name(r.pypi_name): r.conda_name for r in lock.conda_requirements}
    requirements = [f"{r.pypi_name}=={r.version}" for r in lock.conda_requirements]
    locked = {r.spec for r in lock.conda_requirements}
    for package in packages(lock):
        requirements += [_pep508(spec, lock) for spec in package.run_requirements[1:] if spec not in locked]
    return sorted(set(requirements)), names


def make_local_channel(directory: Path, locks: Sequence[Lock], requirements: Sequence[str],
                       progress: Progress) -> LocalChannel:
    """Create (or add to) the channel in ``directory``: python, the run requirements of
    ``locks`` and ``requirements`` (PEP 508), all for this interpreter."""
    directory = Path(directory).resolve()
    wanted, names = list(requirements), {}
    for lock in locks:
        more, lock_names = lock_requirements(lock)
        wanted += more
        names.update(lock_names)
    progress.step(f"Making python {platform.python_version()} from this interpreter in {directory}")
    url = make_python_channel(directory)
    made = add_wheel_packages(directory, sorted(set(wanted)), progress, conda_names=names) if wanted else []
    return LocalChannel(url, platform.python_version(), tuple(made))
