"""Job templates shaped like the AYON Deadline Cloud addon's output (ynput/ayon-deadline-cloud).

The addon's collector takes the job template of the DCC's Deadline Cloud submitter (steps that
render, job parameters ``CondaPackages``/``CondaChannels`` shared by every step) and its
``AddPublishingStep`` plugin gives every step the host requirement ``attr.role`` in the render
roles and appends a step "publish to AYON": it depends on every other step, needs ``attr.role``
in the publish roles, has two step environments (``DISABLE_CONDA_ENV=true``, and the session's
``AYON_BUNDLE_NAME``/``AYON_STUDIO_BUNDLE_NAME``) and runs an embedded bash script (the addon's
runs ``ayon addon deadline_cloud publish ...``; here the script is the caller's, since that
command needs an AYON server). Written from the addon's behaviour, not its code.
"""

from __future__ import annotations

from typing import Any

RENDER_ROLES = ["render"]
PUBLISH_ROLES = ["publish"]


def submitter_job(render_command: list[str]) -> dict[str, Any]:
    """A DCC submitter's job: the conda parameters and one step running ``render_command``."""
    run = {"command": render_command[0], **({"args": render_command[1:]} if render_command[1:] else {})}
    return {
        "specificationVersion": "jobtemplate-2023-09",
        "name": "shot010_lighting_v003.ma",
        "parameterDefinitions": [
            {"name": "CondaPackages", "type": "STRING", "default": ""},
            {"name": "CondaChannels", "type": "STRING", "default": "deadline-cloud"},
        ],
        "steps": [{"name": "Render", "script": {"actions": {"onRun": run}}}],
    }


def add_publishing_step(job: dict[str, Any], bundle_name: str, publish_script: str) -> dict[str, Any]:
    """Append the addon's "publish to AYON" step (its shape; ``publish_script`` is the bash it runs)."""
    steps = job["steps"]
    for step in steps:
        attributes = step.setdefault("hostRequirements", {}).setdefault("attributes", [])
        attributes.append({"name": "attr.role", "anyOf": list(RENDER_ROLES)})
    steps.append({
        "name": "publish to AYON",
        "description": "Publish the rendered files to AYON",
        "dependencies": [{"dependsOn": step["name"]} for step in steps],
        "hostRequirements": {"attributes": [{"name": "attr.role", "anyOf": list(PUBLISH_ROLES)}]},
        "stepEnvironments": [
            {"name": "CondaEnv", "description": "Set to disable conda", "variables": {"DISABLE_CONDA_ENV": "true"}},
            {"name": "AYONEnv", "description": "The AYON bundle",
             "variables": {"AYON_STUDIO_BUNDLE_NAME": bundle_name, "AYON_BUNDLE_NAME": bundle_name}},
        ],
        "script": {
            "embeddedFiles": [{"name": "Publish", "filename": "ayon_publish.sh", "type": "TEXT", "data": publish_script}],
            "actions": {"onRun": {"command": "bash", "args": ["{{Task.File.Publish}}"]}},
        },
    })
    return job
