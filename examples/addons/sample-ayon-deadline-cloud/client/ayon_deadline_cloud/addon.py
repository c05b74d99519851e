"""AWS Deadline Cloud addon, SAMPLE stand-in (not AYON code).

Shaped like ynput/ayon-deadline-cloud's ``addon.py``: ``DeadlineCloudAddon(AYONAddon, IPluginPaths)``
with the publish plugin path and ``ayon addon deadline_cloud publish`` with the real options.
The real addon builds its command with ``ayon_core.addon.click_wrap``; this sample uses click
directly (the group ``AYONAddon.cli`` receives is a click group in both). Unlike the real
addon, a publish that cannot run ends with one line (click's ``Error: ...``) and exit code 1
instead of ayon-core's "AYON crashed" traceback.
"""
from __future__ import annotations

import os
from typing import Optional

import click
from ayon_core.addon import AYONAddon, IPluginPaths
from ayon_core.pipeline import KnownPublishError

from ayon_deadline_cloud.api.publish import PublishFailedError, publish_content

from .version import __version__

DEADLINE_CLOUD_ADDON_ROOT = os.path.dirname(os.path.abspath(__file__))


class DeadlineCloudAddon(AYONAddon, IPluginPaths):
    """Publishes the output of AWS Deadline Cloud jobs (sample)."""

    name = "deadline_cloud"
    version = __version__

    def get_publish_plugin_paths(self, host_name: Optional[str] = None) -> list[str]:
        return [os.path.join(DEADLINE_CLOUD_ADDON_ROOT, "plugins", "publish")]

    def cli(self, addon_click_group: click.Group) -> None:
        """Add ``deadline_cloud publish`` to ``ayon addon``."""
        addon = self

        @click.group(name=self.name, help="Deadline Cloud commands")
        def cli_main() -> None:
            pass

        @cli_main.command(
            name="publish",
            help="Publish the result of a Deadline Cloud processed job.",
        )
        @click.argument(
            "path", nargs=1,
            type=click.Path(exists=True, file_okay=False, dir_okay=True),
        )
        @click.option("-f", "--folder-path", type=click.STRING, required=True)
        @click.option("-t", "--task-name", type=click.STRING, required=False)
        @click.option("-p", "--project-name", type=click.STRING, required=True)
        @click.option("-u", "--user-name", type=click.STRING, required=True)
        @click.option("--host-name", type=click.STRING, required=False)
        @click.option("--product-base-type", type=click.STRING, required=True)
        @click.option(
            "-s", "--source-file",
            type=click.Path(exists=True, file_okay=True, dir_okay=False),
        )
        def publish(
            path: str,
            folder_path: str,
            task_name: Optional[str],
            project_name: str,
            user_name: str,
            host_name: Optional[str],
            product_base_type: str,
            source_file: Optional[str],
        ) -> None:
            addon.log.debug(
                "publish: path=%s project_name=%s folder_path=%s task_name=%s "
                "user_name=%s product_base_type=%s host_name=%s source_file=%s",
                path, project_name, folder_path, task_name, user_name,
                product_base_type, host_name, source_file,
            )
            try:
                context = publish_content(
                    path=path,
                    project_name=project_name,
                    folder_path=folder_path,
                    user_name=user_name,
                    task_name=task_name,
                    host_name=host_name,
                    source_file=source_file,
                    product_base_type=product_base_type,
                )
            except (ValueError, KnownPublishError, PublishFailedError) as exc:
                raise click.ClickException(str(exc)) from exc
            versions = [
                f"{instance.data['productName']} v{instance.data['version']:03d}"
                for instance in context
                if instance.data.get("versionEntity")
            ]
            click.echo(f"Published {', '.join(versions)} to '{project_name}' {folder_path}")

        addon_click_group.add_command(cli_main)
