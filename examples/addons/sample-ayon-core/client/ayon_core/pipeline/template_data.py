"""Data for filling templates, SAMPLE core addon (not AYON code), as ``get_template_data`` gives it."""
from __future__ import annotations

from typing import Any, Optional

from ayon_core.lib import get_datetime_data


def get_template_data(
    project_entity: dict[str, Any],
    folder_entity: Optional[dict[str, Any]] = None,
    task_entity: Optional[dict[str, Any]] = None,
    host_name: Optional[str] = None,
    username: Optional[str] = None,
) -> dict[str, Any]:
    """``project``, ``folder``, ``hierarchy``, ``task``, ``user`` and date keys."""
    data: dict[str, Any] = dict(get_datetime_data())
    data["project"] = {"name": project_entity["name"], "code": project_entity["code"]}
    if username:
        data["user"] = {"name": username}
        data["username"] = username
    if folder_entity:
        parents = folder_entity["path"].strip("/").split("/")[:-1]
        data["folder"] = {
            "name": folder_entity["name"],
            "type": folder_entity.get("folderType"),
            "path": folder_entity["path"],
            "parents": parents,
        }
        data["hierarchy"] = "/".join(parents)
        if task_entity:
            short = next((t.get("shortName") for t in project_entity.get("taskTypes", [])
                          if t["name"] == task_entity["taskType"]), None)
            data["task"] = {"name": task_entity["name"], "type": task_entity["taskType"],
                            "short": short or task_entity["taskType"]}
    if host_name:
        data["app"] = host_name
    return data
