"""``python -m ayon_conda`` is ``ayon-conda``."""

from ayon_conda.cli import run

run()
