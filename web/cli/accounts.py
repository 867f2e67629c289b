"""`tongbu user password|list`: set a password, list who can sign in (issue: the Flask UI).

`tongbu user add` itself lives in web/cli.py and takes `--password` (or asks twice).
"""

from __future__ import annotations

import click

from engine.directory import records as directory_records
from web.cli.base import Ctx, handled, pass_ctx


def register(main: click.Group) -> None:
    """Add this module's commands to the `tongbu user` group."""
    group = main.commands["user"]
    assert isinstance(group, click.Group)

    @group.command("password")
    @click.argument("username")
    @click.option(
        "--password",
        prompt="New password",
        hide_input=True,
        confirmation_prompt=True,
        help="the new password (asked twice when not given)",
    )
    @pass_ctx
    @handled
    def user_password(ctx: Ctx, username: str, password: str) -> None:
        """Set or reset USERNAME's password (hashed; the old one stops working)."""
        from web.auth import set_password

        set_password(ctx.runtime.uow(), username, password)
        click.echo(f"password of {username} set")

    @group.command("list")
    @pass_ctx
    @handled
    def user_list(ctx: Ctx) -> None:
        """Users with role, unit, and whether they can sign in."""
        for u in directory_records.list_users(ctx.runtime.uow()):
            login = "can sign in" if u.active and u.has_password else "no sign-in"
            click.echo(f"{u.username:<16} {u.role:<11} {u.code:<12} {login:<12} {u.display_name}")
