"""The ``ayon`` command line of the SAMPLE core addon (not AYON code).

Shaped like the real ``ayon_core.cli``: a click group ``main_cli`` with a
``publish`` command and an ``addon`` group (alias ``module``) that loaded
addons extend with their own commands. Nothing here connects to a server.
"""
from __future__ import annotations

import os
import sys
import traceback
from typing import Optional, Sequence

import click

from ayon_core.addon import AddonsManager
from ayon_core.lib import Logger, is_headless_mode_enabled


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
def main_cli(ctx: click.Context) -> None:
    """AYON (SAMPLE core addon) command line.

    It wraps the commands of the core and of the loaded addons.
    """
    if ctx.invoked_subcommand is None:
        if is_headless_mode_enabled():
            click.echo(ctx.get_help())
            sys.exit(0)
        ctx.invoke(tray)


@main_cli.command()
def tray() -> None:
    """Launch the AYON tray (not part of this sample)."""
    try:
        from ayon_core.tools.utils import get_qt_app  # noqa: PLC0415 - Qt only on demand

        get_qt_app()
    except ImportError as exc:
        raise click.ClickException(
            f"The tray needs Qt ({exc}). Set AYON_HEADLESS_MODE=1 on workers."
        ) from exc
    raise click.ClickException("The sample core addon has no tray.")


@main_cli.group(help="Run command line arguments of AYON addons")
@click.pass_context
def addon(ctx: click.Context) -> None:
    """Addon specific commands, added by the loaded addons."""


main_cli.set_alias("addon", "module")


@main_cli.command()
@click.pass_context
@click.argument("path", required=True)
@click.option("-t", "--targets", help="Targets", default=None, multiple=True)
def publish(ctx: click.Context, path: str, targets: tuple[str, ...]) -> None:
    """Start CLI publishing of the job JSON at PATH."""
    from ayon_core.pipeline.publish import publish_from_json  # noqa: PLC0415

    obj = ctx.obj or {}
    manager = obj.get("addons_manager") or AddonsManager()
    context = publish_from_json(path, targets=targets, addons_manager=manager)
    click.echo(f"Published {len(context)} instance(s) from {path}")


def _set_addons_environments(addons_manager: AddonsManager) -> None:
    env = addons_manager.collect_global_environments()
    for key, value in env.items():
        os.environ.setdefault(key, value)


def _add_addons(addons_manager: AddonsManager) -> None:
    """Let every addon add its commands to the ``addon`` group."""
    log = Logger.get_logger("CLI-AddAddons")
    for addon_obj in addons_manager.addons:
        try:
            addon_obj.cli(addon)
        except Exception:  # noqa: BLE001
            log.warning("Failed to add cli command for addon '%s'", addon_obj.name, exc_info=True)


def main(args: Optional[Sequence[str]] = None) -> None:
    """Entry point: ``ayon [COMMAND] ...``; ``args`` defaults to ``sys.argv[1:]``."""
    if args is None:
        args = sys.argv[1:]
    try:
        addons_manager = AddonsManager()
    except RuntimeError as exc:
        print(f"!!! AYON: {exc}", file=sys.stderr)
        sys.exit(1)
    _set_addons_environments(addons_manager)
    _add_addons(addons_manager)
    try:
        main_cli(
            args=list(args),
            prog_name="ayon",
            obj={"addons_manager": addons_manager},
        )
    except Exception:  # noqa: BLE001
        print("!!! AYON crashed:", file=sys.stderr)
        traceback.print_exc()
        sys.exit(1)
