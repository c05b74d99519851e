"""What the channel implementations share about py-rattler's indexer."""

from __future__ import annotations

from ..errors import AyonCondaError

FIX_INDEX = "the packages are in place: run the same command again to finish the index"


def _one_line(text: object) -> str:
    return " ".join(line.strip() for line in str(text).splitlines() if line.strip())


def is_conflict(exc: BaseException) -> bool:
    """py-rattler gave up after concurrent writers kept changing the index under it."""
    text = str(exc)
    return "ConditionNotMatch" in text or "PreconditionFailed" in text or "condition not match" in text.lower()


def index_error(exc: BaseException, url: str) -> AyonCondaError:
    return AyonCondaError(url, f"indexing failed: {_one_line(exc)}", FIX_INDEX)
