"""Eight publishers at once into one channel lose nothing (moto's S3 server, and a directory)."""

from __future__ import annotations

import os
import subprocess
import time

from support.channel_check import assert_valid, assert_views_agree, cli_process

PUBLISHERS = 8

START_TOGETHER = """
import time
start = {start!r}
while time.time() < start:
    time.sleep(0.002)
"""


def test_eight_concurrent_publishers(channel, tiny):
    packages = [tiny(f"pkg{i}", version=f"1.{i}") for i in range(PUBLISHERS)]
    start = time.time() + 3.0  # every process imported and waiting, then all go at once
    procs = [cli_process(["publish", str(p), *channel.cli_args()], dict(os.environ), START_TOGETHER.format(start=start),
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE) for p in packages]
    results = [proc.communicate(timeout=300) for proc in procs]
    for proc, (stdout, stderr) in zip(procs, results):
        assert proc.returncode == 0, stderr
        assert "uploaded: " in stdout
    files = channel.read()
    assert assert_valid(files) == {"noarch": {p.name for p in packages}}
    assert assert_views_agree(files, "noarch") == {p.name for p in packages}
