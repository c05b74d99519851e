"""Errors publish plugins raise, SAMPLE core addon (not AYON code)."""


class KnownPublishError(Exception):
    """A publish error with a message meant for the user."""


class PublishValidationError(KnownPublishError):
    """A validator found something the user has to fix."""
