"""`tongbu user password|list|deactivate|activate|sign-ins`: passwords, who can sign in, and the
audit of sign-in attempts.

`tongbu user add` itself lives in web/cli/directory.py and takes `--password` (or asks twice).
"""

from __future__ import annotations

import click

from engine.access import sessions
from engine.access.actor import SYSTEM
from engine.calendar import SHANGHAI
from engine.directory import read as directory_read
from engine.directory import service as directory
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
        click.echo(f"password of {username} set; their open sessions are ended / 已结束其登录会话")

    @group.command("deactivate")
    @click.argument("username")
    @pass_ctx
    @handled
    def user_deactivate(ctx: Ctx, username: str) -> None:
        """Deactivate USERNAME: signed out everywhere at once, API tokens refused."""
        directory.set_active(ctx.runtime.uow(), username, False)
        click.echo(f"{username} deactivated / 已停用")

    @group.command("activate")
    @click.argument("username")
    @pass_ctx
    @handled
    def user_activate(ctx: Ctx, username: str) -> None:
        """Let a deactivated USERNAME sign in again."""
        directory.set_active(ctx.runtime.uow(), username, True)
        click.echo(f"{username} activated / 已启用")

    @group.command("sign-ins")
    @click.option("--failed", is_flag=True, help="only failed or throttled attempts")
    @click.option("--limit", type=click.IntRange(1, 1000), default=50)
    @pass_ctx
    @handled
    def user_sign_ins(ctx: Ctx, failed: bool, limit: int) -> None:
        """The latest sign-in attempts, newest first (times in Asia/Shanghai)."""
        for a in sessions.recent_attempts(ctx.runtime.uow(), failed_only=failed, limit=limit):
            at = a["at"].astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M:%S")
            click.echo(f"{at} (Asia/Shanghai)  {a['outcome']:<9} {a['username']:<16} {a['client']}")

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
