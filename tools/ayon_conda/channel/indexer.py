"""What the channel implementations share about py-rattler's indexer."""

from __future__ import annotations

from ayon_conda.errors import AyonCondaError

FIX_INDEX = "the packages are in place: run the same command again to finish the index"


def _one_line(text: object) -> str:
    return " ".join(line.strip() for line in str(text).splitlines() if line.strip())


def index_error(exc: BaseException, url: str) -> AyonCondaError:
    return AyonCondaError(url, f"indexing failed: {_one_line(exc)}", FIX_INDEX)
