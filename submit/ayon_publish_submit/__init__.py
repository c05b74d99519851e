"""ayon-publish-submit: which ``ayon-publish`` conda package a Deadline Cloud job should use.

What an AYON addon imports inside a DCC at submission, with nothing but the standard library:
the pin of a bundle (:func:`spec_for_bundle`), the exact package in a channel (:func:`resolve`),
the job's queue parameters (:func:`queue_parameters`), and the publish step's own environment
that installs it (:func:`add_publish_step_environment`; a pyblish plugin that calls it for the
AYON Deadline Cloud addon is in :data:`PYBLISH_PLUGINS`). Every failure is a :class:`UserError`
of one line.

The flow of the pipeline it belongs to, and where each step lives::

    bundle ─ayon_conda.pin─► lock ─ayon_conda.build─► .conda ─ayon_conda.channel─► channel
                                                                                 │
    DCC: bundle ─ayon_publish_submit─► the publish step's environment ◄── reads ─┘
"""

from __future__ import annotations

from pathlib import Path

from .errors import Unreachable, UserError
from .publish_step import add_publish_step_environment
from .submission import NoMatch, NotCompatible, Resolution, job_package, queue_parameters, resolve, spec_for_bundle

__version__ = "0.1.0"
#: The directory of the drop-in pyblish plugin (``pyblish.api.register_plugin_path``, or an
#: AYON addon's ``get_publish_plugin_paths``).
PYBLISH_PLUGINS = str(Path(__file__).with_name("pyblish_plugins"))

__all__ = ["PYBLISH_PLUGINS", "NoMatch", "NotCompatible", "Resolution", "Unreachable", "UserError",
           "add_publish_step_environment", "job_package", "queue_parameters", "resolve", "spec_for_bundle"]
