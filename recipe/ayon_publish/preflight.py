"""Before ayon-core runs: the AYON server is configured, answers, accepts the key and knows the bundle.

ayon-core connects to the server before it even parses its arguments, and each way that can go
wrong on a worker ends in a long traceback, or worse in "No such command 'deadline_cloud'"
when the server's bundle names other addon versions than the package bakes (ayon-core then
loads no addon). One request answers all of it: ``GET /api/bundles`` with the key, with a short
timeout. Each failure is one line naming the variable or the URL and what to do, with its own
exit code (``sysexits.h``), so a job log says why at a glance. The key is never printed.

Standard library only, Python 3.9: it runs before anything of the package's is importable.
"""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.request
from typing import Any, Mapping

#: Exit codes (sysexits.h), documented in ``ayon --help``.
EX_UNAVAILABLE = 69  # the server cannot be reached or does not answer like an AYON server
EX_NOPERM = 77  # the server refused the API key
EX_CONFIG = 78  # a variable is missing, the bundle is unknown or is not the one the package bakes
TIMEOUT = 10.0  # seconds
INHERIT = "__inherit__"  # a project bundle's "the studio bundle's version"


class PreflightError(Exception):
    """Why ayon-core must not start, as one line, with the exit code to end with."""

    def __init__(self, code: int, line: str) -> None:
        super().__init__(line)
        self.code = code
        self.line = line


def _bundles(url: str, key: str, timeout: float) -> Mapping[str, Any]:
    request = urllib.request.Request(f"{url.rstrip('/')}/api/bundles",
                                     headers={"x-api-key": key, "Accept": "application/json", "User-Agent": "ayon-publish"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            body = response.read()
    except urllib.error.HTTPError as exc:
        exc.close()
        if exc.code in (401, 403):
            raise PreflightError(EX_NOPERM, f"the AYON server at {url} refused AYON_API_KEY (HTTP {exc.code}); "
                                 "set it to a valid service user's API key") from None
        raise PreflightError(EX_UNAVAILABLE, f"the AYON server at {url} answered HTTP {exc.code} to GET /api/bundles; "
                             "check AYON_SERVER_URL and the server") from None
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        raise PreflightError(EX_UNAVAILABLE, f"cannot reach the AYON server at {url} ({reason}); "
                             "check AYON_SERVER_URL and the worker's network") from None
    try:
        answer = json.loads(body)
        if not isinstance(answer, dict) or not isinstance(answer.get("bundles"), list):
            raise ValueError("no 'bundles' list")
    except ValueError:
        raise PreflightError(EX_UNAVAILABLE, f"{url} does not answer like an AYON server (GET /api/bundles); "
                             "check AYON_SERVER_URL") from None
    return answer


def _effective_addons(bundles: Mapping[str, Mapping[str, Any]], studio: str, project: str | None) -> dict[str, Any]:
    """The addon versions ayon-core loads: the studio bundle's, overridden by a project bundle's."""
    addons = dict(bundles[studio].get("addons") or {})
    for name, version in ((bundles.get(project) or {}).get("addons") or {}).items() if project else ():
        if version != INHERIT:
            addons[name] = version
    return addons


def check(env: Mapping[str, str], baked: Mapping[str, str], timeout: float = TIMEOUT, *,
          command_addon: str | None = None, missing_hint: str = "") -> str:
    """Raise :class:`PreflightError` unless ayon-core can start for this package; returns the
    studio bundle's name. ``baked``: the package's addons (name -> version).

    ``command_addon``: the addon whose command runs (``ayon addon NAME ...``): the bundle must name
    it and ``AYON_ADDONS_DIR`` hold that version, or ayon-core says "No such command"; the line
    then ends with ``missing_hint`` (what to do).
    """
    url = env.get("AYON_SERVER_URL", "").strip()
    if not url:
        raise PreflightError(EX_CONFIG, "AYON_SERVER_URL is not set; set it to the AYON server the job publishes to "
                             "(e.g. in the queue environment)")
    key = env.get("AYON_API_KEY", "").strip()
    if not key:
        raise PreflightError(EX_CONFIG, "AYON_API_KEY is not set; set it to a service user's API key "
                             "(e.g. from AWS Secrets Manager in the queue environment)")
    answer = _bundles(url, key, timeout)
    bundles = {str(b.get("name")): b for b in answer["bundles"] if isinstance(b, dict)}
    project = env.get("AYON_BUNDLE_NAME") or None
    studio = env.get("AYON_STUDIO_BUNDLE_NAME") or project
    if not studio or studio not in bundles:
        known = ", ".join(sorted(n for n, b in bundles.items() if not b.get("isProject"))) or "(none)"
        raise PreflightError(EX_CONFIG, f"bundle '{studio}' is not on the AYON server at {url}; set AYON_BUNDLE_NAME "
                             f"to the bundle the package was built for (on the server: {known})")
    if project == studio or project not in bundles:
        project = None
    effective = _effective_addons(bundles, studio, project)
    for name, version in sorted(baked.items()):
        if effective.get(name) != version:
            which = f"bundle '{studio}'" + (f" with project bundle '{project}'" if project else "")
            has = f"{name} {effective[name]}" if effective.get(name) else f"no {name}"
            raise PreflightError(EX_CONFIG, f"{which} on {url} has {has}, but this package bakes {name} {version}, "
                                 "which ayon-core would not load; install the package built for the bundle "
                                 "(ayon-conda resolve), or set AYON_BUNDLE_NAME to the bundle it was built for")
    if command_addon and command_addon not in baked:
        which = f"bundle '{studio}'" + (f" with project bundle '{project}'" if project else "")
        version = effective.get(command_addon)
        if not version:
            raise PreflightError(EX_CONFIG, f"{which} on {url} has no addon {command_addon}, so there is no "
                                 f"'ayon addon {command_addon}' command; add the addon to the bundle, or set "
                                 "AYON_BUNDLE_NAME to the job's bundle")
        addons_dir = env.get("AYON_ADDONS_DIR", "")
        if not os.path.isdir(os.path.join(addons_dir, f"{command_addon}_{version}")):
            raise PreflightError(EX_CONFIG, f"{which} on {url} has {command_addon} {version}, which is not in "
                                 f"AYON_ADDONS_DIR ({addons_dir or 'not set'}), so ayon-core would say \"No such command "
                                 f"'{command_addon}'\"; {missing_hint or 'install the addon there'}")
    return studio
