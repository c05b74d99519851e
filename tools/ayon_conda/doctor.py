"""``ayon-conda doctor``: what this machine would use, and whether each part can be reached.

One report, read-only, for the first minutes on a new machine and for a failing release job:

* the component config a pin would use and why (:func:`ayon_conda.pin.component_config.choose_config`);
* the cache directory and the size of each part of it;
* each channel: can its ``noarch`` index be read, and how many packages it lists (conda-forge
  by default, what ``verify`` installs python from);
* the AWS identity the standard chain gives (account and ARN from STS, where the credentials
  came from; never a key);
* the AYON server (``--server`` / ``AYON_SERVER_URL``): its version, and whether
  ``AYON_API_KEY`` is set and accepted (the key is never shown);
* the build backends and tools found (native, rattler-build, conda-build, uv, py-rattler, openjd).

Nothing is fixed or written; a part that cannot be reached is reported, not raised, so one run
shows every problem at once. Each check is ``ok``, ``absent`` (not set up here and not asked for,
e.g. no AWS credentials on a machine that never reads S3) or ``failed`` (asked for or set up, but
not usable).
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

from ayon_conda.cache import cache_dir
from ayon_conda.errors import AyonCondaError
from ayon_conda.progress import Progress

#: Parts of the cache, as the code that fills them names them.
CACHE_PARTS = {
    "downloads": "wheels and addon archives, by sha256",
    "trees": "extracted addon archives",
    "path-sources": "copies of pinned path sources",
    "channels": "channel indexes (resolve, matrix)",
    "package-info": "packages' about.json (matrix, resolve)",
    "rattler": "py-rattler's repodata and package cache (verify)",
    "channel-locks": "index locks of directory channels whose parent is not writable",
}


OK = "ok"
ABSENT = "absent"  # not set up here, and not asked for: fine unless a command needs it
FAILED = "failed"  # asked for or set up, but not usable
_MARK = {OK: "ok", ABSENT: "--", FAILED: "NO"}


@dataclass(frozen=True)
class Check:
    """One line of the report: what was checked, its status (ok, absent, failed), what was found."""

    name: str
    status: str
    detail: str
    data: dict[str, Any] = field(default_factory=dict)

    def line(self) -> str:
        return f"{_MARK[self.status]}  {self.name}: {self.detail}"


@dataclass(frozen=True)
class Report:
    sections: dict[str, list[Check]]

    def failed(self, section: str | None = None) -> list[Check]:
        return [c for name, checks in self.sections.items() if section in (None, name) for c in checks
                if c.status == FAILED]

    def to_dict(self) -> dict[str, Any]:
        return {"ok": not self.failed(), **{name: [asdict(c) for c in checks] for name, checks in self.sections.items()}}

    def lines(self) -> list[str]:
        out = []
        for name, checks in self.sections.items():
            out.append(f"{name}:")
            out += [f"  {c.line()}" for c in checks]
        return out


def _size(path: Path) -> tuple[int, int]:
    """(bytes, files) under ``path``."""
    total = files = 0
    for root, _, names in os.walk(path):
        for name in names:
            try:
                total += os.lstat(os.path.join(root, name)).st_size
                files += 1
            except OSError:
                pass
    return total, files


def config_check(config_path: Path | None, from_environment: bool, bundle_file: Path | None) -> Check:
    from ayon_conda.pin.component_config import choose_config, load_config

    path, how = choose_config(config_path, from_environment=from_environment, bundle_file=bundle_file)
    try:
        config = load_config(path, how)
    except AyonCondaError as exc:
        return Check("component config", FAILED, exc.line(), {"path": str(path), "chosen_by": how})
    sources = {name: config.addons[name].source.kind for name in config.bake}
    detail = f"{config.describe()}; bakes {', '.join(f'{n} ({k})' for n, k in sources.items())}"
    return Check("component config", OK, detail, {"path": str(path), "chosen_by": how, "bake": sources})


def cache_checks() -> list[Check]:
    root = cache_dir()
    checks = [Check("cache", OK, f"{root} (AYON_CONDA_CACHE_DIR, else the user cache directory)", {"path": str(root)})]
    for part, what in CACHE_PARTS.items():
        size, files = _size(root / part)
        checks.append(Check(f"cache {part}", OK, f"{size / 1e6:.1f} MB in {files} files: {what}",
                            {"path": str(root / part), "bytes": size, "files": files}))
    return checks


def channel_check(channel: str, endpoint_url: str | None) -> Check:
    from ayon_publish_submit.channel_reader import Channel
    from ayon_publish_submit.remote import is_url

    url = channel
    if not is_url(channel) and not Path(channel).exists():
        from rattler import Channel as CondaChannel

        url = CondaChannel(channel).base_url.rstrip("/")
    try:
        records = Channel(url, endpoint_url=endpoint_url).records()
    except AyonCondaError as exc:
        return Check(f"channel {channel}", FAILED, exc.line(), {"url": url})
    names = sorted({r.name for r in records})
    shown = ", ".join(names[:5]) + (", ..." if len(names) > 5 else "")
    return Check(f"channel {channel}", OK, f"indexed: {len(records)} noarch packages ({shown or 'none'})",
                 {"url": url, "packages": len(records), "names": names})


def aws_check(endpoint_url: str | None) -> Check:
    from ayon_conda import s3

    try:
        session = s3.session()
        found = session.get_credentials()
    except Exception as exc:  # a broken profile: botocore says which
        return Check("AWS", FAILED, f"the AWS configuration cannot be read ({type(exc).__name__}: {exc})")
    if found is None:
        return Check("AWS", ABSENT, "no credentials in the standard chain (AWS_PROFILE, environment, role, SSO); "
                                   "needed for s3:// channels only")
    data: dict[str, Any] = {"credentials_from": found.method, "region": session.region_name,
                            "endpoint_url": s3.endpoint_from_env(endpoint_url)}
    try:
        sts = session.client("sts", endpoint_url=s3.endpoint_from_env(endpoint_url), region_name=session.region_name
                             or "us-east-1")
        identity = sts.get_caller_identity()
    except Exception as exc:
        return Check("AWS", FAILED, f"credentials from {found.method}, but STS cannot confirm them "
                                   f"({type(exc).__name__}: {exc})", data)
    data.update(account=identity.get("Account"), arn=identity.get("Arn"))
    return Check("AWS", OK, f"{identity.get('Arn')} (credentials from {found.method}, region {session.region_name})", data)


def ayon_check(server: str | None) -> Check:
    if not server:
        return Check("AYON server", ABSENT, "none given (--server or AYON_SERVER_URL; needed to pin from a server)")
    from ayon_conda.pin.bundle_source import connect, fetch_server_version

    data: dict[str, Any] = {"url": server, "api_key_set": bool(os.environ.get("AYON_API_KEY"))}
    try:
        version = fetch_server_version(server)
    except AyonCondaError as exc:
        return Check("AYON server", FAILED, exc.line(), data)
    data["version"] = version
    if not data["api_key_set"]:
        return Check("AYON server", FAILED, f"{server} runs {version}; AYON_API_KEY is not set", data)
    try:
        connect(server, os.environ.get("AYON_API_KEY"))
    except AyonCondaError as exc:
        return Check("AYON server", FAILED, f"{server} runs {version}; {exc.line()}", data)
    return Check("AYON server", OK, f"{server} runs {version}; AYON_API_KEY accepted", data)


def _version(distribution: str) -> str | None:
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return None


def tool_checks() -> list[Check]:
    from ayon_conda.build import BACKEND_NAMES
    from ayon_conda.build.backends import backend_class

    checks = []
    for name in BACKEND_NAMES:
        backend = backend_class(name)
        tool = getattr(backend, "tool", None)
        if tool is None:
            checks.append(Check(f"backend {name}", OK, "built in (needs PyPI, or a wheelhouse)"))
            continue
        found = shutil.which(tool)
        detail = found or f"{tool} not on PATH; {backend.how_to_get}"
        checks.append(Check(f"backend {name}", OK if found else ABSENT, detail, {"path": found}))
    for label, distribution in (("py-rattler", "py-rattler"), ("uv", "uv"), ("openjd-cli", "openjd-cli")):
        version = _version(distribution)
        checks.append(Check(label, OK if version else ABSENT, version or "not installed", {"version": version}))
    checks.append(Check("python", OK, f"{sys.version.split()[0]} ({sys.executable})"))
    return checks


def doctor(progress: Progress, *, config_path: Path | None = None, config_from_environment: bool = False,
           bundle_file: Path | None = None, channels: Sequence[str] = ("conda-forge",),
           endpoint_url: str | None = None, server: str | None = None) -> Report:
    """Check everything the report lists; never raises for what it finds."""
    progress.step("Checking the config, the cache, channels, AWS, the AYON server and tools")
    return Report({
        "config": [config_check(config_path, config_from_environment, bundle_file)],
        "cache": cache_checks(),
        "channels": [channel_check(c, endpoint_url) for c in channels],
        "aws": [aws_check(endpoint_url)],
        "ayon": [ayon_check(server)],
        "tools": tool_checks(),
    })
