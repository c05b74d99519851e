"""py-rattler's view of a list of conda channels, shared by pin's run-requirement check and verify.

Both solve against channels the user names (``conda-forge``, a directory, ``https://``,
``s3://``): one place makes the gateway (repodata cache under the pipeline's cache directory,
sharded repodata where the channel has it, so only the records of the packages asked about are
fetched) and the client (with py-rattler's S3 middleware when a channel is on S3, told about a
custom endpoint per bucket, as ``ayon_conda.s3`` does for boto3).

:func:`read_indexes` reads each channel's index on its own before anything is solved, so a
channel that cannot be reached or read (no network, no AWS credentials, access denied) is
reported as :class:`~ayon_conda.errors.Unreachable`, naming it, and never as a package that does
not install; a directory that is not a channel is bad input. :func:`located` turns a channel
directory given as a relative path into its ``file://`` URL (py-rattler would read ``out/ch`` as
a channel name on anaconda.org).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ayon_conda.cache import cache_dir
from ayon_conda.errors import AyonCondaError, Unreachable

DEFAULT_CHANNELS = ("conda-forge",)


def error_text(text: object) -> str:
    """A py-rattler error chain as one line: what failed and its innermost cause.

    >>> error_text("error sending request for url (https://x/y)\\nCaused by: dns error\\nCaused by: no such host")
    'error sending request for url (https://x/y): no such host'
    """
    parts = [p.strip() for p in " ".join(str(text).split()).split("Caused by:") if p.strip()]
    return parts[0] if len(parts) == 1 else f"{parts[0]}: {parts[-1]}"


def located(channel: str) -> str:
    """``channel`` as py-rattler needs it: an existing directory (``out/channel``) as its ``file://`` URL."""
    if "://" not in channel and Path(channel).is_dir():
        return Path(channel).resolve().as_uri()
    return channel


def _directory(channel: str) -> Path | None:
    from urllib.parse import urlsplit
    from urllib.request import url2pathname

    from rattler import Channel

    url = Channel(channel).base_url
    return Path(url2pathname(urlsplit(url).path)) if url.startswith("file:") else None


def _fix(channel: str) -> str:
    if channel.startswith("s3://"):
        return "check the AWS credentials (AWS_PROFILE, a role, ...), --endpoint-url and the network"
    if channel in DEFAULT_CHANNELS:
        return "check the network, or work without it: ayon-conda local-channel DIR --lock LOCK"
    return "check the channel URL and the network"


async def read_indexes(channels: Sequence[str], gateway: Any) -> None:
    """Read each channel's index (this machine's subdir and noarch) with ``gateway``, one at a time."""
    from rattler import Channel, Subdir

    from ayon_conda.s3 import credentials, session

    for channel in channels:
        directory = _directory(channel)
        if directory is not None and not (directory / "noarch").is_dir():
            raise AyonCondaError(channel, f"{directory} is not a conda channel (no noarch/)",
                                 "check --channel, or make one with ayon-conda local-channel DIR")
        if channel.startswith("s3://"):
            credentials(session(), channel)  # Unreachable without any
        try:
            await gateway.query([Channel(channel)], [Subdir.current(), Subdir("noarch")], ["python"], recursive=False)
        except Exception as exc:  # py-rattler raises its own kinds for unreachable or unreadable channels
            raise Unreachable(channel, f"cannot be read ({error_text(exc)})", _fix(channel)) from None


def check_channels(channels: Sequence[str], endpoint_url: str | None = None) -> None:
    """Read every channel's index; raises :class:`Unreachable` naming the first that cannot be read."""
    import asyncio

    channels = [located(c) for c in channels]
    asyncio.run(read_indexes(channels, gateway(channels, endpoint_url)))


def client(channels: Sequence[str], endpoint_url: str | None) -> Any:
    """py-rattler's standard client with its S3 middleware when a channel is on S3 (told about a
    custom endpoint per bucket; else the AWS chain decides); None (rattler's default client)
    otherwise."""
    from rattler.networking import Client
    from rattler.networking.middleware import (
        AuthenticationMiddleware,
        GCSMiddleware,
        OciMiddleware,
        RetryMiddleware,
        S3Middleware,
    )

    from ayon_conda.s3 import rattler_s3_config

    if not any(c.startswith("s3://") for c in channels):
        return None
    config = rattler_s3_config(channels, endpoint_url)
    return Client([RetryMiddleware(), AuthenticationMiddleware(), OciMiddleware(), GCSMiddleware(), S3Middleware(config)])


def gateway(channels: Sequence[str], endpoint_url: str | None = None, *, fresh: bool = False) -> Any:
    """A gateway for ``channels``; ``fresh`` skips the repodata cache (a package published a
    moment ago must be found)."""
    from rattler import Gateway, SourceConfig

    options: dict[str, Any] = {"cache_dir": cache_dir() / "rattler" / "repodata", "client": client(channels, endpoint_url)}
    if fresh:
        options["default_config"] = SourceConfig(cache_action="no-cache")
    return Gateway(**options)
