"""ayon-publish-submit: which ``ayon-publish`` conda package a Deadline Cloud job should use.

What an AYON addon imports inside a DCC at submission: the pin of a bundle
(:func:`spec_for_bundle`), the exact package in a channel (:func:`resolve`) and the job's queue
parameters (:func:`queue_parameters`). Every failure is a :class:`UserError` of one line.

The flow of the pipeline it belongs to, and where each step lives::

    bundle ─ayon_conda.pin─► lock ─ayon_conda.build─► .conda ─ayon_conda.channel─► channel
                                                                                 │
    DCC: bundle ─ayon_publish_submit.submission─► CondaPackages ◄── reads ───────┘
"""

from __future__ import annotations

from .errors import Unreachable, UserError
from .submission import NoMatch, NotCompatible, Resolution, queue_parameters, resolve, spec_for_bundle

__all__ = ["NoMatch", "NotCompatible", "Resolution", "Unreachable", "UserError", "queue_parameters", "resolve", "spec_for_bundle"]
