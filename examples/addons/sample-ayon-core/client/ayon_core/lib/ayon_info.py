"""What the SAMPLE core addon knows about the launcher running it (not AYON code).

``get_ayon_launcher_version`` reads ``$AYON_ROOT/version.py`` like real ayon-core: the AYON
launcher sets ``AYON_ROOT`` to its own directory, and without it the lookup fails with
``KeyError: 'AYON_ROOT'`` as the real one does.
"""
from __future__ import annotations

import os
import sys
from typing import Optional


def get_ayon_launcher_version() -> Optional[str]:
    """``__version__`` of ``$AYON_ROOT/version.py`` (None when the file is missing)."""
    version_filepath = os.path.join(os.environ["AYON_ROOT"], "version.py")
    if not os.path.exists(version_filepath):
        return None
    content: dict = {}
    with open(version_filepath, encoding="utf-8") as stream:
        exec(stream.read(), content)  # noqa: S102 - as ayon-core reads it
    return content["__version__"]


def is_running_from_build() -> bool:
    """True when ``AYON_EXECUTABLE`` is not a Python interpreter (a frozen launcher)."""
    executable = os.path.basename(os.environ.get("AYON_EXECUTABLE", sys.executable)).lower()
    return "python" not in executable


def is_headless_mode_enabled() -> bool:
    """True when ``AYON_HEADLESS_MODE`` is ``"1"`` (farm workers, CI)."""
    return os.getenv("AYON_HEADLESS_MODE") == "1"
