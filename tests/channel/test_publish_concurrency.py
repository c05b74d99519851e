"""Eight publishers at once into one channel lose nothing (moto's S3 server, and a directory); each
publisher reports when it was indexing, to show that they really raced."""

from __future__ import annotations

import os
import subprocess
import time

from support.channel_check import assert_valid, assert_views_agree, cli_process

PUBLISHERS = 8

#: Wait for the common start, and report when this publisher's indexing began and ended (the
#: part where publishers race: ETag-conditional writes on S3, the lock file in a directory).
START_TOGETHER = """
import sys, time
from ayon_conda.channel.directory import LocalChannel
from ayon_conda.channel.s3_bucket import S3Channel

def _timed(index):
    def timed(self, *args, **kwargs):
        began = time.time()
        try:
            return index(self, *args, **kwargs)
        finally:
            sys.stderr.write(f"indexing {{began!r}} {{time.time()!r}}\\n")

    return timed

LocalChannel.index, S3Channel.index = _timed(LocalChannel.index), _timed(S3Channel.index)
start = {start!r}
while time.time() < start:
    time.sleep(0.002)
"""


def most_at_once(intervals: list[tuple[float, float]]) -> int:
    """The largest number of (start, end) intervals in flight at one moment."""
    events = sorted([(start, 1) for start, _ in intervals] + [(end, -1) for _, end in intervals])
    most = running = 0
    for _, change in events:
        running += change
        most = max(most, running)
    return most


def test_eight_concurrent_publishers(channel, tiny):
    packages = [tiny(f"pkg{i}", version=f"1.{i}") for i in range(PUBLISHERS)]
    start = time.time() + 3.0  # every process imported and waiting, then all go at once
    procs = [cli_process(["publish", str(p), *channel.cli_args()], dict(os.environ), START_TOGETHER.format(start=start),
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE) for p in packages]
    results = [proc.communicate(timeout=300) for proc in procs]
    intervals = []
    for proc, (stdout, stderr) in zip(procs, results):
        assert proc.returncode == 0, stderr
        assert "uploaded: " in stdout
        intervals += [tuple(map(float, line.split()[1:])) for line in stderr.splitlines() if line.startswith("indexing ")]
    assert len(intervals) == PUBLISHERS
    # they raced: every publisher was indexing while another was, most of them at once
    assert all(any(s < end and start < e for s, e in intervals if (s, e) != (start, end)) for start, end in intervals)
    assert most_at_once(intervals) >= PUBLISHERS // 2, sorted(intervals)
    files = channel.read()
    assert assert_valid(files) == {"noarch": {p.name for p in packages}}
    assert assert_views_agree(files, "noarch") == {p.name for p in packages}


def test_concurrent_publishers_keep_every_entry_of_the_about_index(channel, tiny):
    """The about index is rewritten by every publish (ETag-conditional on S3, under the lock in a
    directory): eight at once leave an entry for each of their packages."""
    from ayon_publish_submit import about_index

    packages = [tiny("ayon-publish", version=f"1.{i}") for i in range(PUBLISHERS)]
    start = time.time() + 3.0
    procs = [cli_process(["publish", str(p), *channel.cli_args(), "-q"], dict(os.environ), START_TOGETHER.format(start=start),
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE) for p in packages]
    for proc in procs:
        assert proc.wait(timeout=300) == 0, proc.stderr.read()
    files = channel.read()
    assert assert_valid(files) == {"noarch": {p.name for p in packages}}
    entries = about_index.raw_entries(files[f"noarch/{about_index.FILENAME}"])
    assert set(entries) == {p.name for p in packages}  # tiny packages have no about.json: recorded unreadable
