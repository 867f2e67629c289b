"""`tongbu unit|user|org`: the directory from the shell (units, users, organizations)."""

from __future__ import annotations

from typing import Any

import click

from engine.access.actor import SYSTEM
from engine.directory import read as directory_read
from engine.directory import service as directory
from engine.paging import Page
from web.cli.base import Ctx, handled, pass_ctx


def echo_more(page: Page, what: str) -> None:
    """After a listing: say how many there are in all when this is not the last page."""
    if page.next_offset is not None:
        click.echo(f"({len(page.rows)} of {page.total} {what}; next: --offset {page.next_offset})")


def register(main: click.Group) -> None:
    """Add this module's commands to the `tongbu` group."""

    @main.group()
    def unit() -> None:
        """Units of the unit tree."""

    @unit.command("add")
    @click.option("--code", required=True)
    @click.option("--name-zh", required=True)
    @click.option("--name-en", required=True)
    @click.option("--kind", required=True)
    @click.option("--parent", default=None, help="code of the parent unit")
    @click.option("--district", default=None)
    @pass_ctx
    @handled
    def unit_add(ctx: Ctx, **kw: Any) -> None:
        uid = directory.create_unit(ctx.runtime.uow(), kw)
        click.echo(f"unit {uid} created")

    @main.group()
    def user() -> None:
        """Users."""

    @user.command("add")
    @click.option("--username", required=True)
    @click.option("--name", "display_name", required=True)
    @click.option("--role", required=True, help="caseworker, supervisor or admin")
    @click.option("--unit", required=True, help="unit code")
    @click.option("--email", default=None)
    @click.option(
        "--password",
        prompt=True,
        hide_input=True,
        confirmation_prompt=True,
        help="the user's password (asked twice when not given); stored only as a hash",
    )
    @pass_ctx
    @handled
    def user_add(ctx: Ctx, password: str, **kw: Any) -> None:
        """Create a user who can sign in to the web UI (password hashed with werkzeug)."""
        from web.auth import hash_password

        kw["password_hash"] = hash_password(password)
        uid = directory.create_user(ctx.runtime.uow(), kw)
        click.echo(f"user {uid} created")

    @main.group()
    def org() -> None:
        """Social organizations."""

    @org.command("add")
    @click.option("--name", required=True)
    @click.option(
        "--type", "org_type", required=True, help="social_group, social_service or foundation"
    )
    @click.option("--category", required=True)
    @click.option("--unit", required=True, help="code of the registration authority unit")
    @click.option("--credit-code", default=None)
    @click.option("--supervisory-unit", default=None)
    @click.option("--industry-regulator", default=None)
    @click.option("--local-party-org", default=None)
    @click.option("--district", default=None)
    @pass_ctx
    @handled
    def org_add(ctx: Ctx, **kw: Any) -> None:
        oid = directory.create_organization(ctx.runtime.uow(), kw, actor=SYSTEM)
        click.echo(f"organization {oid} created")

    @org.command("list")
    @click.option(
        "--search", default=None, help="part of the name (typed literally) or a credit code"
    )
    @click.option("--limit", type=click.IntRange(1, 1000), default=50)
    @click.option("--offset", type=click.IntRange(min=0), default=0)
    @pass_ctx
    @handled
    def org_list(ctx: Ctx, search: str | None, limit: int, offset: int) -> None:
        """Organizations by name: the rows the pages and the API list (as the system actor)."""
        page = directory_read.list_organizations(
            ctx.runtime.reader(),
            SYSTEM,
            directory_read.OrgFilter(q=search),
            per_page=limit,
            offset=offset,
        )
        for o in page.rows:
            click.echo(
                f"{o['id']:>5}  {o['credit_code'] or '-':<18}  {o['status']:<10} "
                f"{o['coverage']:<10} {o['name']}"
            )
        echo_more(page, "organizations")
