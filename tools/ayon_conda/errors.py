"""Errors that reach the user, and the exit codes the CLI maps them to.

Every failure a user can cause or fix is an :class:`AyonCondaError`: it names the input it is
about and says what to do, and prints as one line. Anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

from os import PathLike

#: Exit codes of ``ayon-conda`` (documented in ``ayon-conda --help`` and README).
EXIT_OK = 0
EXIT_ERROR = 1  # bad input, configuration or environment; the message says which and what to do
EXIT_USAGE = 2  # command line usage error (click)
EXIT_CHECK_FAILED = 3  # the package was built but does not install or run (verify)


class AyonCondaError(Exception):
    """A failure the user can act on.

    >>> str(AyonCondaError("bundle.json", "not valid JSON (line 3)", "fix the file"))
    'bundle.json: not valid JSON (line 3); fix the file'
    """

    exit_code = EXIT_ERROR

    def __init__(self, subject: str | PathLike[str], problem: str, fix: str = "") -> None:
        self.subject = str(subject)
        self.problem = problem
        self.fix = fix
        super().__init__(self.line())

    def line(self) -> str:
        text = f"{self.subject}: {self.problem}"
        return f"{text}; {self.fix}" if self.fix else text


class CheckFailed(AyonCondaError):
    """The package does not install or run: the verdict of the real installer."""

    exit_code = EXIT_CHECK_FAILED
