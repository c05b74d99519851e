"""SAMPLE notes addon client (not AYON code)."""
from .addon import NotesAddon
from .version import __version__

__all__ = ("NotesAddon", "__version__")
