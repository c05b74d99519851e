"""The AYON stand-in's ``POST /graphql``: the queries ayon-python-api sends for a project's entities.

ayon-python-api reads folders, tasks, products, versions and representations through AYON's
GraphQL API (``get_folder_by_path``, ``get_task_by_name``, ``get_product_by_name``,
``get_last_version_by_product_id``, ``get_representations``, ...). This answers those queries
from the stand-in's projects in ayon-backend's shape: ``project(name:)`` with connections
``folders``/``tasks``/``products``/``versions``/``representations`` (``edges { node }`` and
``pageInfo``), ``data``, ``allAttrib``, ``context`` and ``traits`` as JSON strings, ``attrib { ... }``
and ``files { ... }`` as objects, file sizes as strings. Errors come back the way AYON sends
them: HTTP 200 with ``{"data": null, "errors": [{"message": ...}]}``.

It is a small parser for the part of GraphQL those queries use (one operation, variables,
fields with arguments and selections; no fragments, aliases or directives), not a GraphQL
server: a GraphQL library would still need AYON's schema, which is the part written here. An
argument or field it does not know is an error, so a query it cannot answer faithfully fails.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .projects import Project, ProjectStore

_TOKEN = re.compile(r'\s+|,|#[^\n]*|(?P<punct>[{}():!\[\]$=@])|(?P<name>[_A-Za-z][_0-9A-Za-z]*)'
                    r'|(?P<number>-?\d+(?:\.\d+)?)|(?P<string>"(?:[^"\\]|\\.)*")')

#: connection name -> (entity type, node type name, {argument: (entity field, match kind)})
CONNECTIONS: dict[str, tuple[str, str, dict[str, tuple[str, str]]]] = {
    "folders": ("folder", "FolderNode", {
        "ids": ("id", "in"), "names": ("name", "in"), "paths": ("path", "in"),
        "parentIds": ("parentId", "in"), "folderTypes": ("folderType", "in"),
        "statuses": ("status", "in"), "tags": ("tags", "any")}),
    "tasks": ("task", "TaskNode", {
        "ids": ("id", "in"), "names": ("name", "in"), "taskTypes": ("taskType", "in"),
        "folderIds": ("folderId", "in"), "statuses": ("status", "in"), "tags": ("tags", "any")}),
    "products": ("product", "ProductNode", {
        "ids": ("id", "in"), "names": ("name", "in"), "folderIds": ("folderId", "in"),
        "productTypes": ("productType", "in"), "productBaseTypes": ("productBaseType", "in"),
        "statuses": ("status", "in"), "tags": ("tags", "any")}),
    "versions": ("version", "VersionNode", {
        "ids": ("id", "in"), "productIds": ("productId", "in"), "versions": ("version", "in"),
        "taskIds": ("taskId", "in"), "authors": ("author", "in"), "statuses": ("status", "in"),
        "tags": ("tags", "any"), "latestOnly": ("", "latest")}),
    "representations": ("representation", "RepresentationNode", {
        "ids": ("id", "in"), "versionIds": ("versionId", "in"), "names": ("name", "in"),
        "statuses": ("status", "in"), "tags": ("tags", "any")}),
}
PAGING = ("first", "after", "last", "before")
JSON_FIELDS = {"data", "allAttrib", "context", "traits"}
NODE_FIELDS = {
    "folder": {"id", "name", "label", "folderType", "parentId", "path", "status", "tags", "active",
               "thumbnailId", "createdAt", "updatedAt", "data", "allAttrib", "attrib", "ownAttrib"},
    "task": {"id", "name", "label", "taskType", "folderId", "assignees", "status", "tags", "active",
             "thumbnailId", "createdAt", "updatedAt", "data", "allAttrib", "attrib", "ownAttrib"},
    "product": {"id", "name", "folderId", "productType", "productBaseType", "status", "tags", "active",
                "createdAt", "updatedAt", "data", "allAttrib", "attrib"},
    "version": {"id", "name", "version", "productId", "taskId", "author", "status", "tags", "active",
                "thumbnailId", "createdAt", "updatedAt", "data", "allAttrib", "attrib"},
    "representation": {"id", "name", "versionId", "files", "status", "tags", "active", "createdAt",
                       "updatedAt", "data", "allAttrib", "attrib", "context", "traits"},
}
FILE_FIELDS = {"id", "name", "path", "size", "hash", "hashType"}


class GraphQlError(Exception):
    """A query the stand-in cannot answer; the message is what the client sees."""


@dataclass
class Field:
    name: str
    args: dict[str, Any]
    selection: list[Field]


class _Parser:
    def __init__(self, text: str, variables: Mapping[str, Any]) -> None:
        self.tokens: list[tuple[str, str]] = []
        pos = 0
        while pos < len(text):
            match = _TOKEN.match(text, pos)
            if not match:
                raise GraphQlError(f"Syntax Error: unexpected character {text[pos]!r}")
            pos = match.end()
            kind = match.lastgroup
            if kind:
                self.tokens.append((kind, match.group(kind)))
        self.pos = 0
        self.variables = dict(variables)

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self, value: str | None = None) -> str:
        token = self.peek()
        if token is None or (value is not None and token[1] != value):
            raise GraphQlError(f"Syntax Error: expected {value or 'a token'}, found {token[1] if token else 'end'}")
        self.pos += 1
        return token[1]

    def document(self) -> list[Field]:
        token = self.peek()
        if token and token[1] == "query":
            self.take()
            if self.peek() and self.peek()[0] == "name":
                self.take()
            if self.peek() and self.peek()[1] == "(":
                self._variable_definitions()
        elif token and token[0] == "name":
            raise GraphQlError(f"The stand-in answers queries only, not {token[1]!r}")
        selection = self.selection_set()
        if self.peek() is not None:
            raise GraphQlError("The stand-in answers one operation per request")
        return selection

    def _variable_definitions(self) -> None:
        self.take("(")
        while self.peek() and self.peek()[1] != ")":
            self.take("$")
            self.take()
            self.take(":")
            depth = 0
            while True:  # the type, e.g. [String!]! (types are not checked)
                value = self.take()
                depth += {"[": 1, "]": -1}.get(value, 0)
                nxt = self.peek()
                if depth == 0 and (nxt is None or nxt[1] in ("$", ")")):
                    break
        self.take(")")

    def selection_set(self) -> list[Field]:
        self.take("{")
        fields = []
        while self.peek() and self.peek()[1] != "}":
            name = self.take()
            if self.peek() and self.peek()[1] == ":":
                raise GraphQlError("The stand-in does not support aliases")
            args = self._arguments() if self.peek() and self.peek()[1] == "(" else {}
            selection = self.selection_set() if self.peek() and self.peek()[1] == "{" else []
            fields.append(Field(name, args, selection))
        self.take("}")
        return fields

    def _arguments(self) -> dict[str, Any]:
        self.take("(")
        args = {}
        while self.peek() and self.peek()[1] != ")":
            name = self.take()
            self.take(":")
            args[name] = self._value()
        self.take(")")
        return args

    def _value(self) -> Any:
        kind, value = self.peek() or ("", "")
        if value == "$":
            self.take()
            return self.variables.get(self.take())
        if value == "[":
            self.take()
            items = []
            while self.peek() and self.peek()[1] != "]":
                items.append(self._value())
            self.take("]")
            return items
        self.take()
        if kind == "number":
            return float(value) if "." in value else int(value)
        if kind == "string":
            return json.loads(value)
        return {"true": True, "false": False, "null": None}.get(value, value)


def execute(store: ProjectStore, query: str, variables: Mapping[str, Any] | None) -> dict[str, Any]:
    """The response body AYON gives for ``query`` (always HTTP 200)."""
    try:
        fields = _Parser(query, variables or {}).document()
        data = {}
        for field_ in fields:
            if field_.name != "project":
                raise GraphQlError(f"The stand-in does not support the query field {field_.name!r}")
            data["project"] = _project(store, field_)
        return {"data": data}
    except GraphQlError as exc:
        return {"data": None, "errors": [{"message": str(exc)}]}


def _project(store: ProjectStore, field_: Field) -> dict[str, Any]:
    name = field_.args.get("name")
    with store.lock:
        project = store.get(name or "")
        if project is None:
            raise GraphQlError("Project not found")
        out: dict[str, Any] = {}
        for sub in field_.selection:
            if sub.name in CONNECTIONS:
                out[sub.name] = _connection(project, sub)
            elif sub.name in ("name", "code", "active", "library"):
                out[sub.name] = project.entity()[sub.name]
            else:
                raise GraphQlError(f"Cannot query field '{sub.name}' on type 'ProjectNode'.")
        return out


def _connection(project: Project, field_: Field) -> dict[str, Any]:
    kind, node_type, filters = CONNECTIONS[field_.name]
    entities = list(project.entities[kind].values())
    latest_only = False
    for arg, value in field_.args.items():
        if arg in PAGING:
            continue
        if arg not in filters:
            raise GraphQlError(f"Unknown argument '{arg}' on field 'ProjectNode.{field_.name}'.")
        key, match = filters[arg]
        if match == "latest":
            latest_only = bool(value)
        elif value is not None and match == "in":
            entities = [e for e in entities if e.get(key) in value]
        elif value is not None:
            entities = [e for e in entities if set(e.get(key) or ()) & set(value)]
    if latest_only:
        latest: dict[str, dict[str, Any]] = {}
        for entity in entities:
            current = latest.get(entity["productId"])
            if current is None or entity["version"] > current["version"]:
                latest[entity["productId"]] = entity
        entities = list(latest.values())
    entities.sort(key=lambda e: e.get("createdAt", ""))

    out: dict[str, Any] = {}
    for sub in field_.selection:
        if sub.name == "edges":
            out["edges"] = [_edge(project, kind, node_type, entity, sub) for entity in entities]
        elif sub.name == "pageInfo":
            info = {"endCursor": "stand-in" if entities else None, "hasNextPage": False}
            out["pageInfo"] = {s.name: info[s.name] for s in sub.selection}
        else:
            raise GraphQlError(f"Cannot query field '{sub.name}' on a connection.")
    return out


def _edge(project: Project, kind: str, node_type: str, entity: Mapping[str, Any], field_: Field) -> dict[str, Any]:
    out = {}
    for sub in field_.selection:
        if sub.name != "node":
            raise GraphQlError(f"Cannot query field '{sub.name}' on an edge.")
        out["node"] = _node(project, kind, node_type, entity, sub.selection)
    return out


def _node(project: Project, kind: str, node_type: str, entity: Mapping[str, Any],
          selection: list[Field]) -> dict[str, Any]:
    all_attrib = project.all_attrib(kind, entity)
    node: dict[str, Any] = {}
    for sub in selection:
        name = sub.name
        if name not in NODE_FIELDS[kind]:
            raise GraphQlError(f"Cannot query field '{name}' on type '{node_type}'.")
        if name == "attrib":
            node[name] = {s.name: all_attrib.get(s.name) for s in sub.selection}
        elif name == "files":
            for s in sub.selection:
                if s.name not in FILE_FIELDS:
                    raise GraphQlError(f"Cannot query field '{s.name}' on type 'FileNode'.")
            node[name] = [{s.name: (str(f.get("size")) if s.name == "size" else f.get(s.name))
                           for s in sub.selection} for f in entity.get("files") or []]
        elif name == "allAttrib":
            node[name] = json.dumps(all_attrib)
        elif name == "context":
            context = (entity.get("data") or {}).get("context")
            node[name] = json.dumps(context) if context is not None else None
        elif name == "ownAttrib":
            node[name] = sorted(k for k, v in (entity.get("attrib") or {}).items() if v is not None)
        elif name == "assignees":
            node[name] = list(entity.get("assignees") or [])
        elif name in JSON_FIELDS:
            value = entity.get(name)
            node[name] = json.dumps(value) if value else None
        else:
            node[name] = entity.get(name)
    return node
