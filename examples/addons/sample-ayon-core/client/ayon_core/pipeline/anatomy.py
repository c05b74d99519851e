"""A project's roots and path templates, SAMPLE core addon (not AYON code).

Shaped like real ayon-core's ``Anatomy``: the templates are the project's ``config.templates``
(``common`` values such as ``version`` and ``frame`` referenced as ``{@name}``; named templates
per category, each with ``directory`` and ``file``) and the roots are the project's
``config.roots`` for this platform, with this site's overrides
(``get_project_root_overrides_by_site_id``: ``GET /api/projects/{name}/roots``). Optional parts ``<...>`` drop out when a key
they use is missing. A filled template is a ``TemplateResult``: the path, and as ``rootless``
the same path with ``{root[name]}`` kept, which is what AYON stores for published files.
"""
from __future__ import annotations

import platform
import re
from typing import Any, Optional

import ayon_api

from ayon_core.lib import get_local_site_id

_REF = re.compile(r"\{@([A-Za-z0-9_]+)\}")


def _split_optional(template: str) -> list[tuple[str, bool]]:
    """``[(text, optional), ...]``: ``<...>`` parts outside ``{...}`` are optional (a
    ``>`` inside braces, as in ``{frame:0>4}``, is a format spec, not the part's end)."""
    parts: list[tuple[str, bool]] = []
    current, depth, optional = "", 0, False
    for char in template:
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
        if depth == 0 and char == "<" and not optional:
            parts.append((current, False))
            current, optional = "", True
        elif depth == 0 and char == ">" and optional:
            parts.append((current, True))
            current, optional = "", False
        else:
            current += char
    parts.append((current, optional))
    return parts


class TemplateResult(str):
    """A filled template; ``rootless`` keeps the roots as ``{root[name]}``."""

    rootless: str
    template: str


class _RootlessRoots(dict):
    def __missing__(self, key: str) -> str:
        return "{root[%s]}" % key


class AnatomyTemplate:
    """One path template of the project (``{@...}`` references already resolved)."""

    def __init__(self, template: str, roots: dict[str, str]) -> None:
        self.template = template
        self._roots = roots

    def _fill(self, data: dict[str, Any]) -> str:
        out = []
        for text, optional in _split_optional(self.template):
            try:
                out.append(text.format_map(data))
            except (KeyError, IndexError, TypeError) as exc:
                if not optional:
                    raise KeyError(f"template {self.template!r} has no value for {exc}") from None
        return "".join(out)

    def format_strict(self, data: dict[str, Any]) -> TemplateResult:
        result = TemplateResult(self._fill({**data, "root": self._roots}))
        result.rootless = self._fill({**data, "root": _RootlessRoots()})
        result.template = self.template
        return result


class Anatomy:
    """Roots and templates of a project."""

    def __init__(self, project_name: str, project_entity: Optional[dict[str, Any]] = None) -> None:
        self.project_name = project_name
        if project_entity is None:
            project_entity = ayon_api.get_project(project_name)
        self.project_code = project_entity["code"]
        self.templates: dict[str, Any] = project_entity["config"]["templates"]
        platform_name = platform.system().lower()
        self.roots: dict[str, str] = {
            name: values[platform_name] for name, values in project_entity["config"]["roots"].items()
        }
        self.roots.update(ayon_api.get_project_root_overrides_by_site_id(project_name, get_local_site_id()))

    def _resolve(self, text: str) -> str:
        common = self.templates.get("common", {})
        for _ in range(10):  # references may reference others; they never nest deeper
            new = _REF.sub(lambda m: str(common[m.group(1)]), text)
            if new == text:
                return text
            text = new
        raise ValueError(f"template references do not resolve: {text!r}")

    def get_template_item(self, category: str, template_name: str, subkey: str = "path") -> AnatomyTemplate:
        """``path`` (directory/file), ``directory`` or ``file`` of ``templates[category][name]``."""
        item = self.templates[category][template_name]
        text = f"{item['directory']}/{item['file']}" if subkey == "path" else item[subkey]
        return AnatomyTemplate(self._resolve(text), self.roots)
