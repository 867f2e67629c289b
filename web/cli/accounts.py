"""`tongbu user password|list`: set a password, list who can sign in (issue: the Flask UI).

`tongbu user add` itself lives in web/cli/directory.py and takes `--password` (or asks twice).
"""

from __future__ import annotations

import click

from engine.access.actor import SYSTEM
from engine.directory import read as directory_read
from web.cli.base import Ctx, handled, pass_ctx
from web.cli.directory import echo_more


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
    @click.option("--limit", type=click.IntRange(1, 1000), default=200)
    @click.option("--offset", type=click.IntRange(min=0), default=0)
    @pass_ctx
    @handled
    def user_list(ctx: Ctx, limit: int, offset: int) -> None:
        """Users by username, with role, unit, and whether they can sign in."""
        page = directory_read.list_users(
            ctx.runtime.reader(), SYSTEM, per_page=limit, offset=offset
        )
        for u in page.rows:
            login = "can sign in" if u["active"] and u["has_password"] else "no sign-in"
            click.echo(
                f"{u['username']:<16} {u['role']:<11} {u['unit_code']:<12} {login:<12} "
                f"{u['display_name']}"
            )
        echo_more(page, "users")
