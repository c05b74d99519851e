"""The publish step of a Deadline Cloud job gets the bundle's exact ``ayon-publish``, and only it.

The AYON Deadline Cloud addon appends a step named "publish to AYON" to the job its submitter
builds (host requirement ``attr.role`` in the publish roles, a bash script running ``ayon addon
deadline_cloud publish ...``). The job's ``CondaPackages``/``CondaChannels`` parameters are shared
by every step and hold the DCC's packages for rendering, and a queue environment cannot see a
step's variables, so ``ayon-publish`` does not belong there. :func:`add_publish_step_environment`
gives the publish step its own environment instead: it installs the bundle's exact build into a
node-cached conda environment with the same script as ``channel/queue-environment.yaml``
(:mod:`ayon_publish_submit.conda_session`), activates it for that step only (deactivating a
conda environment the queue environment activated) and sets ``AYON_BUNDLE_NAME``. The other
steps are left as they are, and it works whether the queue has the console's default conda
queue environment, ours, or none::

    from ayon_publish_submit import add_publish_step_environment

    add_publish_step_environment(job_data["job_template"], bundle,
                                 ["s3://studio-conda/ayon", "conda-forge"])

For option C (``ayon-publish-core``, whose activation syncs the bundle's other addons from S3)
pass ``name="ayon-publish-core", bake=["core"]`` and ``addons_s3_uri=`` (where ``ayon-conda
addons upload`` put them, e.g. ``s3://studio-conda/ayon-addons``; ``"job-attachments"`` for the
former default below the job attachments root), unless a queue environment exports
``AYON_ADDONS_S3_URI``: the environment then also sets the variables that the package's addon
sync reads before it activates, with ``AYON_BUNDLE_NAME``.
"""

from __future__ import annotations

from collections.abc import Mapping, MutableMapping, Sequence
from typing import Any

from .bundle import Bundle
from .errors import UserError
from .openjd_environment import DEFAULT_KEEP_DAYS, conda_environment
from .submission import as_bundle, channel_names, job_package

#: The step the AYON Deadline Cloud addon appends.
PUBLISH_STEP = "publish to AYON"
#: The name of the environment added to it (an existing one of that name is replaced).
ENVIRONMENT = "AYON publish packages"
#: The variables ``ayon_publish.addon_sync`` (inside ayon-publish-core) reads; a test keeps them equal.
BUNDLE_VAR = "AYON_BUNDLE_NAME"
ADDONS_S3_URI_VAR = "AYON_ADDONS_S3_URI"
ADDONS_CACHE_VAR = "AYON_ADDONS_CACHE_DIR"


def add_publish_step_environment(job_template: MutableMapping[str, Any], bundle: Mapping[str, Any] | Bundle,
                                 channels: str | Sequence[str], *, step: str = PUBLISH_STEP,
                                 packages: Sequence[str] = (), python: str | None = None, cache_dir: str = "",
                                 keep_days: int = DEFAULT_KEEP_DAYS, channel_priority: str = "Strict",
                                 addons_s3_uri: str | None = None, addons_cache_dir: str | None = None,
                                 **options: Any) -> dict[str, Any]:
    """Add to ``job_template``'s step ``step`` an environment that installs ``bundle``'s package.

    ``job_template`` is an OpenJD job template as a dict (the addon's
    ``instance.data["deadline_cloud_job_data"]["job_template"]``), changed in place;
    ``channels`` (a sequence, or space-separated) are the channels the worker solves with: the
    package's channel and one with ``python`` (``conda-forge``, or ``deadline-cloud`` on
    service-managed fleets). The package is resolved as :func:`~ayon_publish_submit.resolve`
    does (``options``: ``name``, ``bake``, ``server_version``, ``endpoint_url``, ``cache``,
    ``max_age``); an ``s3://`` channel that cannot be read here because boto3 is missing gives the
    spec of every build of the bundle's addon set, and the worker's solver takes the highest.
    ``packages``: more specs for the publish step. ``python``: the worker's Python that runs the
    script (3.10+, with py-rattler 0.28 or pip, which installs it into the cache once); by default
    the one our queue environment ran on (``$AYON_CONDA_PYTHON``), else ``python`` from ``PATH``.
    ``cache_dir`` (empty:
    the worker user's cache, shared with our queue environment), ``keep_days`` (environments
    unused that long are removed when the step's session ends; 0 keeps all) and
    ``channel_priority`` are the queue environment's ``CondaEnvCacheDir``, ``CondaEnvKeepDays``
    and ``ChannelPriority``. ``addons_s3_uri``/``addons_cache_dir`` set ``AYON_ADDONS_S3_URI``/
    ``AYON_ADDONS_CACHE_DIR`` for ayon-publish-core's addon sync (option C).

    Returns the environment added; raises :class:`~ayon_publish_submit.UserError` (one line)
    when the step is missing or no package fits, leaving ``job_template`` unchanged.
    """
    steps = job_template.get("steps") if isinstance(job_template, Mapping) else None
    names = [str(s.get("name")) for s in steps or [] if isinstance(s, Mapping)]
    target = next((s for s in steps or [] if isinstance(s, MutableMapping) and s.get("name") == step), None)
    if target is None:
        raise UserError("job template", f"has no step named '{step}' (steps: {', '.join(names) or 'none'})",
                        "add the AYON Deadline Cloud addon's publish step first, or name the step that publishes")
    parsed = as_bundle(bundle)
    channel_list = channel_names(channels)
    package = job_package(parsed, channel_list, spec_without_boto3=True, **options)
    variables = {BUNDLE_VAR: parsed.name}
    if addons_s3_uri:
        variables[ADDONS_S3_URI_VAR] = addons_s3_uri
    if addons_cache_dir:
        variables[ADDONS_CACHE_VAR] = addons_cache_dir
    environment = conda_environment(
        ENVIRONMENT, [*packages, package], channel_list, variables=variables, python=python, cache_dir=cache_dir,
        keep_days=keep_days, priority=channel_priority,
        description=f"Installs {package} (AYON bundle {parsed.name}) for this step; added by ayon-publish-submit")
    kept = [e for e in target.get("stepEnvironments") or [] if not (isinstance(e, Mapping) and e.get("name") == ENVIRONMENT)]
    target["stepEnvironments"] = [*kept, environment]
    return environment
