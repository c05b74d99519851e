"""SAMPLE stand-in for the AYON AWS Deadline Cloud addon client (not AYON code)."""
from .addon import DeadlineCloudAddon
from .version import __version__

__all__ = ("DeadlineCloudAddon", "__version__")
