"""Python 3.9 syntax checks with vermin (the test extra's), for code that runs on older Pythons."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path


def python_3_9_violations(path: Path) -> str:
    """vermin's report on ``path`` (a file or directory) when it needs more than Python 3.9, else ''."""
    vermin = shutil.which("vermin", path=str(Path(sys.executable).parent))
    assert vermin, "vermin is missing: install the test extra (pip install -e .[test])"
    proc = subprocess.run([vermin, "-t=3.9-", "--violations", "--eval-annotations", "--no-tips", str(path)],
                          capture_output=True, text=True)
    return "" if proc.returncode == 0 else proc.stdout + proc.stderr
