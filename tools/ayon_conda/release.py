"""``ayon-conda release``: one bundle, from pin to a published package, safe to run again.

The flow: compute the bundle's pin from the bundle alone -> look in the channel for a package
of that pin (any build number): if there is one, the bundle is released (a release killed
between upload and index is finished by indexing) and nothing is built -> check that the build
backend is there and verify's channels can be read -> pin -> build -> verify with a real installer
-> publish. So a job that releases many bundles can simply be run
again after a failure, and only the missing ones are built.

``rebuild`` publishes the next build number of the same addon set even when one exists (the
spec ``name ==version pyh<hash>_*`` then resolves to the new build).

The same build also writes ``ayon-publish-core`` (:mod:`ayon_conda.build.lock_packages`), whose pin covers the
core version alone: every bundle with that core shares one spec. It is verified and published
with the release that first brings its core version to the channel; later releases keep the one
that is there (publishing theirs would be a different file under a published name), also when
it arrives while they run (releases of several bundles with a new core version in parallel).
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ayon_publish_submit.bundle import Bundle
from ayon_publish_submit.pin_scheme import Pin

from ayon_conda.build.backends import get_backend
from ayon_conda.build.build_lock import SUBDIR, BuildOptions, build
from ayon_conda.build.lock_packages import packages
from ayon_conda.build.verify import VerifyResult, verify
from ayon_conda.channel.indexer import warn
from ayon_conda.channel.protocol import Channel, released_builds, without_quarantined
from ayon_conda.channel.publish import KEPT, PublishResult, publish
from ayon_conda.errors import AyonCondaError
from ayon_conda.pin.addon_sources import Sources
from ayon_conda.pin.component_config import Config
from ayon_conda.pin.make_lock import baked_addons, make_lock
from ayon_conda.progress import Progress
from ayon_conda.rattler_channels import check_channels

ALREADY_RELEASED = "already released"
RELEASED = "released"
WOULD_RELEASE = "would release"


@dataclass(frozen=True)
class ReleaseOptions:
    verify_channels: Sequence[str]
    build: BuildOptions
    output_dir: Path | None = None  # keep the lock and package here (default: a temporary directory)
    backend: str = "native"
    rebuild: bool = False
    dry_run: bool = False
    extra_addons: tuple[str, ...] = ()
    exclude_newer: str | None = None
    endpoint_url: str | None = None  # for verify_channels on S3
    run_check: bool = True  # prove the compiled run requirements install (with verify_channels)


@dataclass(frozen=True)
class ReleaseResult:
    bundle: str
    spec: str
    channel: str
    status: str
    existing: list[str]
    filename: str | None = None  # what was (or would be) built
    verified: VerifyResult | None = field(default=None, repr=False)
    published: PublishResult | None = field(default=None, repr=False)
    core: str | None = None  # the ayon-publish-core file published with this release, if any
    core_existing: list[str] = field(default_factory=list)  # ... or the ones already there

    def to_dict(self) -> dict:
        return {"bundle": self.bundle, "spec": self.spec, "channel": self.channel, "status": self.status,
                "existing": self.existing, "filename": self.filename,
                "installed": self.verified.installed if self.verified else None,
                "published": self.published.to_dict() if self.published else None,
                "core": self.core, "core_existing": self.core_existing}

    def lines(self) -> list[str]:
        if self.status == ALREADY_RELEASED:
            return [f"{ALREADY_RELEASED}: {self.bundle} -> {self.spec} in {self.channel}",
                    *(f"  {name}" for name in self.existing)]
        lines = [f"{self.status}: {self.bundle} -> {self.filename} in {self.channel}"]
        if self.core:
            lines.append(f"{self.status}: {self.core} (ayon-publish-core)")
        elif self.core_existing:
            lines.append(f"kept: {', '.join(self.core_existing)} (ayon-publish-core of this core version)")
        return lines


def _released(channel: Channel, pin: Pin, *, usable: bool = False) -> dict[str, int]:
    """Files of ``pin``'s addon set (any build number) in the channel, with their build numbers;
    ``usable``: only those the index does not keep out as unreadable."""
    found = released_builds(channel, SUBDIR, pin.name, pin.version, pin.build_prefix)
    return without_quarantined(channel, SUBDIR, found) if usable else found


def release(bundle: Bundle, config: Config, channel: Channel, options: ReleaseOptions, progress: Progress) -> ReleaseResult:
    """Release ``bundle`` to ``channel`` unless a package of its pin is already there."""
    pin = Pin.for_addons(config.package_name, baked_addons(bundle, config, options.extra_addons))
    progress.step(f"Bundle {bundle.name}: {pin.spec}")
    channel.check()
    existing = _released(channel, pin)
    if existing and not options.rebuild:
        listed = (channel.repodata(SUBDIR) or {}).get("packages.conda", {})
        if not options.dry_run and any(name not in listed for name in existing):
            progress.step(f"{', '.join(sorted(existing))} not indexed yet (an interrupted release): indexing")
            warn(progress, channel.url, channel.index([SUBDIR], progress))
        usable = _released(channel, pin, usable=True)
        if usable:
            return ReleaseResult(bundle.name, pin.spec, channel.url, ALREADY_RELEASED, sorted(usable))

    build_number = max(existing.values()) + 1 if existing else 0
    pin = Pin.for_addons(config.package_name, baked_addons(bundle, config, options.extra_addons), build_number)
    if options.dry_run:
        return ReleaseResult(bundle.name, pin.spec, channel.url, WOULD_RELEASE, sorted(existing), pin.filename)

    backend = get_backend(options.backend)  # its tool is there,
    check_channels(list(options.verify_channels), options.endpoint_url)  # and verify can read its channels
    with tempfile.TemporaryDirectory(prefix="ayon-conda-release-") as tmp:
        work = Path(options.output_dir or tmp)
        lock_path = work / f"{pin.stem}.lock.json"
        sources = Sources(progress, offline=options.build.offline, server=options.build.server,
                          wheelhouse=options.build.wheelhouse)
        lock = make_lock(bundle, config, sources, lock_path, progress, build_number=build_number,
                         extra_addons=options.extra_addons, exclude_newer=options.exclude_newer,
                         run_channels=list(options.verify_channels) if options.run_check else None,
                         endpoint_url=options.endpoint_url)
        work.mkdir(parents=True, exist_ok=True)
        lock.write(lock_path)
        full, core = packages(lock)
        built = {r.name: r.path for r in build(lock, work / "dist", backend, options.build)}
        core_existing = sorted(_released(channel, core.pin, usable=True))
        to_publish = [built[full.name]] + ([] if core_existing else [built[core.name]])
        verified = None
        for path in to_publish:  # nothing is published that a real installer has not installed and run
            result = verify(path, list(options.verify_channels), progress, endpoint_url=options.endpoint_url)
            verified = verified or result
        try:
            # Another release of this core version (a parallel task of a farm job) may publish its
            # ayon-publish-core meanwhile: then keep that one.
            published = publish(to_publish, channel, progress, keep_released=[built[core.name]])
        except AyonCondaError:
            # ... even when it did so between our plan and our upload.
            if core_existing or not _released(channel, core.pin, usable=True):
                raise
            progress.step(f"another release published {core.name} {core.pin.version} meanwhile: keeping it")
            published = publish([built[full.name]], channel, progress)
        if not any(s.package.path == built[core.name] and s.action != KEPT for s in published.steps):
            core_existing = sorted(_released(channel, core.pin, usable=True))
    return ReleaseResult(bundle.name, pin.spec, channel.url, RELEASED, sorted(existing), built[full.name].name,
                         verified, published, core=None if core_existing else built[core.name].name,
                         core_existing=core_existing)

