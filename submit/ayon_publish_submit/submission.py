"""Which ``ayon-publish`` package a Deadline Cloud job should use: the API for the AYON addon.

The AYON Deadline Cloud addon calls this inside a DCC while an artist submits a job. It imports
only the standard library (boto3 on first use of an ``s3://`` channel; a zstd decoder, Python
3.14's or backports.zstd, when one is there), never touches the network unless asked to resolve,
and every failure is one :class:`~ayon_publish_submit.errors.UserError` whose ``str()`` says what
is wrong and what to do.

* :func:`spec_for_bundle` -- the match spec for a bundle, computed from the bundle alone
  (DESIGN decision 1): ``ayon-publish ==<core> pyh<hash of the baked addons>_*``.
* :func:`resolve` -- the exact package in a channel: the highest build of that spec, its URL and
  sha256; optionally refused when its AYON server range excludes the studio's server.
* :func:`queue_parameters` -- ``CondaPackages`` and ``CondaChannels`` for the job;
  :func:`job_package` -- the package's one-word spec alone (what the publish step's environment
  installs, :mod:`ayon_publish_submit.publish_step`).

Example (with a bundle as ``ayon_api.get_bundles()["bundles"][i]`` returns it)::

    >>> from ayon_publish_submit import spec_for_bundle
    >>> bundle = {"name": "prod-2026-10", "addons": {"core": "1.9.0", "deadline_cloud": "0.2.0", "maya": "0.4.10"}}
    >>> spec_for_bundle(bundle)
    'ayon-publish ==1.9.0 pyhd745850c_*'

and, in the submitter (needs the channel; ``ayon_api`` is connected inside AYON)::

    import ayon_api
    from ayon_publish_submit import UserError, queue_parameters

    bundle = ...  # the bundle the artist's session runs (AYON_BUNDLE_NAME), from ayon_api.get_bundles()
    try:
        params = queue_parameters(bundle, ["s3://studio-conda/ayon", "deadline-cloud", "conda-forge"],
                                  server_version=ayon_api.get_server_version())
    except UserError as exc:
        raise SubmissionError(str(exc))  # one line, e.g. which packages are published instead
    job_parameters.update(params)  # {"CondaPackages": "ayon-publish==1.9.0[build=pyh1a2b3c4d_2]", "CondaChannels": "..."}

**Which addons are baked.** The hash covers only the addons the package bakes, not the whole
bundle. By default that is :data:`~ayon_publish_submit.pin_scheme.DEFAULT_BAKE` (``core`` and
``deadline_cloud``, as the shipped component config bakes). A studio that bakes more
(``ayon-conda pin --addon maya``) needs no setting: when the default set has no package,
:func:`resolve` reads which addon sets the channel's packages of the same ayon-core version bake
(their ``about.json``) and takes the one whose hash matches the bundle -- an exact match, never a
guess. Pass ``bake=`` to allow only one set.

**Caching.** The channel index is cached and revalidated with one conditional request per
resolve (see :mod:`ayon_publish_submit.channel_reader`); ``max_age=SECONDS`` skips even that.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from .bundle import Bundle
from .channel_reader import Channel, PackageRecord
from .errors import UserError
from .package_about import zstd_decompress
from .pin_scheme import CORE_ADDON, DEFAULT_BAKE, DEFAULT_PACKAGE, MissingAddon, Pin, baked_versions
from .remote import NoS3Client, is_url
from .versions import in_range, version_key

#: How many of the nearest packages an error lists, and how many are searched for one that fits.
NEAREST_SHOWN = 5
FIT_SEARCH_LIMIT = 100
_PUBLISH = "publish a package for this bundle (ayon-conda pin, build, publish), or submit with a bundle that has one"


class NoMatch(UserError):
    """The channel has no package for the bundle's addon set."""


class NotCompatible(UserError):
    """The bundle's package does not support the AYON server's version."""


@dataclass(frozen=True)
class Resolution:
    """The exact package a job should install."""

    spec: str  # exact match spec: 'ayon-publish ==1.9.0 pyh1a2b3c4d_2'
    url: str  # the file in the channel
    sha256: str
    match_spec: str  # every build of the addon set: 'ayon-publish ==1.9.0 pyh1a2b3c4d_*'
    package: str  # the exact spec without spaces, for CondaPackages: 'ayon-publish==1.9.0[build=pyh1a2b3c4d_2]'
    filename: str
    channel: str
    bundle: str
    addons: Mapping[str, str]  # the baked addon set
    server_range: str | None = None  # recorded AYON server range, when a server version was checked

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["addons"] = dict(self.addons)
        return data


def as_bundle(bundle: Mapping[str, Any] | Bundle) -> Bundle:
    if isinstance(bundle, Bundle):
        return bundle
    name = bundle.get("name") if isinstance(bundle, Mapping) else None
    return Bundle.from_dict(bundle, f"bundle '{name}'" if name else "bundle")


def one_word_spec(name: str, version: str, build: str) -> str:
    """A match spec as one word: ``ayon-publish==1.9.0[build=pyh1a2b3c4d_2]`` (``build`` may end
    in ``*``).

    The queue environment splits ``CondaPackages`` on whitespace, so ``name ==version build``
    cannot be used. The classic ``name=version=build`` is refused by rattler's strict parser
    (what pixi and py-rattler's solver use); the bracket form is read the same by conda, mamba
    and rattler. Unquoted in the queue environment's shell, ``[...]`` is a glob pattern that
    matches no file name, so it passes through unchanged.
    """
    return f"{name}=={version}[build={build}]"


def conda_packages_spec(record: PackageRecord) -> str:
    """The exact spec of ``record`` as one word (:func:`one_word_spec`)."""
    return one_word_spec(record.name, record.version, record.build)


def _baked(bundle: Bundle, bake: Sequence[str]) -> dict[str, str]:
    try:
        return baked_versions(bundle.addons, bake)
    except MissingAddon as exc:
        # the origin of a bundle handed in as a dict is already "bundle '<name>'"
        which = "" if bundle.origin == f"bundle '{bundle.name}'" else f"bundle '{bundle.name}' "
        if exc.name == CORE_ADDON:
            raise UserError(bundle.origin, f"{which}has no '{CORE_ADDON}' addon",
                                 "the package version is ayon-core's: submit with a bundle that has core") from None
        raise UserError(bundle.origin, f"{which}has no '{exc.name}' addon, which the package bakes",
                             "submit with a bundle that has it") from None


def spec_for_bundle(bundle: Mapping[str, Any] | Bundle, *, bake: Sequence[str] = DEFAULT_BAKE,
                    name: str = DEFAULT_PACKAGE) -> str:
    """The match spec of every build of ``bundle``'s package: ``ayon-publish ==<core> pyh<h>_*``.

    Pure: no I/O. ``bake`` names the addons the package bakes (``core`` is always one).
    """
    return Pin.for_addons(name, _baked(as_bundle(bundle), bake)).spec


def _highest(records: Sequence[PackageRecord], pin: Pin) -> PackageRecord | None:
    builds = [r for r in records if r.version == pin.version and r.build_prefix == pin.build_prefix]
    return max(builds, key=lambda r: (r.build_number, r.filename.endswith(".conda")), default=None)


def by_nearness(records: Sequence[PackageRecord], version: str) -> list[PackageRecord]:
    """One record per addon set (its highest build): ``version`` first, then the versions
    nearest to it, alternating below and above; newest first within a version."""
    best: dict[tuple[str, str], PackageRecord] = {}
    for record in records:
        key = (record.version, record.build_prefix)
        if key not in best or record.build_number > best[key].build_number:
            best[key] = record
    target = version_key(version)
    versions = sorted({r.version for r in best.values()}, key=version_key)
    below = [v for v in versions if version_key(v) < target][::-1]
    above = [v for v in versions if version_key(v) > target]
    order = [v for v in versions if version_key(v) == target]
    for i in range(max(len(below), len(above))):
        order += below[i:i + 1] + above[i:i + 1]
    rank = {v: i for i, v in enumerate(order)}
    return sorted(best.values(), key=lambda r: (rank[r.version], -(r.indexed_timestamp or r.timestamp or 0), r.filename))


def _describe(channel: Channel, records: Sequence[PackageRecord]) -> list[str]:
    """``spec [core=... deadline_cloud=...]`` for each record; the addon sets need the packages'
    metadata, which may be unreadable (no zstd decoder): then the specs alone."""
    try:
        abouts = channel.abouts(records)
    except UserError:
        return [r.exact_spec for r in records]
    return [f"{r.exact_spec} [{' '.join(f'{k}={v}' for k, v in sorted(abouts[r.filename].addons.items()))}]"
            for r in records]


def _recorded_sets(channel: Channel, records: Sequence[PackageRecord], version: str, tried: Sequence[str]) -> list[tuple[str, ...]]:
    """The addon name sets baked by the channel's packages of ``version``, other than ``tried``;
    none when there is no zstd decoder to read the packages' metadata with."""
    if zstd_decompress() is None:
        return []
    same = [r for r in by_nearness(records, version) if r.version == version]
    sets = []
    for about in channel.abouts(same).values():
        names = tuple(sorted(about.addons))
        if names and names != tuple(sorted(tried)) and names not in sets:
            sets.append(names)
    return sets


def _no_match(channel: Channel, records: Sequence[PackageRecord], bundle: Bundle, pin: Pin, addons: Mapping[str, str]) -> NoMatch:
    nearest = by_nearness(records, pin.version)[:NEAREST_SHOWN]
    baked = ", ".join(f"{k} {v}" for k, v in sorted(addons.items()))
    unread = "" if zstd_decompress() else " (packages baking other addons were not checked: no zstd decoder here)"
    return NoMatch(channel.url, f"no package for bundle '{bundle.name}' ({pin.spec}: {baked}){unread}; "
                   f"nearest published: {'; '.join(_describe(channel, nearest))}", _PUBLISH)


def _check_server(channel: Channel, records: Sequence[PackageRecord], match: PackageRecord, server_version: str,
                  bundle: Bundle) -> str | None:
    """The match's recorded server range; raises :class:`NotCompatible` when it excludes the
    server, naming the nearest package whose range includes it."""
    recorded = channel.about(match).server_range
    if in_range(server_version, recorded):
        return recorded
    fit = None
    others = [r for r in by_nearness(records, match.version) if r.filename != match.filename][:FIT_SEARCH_LIMIT]
    for start in range(0, len(others), 8):
        batch = others[start:start + 8]
        abouts = channel.abouts(batch)
        fit = next((r for r in batch if in_range(server_version, abouts[r.filename].server_range)), None)
        if fit is not None:
            break
    problem = (f"{match.exact_spec} (bundle '{bundle.name}') needs AYON server {recorded}, "
               f"but the server runs {server_version}")
    if fit is None:
        raise NotCompatible(channel.url, problem, "upgrade the AYON server: no nearby published package supports it")
    raise NotCompatible(channel.url, f"{problem}; {_describe(channel, [fit])[0]} would fit",
                        "submit with a bundle of those addon versions, or upgrade the AYON server")


def resolve(bundle: Mapping[str, Any] | Bundle, channel: str | Channel, *, endpoint_url: str | None = None,
            server_version: str | None = None, bake: Sequence[str] | None = None, name: str = DEFAULT_PACKAGE,
            cache: Path | None = None, max_age: float = 0.0) -> Resolution:
    """The exact package of ``bundle`` in ``channel``: the highest build of its spec.

    ``channel``: ``s3://bucket/prefix`` (``endpoint_url`` for S3-compatible stores),
    ``https://...``, ``file://...``, a directory, or a :class:`~ayon_publish_submit.channel_reader.Channel`
    (then ``endpoint_url``, ``cache`` and ``max_age`` are the Channel's own). ``server_version``: the AYON server's version;
    a package whose recorded server range excludes it is refused, naming one that would fit.
    ``bake``: the baked addon names (default: see the module docstring). ``cache``: the cache
    directory (default ``ayon_publish_submit.cache.cache_dir()``). Raises :class:`NoMatch` (listing the
    nearest published packages), :class:`NotCompatible`, or :class:`UserError`.
    """
    parsed = as_bundle(bundle)
    names = tuple(bake) if bake is not None else DEFAULT_BAKE
    baked = _baked(parsed, names)
    pin = Pin.for_addons(name, baked)
    if not isinstance(channel, Channel):
        channel = Channel(channel, endpoint_url=endpoint_url, cache=cache, max_age=max_age)
    records = channel.records(name)
    if not records:
        raise NoMatch(channel.url, f"has no {name} packages", "check --channel, or publish a package to it")
    match = _highest(records, pin)
    if match is None and bake is None:
        for other in _recorded_sets(channel, records, pin.version, names):
            try:
                candidate = baked_versions(parsed.addons, other)
            except MissingAddon:
                continue  # that set bakes an addon this bundle does not have
            match = _highest(records, Pin.for_addons(name, candidate))
            if match is not None:
                baked, pin = candidate, Pin.for_addons(name, candidate)
                break
    if match is None:
        raise _no_match(channel, records, parsed, pin, baked)
    server_range = _check_server(channel, records, match, server_version, parsed) if server_version else None
    return Resolution(
        spec=match.exact_spec,
        url=channel.file_url(match),
        sha256=match.sha256,
        match_spec=pin.spec,
        package=conda_packages_spec(match),
        filename=match.filename,
        channel=channel.url,
        bundle=parsed.name,
        addons=baked,
        server_range=server_range,
    )


def channel_names(channels: str | Sequence[str]) -> list[str]:
    return channels.split() if isinstance(channels, str) else [str(c) for c in channels]


def job_package(bundle: Mapping[str, Any] | Bundle, channels: str | Sequence[str], *,
                spec_without_boto3: bool = False, **options: Any) -> str:
    """The one-word spec of ``bundle``'s package for a job: its exact build, resolved in the
    ``s3://``/``https://``/``file://`` channels of ``channels`` in order (the first that has it
    wins; names such as ``conda-forge`` are skipped). ``options`` go to :func:`resolve`.

    ``spec_without_boto3``: when an ``s3://`` channel cannot be read here (no boto3) and no other
    channel has the package, return the spec of every build of its addon set instead
    (``ayon-publish==1.9.0[build=pyh1a2b3c4d_*]``), and the worker's solver takes the highest.
    """
    names = channel_names(channels)
    urls = [c for c in names if is_url(c)]
    if not urls:
        raise UserError("CondaChannels", f"'{' '.join(names)}' has no s3://, https:// or file:// channel",
                        "add the channel that holds the ayon-publish packages")
    misses: list[NoMatch] = []
    unread: list[NoS3Client] = []
    for url in urls:
        try:
            return resolve(bundle, url, **options).package
        except NoMatch as exc:
            misses.append(exc)
        except NoS3Client as exc:
            if not spec_without_boto3:
                raise
            unread.append(exc)
    if unread:
        bake = options.get("bake")
        pin = Pin.for_addons(options.get("name", DEFAULT_PACKAGE), _baked(as_bundle(bundle), DEFAULT_BAKE if bake is None else bake))
        return one_word_spec(pin.name, pin.version, f"{pin.build_prefix}_*")
    raise next((m for m in misses if "nearest published" in m.problem), misses[0])


def queue_parameters(bundle: Mapping[str, Any] | Bundle, channels: str | Sequence[str], *,
                     packages: Sequence[str] = (), **options: Any) -> dict[str, str]:
    """``CondaPackages`` and ``CondaChannels`` for a Deadline Cloud job running ``bundle``.

    ``channels`` is the job's channel list (a sequence, or space-separated as the queue parameter
    is): the package is pinned *exactly* (:func:`job_package`), so every task of the job gets the
    same build even if a rebuild is published while it runs. ``packages`` are other specs the
    job needs; ``options`` go to :func:`resolve`.
    """
    package = job_package(bundle, channels, **options)
    return {"CondaPackages": " ".join([*packages, package]), "CondaChannels": " ".join(channel_names(channels))}
