"""Kill a publish anywhere: the channel stays valid for clients, and the same command completes it.

Real ``python -m ayon_conda publish`` processes are killed (SIGKILL) in each phase: halfway
through an upload, in the check of what the channel holds after it, as indexing starts, and just
before each index write in turn (in a directory from inside; on S3 when the write request reaches
an HTTP hop in front of moto, which drops it). Each kill's outcome is asserted: the process died,
the channel is valid for clients and lost nothing, and the same command completes the publish.
"""

from __future__ import annotations

import os
import signal
import subprocess

import pytest
from conftest import error_line, run_cli
from support.channel_check import (
    KILL_BEFORE_INDEX,
    ChannelUnderTest,
    assert_valid,
    assert_views_agree,
    cli_process,
    dir_files,
    packages_in,
    s3_files,
)
from support.s3 import CountingProxy

KILL_MID_UPLOAD = """
import contextlib, os, signal
from ayon_conda.progress import Progress

@contextlib.contextmanager
def _bar(self, label, total):
    sent = 0
    def advance(n):
        nonlocal sent
        sent += n
        if sent >= total // 2:
            os.kill(os.getpid(), signal.SIGKILL)
    yield advance

Progress.bar = _bar
"""


def _publish_killed(channel, packages, prelude: str) -> None:
    proc = cli_process(["publish", *map(str, packages), *channel.cli_args()], dict(os.environ), prelude,
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, stderr = proc.communicate(timeout=120)
    assert proc.returncode == -signal.SIGKILL, stderr


#: Kill the publisher in the check after its upload (reading back what the channel holds).
KILL_IN_THE_CHECK = """
import os, signal
from ayon_conda.channel.directory import LocalChannel
from ayon_conda.channel.s3_bucket import S3Channel

def _killing_in_the_check(cls):
    upload, stat = cls.upload, cls.stat
    def uploaded(self, *args, **kwargs):
        self.uploaded = True
        return upload(self, *args, **kwargs)
    def checked(self, *args, **kwargs):
        if getattr(self, "uploaded", False):
            os.kill(os.getpid(), signal.SIGKILL)
        return stat(self, *args, **kwargs)
    cls.upload, cls.stat = uploaded, checked

_killing_in_the_check(LocalChannel)
_killing_in_the_check(S3Channel)
"""


@pytest.mark.parametrize("prelude", [KILL_IN_THE_CHECK, KILL_BEFORE_INDEX], ids=["in-the-check", "as-indexing-starts"])
def test_killed_after_the_upload(channel, tiny, prelude: str):
    """Killed in the check of what the channel holds after the upload, or as indexing starts."""
    indexed = tiny("alpha")
    run_cli("publish", indexed, *channel.cli_args())
    package = tiny("beta")
    _publish_killed(channel, [package], prelude)
    files = channel.read()
    assert files[f"noarch/{package.name}"] == package.read_bytes()  # uploaded whole ...
    assert assert_valid(files) == {"noarch": {indexed.name}}  # ... and not named by any index yet
    result = run_cli("publish", package, *channel.cli_args())
    assert "already published" in result.stdout
    assert assert_views_agree(channel.read(), "noarch") == {indexed.name, package.name}


def test_killed_during_upload(channel, tiny):
    big = tiny("big", payload=os.urandom(3_000_000).hex())
    assert big.stat().st_size > 2 << 20
    _publish_killed(channel, [big], KILL_MID_UPLOAD)
    files = channel.read()
    assert packages_in(files) == set() and assert_valid(files) == {}
    run_cli("publish", big, *channel.cli_args())
    files = channel.read()
    assert files[f"noarch/{big.name}"] == big.read_bytes()
    assert assert_views_agree(files, "noarch") == {big.name}


#: Kill the publisher just before its n-th write of an index file into a directory channel
#: (``os.replace`` into the channel: new shards, then each index file); the path goes to stderr.
KILL_BEFORE_NTH_INDEX_WRITE = """
import os, signal, sys
_replace, _writes = os.replace, [0]

def _killing_replace(src, dst, *args, **kwargs):
    if str(dst).startswith({root!r}):
        _writes[0] += 1
        if _writes[0] == {n}:
            sys.stderr.write("killed before writing " + str(dst) + "\\n")
            sys.stderr.flush()
            os.kill(os.getpid(), signal.SIGKILL)
    return _replace(src, dst, *args, **kwargs)

os.replace = _killing_replace
"""


def _fresh_channel(kind: str, n: int, tmp_path, moto_s3) -> ChannelUnderTest:
    if kind == "dir":
        root = tmp_path / f"channel-{n}"
        return ChannelUnderTest("dir", str(root), [], lambda: dir_files(root))
    bucket, client = moto_s3.new_bucket(), moto_s3.client()
    return ChannelUnderTest("s3", f"s3://{bucket}/conda", ["--endpoint-url", moto_s3.endpoint_url],
                            lambda: s3_files(client, bucket, "conda"))


def _publish_killed_at_write(channel: ChannelUnderTest, n: int, package, moto_s3) -> tuple[int, str | None]:
    """Publish ``package`` in a process killed just before its n-th index write: in a directory
    from inside; on S3 by the test when the n-th index request reaches the HTTP hop in front of
    moto, which drops it. The exit status, and the index file about to be written (None: the
    publish made fewer writes and finished)."""
    if channel.kind == "dir":
        proc = cli_process(["publish", str(package), *channel.cli_args()], dict(os.environ),
                           KILL_BEFORE_NTH_INDEX_WRITE.format(root=channel.url, n=n),
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        _, stderr = proc.communicate(timeout=120)
        killed = [line.rsplit(" ", 1)[1] for line in stderr.splitlines() if line.startswith("killed before writing ")]
        return proc.returncode, (killed[0][len(channel.url) + 1:] if killed else None)
    proxy, writes, killed, running = CountingProxy(moto_s3.endpoint_url), [], [], []
    prefix = "/" + channel.url.removeprefix("s3://") + "/"

    def kill_at_nth_index_write(method: str, path: str) -> bool:
        if method not in ("PUT", "POST") or path.endswith((".conda", ".tar.bz2")):
            return False
        writes.append(path)
        if len(writes) != n:
            return False
        running[0].kill()
        running[0].wait()
        killed.append(path.removeprefix(prefix))
        return True

    proxy.intercept = kill_at_nth_index_write
    try:
        proc = cli_process(["publish", str(package), "--channel", channel.url, "--endpoint-url", proxy.url],
                           dict(os.environ), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        running.append(proc)
        proc.communicate(timeout=120)
    finally:
        proxy.stop()
    return proc.returncode, (killed[0] if killed else None)


@pytest.mark.parametrize("kind", ["dir", "s3"])
def test_killed_before_each_index_write(kind: str, tiny, tmp_path, request):
    """A publish killed mid-index, before each of its index writes in turn (a fresh channel each
    time): the kill lands, the channel stays valid, loses nothing, holds the package whole, lists
    it exactly when repodata.json was written before the kill, and the same command completes it."""
    moto_s3 = request.getfixturevalue("moto_s3") if kind == "s3" else None
    alpha, beta = tiny("alpha"), tiny("beta")
    written = []  # the index writes that happened before the kill of the next round
    for n in range(1, 40):
        channel = _fresh_channel(kind, n, tmp_path, moto_s3)
        run_cli("publish", alpha, *channel.cli_args())
        status, target = _publish_killed_at_write(channel, n, beta, moto_s3)
        files = channel.read()
        listed = assert_valid(files)
        assert files[f"noarch/{beta.name}"] == beta.read_bytes()  # uploaded whole before any index write
        if target is None:  # fewer than n writes: this one ran to the end
            assert status == 0
            assert assert_views_agree(files, "noarch") == {alpha.name, beta.name}
            break
        assert status == -signal.SIGKILL, f"write {n} ({target}): exit {status}"
        assert alpha.name in listed["noarch"]
        assert (beta.name in listed["noarch"]) == ("noarch/repodata.json" in written), (n, target, written)
        run_cli("publish", beta, *channel.cli_args())
        assert assert_views_agree(channel.read(), "noarch") == {alpha.name, beta.name}
        written.append(target)
    else:
        pytest.fail("the publish never finished")
    names = {path.rsplit("/", 1)[-1] for path in written}
    assert {"repodata.json", "repodata.json.zst", "repodata_shards.msgpack.zst"} <= names, written
    assert any(path.startswith("noarch/shards/") for path in written), written


def test_indexer_failure_is_one_line_and_a_rerun_completes(channel, tiny, monkeypatch):
    import sys

    async def broken(*args, **kwargs):
        raise RuntimeError("simulated failure\nwith a second line")

    package = tiny("alpha")
    indexer = "index_fs" if channel.kind == "dir" else "index_s3"
    monkeypatch.setattr(sys.modules["rattler.index"], indexer, broken)
    line = error_line(run_cli("publish", package, *channel.cli_args(), code=1))
    assert "indexing failed: simulated failure with a second line" in line and "run the same command again" in line
    assert assert_valid(channel.read()) == {}
    monkeypatch.undo()
    run_cli("publish", package, *channel.cli_args())
    assert assert_views_agree(channel.read(), "noarch") == {package.name}
