"""Test channels: small valid ``ayon-publish`` packages, indexed by py-rattler's real indexer.

Packages are synthetic but made by the project's own writers: a :class:`~ayon_conda.pin.lock.Lock`
built in memory (bundle, baked addons with their ``package.py`` ranges, vendored distributions),
``info/`` written by :func:`ayon_conda.build.conda_metadata.write_info` (so ``index.json`` and ``about.json``
are exactly what a real build records) and the archive by :func:`ayon_conda.build.conda_archive.write_conda`.
Only the payload is tiny (one ``build_info.json``), so a thousand of them build in seconds.

Channels are indexed by ``rattler.index.index_fs`` (a directory) or ``rattler.index.index_s3``
(a moto bucket), as a release would. The upload step (:func:`upload_packages`) is the part that
``ayon-conda publish`` (issue 3) replaces once it exists; the tests' intent does not change.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import tempfile
from collections.abc import Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ayon_conda.build.conda_archive import write_conda
from ayon_conda.build.conda_metadata import write_info
from ayon_conda.build.lock_packages import packages
from ayon_conda.pin.addon_tree import AddonMeta
from ayon_conda.pin.lock import AddonSource, Lock, LockedAddon, PackageInfo, VendoredDist

CLIENT_DIRS = {"core": "ayon_core", "deadline_cloud": "ayon_deadline_cloud"}
DEFAULT_VENDORED = {"ayon-python-api": "1.2.25", "pyblish-base": "1.8.12", "clique": "2.0.0"}
BUNDLE_EPOCH = 1790847000  # 2026-10-01T09:30:00Z


@dataclass(frozen=True)
class FakePackage:
    """One ``ayon-publish`` build: the baked addons and what its ``about.json`` records."""

    addons: Mapping[str, str]  # baked addon set, e.g. {"core": "1.9.0", "deadline_cloud": "0.2.0"}
    build_number: int = 0
    bundle: str = "studio-bundle"
    server_range: str = ">=1.8.4,<2.0.0"  # every baked addon's package.py ayon_server_version
    launcher_range: str = ">=1.5.4"
    python: str = ">=3.9"
    vendored: Mapping[str, str] = field(default_factory=lambda: dict(DEFAULT_VENDORED))
    epoch: int = BUNDLE_EPOCH  # index.json timestamp (seconds)
    name: str = "ayon-publish"  # or ayon-publish-core (core alone)

    def lock(self) -> Lock:
        def sha(*parts: str) -> str:
            return hashlib.sha256("/".join(parts).encode()).hexdigest()

        addons = tuple(
            LockedAddon(name, version, CLIENT_DIRS.get(name, f"ayon_{name}"),
                        AddonSource("url", f"https://example.invalid/{name}-{version}.tar.gz", sha(name, version)))
            for name, version in sorted(self.addons.items())
        )
        vendored = tuple(
            VendoredDist(name, version, f"{name.replace('-', '_')}-{version}-py3-none-any.whl",
                         f"https://example.invalid/{name}-{version}.whl", sha(name, version))
            for name, version in sorted(self.vendored.items())
        )
        package = PackageInfo(name=self.name, version=self.addons["core"].replace("-", "_"),
                              build_number=self.build_number, python=self.python, license="Apache-2.0",
                              summary="test package", home="https://example.invalid", source_date_epoch=self.epoch)
        bundle = {"name": self.bundle, "createdAt": "2026-10-01T09:30:00+00:00", "installerVersion": "1.5.4",
                  "addons": dict(self.addons)}
        return Lock(bundle=bundle, package=package, addons=addons, vendored=vendored, conda_requirements=())

    def metas(self) -> dict[str, AddonMeta]:
        return {name: AddonMeta(name, version, CLIENT_DIRS.get(name), self.server_range, self.launcher_range)
                for name, version in self.addons.items()}

    @property
    def filename(self) -> str:
        return self.lock().pin.filename


def write_package(package: FakePackage, channel_dir: Path) -> Path:
    """Write ``channel_dir/noarch/<filename>`` for ``package``."""
    lock = package.lock()
    noarch = Path(channel_dir) / "noarch"
    noarch.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="fake-package-") as tmp:
        root = Path(tmp)
        payload = root / "site-packages" / "ayon_publish" / "build_info.json"
        payload.parent.mkdir(parents=True)
        payload.write_text(json.dumps({"addons": dict(package.addons)}, sort_keys=True) + "\n")
        write_info(root, packages(lock)[0], package.metas())
        return write_conda(root, noarch / lock.pin.filename, lock.pin.stem, package.epoch, level=3)


def write_packages(packages: Iterable[FakePackage], channel_dir: Path) -> list[Path]:
    with ThreadPoolExecutor(max_workers=2) as pool:
        return list(pool.map(lambda p: write_package(p, channel_dir), packages))


def index_dir(channel_dir: Path) -> Path:
    """Index a directory channel with py-rattler (repodata.json, .zst and shards)."""
    from rattler.index import index_fs

    (Path(channel_dir) / "noarch").mkdir(parents=True, exist_ok=True)
    asyncio.run(index_fs(Path(channel_dir)))
    return Path(channel_dir)


def directory_channel(channel_dir: Path, packages: Iterable[FakePackage]) -> str:
    """A ``file://`` channel holding ``packages``, indexed."""
    write_packages(packages, channel_dir)
    return index_dir(channel_dir).resolve().as_uri()


def upload_packages(s3_client: Any, bucket: str, prefix: str, channel_dir: Path) -> list[str]:
    """Upload the ``.conda`` files of a directory channel (packages first, never the index)."""
    keys = []
    for path in sorted((Path(channel_dir) / "noarch").glob("*.conda")):
        key = "/".join(p for p in (prefix, "noarch", path.name) if p)
        keys.append(key)

    def put(item: tuple[str, Path]) -> None:
        key, path = item
        s3_client.put_object(Bucket=bucket, Key=key, Body=path.read_bytes())

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(put, zip(keys, sorted((Path(channel_dir) / "noarch").glob("*.conda")))))
    return keys


def index_bucket(endpoint_url: str, bucket: str, prefix: str = "") -> str:
    """Index ``s3://bucket/prefix`` with ``rattler.index.index_s3`` against ``endpoint_url``."""
    from rattler.index import S3Credentials, index_s3

    url = f"s3://{bucket}/{prefix}".rstrip("/")
    credentials = S3Credentials(endpoint_url=endpoint_url, region="us-east-1", access_key_id="testing",
                                secret_access_key="testing", addressing_style="path")
    asyncio.run(index_s3(url, credentials=credentials))
    return url


def s3_channel(moto: Any, packages: Iterable[FakePackage], *, prefix: str = "ayon", public: bool = False) -> str:
    """An ``s3://`` channel in a fresh moto bucket holding ``packages``, indexed by py-rattler.

    With ``public`` the bucket allows anonymous reads (a bucket policy), so the same channel
    is also reachable as plain HTTP at ``http_url(moto, channel)``.
    """
    bucket = moto.new_bucket()
    if public:
        allow_public_reads(moto.client(), bucket)
    with tempfile.TemporaryDirectory(prefix="fake-channel-") as tmp:
        write_packages(packages, Path(tmp))
        upload_packages(moto.client(), bucket, prefix, Path(tmp))
    return index_bucket(moto.endpoint_url, bucket, prefix)


def allow_public_reads(s3_client: Any, bucket: str) -> None:
    """A bucket policy letting anyone GET objects: how a public HTTPS channel is served."""
    s3_client.put_bucket_policy(Bucket=bucket, Policy=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
                       "Resource": f"arn:aws:s3:::{bucket}/*"}],
    }))


def http_url(moto: Any, s3_url: str) -> str:
    """The plain HTTP (path-style) URL of an ``s3://`` channel on the moto server."""
    return f"{moto.endpoint_url}/{s3_url[len('s3://'):]}"


@dataclass(frozen=True)
class PublishedChannel:
    """One channel reachable two ways: ``s3://`` (with ``endpoint_url``) and plain ``http://``."""

    s3: str
    http: str
    endpoint_url: str
    packages: tuple[FakePackage, ...]


def standard_packages() -> list[FakePackage]:
    """A channel's history, as the submission tests use it:

    * core 1.9.0 + deadline_cloud 0.2.0, rebuilt twice (builds 0, 1, 2): the usual case;
    * core 1.9.0 + deadline_cloud 0.1.9: same core, another addon set;
    * core 1.9.0 + deadline_cloud 0.2.5 + maya 0.4.10: a package that also bakes maya;
    * core 1.8.2 (server >=1.8.0): an older package that older servers accept;
    * core 1.9.1 (server >=1.9.0): newer, refused by a 1.8.x server;
    * core 1.10.0 (server >=1.10.0).
    """
    return [
        *(FakePackage({"core": "1.9.0", "deadline_cloud": "0.2.0"}, build_number=n, bundle=f"prod-1.9.0-r{n}") for n in range(3)),
        FakePackage({"core": "1.9.0", "deadline_cloud": "0.1.9"}, bundle="prod-old-deadline"),
        FakePackage({"core": "1.9.0", "deadline_cloud": "0.2.5", "maya": "0.4.10"}, bundle="maya-baked"),
        FakePackage({"core": "1.8.2", "deadline_cloud": "0.2.0"}, bundle="prod-1.8.2", server_range=">=1.8.0,<2.0.0",
                    vendored={"ayon-python-api": "1.2.20", "pyblish-base": "1.8.11"}),
        FakePackage({"core": "1.9.1", "deadline_cloud": "0.2.0"}, bundle="prod-1.9.1", server_range=">=1.9.0,<2.0.0"),
        FakePackage({"core": "1.10.0", "deadline_cloud": "0.3.0"}, bundle="prod-1.10.0", server_range=">=1.10.0,<2.0.0",
                    launcher_range=">=1.6.0", python=">=3.11"),
    ]


def published_channel(moto: Any, packages: Iterable[FakePackage] | None = None) -> PublishedChannel:
    """``packages`` (default :func:`standard_packages`) in a fresh public moto bucket, indexed."""
    packages = tuple(standard_packages() if packages is None else packages)
    url = s3_channel(moto, packages, public=True)
    return PublishedChannel(url, http_url(moto, url), moto.endpoint_url, packages)


def many_packages(count: int) -> list[FakePackage]:
    """``count`` distinct packages spread over core versions, addon versions and builds."""
    out = []
    for i in range(count):
        core = f"1.{i // 100}.{(i // 10) % 10}"
        out.append(FakePackage({"core": core, "deadline_cloud": f"0.{i % 10}.0"}, build_number=i % 3,
                               bundle=f"bundle-{i}", server_range=">=1.8.4,<2.0.0" if i % 100 else ">=1.10.0,<2.0.0"))
    return out
