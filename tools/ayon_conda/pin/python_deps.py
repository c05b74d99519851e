"""Resolve the package's Python dependencies with uv, and sort them (DESIGN decision 3).

uv resolves universally for the platforms the package serves (Linux and Windows workers) and
the Python range of the component config, with ``--fork-strategy fewest`` so that each
distribution gets one version across that whole range: a noarch package vendors one copy.
We let uv write a ``uv.lock`` in a scratch project and read it: it names every distribution,
its wheels with URLs and sha256, and the dependency edges with their markers.

Then each distribution is either *vendored* (it has a pure-Python ``none-any`` wheel) or a
*conda requirement* (only platform wheels: compiled code) under its conda-forge name. A Qt
binding anywhere in the tree, a compiled distribution with no conda-forge name, one needed
only under a marker, or one with no wheel at all stops the pin with the chain that pulled it in.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import tempfile
import tomllib
from collections import deque
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from packaging.requirements import InvalidRequirement
from packaging.utils import parse_wheel_filename

from ayon_conda.errors import AyonCondaError, Unreachable
from ayon_conda.pin.component_config import Config, normalize_name
from ayon_conda.pin.headless import QT_DISTRIBUTIONS, qt_error
from ayon_conda.pin.lock import PLATFORMS as AYON_PLATFORMS
from ayon_conda.pin.lock import SERVED, CondaRequirement, Requirement, VendoredDist
from ayon_conda.progress import Progress

#: ``sys_platform`` of the platforms the package serves: uv resolves for these environments.
PLATFORMS = tuple(AYON_PLATFORMS[p] for p in SERVED)
ROOT = "ayon-publish-vendored"


@dataclass(frozen=True)
class Resolution:
    vendored: tuple[VendoredDist, ...]
    conda: tuple[CondaRequirement, ...]


def checked_requirements(requirements: Iterable[Requirement], config: Config) -> list[Requirement]:
    """Valid requirements minus the excluded ones."""
    kept = []
    for req in requirements:
        try:
            name = req.name
        except InvalidRequirement as exc:
            raise AyonCondaError(req.origin, f"invalid requirement '{req.text}' ({exc})", "fix the constraint") from None
        if name not in config.exclude:
            kept.append(req)
    return kept


def _toml_str(value: str) -> str:
    return json.dumps(value)  # JSON string escapes are valid TOML basic strings


def _scratch_project(requirements: Sequence[Requirement], config: Config, platforms: Sequence[str]) -> str:
    deps = ",\n    ".join(_toml_str(r.text) for r in requirements)
    envs = ", ".join(_toml_str(f"sys_platform == '{p}'") for p in platforms)
    excluded = ", ".join(_toml_str(name) for name in sorted(config.exclude))
    return (
        "[project]\n"
        f'name = "{ROOT}"\nversion = "0"\n'
        f"requires-python = {_toml_str(config.python)}\n"
        f"dependencies = [\n    {deps}\n]\n\n"
        "[tool.uv]\npackage = false\n"
        f"environments = [{envs}]\n"
        f"exclude-dependencies = [{excluded}]\n"
    )


def _uv_bin() -> str:
    from uv import find_uv_bin

    return find_uv_bin()


def run_uv_lock(
    requirements: Sequence[Requirement], config: Config, progress: Progress, *, exclude_newer: str | None, offline: bool,
    platforms: Sequence[str] = PLATFORMS,
) -> dict[str, Any]:
    """Resolve with ``uv lock`` in a scratch project for ``platforms`` (``sys.platform`` values);
    returns the parsed uv.lock."""
    progress.step(
        f"Resolving {len(requirements)} requirements with uv for {', '.join(platforms)}, python {config.python}"
    )
    with tempfile.TemporaryDirectory(prefix="ayon-conda-uv-") as tmp:
        Path(tmp, "pyproject.toml").write_text(_scratch_project(requirements, config, platforms), encoding="utf-8")
        cmd = [_uv_bin(), "lock", "--directory", tmp, "--fork-strategy", "fewest", "--color", "never", "--quiet"]
        if exclude_newer:
            cmd += ["--exclude-newer", exclude_newer]
        if offline:
            cmd.append("--offline")
        env = {**os.environ, "UV_PYTHON_DOWNLOADS": "never", "UV_NO_PROGRESS": "1"}
        proc = subprocess.run(cmd, capture_output=True, text=True, env=env)
        if proc.returncode != 0:
            said = " ".join(line.strip() for line in proc.stderr.splitlines() if line.strip())
            unreachable = re.search(r"Failed to fetch: (\S+)", proc.stderr)
            if unreachable:
                causes = [line.split("cause:", 1)[1].strip() for line in proc.stderr.splitlines() if "cause:" in line]
                raise Unreachable(urlsplit(unreachable.group(1)).netloc, f"uv cannot reach the package index ({causes[-1]})",
                                  "check the network (and uv's index settings, e.g. UV_DEFAULT_INDEX)")
            raise AyonCondaError(
                "pin", f"uv cannot resolve the dependencies: {said}",
                "loosen the constraints named above, or exclude a dependency in the component config",
            )
        return tomllib.loads(Path(tmp, "uv.lock").read_text(encoding="utf-8"))


class _Graph:
    """The uv.lock dependency graph, for 'who pulled this in' answers."""

    def __init__(self, uv_lock: Mapping[str, Any], requirements: Sequence[Requirement]) -> None:
        self.packages: dict[str, Mapping[str, Any]] = {}
        self.edges: dict[str, list[tuple[str, str | None]]] = {}
        for pkg in uv_lock.get("package", []):
            name = normalize_name(pkg["name"])
            if name in self.packages and name != normalize_name(ROOT):
                versions = sorted({self.packages[name]["version"], pkg["version"]})
                raise AyonCondaError(
                    "pin",
                    f"{name} resolves to several versions ({', '.join(versions)}) across the Python range",
                    "narrow package.python in the component config so one version fits all",
                )
            self.packages[name] = pkg
            self.edges[name] = [(normalize_name(d["name"]), d.get("marker")) for d in pkg.get("dependencies", [])]
        self.root = normalize_name(ROOT)
        self.origins: dict[str, list[str]] = {}
        for req in requirements:
            self.origins.setdefault(req.name, []).append(req.origin)

    def parents(self, name: str) -> tuple[str, ...]:
        direct = [p for p, deps in self.edges.items() if p != self.root and any(d == name for d, _ in deps)]
        return tuple(sorted(set(self.origins.get(name, [])) | set(direct)))

    def chain(self, name: str) -> str:
        """The shortest path from a requested requirement to ``name``, for error messages."""
        seen = {self.root: None}
        queue = deque([self.root])
        while queue:
            node = queue.popleft()
            if node == name:
                break
            for dep, _ in self.edges.get(node, []):
                if dep not in seen:
                    seen[dep] = node
                    queue.append(dep)
        path = []
        node = name
        while node is not None and node != self.root:
            path.append(node)
            node = seen.get(node)
        path.reverse()
        origin = self.origins.get(path[0], ["?"])[0] if path else "?"
        return f"{origin}: " + " -> ".join(path)

    def unconditional(self) -> set[str]:
        """Distributions reached from the root through edges without markers."""
        reached = {self.root}
        queue = deque([self.root])
        while queue:
            node = queue.popleft()
            for dep, marker in self.edges.get(node, []):
                if marker is None and dep not in reached:
                    reached.add(dep)
                    queue.append(dep)
        return reached


def _pure_wheel(pkg: Mapping[str, Any]) -> Mapping[str, Any] | None:
    pure = []
    for wheel in pkg.get("wheels", []):
        filename = wheel["url"].rsplit("/", 1)[-1]
        _, _, _, tags = parse_wheel_filename(filename)
        if all(t.abi == "none" and t.platform == "any" for t in tags):
            pure.append((filename, wheel))
    return sorted(pure, key=lambda fw: fw[0])[0][1] if pure else None


def _platform_wheel_hashes(pkg: Mapping[str, Any]) -> tuple[str, ...]:
    """sha256 of a distribution's wheels for the platforms the package serves (Linux, Windows)."""
    hashes = set()
    for wheel in pkg.get("wheels", []):
        _, _, _, tags = parse_wheel_filename(wheel["url"].rsplit("/", 1)[-1])
        if any(t.platform.startswith(("manylinux", "musllinux", "linux", "win")) for t in tags):
            hashes.add(wheel["hash"].removeprefix("sha256:"))
    return tuple(sorted(hashes))


def sort_distributions(uv_lock: Mapping[str, Any], requirements: Sequence[Requirement], config: Config) -> Resolution:
    """Split a resolved uv.lock into vendored wheels and conda run requirements."""
    graph = _Graph(uv_lock, requirements)
    for name in sorted(graph.packages):
        if name in QT_DISTRIBUTIONS:
            raise qt_error("pin", name, graph.chain(name))
    unconditional = graph.unconditional()
    vendored, conda = [], []
    for name in sorted(graph.packages):
        if name == graph.root:
            continue
        pkg = graph.packages[name]
        version = str(pkg["version"])
        wheel = _pure_wheel(pkg)
        if wheel is not None:
            vendored.append(
                VendoredDist(
                    name=name,
                    version=version,
                    file=wheel["url"].rsplit("/", 1)[-1],
                    url=wheel["url"],
                    sha256=wheel["hash"].removeprefix("sha256:"),
                    required_by=graph.parents(name),
                )
            )
            continue
        if not pkg.get("wheels"):
            raise AyonCondaError(
                "pin", f"{name} {version} has no wheel on the index, only a source distribution ({graph.chain(name)})",
                "vendoring needs a pure-Python wheel: exclude it in the component config, or publish a wheel",
            )
        if name not in config.conda_names:
            raise AyonCondaError(
                "pin", f"{name} {version} is compiled and has no conda-forge name ({graph.chain(name)})",
                f"add '{name}: <conda-forge name>' to the PyPI -> conda-forge map",
            )
        if name not in unconditional:
            raise AyonCondaError(
                "pin", f"{name} is compiled and needed only under a marker ({graph.chain(name)})",
                "a noarch package cannot depend on it conditionally: exclude it in the component config",
            )
        conda.append(CondaRequirement(name, version, config.conda_names[name], graph.parents(name), _platform_wheel_hashes(pkg)))
    return Resolution(tuple(vendored), tuple(conda))


def resolve(
    requirements: Iterable[Requirement],
    config: Config,
    progress: Progress,
    *,
    exclude_newer: str | None = None,
    offline: bool = False,
) -> Resolution:
    reqs = checked_requirements(requirements, config)
    uv_lock = run_uv_lock(reqs, config, progress, exclude_newer=exclude_newer, offline=offline)
    resolution = sort_distributions(uv_lock, reqs, config)
    progress.step(f"Resolved {len(resolution.vendored)} vendored wheels, {len(resolution.conda)} conda requirements")
    return resolution


def pulled_in(resolution: Resolution, origins: Collection[str]) -> Resolution:
    """The part of ``resolution`` that requirements from ``origins`` pull in, directly or through
    other distributions (what one addon's ``client/pyproject.toml`` brings, within a resolve of more).

    >>> a = VendoredDist("a", "1", "a-1-py3-none-any.whl", "u", "0" * 64, ("addon x 1.0.0 (client/pyproject.toml)",))
    >>> b = VendoredDist("b", "1", "b-1-py3-none-any.whl", "u", "1" * 64, ("a",))
    >>> c = VendoredDist("c", "1", "c-1-py3-none-any.whl", "u", "2" * 64, ("components.yaml (requirements)",))
    >>> [d.name for d in pulled_in(Resolution((a, b, c), ()), {"addon x 1.0.0 (client/pyproject.toml)"}).vendored]
    ['a', 'b']
    """
    reached: set[str] = set()
    everything = [(d.name, d.required_by) for d in resolution.vendored]
    everything += [(r.pypi_name, r.required_by) for r in resolution.conda]
    grew = True
    while grew:
        grew = False
        for name, required_by in everything:
            if name not in reached and any(r in origins or r in reached for r in required_by):
                reached.add(name)
                grew = True
    return Resolution(tuple(d for d in resolution.vendored if d.name in reached),
                      tuple(r for r in resolution.conda if r.pypi_name in reached))
