"""HTTP downloads into the cache, checked against sha256 on the way in.

requests streams the body; we hash while writing to a temporary file and rename it into the
content-addressed cache only when the digest is right, so a bad or partial download never
becomes a cache hit.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from ayon_conda.cache import cache_dir, download_path
from ayon_conda.errors import AyonCondaError, Unreachable
from ayon_conda.progress import Progress

TIMEOUT = 60


def mismatch(subject: str, expected: str, actual: str) -> AyonCondaError:
    """The one error for a file whose sha256 is not the one recorded."""
    return AyonCondaError(
        subject,
        f"sha256 mismatch (expected {expected[:12]}..., got {actual[:12]}...)",
        "the file changed or was tampered with; re-pin only if you trust the new file",
    )


def fetch(url: str, filename: str, sha256: str | None, progress: Progress, cache: Path | None = None) -> tuple[Path, str]:
    """Download ``url`` into the cache; returns (path, sha256).

    With ``sha256`` given, a cached copy is reused and a download that hashes differently is
    refused. Without it (first pin of a source), the file is downloaded and its hash returned.
    """
    if sha256:
        cached = download_path(sha256, filename, cache)
        if cached.is_file():
            return cached, sha256
    import requests  # not imported at start-up: most builds download nothing

    staging = (cache or cache_dir()) / "partial"
    staging.mkdir(parents=True, exist_ok=True)
    tmp = staging / f"{download_path('', filename, staging).name}.{os.getpid()}"
    digest = hashlib.sha256()
    try:
        with requests.get(url, stream=True, timeout=TIMEOUT) as response:
            response.raise_for_status()
            total = int(response.headers.get("content-length") or 0)
            with open(tmp, "wb") as out, progress.bar(f"Downloading {filename}", total) as advance:
                for chunk in response.iter_content(1 << 16):
                    out.write(chunk)
                    digest.update(chunk)
                    advance(len(chunk))
    except requests.HTTPError as exc:
        tmp.unlink(missing_ok=True)
        status = exc.response.status_code if exc.response is not None else 0
        if status in (404, 410):
            raise AyonCondaError(url, f"not found (HTTP {status})", "check the URL") from None
        raise Unreachable(url, f"cannot download (HTTP {status})", "check the network and access to the host") from None
    except requests.RequestException as exc:
        tmp.unlink(missing_ok=True)
        raise Unreachable(url, f"cannot download ({type(exc).__name__})",
                          "check the network and proxy settings") from None
    actual = digest.hexdigest()
    if sha256 and actual != sha256:
        tmp.unlink(missing_ok=True)
        raise mismatch(url, sha256, actual)
    final = download_path(actual, filename, cache)
    final.parent.mkdir(parents=True, exist_ok=True)
    os.replace(tmp, final)
    return final, actual
