"""Kill a publish anywhere: the channel stays valid for clients, and the same command completes it.

Failures are injected into real ``python -m ayon_conda publish`` processes (SIGKILL from inside at
a chosen step, or from outside while the index is being written), against a directory channel
and moto's S3 server.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time

from conftest import error_line, run_cli
from support.channel_check import (
    KILL_BEFORE_INDEX,
    assert_valid,
    assert_views_agree,
    cli_process,
    packages_in,
)

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


def test_killed_between_upload_and_index(channel, tiny):
    indexed = tiny("alpha")
    run_cli("publish", indexed, *channel.cli_args())
    package = tiny("beta")
    _publish_killed(channel, [package], KILL_BEFORE_INDEX)
    files = channel.read()
    assert package.name in packages_in(files)  # uploaded, complete ...
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


def test_killed_at_any_point_of_indexing(channel, tiny):
    """SIGKILL from outside at increasing delays after indexing starts; the channel stays valid each time."""
    published, outcomes = [], []
    for i, delay in enumerate((0.0, 0.005, 0.01, 0.02, 0.04, 0.08, 0.15)):
        package = tiny(f"p{i}")
        published.append(package)
        proc = cli_process(["publish", str(package), *channel.cli_args()], dict(os.environ),
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        for line in proc.stderr:
            if line.startswith("Indexing"):
                time.sleep(delay)
                proc.send_signal(signal.SIGKILL)
                break
        proc.communicate(timeout=120)
        outcomes.append(proc.returncode)
        assert_valid(channel.read())
    assert outcomes[0] == -signal.SIGKILL
    run_cli("publish", *published, *channel.cli_args())
    assert assert_views_agree(channel.read(), "noarch") == {p.name for p in published}


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
