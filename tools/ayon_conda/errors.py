"""Errors that reach the user, and the exit codes the CLI maps them to.

Every failure a user can cause or fix is an :class:`AyonCondaError`: it names the input it is
about and says what to do, and prints as one line. Anything else is a bug and keeps its traceback.
Two kinds have exit codes of their own, so that scripts can tell them apart: :class:`CheckFailed`
(the package does not install or run) and :class:`Unreachable` (a channel, server or network that
cannot be reached or read, or missing or refused credentials).
``AyonCondaError`` is the submission side's :class:`ayon_publish_submit.errors.UserError` (one
class, so ``resolve`` errors and pipeline errors are reported alike).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from os import PathLike

from ayon_publish.names import InvalidName
from ayon_publish_submit.errors import EXIT_ERROR, EXIT_UNREACHABLE, Unreachable, UserError

#: Exit codes of ``ayon-conda`` (documented in ``ayon-conda --help`` and README).
EXIT_OK = 0
EXIT_USAGE = 2  # command line usage error (click)
EXIT_CHECK_FAILED = 3  # the package was built but does not install or run (verify)

__all__ = ["EXIT_OK", "EXIT_ERROR", "EXIT_USAGE", "EXIT_CHECK_FAILED", "EXIT_UNREACHABLE", "AyonCondaError",
           "CheckFailed", "Unreachable", "names_checked"]

#: A failure the user can act on; bad input, configuration or environment exit with EXIT_ERROR.
AyonCondaError = UserError


class CheckFailed(AyonCondaError):
    """The package does not install or run: the verdict of the real installer."""

    exit_code = EXIT_CHECK_FAILED


@contextmanager
def names_checked(subject: str | PathLike[str], fix: str) -> Iterator[None]:
    """Turn a refusal of :mod:`ayon_publish.names` inside the block into an :class:`AyonCondaError`.

    >>> from ayon_publish import names
    >>> with names_checked("bundle.json", "fix the bundle"):
    ...     names.version("1.0{{7*7}}", "core version")
    Traceback (most recent call last):
    ...
    ayon_publish_submit.errors.UserError: bundle.json: core version '1.0{{7*7}}' is not valid: ...; fix the bundle
    """
    try:
        yield
    except InvalidName as exc:
        raise AyonCondaError(subject, str(exc), fix) from None
