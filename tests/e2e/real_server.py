"""What the end-to-end suite does on a real AYON server (ayon-backend), with ayon-python-api.

Everything it creates is named ``E2E_PREFIX...`` and removed again, except the uploaded addon
version (AYON cannot uninstall one without a restart; the same bytes are not uploaded twice).
What the real server needed that the AYON stand-in does not (each is in README's end-to-end
section): an uploaded addon is usable only after ``POST /api/system/restart``; a bundle needs an
``installerVersion``; a publish acting as a user that does not exist fails every request with
500; project settings are saved with ``POST`` of the whole settings object, not a patch.
"""

from __future__ import annotations

import hashlib
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import ayon_api

E2E_PREFIX = "ayonpublishe2e"
RESTART_TIMEOUT = 120.0


class RealServer:
    """A service user's connection to the server under test."""

    def __init__(self, url: str, api_key: str) -> None:
        self.url = url.rstrip("/")
        self.api_key = api_key
        self.con = ayon_api.ServerAPI(self.url, token=api_key, max_retries=1)

    def close(self) -> None:
        self.con.close_session()

    def version(self) -> str:
        return self.con.get_server_version()

    # -- addons --

    def addon_versions(self, name: str) -> list[str]:
        addons = self.con.get("addons").data["addons"]
        return [version for addon in addons if addon["name"] == name for version in addon["versions"]]

    def installed_client_sha256(self, name: str, version: str) -> str | None:
        """sha256 of the ``client.zip`` the server holds for that addon version (None: none)."""
        if version not in self.addon_versions(name):
            return None
        with tempfile.TemporaryDirectory() as tmp:
            path = self.con.download_addon_private_file(name, version, "client.zip", tmp)
            data = Path(path).read_bytes()
        return hashlib.sha256(data).hexdigest() if data else None

    def install_addon(self, zip_path: Path, name: str, version: str) -> None:
        """Upload an addon zip, wait for its install event, restart the server and wait until it
        lists the version (AYON loads uploaded addons only at start)."""
        event_id = self.con.upload_addon_zip(str(zip_path))["eventId"]
        deadline = time.monotonic() + RESTART_TIMEOUT
        while True:
            event = self.con.get_event(event_id)
            if event["status"] == "finished":
                break
            if event["status"] in ("failed", "aborted") or time.monotonic() > deadline:
                raise RuntimeError(f"installing {zip_path.name}: {event['status']}: {event.get('description')}")
            time.sleep(0.5)
        self.restart(lambda: version in self.addon_versions(name))

    def restart(self, ready: Callable[[], bool]) -> None:
        """``POST /api/system/restart``; wait until the server answers and ``ready()`` holds."""
        self.con.post("system/restart").raise_for_status()
        deadline = time.monotonic() + RESTART_TIMEOUT
        time.sleep(1.0)
        while time.monotonic() < deadline:
            try:
                if ready():
                    return
            except Exception:  # noqa: BLE001 - refused connections and 502/503 while it restarts
                pass
            time.sleep(1.0)
        raise RuntimeError(f"the AYON server at {self.url} did not come back within {RESTART_TIMEOUT:.0f} s")

    # -- bundles --

    def bundles(self) -> dict[str, Any]:
        return self.con.get_bundles()

    def make_production_bundle(self, name: str, addons: dict[str, str], installer_version: str) -> str | None:
        """Create a bundle and make it production; returns the bundle that was production."""
        previous = self.bundles()["productionBundle"]
        self.con.post("bundles", name=name, addons=addons, installerVersion=installer_version,
                      dependencyPackages={}).raise_for_status()
        self.con.patch(f"bundles/{name}", isProduction=True).raise_for_status()
        return previous

    def drop_bundle(self, name: str, previous_production: str | None) -> None:
        """Make ``previous_production`` production again and delete ``name``."""
        if previous_production:
            self.con.patch(f"bundles/{previous_production}", isProduction=True).raise_for_status()
        self.con.delete(f"bundles/{name}").raise_for_status()

    # -- projects, users --

    def create_project(self, name: str, code: str, root: Path) -> None:
        """A project with the default anatomy whose ``work`` root is ``root`` on every platform."""
        anatomy = self.con.get("anatomy/presets/_").data
        anatomy["roots"] = [{"name": "work", "windows": str(root), "linux": str(root), "darwin": str(root)}]
        self.con.post("projects", name=name, code=code, anatomy=anatomy).raise_for_status()

    def delete_project(self, name: str) -> None:
        self.con.delete(f"projects/{name}").raise_for_status()

    def create_folder_and_task(self, project: str, folder: str, folder_type: str, task: str, task_type: str) -> None:
        folder_id = self.con.create_folder(project, folder, folder_type=folder_type)
        self.con.create_task(project, task, task_type, folder_id=folder_id)

    def ensure_user(self, name: str, project: str, access_group: str = "artist") -> None:
        """A user (an artist, not a manager) who may work on ``project`` (a user without an access
        group there cannot even see it)."""
        response = self.con.put(f"users/{name}", attrib={"fullName": f"{name} (ayon-publish e2e)"})
        if response.status_code not in (204, 409):  # 409: already there
            response.raise_for_status()
        self.con.patch(f"users/{name}/accessGroups",
                       accessGroups=[{"project": project, "accessGroups": [access_group]}]).raise_for_status()

    def disable_publish_plugin(self, project: str, addon: str, version: str, plugin: str) -> bool:
        """Turn a publish plugin off in the project's settings of ``addon`` (False: it has no such
        plugin setting). AYON saves the whole settings object, not a patch."""
        settings = self.con.get_addon_project_settings(addon, version, project)
        entry = settings.get("publish", {}).get(plugin)
        if not isinstance(entry, dict) or "enabled" not in entry:
            return False
        entry["enabled"] = False
        self.con.post(f"addons/{addon}/{version}/settings/{project}", **settings).raise_for_status()
        return True

    # -- what a publish left --

    def versions(self, project: str, folder_path: str, product_name: str) -> list[dict[str, Any]]:
        folder = self.con.get_folder_by_path(project, folder_path)
        product = self.con.get_product_by_name(project, product_name, folder["id"]) if folder else None
        if product is None:
            return []
        return sorted(self.con.get_versions(project, product_ids=[product["id"]]), key=lambda v: v["version"])

    def representation_files(self, project: str, version_id: str, root: Path) -> list[Path]:
        files = []
        for repre in self.con.get_representations(project, version_ids=[version_id]):
            files += [Path(f["path"].replace("{root[work]}", str(root))) for f in repre["files"]]
        return files
