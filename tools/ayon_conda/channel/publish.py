"""``ayon-conda publish``: package files become entries of a channel (DESIGN decision 8).

The flow: check every package file (before the channel is touched) -> check that the channel
can be reached -> plan (new, already published, or refused because a different file holds the
name: all decided before anything is written) -> upload each new package whole and check its
size and sha256 in the channel -> index. The index comes last, so it never names a file that is
not complete; a publish killed anywhere leaves at worst a package that is not indexed yet, and
the same command run again finds it "already published" and indexes it. Last, the channel's about
index (:mod:`ayon_publish_submit.about_index`) gains the metadata of the packages the index now names.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from pathlib import Path

from ayon_publish_submit import about_index
from ayon_publish_submit.channel_reader import SUBDIR, PackageRecord
from ayon_publish_submit.channel_reader import Channel as ChannelReader
from ayon_publish_submit.errors import UserError
from ayon_publish_submit.remote import CONCURRENT_REQUESTS

from ayon_conda.channel.indexer import Quarantined, warn
from ayon_conda.channel.protocol import (
    ALREADY_PRESENT,
    Channel,
    build_prefix,
    released_builds,
    without_quarantined,
)
from ayon_conda.errors import AyonCondaError
from ayon_conda.package_file import PackageFile, inspect_package
from ayon_conda.progress import Progress

UPLOAD = "upload"
UPLOADED = "uploaded"
PUBLISHED = "already published"
KEPT = "kept"  # --skip-released: another build of the same pin is published; this one is not


@dataclass(frozen=True)
class Step:
    """What publishing does with one package."""

    package: PackageFile
    location: str
    action: str  # UPLOAD in a plan; UPLOADED or PUBLISHED once done

    def to_dict(self) -> dict:
        return {**self.package.to_dict(), "path": str(self.package.path), "location": self.location, "action": self.action}


@dataclass(frozen=True)
class PublishResult:
    channel: str
    steps: list[Step]
    subdirs: list[str]
    dry_run: bool
    quarantined: tuple[Quarantined, ...] = ()  # files of the channel kept out of its index

    def to_dict(self) -> dict:
        return {"channel": self.channel, "dry_run": self.dry_run, "indexed": [] if self.dry_run else self.subdirs,
                "packages": [s.to_dict() for s in self.steps], "quarantined": [q.to_dict() for q in self.quarantined]}

    def lines(self) -> list[str]:
        verb = "would index" if self.dry_run else "indexed"
        shown = {UPLOAD: "would upload" if self.dry_run else UPLOAD}
        return [f"{shown.get(s.action, s.action)}: {s.location}" for s in self.steps] + \
               [f"{verb}: {self.channel} ({', '.join(self.subdirs)})"]


def check_packages(paths: Sequence[Path]) -> list[PackageFile]:
    """Every package file checked; the same name twice must be the same file."""
    packages: dict[str, PackageFile] = {}
    for path in paths:
        package = inspect_package(path)
        seen = packages.get(package.filename)
        if seen is not None and seen.sha256 != package.sha256:
            raise AyonCondaError(path, f"differs from {seen.path}, which has the same name",
                                 "publish one of them; a name holds one file forever")
        packages.setdefault(package.filename, package)
    return list(packages.values())


def plan(packages: Sequence[PackageFile], channel: Channel, *, keep_released: Collection[Path] = ()) -> list[Step]:
    """What to do with each package; refuses before any write if a name holds another file.

    A package in ``keep_released`` is not published when another build of the same name, version
    and build-string prefix (for our pins: the same addon set) is in the channel, even one under
    the same file name: nothing is replaced, nothing is refused.
    """
    steps = []
    for package in packages:
        location = channel.location(package.subdir, package.filename)
        stored = channel.stat(package.subdir, package.filename)
        identical = stored is not None and stored.sha256 == package.sha256
        if not identical and package.path in keep_released and without_quarantined(channel, package.subdir, released_builds(
                channel, package.subdir, package.name, package.version, build_prefix(package.build))):
            steps.append(Step(package, location, KEPT))  # also when this very name holds another build
        elif stored is None:
            steps.append(Step(package, location, UPLOAD))
        elif stored.sha256 == package.sha256:
            steps.append(Step(package, location, PUBLISHED))
        else:
            raise AyonCondaError(location, f"already exists with different content (sha256 {stored.sha256[:12]}...)",
                                 "published files are never overwritten: rebuild with a higher --build-number")
    return steps


def upload(step: Step, channel: Channel, progress: Progress) -> Step:
    """Upload one package and check what the channel holds under its name."""
    package = step.package
    outcome = channel.upload(package, progress)
    stored = channel.stat(package.subdir, package.filename)
    if stored is None or (stored.size, stored.sha256) != (package.size, package.sha256):
        found = "nothing" if stored is None else f"{stored.size} bytes, sha256 {stored.sha256[:12]}..."
        raise AyonCondaError(step.location, f"the channel holds {found} after the upload, not the package",
                             "check the store and run the command again")
    return Step(package, step.location, PUBLISHED if outcome == ALREADY_PRESENT else UPLOADED)


def publish(paths: Sequence[Path], channel: Channel, progress: Progress, *, dry_run: bool = False,
            keep_released: Collection[Path] = ()) -> PublishResult:
    """Publish package files to ``channel`` (append-only, index last); see :func:`plan` for
    ``keep_released``."""
    if not paths:
        raise AyonCondaError("publish", "no package given", "pass one or more .conda files")
    progress.step(f"Checking {len(paths)} package file(s)")
    packages = check_packages(paths)
    channel.check()
    steps = plan(packages, channel, keep_released={Path(p) for p in keep_released})
    subdirs = sorted({p.subdir for p in packages} | {"noarch"})
    if dry_run:
        return PublishResult(channel.url, steps, subdirs, dry_run=True)
    done = []
    for step in steps:
        done.append(upload(step, channel, progress) if step.action == UPLOAD else step)
    progress.step(f"Indexing {channel.url} ({', '.join(subdirs)})")
    quarantined = channel.index(subdirs, progress, published=packages)
    warn(progress, channel.url, quarantined)
    update_about_index(channel, progress)
    return PublishResult(channel.url, done, subdirs, dry_run=False, quarantined=tuple(quarantined))


def update_about_index(channel: Channel, progress: Progress) -> None:
    """Bring the channel's about index up to date with its repodata: entries of listed packages it
    lacks or has for other bytes (this publish's, and any a concurrent publisher's update lost) are
    read from the packages. Entries of files this repodata does not list are kept: a concurrent
    publisher may have indexed them after it was read, and readers check every entry against the
    repodata they read. A package whose metadata cannot be read is recorded as such (readers read
    it themselves, and fail there with the reason)."""
    reader = ChannelReader(channel.url, endpoint_url=getattr(channel, "endpoint_url", None))
    listed = [r for r in reader.records() if r.name in about_index.NAMES and r.filename.endswith(".conda")]

    def update(current: bytes | None) -> bytes | None:
        if not listed and current is None:
            return None  # a channel of other packages gets no about index
        known = about_index.raw_entries(current)
        by_file = {r.filename: r for r in listed}
        entries = {f: e for f, e in known.items() if f not in by_file or e["sha256"] == by_file[f].sha256}
        wanted = [r for r in listed if r.filename not in entries]
        if not wanted and len(entries) == len(known):
            return None  # in step already (a publish of what was published)
        if wanted:
            progress.step(f"About index: reading the metadata of {len(wanted)} package(s)")
        entries.update(_read_abouts(reader, wanted))
        return about_index.serialize(entries)

    channel.update_file(SUBDIR, about_index.FILENAME, update)


def _read_abouts(reader: ChannelReader, records: Sequence[PackageRecord]) -> dict[str, dict]:
    """The about index entries of ``records``, read from the packages."""
    from concurrent.futures import ThreadPoolExecutor

    def one(record: PackageRecord) -> dict:
        try:
            return about_index.entry(record.sha256, reader.about(record))
        except UserError as exc:
            return about_index.entry(record.sha256, None, exc.problem)

    with ThreadPoolExecutor(max_workers=CONCURRENT_REQUESTS) as pool:
        return {r.filename: found for r, found in zip(records, pool.map(one, records))}
