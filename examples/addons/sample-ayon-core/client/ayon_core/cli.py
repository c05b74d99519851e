"""The ``ayon`` command line of the SAMPLE core addon (not AYON code).

Shaped like the real ``ayon_core.cli``: ``main()`` connects to the AYON server
(``initialize_ayon_connection``: ``AYON_SERVER_URL``, ``AYON_API_KEY``) *before* it parses any
argument, sets the studio's environment from the ``core`` settings, loads the bundle's addons
(see ``ayon_core.addon.base``) and lets them add commands to the ``addon`` group (alias
``module``); then the click group ``main_cli`` runs ``publish PATH``, ``addon ...`` or
``tray``. An exception that escapes a command prints "!!! AYON crashed:" with its traceback
and exits 1, as the real one does.
"""
from __future__ import annotations

import os
import sys
import traceback
from typing import Optional

import click

from ayon_core.addon import AddonsManager
from ayon_core.lib import Logger, initialize_ayon_connection, is_headless_mode_enabled
from ayon_core.settings import get_general_environments


class AliasedGroup(click.Group):
    """A click group whose commands can have aliases."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._aliases: dict[str, str] = {}

    def set_alias(self, src_name: str, dst_name: str) -> None:
        self._aliases[dst_name] = src_name

    def get_command(self, ctx: click.Context, cmd_name: str) -> Optional[click.Command]:
        return super().get_command(ctx, self._aliases.get(cmd_name, cmd_name))


@click.group(cls=AliasedGroup, invoke_without_command=True)
@click.pass_context
@click.option("--use-staging", is_flag=True, expose_value=False, help="use staging variants")
@click.option("--debug", is_flag=True, expose_value=False, help="Enable debug")
def main_cli(ctx: click.Context) -> None:
    """AYON is main command serving as entry point to pipeline system.

    It wraps different commands together.
    """
    if ctx.invoked_subcommand is None:
        if is_headless_mode_enabled():
            click.echo(ctx.get_help())
            sys.exit(0)
        ctx.invoke(tray)


@main_cli.command()
def tray() -> None:
    """Launch AYON tray (needs Qt; not part of the sample)."""
    from ayon_core.tools.utils import get_qt_app  # noqa: PLC0415 - Qt only on demand

    get_qt_app()
    raise click.ClickException("The sample core addon has no tray.")


@main_cli.group(help="Run command line arguments of AYON addons")
@click.pass_context
def addon(ctx: click.Context) -> None:
    """Addon specific commands created dynamically."""


main_cli.set_alias("addon", "module")


@main_cli.command()
@click.pass_context
@click.argument("path", required=True)
@click.option("-t", "--targets", help="Targets", default=None, multiple=True)
def publish(ctx: click.Context, path: str, targets: tuple[str, ...]) -> None:
    """Start CLI publishing.

    Publish collects json from path provided as an argument.
    """
    from ayon_core.pipeline.publish import main_cli_publish  # noqa: PLC0415

    main_cli_publish(path, list(targets), ctx.obj["addons_manager"])


def _set_global_environments() -> None:
    """The studio's environment (core settings), without replacing what is set."""
    for key, value in get_general_environments().items():
        os.environ.setdefault(key, str(value))


def _set_addons_environments(addons_manager: AddonsManager) -> None:
    for key, value in addons_manager.collect_global_environments().items():
        os.environ.setdefault(key, value)


def _add_addons(addons_manager: AddonsManager) -> None:
    """Let every addon add its commands to the ``addon`` group."""
    log = Logger.get_logger("CLI-AddAddons")
    for addon_obj in addons_manager.addons:
        try:
            addon_obj.cli(addon)
        except Exception:  # noqa: BLE001
            log.warning('Failed to add cli command for module "%s"', addon_obj.name, exc_info=True)


def main(*args, **kwargs) -> None:
    """Entry point: ``ayon [COMMAND] ...`` with ``sys.argv``."""
    initialize_ayon_connection()
    _set_global_environments()
    addons_manager = AddonsManager()
    _set_addons_environments(addons_manager)
    _add_addons(addons_manager)
    try:
        main_cli(prog_name="ayon", obj={"addons_manager": addons_manager}, args=sys.argv[1:])
    except Exception:  # noqa: BLE001
        print("!!! AYON crashed:")
        traceback.print_exc()
        sys.exit(1)
