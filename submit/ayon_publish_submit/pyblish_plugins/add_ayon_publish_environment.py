"""Pyblish plugin for the AYON Deadline Cloud addon: the publish step installs the bundle's ayon-publish.

The addon's collector puts the job it will submit in ``instance.data["deadline_cloud_job_data"]``
and its ``AddPublishingStep`` (order ``IntegratorOrder``) appends the step "publish to AYON";
``SubmitToDeadlineCloud`` (``IntegratorOrder + 0.1``) submits. This plugin runs between them and
calls :func:`ayon_publish_submit.add_publish_step_environment` on the job template, so the publish
step installs the exact ``ayon-publish`` build of the artist's bundle and nothing else changes.
Register the directory it is in (``ayon_publish_submit.PYBLISH_PLUGINS``) as a publish plugin
path, e.g. from the addon's ``get_publish_plugin_paths``.

Where it reads what it needs:

* the bundle: ``AYON_BUNDLE_NAME`` and the versions of the addons loaded in this session
  (``context.data["ayonAddons"]``, which ayon-core's ``CollectAddons`` fills), so the package is
  the one of the addons that actually run here;
* the settings: ``project_settings["deadline_cloud"]["ayon_publish"]``, a mapping with ``channels``
  (space-separated; else ``$AYON_PUBLISH_CHANNELS``, else the job's ``CondaChannels`` value) and
  optionally ``package`` (``ayon-publish-core`` for option C, which bakes only ``core``),
  ``python``, ``cache_dir``, ``keep_days``, ``addons_s3_uri``, ``addons_cache_dir`` and ``step``.

A failure is the one line of :class:`ayon_publish_submit.UserError`, raised as ayon-core's
``PublishError`` inside AYON so that the publisher shows it to the artist.
"""

import os

import pyblish.api
from ayon_publish_submit import UserError, add_publish_step_environment
from ayon_publish_submit.pin_scheme import CORE_ADDON, CORE_PACKAGE

SETTINGS = "ayon_publish"
CHANNELS_ENV = "AYON_PUBLISH_CHANNELS"
OPTIONS = ("python", "cache_dir", "keep_days", "addons_s3_uri", "addons_cache_dir", "step")


class AddAyonPublishEnvironment(pyblish.api.InstancePlugin):
    """Install the bundle's exact ayon-publish for the job's publish step."""

    label = "Install ayon-publish for the Publish Step"
    order = pyblish.api.IntegratorOrder + 0.05
    families = ["deadline_cloud"]
    targets = ["local"]

    def process(self, instance):
        job_data = instance.data.get("deadline_cloud_job_data")
        if not job_data:
            self.log.warning("No AWS Deadline Cloud job data: nothing to install for.")
            return
        context = instance.context
        settings = ((context.data.get("project_settings") or {}).get("deadline_cloud") or {}).get(SETTINGS) or {}
        options = {key: settings[key] for key in OPTIONS if settings.get(key) not in (None, "")}
        if settings.get("package"):
            options["name"] = settings["package"]
            if settings["package"] == CORE_PACKAGE:
                options["bake"] = [CORE_ADDON]
        try:
            environment = add_publish_step_environment(
                job_data["job_template"], self._bundle(context), self._channels(settings, job_data), **options)
        except UserError as exc:
            raise _publish_error(str(exc)) from None
        self.log.info(environment["description"])

    @staticmethod
    def _bundle(context):
        addons = context.data.get("ayonAddons")
        if not addons:
            raise _publish_error("publish context: has no 'ayonAddons'; publish inside AYON (ayon-core's CollectAddons fills it)")
        return {"name": os.environ.get("AYON_BUNDLE_NAME") or "unnamed bundle",
                "addons": {name: getattr(addon, "version", None) for name, addon in addons.items()}}

    @staticmethod
    def _channels(settings, job_data):
        if settings.get("channels") or os.environ.get(CHANNELS_ENV):
            return settings.get("channels") or os.environ[CHANNELS_ENV]
        values = {p.get("name"): p.get("value") for p in job_data.get("parameter_values") or []}
        return values.get("CondaChannels") or ""


def _publish_error(message):
    """ayon-core's PublishError (shown to the artist as it is) inside AYON, else a RuntimeError."""
    try:
        from ayon_core.pipeline.publish import PublishError
    except ImportError:
        return RuntimeError(message)
    return PublishError(message)
