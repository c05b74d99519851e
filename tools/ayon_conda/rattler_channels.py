"""py-rattler's view of a list of conda channels, shared by pin's run-requirement check and verify.

Both solve against channels the user names (``conda-forge``, a directory, ``https://``,
``s3://``): one place makes the gateway (repodata cache under the pipeline's cache directory,
sharded repodata where the channel has it, so only the records of the packages asked about are
fetched) and the client (told about a custom S3 endpoint per bucket, as ``ayon_conda.s3`` does
for boto3).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ayon_conda.cache import cache_dir

DEFAULT_CHANNELS = ("conda-forge",)


def client(channels: Sequence[str], endpoint_url: str | None) -> Any:
    """py-rattler's standard client, told about a custom S3 endpoint when a channel is on S3;
    None (rattler's default client) otherwise."""
    from rattler.networking import Client
    from rattler.networking.middleware import (
        AuthenticationMiddleware,
        GCSMiddleware,
        OciMiddleware,
        RetryMiddleware,
        S3Middleware,
    )

    from ayon_conda.s3 import rattler_s3_config

    config = rattler_s3_config(channels, endpoint_url)
    if not config:
        return None
    return Client([RetryMiddleware(), AuthenticationMiddleware(), OciMiddleware(), GCSMiddleware(), S3Middleware(config)])


def gateway(channels: Sequence[str], endpoint_url: str | None = None, *, fresh: bool = False) -> Any:
    """A gateway for ``channels``; ``fresh`` skips the repodata cache (a package published a
    moment ago must be found)."""
    from rattler import Gateway, SourceConfig

    options: dict[str, Any] = {"cache_dir": cache_dir() / "rattler" / "repodata", "client": client(channels, endpoint_url)}
    if fresh:
        options["default_config"] = SourceConfig(cache_action="no-cache")
    return Gateway(**options)
