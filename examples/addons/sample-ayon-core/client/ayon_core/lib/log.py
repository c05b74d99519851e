"""Logging of the SAMPLE core addon (not AYON code): ``Logger.get_logger`` as in ayon-core."""
from __future__ import annotations

import logging
import os
import sys
from typing import Optional


class Logger:
    """Loggers under ``ayon.`` writing to stderr; ``AYON_DEBUG=1`` shows debug lines."""

    _configured = False

    @classmethod
    def _configure(cls) -> None:
        if cls._configured:
            return
        root = logging.getLogger("ayon")
        root.setLevel(logging.DEBUG if os.getenv("AYON_DEBUG") == "1" else logging.INFO)
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
        root.addHandler(handler)
        root.propagate = False
        cls._configured = True

    @classmethod
    def get_logger(cls, name: Optional[str] = None) -> logging.Logger:
        cls._configure()
        return logging.getLogger(f"ayon.{name}" if name else "ayon")
