"""`tongbu token` commands: API tokens (issue: JSON API, docs/api.md).

tongbu token create --user wang [--name registration-system]   # prints the token once
tongbu token list [--user wang]
tongbu token revoke 3
"""

from __future__ import annotations

import click

from engine.access import tokens
from web.cli.base import Ctx, handled, pass_ctx


def register(main: click.Group) -> None:
    """Add this module's commands to the `tongbu` group."""

    @main.group()
    def token() -> None:
        """API tokens: a token acts as its user (same role and units) on /api/v1."""

    @token.command("create")
    @click.option("--user", "username", required=True, help="the user the token acts as")
    @click.option("--name", default=None, help="a label, e.g. the calling system")
    @pass_ctx
    @handled
    def token_create(ctx: Ctx, username: str, name: str | None) -> None:
        """Issue a token and print it once (only its hash is kept)."""
        issued = tokens.create_token(ctx.runtime.uow(), username, name)
        click.echo(issued.token)
        click.echo(
            f"token {issued.id} ({issued.name}) for {issued.username}: shown once, "
            "store it now / 此令牌仅显示一次，请妥善保存",
            err=True,
        )

    @token.command("list")
    @click.option("--user", "username", default=None, help="only this user's tokens")
    @pass_ctx
    @handled
    def token_list(ctx: Ctx, username: str | None) -> None:
        """List tokens (never their secrets), revoked ones marked."""
        rows = tokens.list_tokens(ctx.runtime.uow(), username)
        if not rows:
            click.echo("no tokens / 无令牌")
            return
        for r in rows:
            used = f"{r['last_used_at']:%Y-%m-%d %H:%M}" if r["last_used_at"] else "never"
            state = f"revoked {r['revoked_at']:%Y-%m-%d %H:%M}" if r["revoked_at"] else "active"
            click.echo(
                f"{r['id']:>5}  {r['prefix']}…  {r['username']:<12} {r['name']:<24} "
                f"created {r['created_at']:%Y-%m-%d %H:%M}  used {used}  {state}"
            )

    @token.command("revoke")
    @click.argument("token_id", type=click.IntRange(min=1))
    @pass_ctx
    @handled
    def token_revoke(ctx: Ctx, token_id: int) -> None:
        """Revoke a token at once; requests with it get 401 from now on."""
        if tokens.revoke_token(ctx.runtime.uow(), token_id):
            click.echo(f"token {token_id} revoked / 已吊销")
        else:
            click.echo(f"token {token_id} was already revoked / 此前已吊销")
