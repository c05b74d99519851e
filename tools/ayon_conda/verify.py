"""``ayon-conda verify``: a real installer is the judge (DESIGN decision 9).

The package is put in a throwaway local channel, solved together with the given channels
(conda-forge in real use) by py-rattler, installed into a fresh prefix, and its ``ayon`` entry
point is run there: ``ayon --version`` and ``ayon --self-check`` (imports ayon_core,
ayon_api, pyblish and every baked addon with Qt imports blocked). Any failure carries the
installer's or the command's own message.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from .cache import cache_dir
from .errors import AyonCondaError, CheckFailed
from .progress import Progress

DEFAULT_CHANNELS = ("conda-forge",)
_FIX_CHANNELS = "check that --channel provides python and the run requirements"


@dataclass(frozen=True)
class VerifyResult:
    package: Path
    spec: str
    prefix: Path
    installed: list[str]
    version_output: str
    self_check_output: str
    kept: bool = field(default=False)

    def to_dict(self) -> dict:
        return {
            "package": str(self.package),
            "spec": self.spec,
            "prefix": str(self.prefix) if self.kept else None,
            "installed": self.installed,
            "version_output": self.version_output,
            "self_check_output": self.self_check_output,
        }


def _one_line(text: str) -> str:
    return " ".join(line.strip() for line in str(text).splitlines() if line.strip())


def package_identity(package: Path) -> tuple[str, str, str]:
    """(name, version, build) from the archive's own ``info/index.json``."""
    from rattler.package import IndexJson

    if not package.is_file():
        raise AyonCondaError(package, "no such file", "pass the path of a built .conda package")
    try:
        index = IndexJson.from_package_archive(package)
    except Exception as exc:  # rattler raises its own types for every archive problem
        raise AyonCondaError(package, f"not a readable conda package ({_one_line(exc)})", "rebuild it") from None
    return index.name.normalized, str(index.version), index.build


def entry_point(prefix: Path, name: str = "ayon") -> Path:
    if sys.platform == "win32":
        return prefix / "Scripts" / f"{name}.exe"
    return prefix / "bin" / name


async def _install(package: Path, spec: str, channels: list[str], prefix: Path, progress: Progress) -> list[str]:
    from rattler import Channel, Gateway, Subdir, VirtualPackage, install, solve
    from rattler.index import index_fs

    with tempfile.TemporaryDirectory(prefix="ayon-conda-verify-channel-") as tmp:
        local = Path(tmp)
        (local / "noarch").mkdir()
        shutil.copyfile(package, local / "noarch" / package.name)
        await index_fs(local, write_zst=False, write_shards=False)
        sources = [Channel(local.as_uri()), *(Channel(c) for c in channels)]
        gateway = Gateway(cache_dir=cache_dir() / "rattler" / "repodata")
        try:
            records = await solve(
                sources=sources,
                specs=[spec],
                gateway=gateway,
                platforms=[Subdir.current(), Subdir("noarch")],
                virtual_packages=VirtualPackage.detect(),
            )
        except Exception as exc:
            raise CheckFailed(package, f"the installer cannot solve {spec}: {_one_line(exc)}", _FIX_CHANNELS) from None
        progress.step(f"Installing {len(records)} packages into {prefix}")
        try:
            await install(records, target_prefix=prefix, cache_dir=cache_dir() / "rattler" / "pkgs", show_progress=progress.enabled)
        except Exception as exc:
            raise CheckFailed(package, f"the installer failed: {_one_line(exc)}", "rebuild the package") from None
    return sorted(f"{r.name.normalized} {r.version} {r.build}" for r in records)


def _run(prefix: Path, package: Path, *args: str) -> str:
    exe = entry_point(prefix)
    if not exe.exists():
        raise CheckFailed(package, f"installed, but {exe} was not created", "check the entry point in info/link.json")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "AYON_ADDONS_DIR")}
    proc = subprocess.run([str(exe), *args], capture_output=True, text=True, env=env, timeout=300)
    if proc.returncode != 0:
        said = _one_line(proc.stderr or proc.stdout) or f"exit code {proc.returncode}"
        raise CheckFailed(package, f"'ayon {' '.join(args)}' failed in the installed environment: {said}", "fix the package contents")
    return proc.stdout


def verify(package: Path, channels: list[str], progress: Progress, *, prefix: Path | None = None) -> VerifyResult:
    """Install ``package`` with py-rattler into a fresh prefix and run its ``ayon`` there.

    With ``prefix`` the environment is created there and kept; otherwise it is temporary.
    """
    package = Path(package).resolve()
    name, version, build = package_identity(package)
    spec = f"{name} =={version} {build}"
    keep = prefix is not None
    if keep and prefix.exists() and any(prefix.iterdir()):
        raise AyonCondaError(prefix, "is not empty", "verify installs into a fresh prefix: pass a new directory")
    work = Path(prefix) if keep else Path(tempfile.mkdtemp(prefix="ayon-conda-verify-"))
    try:
        progress.step(f"Solving {spec} with channels {', '.join(channels) or '(none)'}")
        installed = asyncio.run(_install(package, spec, list(channels), work, progress))
        version_output = _run(work, package, "--version")
        first = version_output.splitlines()[0] if version_output else ""
        if first != f"{name} {version} {build}":
            raise CheckFailed(package, f"'ayon --version' says '{first}'", "the installed package is not the one built")
        check_output = _run(work, package, "--self-check")
        progress.step(f"Verified {spec}: installed and 'ayon' runs")
        return VerifyResult(package, spec, work, installed, version_output, check_output, kept=keep)
    finally:
        if not keep:
            shutil.rmtree(work, ignore_errors=True)
