"""An exclusive lock between processes on one machine, on a lock file (standard library only).

Several sessions on one worker may activate the environment at once; they share the node-local
addon cache and must not download and extract into it at the same time. ``fcntl.flock`` on
POSIX, ``msvcrt.locking`` on Windows; the operating system releases the lock when the holder
exits, also when it is killed. (The ``filelock`` library does the same, but a worker has nothing
beyond this package and its run requirements, and this needs forty lines.) Python 3.9 compatible.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from types import TracebackType
from typing import IO, Optional, Type

if os.name == "nt":  # pragma: no cover - Windows
    import msvcrt

    def _try_lock(fh: IO[str]) -> bool:
        fh.seek(0)
        try:
            msvcrt.locking(fh.fileno(), msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True

    def _unlock(fh: IO[str]) -> None:
        fh.seek(0)
        msvcrt.locking(fh.fileno(), msvcrt.LK_UNLCK, 1)

else:
    import fcntl

    def _try_lock(fh: IO[str]) -> bool:
        try:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            return False
        return True

    def _unlock(fh: IO[str]) -> None:
        fcntl.flock(fh.fileno(), fcntl.LOCK_UN)


class LockTimeout(TimeoutError):
    """Another process held the lock for longer than the timeout."""


class FileLock:
    """``with FileLock(path, timeout=600):`` holds the lock on ``path`` inside the block."""

    def __init__(self, path: Path, timeout: float, poll: float = 0.05) -> None:
        self.path = Path(path)
        self.timeout = timeout
        self.poll = poll
        self._fh: Optional[IO[str]] = None

    def __enter__(self) -> FileLock:
        fh = open(self.path, "a+")
        deadline = time.monotonic() + self.timeout
        while not _try_lock(fh):
            if time.monotonic() >= deadline:
                fh.close()
                raise LockTimeout(f"{self.path} is still locked after {self.timeout:.0f} s")
            time.sleep(self.poll)
        self._fh = fh
        return self

    def __exit__(self, kind: Optional[Type[BaseException]], exc: Optional[BaseException],
                 tb: Optional[TracebackType]) -> None:
        fh, self._fh = self._fh, None
        if fh is not None:
            try:
                _unlock(fh)
            finally:
                fh.close()
