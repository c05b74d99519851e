"""``ayon-conda verify``: a real installer is the judge (DESIGN decision 9).

The package is put in a throwaway local channel, solved together with the given channels
(conda-forge in real use) by py-rattler, installed into a fresh prefix, and its ``ayon`` entry
point is run there: ``ayon --version`` and ``ayon --self-check`` (imports ayon_core,
ayon_api, pyblish and every baked addon with Qt imports blocked). Any failure carries the
installer's or the command's own message.

With a match spec instead of a package file, the package comes from the channels themselves
(a published channel: a directory, ``file://``, ``http(s)://`` or ``s3://``, the way a
Deadline Cloud worker gets it). ``s3://`` channels are read by py-rattler's own S3 client; a
custom endpoint is passed to it per bucket. Repodata is then fetched fresh, never from the cache,
so a package published a moment ago is found.

Each channel's index is read before solving (:func:`ayon_conda.rattler_channels.read_indexes`), one
channel at a time, so a channel that cannot be reached or read (no network, no AWS credentials,
access denied) is reported as such, naming it, with its own exit code, and never as a package
that does not install. ``release`` checks its channels so before building anything.
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

from ayon_conda import rattler_channels
from ayon_conda.cache import cache_dir
from ayon_conda.errors import AyonCondaError, CheckFailed
from ayon_conda.package_file import read_index_json
from ayon_conda.progress import Progress

_FIX_CHANNELS = "check that --channel provides python and the run requirements"


@dataclass(frozen=True)
class VerifyResult:
    package: Path | None
    spec: str
    prefix: Path
    installed: list[str]
    version_output: str
    self_check_output: str
    kept: bool = field(default=False)

    def to_dict(self) -> dict:
        return {
            "package": str(self.package) if self.package else None,
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
    index = read_index_json(package)
    return index.name.normalized, str(index.version), str(index.build)


def entry_point(prefix: Path, name: str = "ayon") -> Path:
    if sys.platform == "win32":
        return prefix / "Scripts" / f"{name}.exe"
    return prefix / "bin" / name


async def _install(package: Path | None, spec: str, channels: list[str], prefix: Path, progress: Progress,
                   endpoint_url: str | None) -> list:
    from rattler import Channel, Subdir, VirtualPackage, install, solve
    from rattler.index import index_fs

    subject = package or spec
    gateway = rattler_channels.gateway(channels, endpoint_url, fresh=package is None)
    await rattler_channels.read_indexes(channels, gateway)
    with tempfile.TemporaryDirectory(prefix="ayon-conda-verify-channel-") as tmp:
        sources = [Channel(c) for c in channels]
        if package is not None:
            local = Path(tmp)
            (local / "noarch").mkdir()
            shutil.copyfile(package, local / "noarch" / package.name)
            await index_fs(local, write_zst=False, write_shards=False)
            sources.insert(0, Channel(local.as_uri()))
        try:
            records = await solve(
                sources=sources,
                specs=[spec],
                gateway=gateway,
                platforms=[Subdir.current(), Subdir("noarch")],
                virtual_packages=VirtualPackage.detect(),
            )
        except Exception as exc:
            raise CheckFailed(subject, f"the installer cannot solve {spec}: {_one_line(exc)}", _FIX_CHANNELS) from None
        progress.step(f"Installing {len(records)} packages into {prefix}")
        try:
            await install(records, target_prefix=prefix, cache_dir=cache_dir() / "rattler" / "pkgs",
                          show_progress=progress.enabled,
                          client=rattler_channels.client(channels, endpoint_url))
        except Exception as exc:
            raise CheckFailed(subject, f"the installer failed: {_one_line(exc)}", "rebuild the package") from None
    return records


def _run(prefix: Path, subject: Path | str, *args: str) -> str:
    exe = entry_point(prefix)
    if not exe.exists():
        raise CheckFailed(subject, f"installed, but {exe} was not created", "check the entry point in info/link.json")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "AYON_ADDONS_DIR")}
    proc = subprocess.run([str(exe), *args], capture_output=True, text=True, env=env, timeout=300)
    if proc.returncode != 0:
        said = _one_line(proc.stderr or proc.stdout) or f"exit code {proc.returncode}"
        raise CheckFailed(subject, f"'ayon {' '.join(args)}' failed in the installed environment: {said}", "fix the package contents")
    return proc.stdout


def verify(package: Path | None, channels: list[str], progress: Progress, *, prefix: Path | None = None,
           spec: str | None = None, endpoint_url: str | None = None) -> VerifyResult:
    """Install ``package`` (or the best match of ``spec`` in ``channels``) into a fresh prefix and run its ``ayon``.

    With ``prefix`` the environment is created there and kept; otherwise it is temporary.
    """
    from rattler import MatchSpec

    channels = [rattler_channels.located(c) for c in channels]
    if package is not None:
        package = Path(package).resolve()
        name, version, build = package_identity(package)
        spec = f"{name} =={version} {build}"
    elif not spec:
        raise AyonCondaError("verify", "nothing to verify", "pass a package file or --spec")
    else:
        try:
            name = MatchSpec(spec).name.normalized
        except Exception as exc:
            raise AyonCondaError(spec, f"not a match spec with a package name ({_one_line(exc)})",
                                 "write it like 'ayon-publish ==1.9.0 pyh1a2b3c4d_*'") from None
    subject = package or spec
    keep = prefix is not None
    if keep and prefix.exists() and any(prefix.iterdir()):
        raise AyonCondaError(prefix, "is not empty", "verify installs into a fresh prefix: pass a new directory")
    work = Path(prefix) if keep else Path(tempfile.mkdtemp(prefix="ayon-conda-verify-"))
    try:
        progress.step(f"Solving {spec} with channels {', '.join(channels) or '(none)'}")
        records = asyncio.run(_install(package, spec, list(channels), work, progress, endpoint_url))
        record = next(r for r in records if r.name.normalized == name)
        expected = f"{name} {record.version} {record.build}"
        version_output = _run(work, subject, "--version")
        first = version_output.splitlines()[0] if version_output else ""
        if first != expected:
            raise CheckFailed(subject, f"'ayon --version' says '{first}', not '{expected}'",
                              "the installed package is not the one built")
        check_output = _run(work, subject, "--self-check")
        progress.step(f"Verified {expected}: installed and 'ayon' runs")
        installed = sorted(f"{r.name.normalized} {r.version} {r.build}" for r in records)
        return VerifyResult(package, spec, work, installed, version_output, check_output, kept=keep)
    finally:
        if not keep:
            shutil.rmtree(work, ignore_errors=True)
