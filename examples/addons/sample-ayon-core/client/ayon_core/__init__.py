"""SAMPLE stand-in for the AYON core addon client package (not AYON code)."""
import os

from .version import __version__

AYON_CORE_ROOT = os.path.dirname(os.path.abspath(__file__))

__all__ = ("AYON_CORE_ROOT", "__version__")
