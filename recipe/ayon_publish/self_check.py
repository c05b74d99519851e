"""``ayon --self-check``: the farm publish path imports headless, and no plugin drops out unseen.

Two checks, both with every Qt binding blocked from importing, and without an AYON server:

1. the publish code paths import: ayon-python-api, pyblish, ``ayon_core.pipeline.publish`` and
   every baked addon's client package;
2. every publish plugin file of ayon-core and of the baked addons is loaded the way ayon-core's
   own discovery (``publish_plugins_discover``) loads it, keeping the files that crash. A
   plugin file that cannot be imported fails the check, unless its plugins are shown not to run
   on a farm publish: every plugin class in it declares literal ``hosts`` without ``*`` or the
   farm's host, or literal ``targets`` without the farm's targets. Those are listed as skipped,
   with the reason. ayon-core would drop such a file with only a debug log line; here each one
   gets a line.

A farm publish registers host ``shell`` and targets ``default`` and ``farm`` (``ayon publish
--targets farm``, the Deadline Cloud addon's publish command). Plugin directories come from each
addon's ``get_publish_plugin_paths`` (AYON's ``IPluginPaths``), asked without settings or a
server; an addon that cannot answer that way is checked at its conventional ``plugins/publish``.
"""

from __future__ import annotations

import ast
import importlib
import importlib.abc
import os
import sys
import traceback
from pathlib import Path
from typing import Any, Iterator, List, Mapping, Tuple

#: Top-level modules of Qt bindings; the self-check refuses to import them.
QT_MODULES = ("qtpy", "PySide2", "PySide6", "PyQt5", "PyQt6", "shiboken2", "shiboken6")
#: Imported besides every baked addon's client package.
PUBLISH_MODULES = ("ayon_api", "pyblish.api", "pyblish.util", "ayon_core.pipeline.publish")
FARM_HOSTS = ("shell",)
FARM_TARGETS = ("default", "farm")


class QtBlocker(importlib.abc.MetaPathFinder):
    """Makes any import of a Qt binding fail, to prove the publish path is headless."""

    def find_spec(self, fullname, path=None, target=None):  # noqa: ANN001 - importlib protocol
        if fullname.split(".")[0] in QT_MODULES:
            raise ImportError(f"{fullname} imported during the headless self-check")
        return None


def _literal_list(node: ast.AST) -> List[str] | None:
    try:
        value = ast.literal_eval(node)
    except ValueError:
        return None
    return [str(v) for v in value] if isinstance(value, (list, tuple)) else None


#: pyblish's plugin base classes (``pyblish.api``), besides any base whose name ends in ``Plugin``.
PLUGIN_BASES = ("Collector", "Validator", "Extractor", "Integrator")


def _base_names(node: ast.ClassDef) -> List[str]:
    return [b.attr if isinstance(b, ast.Attribute) else getattr(b, "id", "") for b in node.bases]


def _is_plugin_class(node: ast.ClassDef, fields: Mapping[str, ast.AST]) -> bool:
    """A publish plugin, not a pyblish Action or a helper: a plugin base, or an ``order``."""
    bases = _base_names(node)
    if any(b.endswith("Action") for b in bases):
        return False
    return "order" in fields or any(b.endswith("Plugin") or b in PLUGIN_BASES for b in bases)


def not_on_farm(path: Path) -> str | None:
    """Why no plugin class in ``path`` runs on a farm publish, or None when that is not shown.

    Read from the source (the file cannot be imported): a class deriving from a pyblish plugin
    base, or with an ``order``, is a plugin (Actions are not); its ``hosts``/``targets`` must be
    literals (defaults: ``["*"]``/``["default"]``).
    """
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"))
    except (OSError, SyntaxError, UnicodeDecodeError):
        return None
    reasons = []
    for node in tree.body:
        if not isinstance(node, ast.ClassDef):
            continue
        fields = {t.id: n.value for n in node.body if isinstance(n, ast.Assign)
                  for t in n.targets if isinstance(t, ast.Name)}
        if not _is_plugin_class(node, fields):
            continue
        hosts = _literal_list(fields["hosts"]) if "hosts" in fields else ["*"]
        targets = _literal_list(fields["targets"]) if "targets" in fields else ["default"]
        if hosts is None or targets is None:
            return None
        if "*" not in hosts and not set(hosts) & set(FARM_HOSTS):
            reasons.append(f"{node.name}: hosts {', '.join(hosts)}")
        elif not set(targets) & set(FARM_TARGETS):
            reasons.append(f"{node.name}: targets {', '.join(targets)}")
        else:
            return None
    return "; ".join(reasons) or None


def _publish_dirs(client_module: Any, client_dir: Path) -> Tuple[List[str], str]:
    """The addon's publish plugin directories and how they were found."""
    try:
        from ayon_core.addon import IPluginPaths
    except ImportError:
        IPluginPaths = None  # noqa: N806 - a class, when ayon-core has it
    if IPluginPaths is not None:
        for value in vars(client_module).values():
            if isinstance(value, type) and issubclass(value, IPluginPaths) and value is not IPluginPaths:
                try:
                    found = value.__new__(value).get_publish_plugin_paths("shell")
                    return [str(p) for p in found or ()], f"{value.__name__}.get_publish_plugin_paths"
                except Exception:  # noqa: BLE001 - an addon that needs its settings for this
                    break
    conventional = client_dir / "plugins" / "publish"
    return ([str(conventional)] if conventional.is_dir() else []), "plugins/publish"


def _discover(paths: List[str]) -> Tuple[List[Any], Mapping[str, Any]]:
    """Plugins, and the files that crash on import, loaded as ayon-core's
    ``publish_plugins_discover`` loads them: every ``*.py`` not starting with ``_`` in each
    path, imported from its file under a name of its own, its plugins taken by pyblish."""
    import importlib.util

    import pyblish.plugin

    plugins, crashed = [], {}
    for number, path in enumerate(paths):
        for filename in sorted(os.listdir(path)):
            file = os.path.join(path, filename)
            if filename.startswith("_") or not filename.lower().endswith(".py") or not os.path.isfile(file):
                continue
            name = f"_ayon_self_check_{number}_{filename[:-3]}"
            try:
                spec = importlib.util.spec_from_file_location(name, file)
                module = importlib.util.module_from_spec(spec)
                sys.modules[name] = module
                spec.loader.exec_module(module)
            except Exception:  # noqa: BLE001 - ayon-core catches everything here too
                sys.modules.pop(name, None)
                crashed[file] = sys.exc_info()
                continue
            plugins += pyblish.plugin.plugins_from_module(module)
    return plugins, crashed


def _reason(exc_info: Any) -> str:
    exc = exc_info[1] if isinstance(exc_info, tuple) else exc_info
    return "".join(traceback.format_exception_only(type(exc), exc)).strip().replace("\n", " ")


def run(addons_dir: Path, addons: Mapping[str, Mapping[str, str]]) -> Iterator[Tuple[str, str]]:
    """Yield ``(status, text)`` lines: status ``ok``, ``skipped`` or ``FAILED``."""
    blocker = QtBlocker()
    sys.meta_path.insert(0, blocker)
    try:
        modules = list(PUBLISH_MODULES)
        clients = {}
        for name, addon in sorted(addons.items()):
            root = addons_dir / addon["dir"]
            if not (root / addon["client_dir"]).is_dir():
                yield "FAILED", f"addon {name}: {root} is missing"
                continue
            if str(root) not in sys.path:
                sys.path.append(str(root))
            modules.append(addon["client_dir"])
            clients[name] = (addon["client_dir"], root / addon["client_dir"])
        imported = {}
        for module in modules:
            try:
                imported[module] = importlib.import_module(module)
                yield "ok", f"import {module}"
            except Exception as exc:  # noqa: BLE001 - any failure to import is the finding
                yield "FAILED", f"import {module}: {type(exc).__name__}: {exc}"
        paths: List[str] = []
        for name, (module_name, client_dir) in sorted(clients.items()):
            if module_name not in imported:
                continue
            if name == "core":
                found, how = [str(client_dir / "plugins" / "publish")], "ayon-core's plugins/publish"
            else:
                found, how = _publish_dirs(imported[module_name], client_dir)
            for path in found:
                if os.path.isdir(path) and path not in paths:
                    paths.append(path)
            yield "ok", f"addon {name}: {len(found)} publish plugin path(s) from {how}"
        if "ayon_core.pipeline.publish" not in imported:
            return
        plugins, crashed = _discover(paths)
        yield "ok", f"{len(plugins)} publish plugins loaded from {len(paths)} path(s)"
        for file, exc_info in sorted(crashed.items()):
            why = not_on_farm(Path(file))
            if why:
                yield "skipped", f"{file}: cannot be imported ({_reason(exc_info)}); not on the farm publish path ({why})"
            else:
                yield "FAILED", f"{file}: cannot be imported ({_reason(exc_info)}); ayon-core would drop its plugins"
    finally:
        sys.meta_path.remove(blocker)
