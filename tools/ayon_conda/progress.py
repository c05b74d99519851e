"""Progress for long work (resolving, downloads, builds), on stderr.

Messages and bars go to stderr so that ``--json`` output on stdout stays machine-readable;
``--json`` and ``--quiet`` turn them off. click's progress bar draws only on a terminal and
prints the label once otherwise, which keeps CI logs short.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import click


class Progress:
    """Reports steps and byte counts; ``Progress(enabled=False)`` is silent."""

    def __init__(self, enabled: bool = True) -> None:
        self.enabled = enabled

    def step(self, message: str) -> None:
        if self.enabled:
            click.echo(message, err=True)

    def warn(self, message: str) -> None:
        """A warning, on stderr even with ``--quiet`` or ``--json`` (whose output says it too)."""
        click.echo(f"warning: {message}", err=True)

    @contextmanager
    def bar(self, label: str, total: int) -> Iterator[Callable[[int], None]]:
        """A bar over ``total`` units; yields a function to call with each increment."""
        if not self.enabled:
            yield lambda n: None
            return
        with click.progressbar(length=max(total, 1), label=label, file=sys.stderr) as bar:
            yield bar.update


SILENT = Progress(enabled=False)
