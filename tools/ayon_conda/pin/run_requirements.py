"""Proof that a lock's compiled run requirements install, for each Python the package claims.

Compiled dependencies become conda run requirements (``pillow ==9.5.0``) of a ``noarch:
python`` package whose Python range (``>=3.9``) comes from the component config. A worker whose
environment has a Python that no build of such a requirement supports would fail at job time;
conda-forge's pillow 9.5.0, for one, has no build for Python 3.12. So ``pin`` solves the run
requirements with py-rattler for every Python minor version in the range that the channels
offer, on every platform the package serves (``linux-64``, ``win-64``), and narrows the
package's ``python`` run requirement to the versions where all of them solve. The result is
recorded in the lock (and from there in ``about.json`` and ``index.json``). If no version
solves, pin fails naming the requirements and the Python versions.

Only the records of the packages involved are fetched (py-rattler's gateway reads sharded
repodata where the channel has it, as conda-forge does). Platforms are solved with the virtual
packages of a typical worker (``__glibc`` 2.28 for Linux, ``__win`` for Windows), not the
machine's own. A platform the channels have no Python for is named as not checked; with none at
all the check fails. Without compiled requirements there is nothing to prove and the range is
kept as configured.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import InvalidVersion, Version

from ayon_conda import rattler_channels
from ayon_conda.errors import AyonCondaError, Unreachable
from ayon_conda.pin.lock import RunCheck, minor_key
from ayon_conda.progress import Progress

#: conda subdirs of the platforms the package serves (lock.SERVED).
SUBDIRS = ("linux-64", "win-64")
#: What a worker offers the solver, per subdir: glibc of the oldest common worker base (EL8).
_VIRTUAL = {"linux-64": (("__unix", "0"), ("__linux", "5.10"), ("__glibc", "2.28")), "win-64": (("__win", "0"),)}


def python_spec(minors: Sequence[str]) -> str:
    """The conda version spec of exactly ``minors`` (each a ``major.minor``), as ranges.

    >>> python_spec(["3.9", "3.10", "3.11"])
    '>=3.9,<3.12'
    >>> python_spec(["3.9", "3.11"])
    '>=3.9,<3.10|>=3.11,<3.12'
    """
    ordered = sorted(set(minors), key=minor_key)
    runs: list[list[tuple[int, ...]]] = []
    for minor in map(minor_key, ordered):
        if runs and runs[-1][-1][0] == minor[0] and runs[-1][-1][1] + 1 == minor[1]:
            runs[-1].append(minor)
        else:
            runs.append([minor])
    return "|".join(f">={r[0][0]}.{r[0][1]},<{r[-1][0]}.{r[-1][1] + 1}" for r in runs)


def _declared(python: str) -> SpecifierSet:
    try:
        return SpecifierSet(python)
    except InvalidSpecifier:
        raise AyonCondaError("package.python", f"'{python}' is not a Python version range",
                             "write it as in requires-python, e.g. '>=3.9'") from None


class _Solver:
    """Solves sets of specs against the channels for one subdir at a time."""

    def __init__(self, channels: Sequence[str], endpoint_url: str | None) -> None:
        self.channels = [rattler_channels.located(c) for c in channels]
        self.gateway = rattler_channels.gateway(self.channels, endpoint_url)

    def _where(self, exc: Exception) -> AyonCondaError:
        return Unreachable(", ".join(self.channels), f"cannot read the channels to check the run requirements "
                           f"({rattler_channels.error_text(exc)})", "pass --channel with channels this machine can reach "
                           "(ayon-conda local-channel makes one from a lock), or --skip-run-check to record them unchecked")

    async def python_minors(self, subdir: str) -> set[str]:
        """Minor versions of the released Pythons the channels offer for ``subdir``."""
        try:
            found = await self.gateway.query(self.channels, [subdir, "noarch"], ["python"], recursive=False)
        except Exception as exc:  # py-rattler raises its own kinds for unreachable or missing channels
            raise self._where(exc) from None
        minors = set()
        for records in found:
            for record in records:
                try:
                    version = Version(str(record.version))
                except InvalidVersion:
                    continue
                if record.name.normalized == "python" and not version.is_prerelease:
                    minors.add(f"{version.major}.{version.minor}")
        return minors

    async def solves(self, subdir: str, specs: Sequence[str]) -> bool:
        from rattler import BuildString, GenericVirtualPackage, PackageName, solve
        from rattler import Version as CondaVersion
        from rattler.exceptions import SolverError

        virtual = [GenericVirtualPackage(PackageName(n), CondaVersion(v), BuildString("0"))
                   for n, v in _VIRTUAL[subdir]]
        try:
            await solve(self.channels, list(specs), gateway=self.gateway, platforms=[subdir, "noarch"],
                        virtual_packages=virtual)
        except SolverError:
            return False
        except Exception as exc:
            raise self._where(exc) from None
        return True


async def _check(specs: Sequence[str], declared: SpecifierSet, channels: Sequence[str], endpoint_url: str | None,
                 progress: Progress) -> tuple[list[str], dict[str, list[str]], list[str]]:
    solver = _Solver(channels, endpoint_url)
    offered = {subdir: await solver.python_minors(subdir) for subdir in SUBDIRS}
    unchecked = [s for s in SUBDIRS if not offered[s]]
    checked = [s for s in SUBDIRS if offered[s]]
    if not checked:
        raise AyonCondaError(", ".join(channels), f"have no python package for {' or '.join(SUBDIRS)}",
                             "pass --channel with the channels the workers install from")
    minors = sorted({m for s in checked for m in offered[s] if declared.contains(f"{m}.0")}, key=minor_key)
    solved, refused = [], {}
    for minor in minors:
        progress.step(f"Checking the run requirements with python {minor} on {', '.join(checked)}")
        failing = []
        for subdir in checked:
            if minor not in offered[subdir]:
                failing.append(f"{subdir}: no python {minor}")
            elif not await solver.solves(subdir, [f"python {minor}.*", *specs]):
                alone = [s for s in specs if not await solver.solves(subdir, [f"python {minor}.*", s])]
                failing.append(f"{subdir}: {', '.join(alone) or 'the set ' + ', '.join(specs)}")
        if failing:
            refused[minor] = failing
        else:
            solved.append(minor)
    return solved, refused, unchecked


def check_run_requirements(specs: Sequence[str], python: str, channels: Sequence[str], progress: Progress, *,
                           endpoint_url: str | None = None) -> RunCheck | None:
    """Solve ``specs`` (conda specs of the compiled run requirements) for every Python minor in
    ``python`` that ``channels`` offer; None when there is nothing to check.

    Raises :class:`AyonCondaError` when no Python version solves, or the channels cannot be read.
    """
    if not specs:
        return None
    declared = _declared(python)
    solved, refused, unchecked = asyncio.run(_check(specs, declared, channels, endpoint_url, progress))
    where = ", ".join(channels)
    if not solved:
        versions = "; ".join(f"python {m}: {' / '.join(why)}" for m, why in refused.items())
        raise AyonCondaError(where, f"no Python in {python} installs the run requirements ({versions or 'none offered'})",
                             "pin versions of those dependencies that have builds for the Python range, "
                             "or narrow package.python in the component config")
    if refused:
        progress.step(f"python narrowed to {python_spec(solved)}: " +
                      "; ".join(f"{m} refused ({' / '.join(why)})" for m, why in refused.items()))
    if unchecked:
        progress.step(f"Not checked on {', '.join(unchecked)}: the channels have no python for it")
    return RunCheck(tuple(channels), python_spec(solved), tuple(solved),
                    {m: "; ".join(why) for m, why in refused.items()}, tuple(unchecked))
