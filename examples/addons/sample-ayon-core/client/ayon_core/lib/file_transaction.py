"""File copies that can be undone, SAMPLE core addon (not AYON code).

Shaped like ayon-core's ``FileTransaction``: queue ``(src, dst)`` pairs with ``add``, copy them
with ``process`` (an existing destination is moved aside first), then ``finalize`` drops the
backups or ``rollback`` removes what was copied and puts the backups back.
"""
from __future__ import annotations

import logging
import os
import shutil
from typing import Optional


class DuplicateDestinationError(ValueError):
    """Two different sources were queued for one destination."""


class FileTransaction:
    """Copies of publish files into the project, all or nothing."""

    MODE_COPY = 0

    def __init__(self, log: Optional[logging.Logger] = None) -> None:
        self.log = log or logging.getLogger("ayon.FileTransaction")
        self._queue: dict[str, str] = {}
        self.transferred: list[str] = []
        self.backups: list[tuple[str, str]] = []

    def add(self, src: str, dst: str, mode: int = MODE_COPY) -> None:
        src, dst = os.path.normpath(os.path.abspath(src)), os.path.normpath(os.path.abspath(dst))
        if dst in self._queue and self._queue[dst] != src:
            raise DuplicateDestinationError(f"'{dst}' is the destination of '{self._queue[dst]}' and '{src}'")
        self._queue[dst] = src

    def process(self) -> None:
        for dst, src in self._queue.items():
            if os.path.normpath(src) == dst:
                continue
            os.makedirs(os.path.dirname(dst), exist_ok=True)
            if os.path.exists(dst):
                backup = f"{dst}.bak"
                os.replace(dst, backup)
                self.backups.append((dst, backup))
            shutil.copy2(src, dst)
            self.transferred.append(dst)
            self.log.debug("Copied %s -> %s", src, dst)

    def finalize(self) -> None:
        for _dst, backup in self.backups:
            os.remove(backup)
        self.backups.clear()

    def rollback(self) -> None:
        for dst in self.transferred:
            if os.path.exists(dst):
                os.remove(dst)
        for dst, backup in self.backups:
            os.replace(backup, dst)
        self.transferred.clear()
        self.backups.clear()
