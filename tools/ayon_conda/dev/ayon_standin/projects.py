"""The AYON stand-in's projects: entities in memory, changed by AYON's batch operations.

A project holds folders, tasks, products, versions and representations as ayon-backend keeps
them (camelCase fields, ``attrib``, ``data``, ids of 32 hex digits), its anatomy (``config``:
roots and templates, shaped like the server's default anatomy preset) and its bundle override.
``apply_operations`` is ``POST /api/projects/{name}/operations``: create, update and delete,
each checked as the server checks it (unknown parent, an id or name taken, an unknown entity)
and answered per operation with ``success``/``status``/``errorCode``/``detail``; with
``canFail`` false one failure undoes the whole batch, as the server's transaction does.
"""

from __future__ import annotations

import copy
import re
import threading
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

ENTITY_TYPES = ("folder", "task", "product", "version", "representation")
#: entity type -> (parent id field, parent type); folders also nest under folders
PARENTS = {"task": ("folderId", "folder"), "product": ("folderId", "folder"),
           "version": ("productId", "product"), "representation": ("versionId", "version")}
#: entity type -> field that must be unique among siblings (with the parent field)
UNIQUE = {"folder": ("parentId", "name"), "task": ("folderId", "name"), "product": ("folderId", "name"),
          "version": ("productId", "version"), "representation": ("versionId", "name")}
ROOT_ATTRIB = {"fps": 25.0, "resolutionWidth": 1920, "resolutionHeight": 1080, "pixelAspect": 1.0,
               "frameStart": 1001, "frameEnd": 1001, "handleStart": 0, "handleEnd": 0,
               "clipIn": 1, "clipOut": 1, "priority": "normal"}

# The parts of ayon-backend's default anatomy preset that publishing reads.
DEFAULT_TEMPLATES: dict[str, Any] = {
    "common": {"frame": "{frame:0>{@frame_padding}}", "frame_padding": 4,
               "version": "v{version:0>{@version_padding}}", "version_padding": 3},
    "publish": {
        "default": {
            "directory": "{root[work]}/{project[name]}/{hierarchy}/{folder[name]}/publish/"
                         "{product[type]}/{product[name]}/{@version}",
            "file": "{project[code]}_{folder[name]}_{product[name]}_{@version}<_{output}><.{@frame}><_{udim}>.{ext}",
        },
    },
}
DEFAULT_TASK_TYPES = [{"name": name, "shortName": short} for name, short in (
    ("Generic", "gener"), ("Compositing", "comp"), ("Lighting", "lgt"), ("Animation", "anim"))]
DEFAULT_FOLDER_TYPES = [{"name": name} for name in ("Folder", "Asset", "Episode", "Sequence", "Shot")]
DEFAULT_CREATED_AT = "2026-01-01T00:00:00+00:00"


class OperationFailed(Exception):
    """One operation of a batch cannot be done: its HTTP status, error code and detail."""

    def __init__(self, status: int, code: str, detail: str) -> None:
        super().__init__(detail)
        self.status, self.code, self.detail = status, code, detail


def new_id() -> str:
    """An entity id as AYON makes them (a uuid1 without dashes)."""
    return uuid.uuid1().hex


def _now() -> str:
    from datetime import datetime, timezone  # noqa: PLC0415 - only when entities are written

    return datetime.now(timezone.utc).isoformat()


@dataclass
class Project:
    """One project: the entity REST serves and its entities by type and id."""

    name: str
    code: str
    roots: dict[str, dict[str, str]]
    templates: dict[str, Any] = field(default_factory=lambda: copy.deepcopy(DEFAULT_TEMPLATES))
    attrib: dict[str, Any] = field(default_factory=lambda: dict(ROOT_ATTRIB))
    data: dict[str, Any] = field(default_factory=dict)
    active: bool = True
    library: bool = False
    entities: dict[str, dict[str, dict[str, Any]]] = field(
        default_factory=lambda: {kind: {} for kind in ENTITY_TYPES})
    extra: dict[str, Any] = field(default_factory=dict)

    def entity(self) -> dict[str, Any]:
        """The project as ``GET /api/projects/{name}`` answers."""
        project = {
            "name": self.name, "code": self.code, "library": self.library,
            "folderTypes": copy.deepcopy(DEFAULT_FOLDER_TYPES), "taskTypes": copy.deepcopy(DEFAULT_TASK_TYPES),
            "linkTypes": [], "statuses": [], "tags": [],
            "config": {"roots": copy.deepcopy(self.roots), "templates": copy.deepcopy(self.templates)},
            "attrib": dict(self.attrib), "data": copy.deepcopy(self.data), "active": self.active,
            "ownAttrib": sorted(self.attrib), "createdAt": DEFAULT_CREATED_AT, "updatedAt": DEFAULT_CREATED_AT,
        }
        project.update(copy.deepcopy(self.extra))
        return project

    def folder_path(self, folder_id: str) -> str:
        names = []
        while folder_id:
            folder = self.entities["folder"][folder_id]
            names.append(folder["name"])
            folder_id = folder.get("parentId")
        return "/" + "/".join(reversed(names))

    def all_attrib(self, kind: str, entity: Mapping[str, Any]) -> dict[str, Any]:
        """Attributes with the inherited ones filled in (folders and tasks inherit)."""
        if kind == "task":
            base = self.all_attrib("folder", self.entities["folder"][entity["folderId"]])
        elif kind == "folder":
            parent = entity.get("parentId")
            base = self.all_attrib("folder", self.entities["folder"][parent]) if parent else dict(self.attrib)
        else:
            base = {}
        return {**base, **{k: v for k, v in (entity.get("attrib") or {}).items() if v is not None}}


class ProjectStore:
    """Every project of the stand-in; all changes under one lock."""

    def __init__(self) -> None:
        self.projects: dict[str, Project] = {}
        self.lock = threading.RLock()

    def get(self, name: str) -> Project | None:
        """A project by name, matched case-insensitively as AYON does."""
        return next((p for key, p in self.projects.items() if key.lower() == name.lower()), None)

    def add_project(self, name: str, code: str | None = None, *, roots: Mapping[str, Any] | None = None,
                    **extra: Any) -> Project:
        """Add a project; ``roots`` maps a root name to a path (every platform) or to
        ``{"linux": ..., "windows": ..., "darwin": ...}``."""
        roots = {key: value if isinstance(value, Mapping) else dict.fromkeys(("windows", "linux", "darwin"), value)
                 for key, value in (roots or {"work": "/mnt/share/projects"}).items()}
        code = code or (re.sub(r"[^A-Za-z0-9]", "", name)[:8].lower() or "prj")
        data = dict(extra.pop("data", None) or {})
        project = Project(name=name, code=code, roots={k: dict(v) for k, v in roots.items()}, data=data,
                          extra=extra)
        with self.lock:
            self.projects[name] = project
        return project

    def add_entity(self, project_name: str, kind: str, data: Mapping[str, Any]) -> dict[str, Any]:
        """Create one entity (what a ``create`` operation does); returns it."""
        with self.lock:
            project = self.get(project_name)
            if project is None:
                raise OperationFailed(404, "not-found", f"Project {project_name} not found")
            return self._create(project, kind, data.get("id") or new_id(), dict(data))

    def add_folder(self, project_name: str, path: str, folder_type: str = "Folder", **data: Any) -> dict[str, Any]:
        """Create the folder at ``path`` (its parents must exist)."""
        parent_path, _, name = path.strip("/").rpartition("/")
        parent_id = None
        if parent_path:
            parent = self.folder_by_path(project_name, "/" + parent_path)
            if parent is None:
                raise OperationFailed(404, "not-found", f"Folder /{parent_path} not found")
            parent_id = parent["id"]
        return self.add_entity(project_name, "folder", {"name": name, "folderType": folder_type,
                                                        "parentId": parent_id, **data})

    def add_task(self, project_name: str, folder_path: str, name: str, task_type: str = "Generic") -> dict[str, Any]:
        folder = self.folder_by_path(project_name, folder_path)
        if folder is None:
            raise OperationFailed(404, "not-found", f"Folder {folder_path} not found")
        return self.add_entity(project_name, "task", {"name": name, "taskType": task_type, "folderId": folder["id"]})

    def folder_by_path(self, project_name: str, path: str) -> dict[str, Any] | None:
        project = self.get(project_name)
        if project is None:
            return None
        return next((f for f in project.entities["folder"].values() if f["path"] == path), None)

    def entities(self, project_name: str, kind: str) -> list[dict[str, Any]]:
        """Copies of every ``kind`` entity of a project (for assertions)."""
        project = self.get(project_name)
        return [] if project is None else copy.deepcopy(list(project.entities[kind].values()))

    # -- operations --

    def apply_operations(self, project_name: str, operations: Iterable[Mapping[str, Any]],
                         can_fail: bool, user_name: str) -> dict[str, Any]:
        """``POST /api/projects/{name}/operations``: the answer AYON gives."""
        with self.lock:
            project = self.get(project_name)
            if project is None:
                raise OperationFailed(404, "not-found", f"Project {project_name} not found")
            saved = copy.deepcopy(project.entities)
            results = []
            for op in operations:
                result = {"id": op.get("id"), "type": op.get("type"), "entityType": op.get("entityType"),
                          "entityId": op.get("entityId"), "success": True, "status": 200,
                          "errorCode": None, "detail": None}
                try:
                    result["entityId"], result["status"] = self._apply(project, op, user_name)
                except OperationFailed as exc:
                    result.update(success=False, status=exc.status, errorCode=exc.code, detail=exc.detail)
                results.append(result)
                if not result["success"] and not can_fail:
                    break
            success = all(r["success"] for r in results)
            if not success and not can_fail:
                project.entities = saved
            return {"operations": results, "success": success}

    def _apply(self, project: Project, op: Mapping[str, Any], user_name: str) -> tuple[str, int]:
        kind, kind_type = op.get("entityType"), op.get("type")
        if kind not in ENTITY_TYPES:
            raise OperationFailed(400, "bad-request", f"Unsupported entity type {kind!r}")
        entity_id = op.get("entityId")
        data = dict(op.get("data") or {})
        if kind_type == "create":
            entity_id = entity_id or data.get("id") or new_id()
            if kind == "version":
                data.setdefault("author", user_name)
            self._create(project, kind, entity_id, data)
            return entity_id, 201
        if entity_id not in project.entities[kind]:
            raise OperationFailed(404, "not-found", f"{kind.capitalize()} {entity_id} not found")
        if kind_type == "update":
            self._update(project, kind, entity_id, data)
            return entity_id, 204
        if kind_type == "delete":
            if any(e.get(PARENTS[child][0]) == entity_id
                   for child in PARENTS if PARENTS[child][1] == kind for e in project.entities[child].values()):
                raise OperationFailed(409, "constraint-violation", f"{kind.capitalize()} {entity_id} has children")
            del project.entities[kind][entity_id]
            return entity_id, 204
        raise OperationFailed(400, "bad-request", f"Unsupported operation type {kind_type!r}")

    def _check(self, project: Project, kind: str, entity_id: str, entity: Mapping[str, Any]) -> None:
        if kind in PARENTS:
            parent_field, parent_kind = PARENTS[kind]
            if entity.get(parent_field) not in project.entities[parent_kind]:
                raise OperationFailed(409, "foreign-key-violation",
                                      f"{parent_kind.capitalize()} {entity.get(parent_field)} does not exist")
        elif entity.get("parentId") and entity["parentId"] not in project.entities["folder"]:
            raise OperationFailed(409, "foreign-key-violation", f"Folder {entity['parentId']} does not exist")
        scope, key = UNIQUE[kind]
        for other_id, other in project.entities[kind].items():
            if other_id != entity_id and other.get(scope) == entity.get(scope) and other.get(key) == entity.get(key):
                raise OperationFailed(409, "unique-violation",
                                      f"{kind.capitalize()} with {key} {entity.get(key)!r} already exists")

    def _create(self, project: Project, kind: str, entity_id: str, data: dict[str, Any]) -> dict[str, Any]:
        if not re.fullmatch(r"[0-9a-f]{32}", entity_id or ""):
            raise OperationFailed(400, "bad-request", f"Invalid entity id {entity_id!r}")
        if entity_id in project.entities[kind]:
            raise OperationFailed(409, "unique-violation", f"{kind.capitalize()} with id '{entity_id}' already exists")
        now = _now()
        entity: dict[str, Any] = {
            "id": entity_id, "attrib": {}, "data": {}, "active": True, "tags": [],
            "status": "Not ready", "createdAt": now, "updatedAt": now,
        }
        entity.update({k: v for k, v in data.items() if k != "id"})
        required = {"folder": ("name",), "task": ("name", "taskType", "folderId"),
                    "product": ("name", "productType", "folderId"), "version": ("version", "productId"),
                    "representation": ("name", "versionId")}[kind]
        missing = [key for key in required if entity.get(key) is None]
        if missing:
            raise OperationFailed(400, "bad-request", f"{kind} needs {', '.join(missing)}")
        if kind == "folder":
            entity.setdefault("folderType", "Folder")
            entity.setdefault("parentId", None)
        elif kind == "product":
            entity.setdefault("productBaseType", entity["productType"])
        elif kind == "version":
            entity.setdefault("taskId", None)
            entity.setdefault("name", f"v{int(entity['version']):03d}")
        elif kind == "representation":
            entity.setdefault("files", [])
            entity.setdefault("traits", None)
        self._check(project, kind, entity_id, entity)
        project.entities[kind][entity_id] = entity
        if kind == "folder":
            entity["path"] = project.folder_path(entity_id)
        return entity

    def _update(self, project: Project, kind: str, entity_id: str, changes: Mapping[str, Any]) -> None:
        entity = copy.deepcopy(project.entities[kind][entity_id])
        for key, value in changes.items():
            if key == "attrib":
                entity["attrib"].update(value or {})
            else:
                entity[key] = value
        entity["updatedAt"] = _now()
        self._check(project, kind, entity_id, entity)
        project.entities[kind][entity_id] = entity
        if kind == "folder":
            entity["path"] = project.folder_path(entity_id)
