"""The one error type of the submission side: a failure the artist or studio can act on.

Every failure of :mod:`ayon_publish_submit` is a :class:`UserError` whose ``str()`` is one line:
the input it is about, what is wrong, and what to do. An AYON addon shows that line to the artist
as it is. The ``ayon-conda`` pipeline raises the same class under the name
``ayon_conda.errors.AyonCondaError``, so its command line reports both alike.
"""

from __future__ import annotations

from os import PathLike

EXIT_ERROR = 1  # ayon-conda's exit code for a UserError (documented there)
EXIT_UNREACHABLE = 4  # ... and for an Unreachable one


class UserError(Exception):
    """A failure the user can act on.

    >>> str(UserError("bundle.json", "not valid JSON (line 3)", "fix the file"))
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


class Unreachable(UserError):
    """A channel, server or network that cannot be reached or read, or credentials that are
    missing or refused: the input may be right, the place it names cannot be used from here."""

    exit_code = EXIT_UNREACHABLE
