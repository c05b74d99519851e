"""Channels under test, read independently of the code that writes them.

A channel is read as a whole (relative path -> bytes): from a directory with the file system,
from moto with a plain boto3 client. :func:`assert_valid` checks what a client relies on: every
index view (``repodata.json``, ``repodata.json.zst``, sharded repodata) names only files that are
there, with the size and sha256 it says.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import msgpack

try:  # Python 3.14+
    from compression import zstd
except ImportError:  # pragma: no cover
    from backports import zstd

INDEX = ("repodata.json", "repodata.json.zst", "repodata_shards.msgpack.zst")

#: A ``cli_process`` prelude: the publisher kills itself (SIGKILL) after uploading, before indexing.
KILL_BEFORE_INDEX = """
import os, signal
from ayon_conda.channel.directory import LocalChannel
from ayon_conda.channel.s3_bucket import S3Channel

def _killed(self, *args, **kwargs):
    os.kill(os.getpid(), signal.SIGKILL)

LocalChannel.index = S3Channel.index = _killed
"""


@dataclass
class ChannelUnderTest:
    """A channel URL, the CLI options to reach it, and a way to read all of it."""

    kind: str  # "dir" or "s3"
    url: str
    options: list[str]
    read: Callable[[], dict[str, bytes]]
    env: dict[str, str] = field(default_factory=dict)

    def cli_args(self) -> list[str]:
        return ["--channel", self.url, *self.options]


def dir_files(root: Path) -> dict[str, bytes]:
    if not root.is_dir():
        return {}
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def s3_files(client, bucket: str, prefix: str) -> dict[str, bytes]:
    pages = client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix + "/")
    keys = [obj["Key"] for page in pages for obj in page.get("Contents", [])]
    return {key[len(prefix) + 1:]: client.get_object(Bucket=bucket, Key=key)["Body"].read() for key in keys}


def _records(index: dict) -> dict[str, dict]:
    return {**index.get("packages", {}), **index.get("packages.conda", {})}


def index_views(files: dict[str, bytes], subdir: str) -> dict[str, dict[str, dict]]:
    """Each index view of ``subdir`` that exists: view name -> {filename: record}."""
    views = {}
    if f"{subdir}/repodata.json" in files:
        views["repodata.json"] = _records(json.loads(files[f"{subdir}/repodata.json"]))
    if f"{subdir}/repodata.json.zst" in files:
        views["repodata.json.zst"] = _records(json.loads(zstd.decompress(files[f"{subdir}/repodata.json.zst"])))
    if f"{subdir}/repodata_shards.msgpack.zst" in files:
        shard_index = msgpack.unpackb(zstd.decompress(files[f"{subdir}/repodata_shards.msgpack.zst"]))
        records = {}
        for name, digest in shard_index["shards"].items():
            shard_path = f"{subdir}/shards/{bytes(digest).hex()}.msgpack.zst"
            assert shard_path in files, f"the shard index names {shard_path} (for {name}), which is missing"
            records.update(_records(msgpack.unpackb(zstd.decompress(files[shard_path]))))
        views["shards"] = records
    return views


def _hex(value) -> str:
    return bytes(value).hex() if isinstance(value, (bytes, bytearray)) else str(value)


def assert_valid(files: dict[str, bytes]) -> dict[str, set[str]]:
    """Every index view names only present, intact files; returns subdir -> names in repodata.json."""
    subdirs = sorted({path.split("/")[0] for path in files if path.endswith(INDEX)})
    listed = {}
    for subdir in subdirs:
        for view, records in index_views(files, subdir).items():
            for filename, record in records.items():
                path = f"{subdir}/{filename}"
                assert path in files, f"{view} lists {path}, which is not in the channel"
                assert len(files[path]) == record["size"], f"{view}: size of {path}"
                assert hashlib.sha256(files[path]).hexdigest() == _hex(record["sha256"]), f"{view}: sha256 of {path}"
        listed[subdir] = set(index_views(files, subdir).get("repodata.json", {}))
    return listed


def assert_views_agree(files: dict[str, bytes], subdir: str) -> set[str]:
    """After complete publishes, all three views list the same packages."""
    views = index_views(files, subdir)
    assert set(views) == {"repodata.json", "repodata.json.zst", "shards"}, sorted(views)
    names = {view: set(records) for view, records in views.items()}
    assert names["repodata.json"] == names["repodata.json.zst"] == names["shards"], names
    return names["repodata.json"]


def packages_in(files: dict[str, bytes], subdir: str = "noarch") -> set[str]:
    return {path.split("/", 1)[1] for path in files
            if path.startswith(subdir + "/") and path.count("/") == 1 and path.endswith((".conda", ".tar.bz2"))}


def cli_process(args: list[str], env: dict[str, str], prelude: str = "", **popen) -> subprocess.Popen:
    """``python -m ayon_conda ARGS`` in a new process; ``prelude`` runs first (failure injection)."""
    code = f"{prelude}\nimport sys\nsys.argv = ['ayon-conda', *{args!r}]\nfrom ayon_conda.cli import run\nrun()\n"
    return subprocess.Popen([sys.executable, "-c", code], env=env, text=True, **popen)
