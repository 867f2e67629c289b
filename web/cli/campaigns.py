"""`tongbu campaign open|list`: coverage drives (REG-10) from the command line, through the
services the pages and the API call (engine/cases/campaign_requests.py validates the request,
so a bad unit, kind or day is refused naming it, as the form does)."""

from __future__ import annotations

import click
from marshmallow import ValidationError

from engine.access import actor as access
from engine.cases import campaign_requests
from engine.directory.service import unit_by_code
from engine.errors import NotFound
from engine.oversight import campaigns as boards
from web.cli.base import Ctx, _echo_json, handled, pass_ctx


def register(main: click.Group) -> None:
    """Add the `campaign` group to `tongbu`."""

    @main.group("campaign")
    def campaign_group() -> None:
        """Coverage drives over a unit's tree (REG-10)."""

    @campaign_group.command("open")
    @click.option("--unit", "unit_code", required=True, help="code of the unit (and below)")
    @click.option("--starts-on", required=True, help="the drive's first day, YYYY-MM-DD")
    @click.option(
        "--kind",
        default=None,
        help="the condition (default formation_drive: uncovered, ≥3 full members among the "
        "full-time staff; all_uncovered)",
    )
    @click.option("--title", default=None)
    @click.option("--as", "username", required=True, envvar="TONGBU_USER", help="a supervisor")
    @click.option("--json", "as_json", is_flag=True)
    @pass_ctx
    @handled
    def campaign_open(
        ctx: Ctx,
        unit_code: str,
        starts_on: str,
        kind: str | None,
        title: str | None,
        username: str,
        as_json: bool,
    ) -> None:
        """Open a drive (again: nothing is opened twice, running cases are joined)."""
        rt = ctx.runtime
        kind = kind or campaign_requests.default_kind(rt.definitions) or ""
        kind = kind or campaign_requests.default_kind(rt.definitions) or ""
        who = access.actor_for(rt.uow(), username)
        with rt.reader() as r:
            try:
                unit_id = unit_by_code(r, unit_code).id
            except NotFound:
                raise ValidationError({"--unit": [f"no unit with code {unit_code!r}"]}) from None
        done = campaign_requests.request_campaign(
            rt.uow(),
            rt.definitions,
            {"unit_id": unit_id, "kind": kind, "starts_on": starts_on, "title": title},
            actor=who,
        )
        if as_json:
            _echo_json(done.as_dict())
            return
        click.echo(
            f"campaign {done.campaign_id}: {done.starts_on} – {done.ends_on}; opened "
            f"{done.opened}, joined {done.joined}, already in it {done.already}"
        )

    @campaign_group.command("list")
    @click.option("--as", "username", default=None, envvar="TONGBU_USER")
    @click.option("--json", "as_json", is_flag=True)
    @pass_ctx
    @handled
    def campaign_list(ctx: Ctx, username: str | None, as_json: bool) -> None:
        """The drives over your units (all, without --as), with their progress."""
        rt = ctx.runtime
        who = access.actor_for(rt.uow(), username) if username else access.SYSTEM
        rows = boards.visible_campaigns(rt.uow(), who, rt.clock.now())
        if as_json:
            _echo_json(rows)
            return
        for c in rows:
            click.echo(
                f"{c['id']:>5}  {c['starts_on']} – {c['ends_on']}  {c['kind']:<16} "
                f"taken in {c['opened']}, covered {c['covered']}, overdue {c['overdue']}  "
                f"{c['title']}"
            )
        if not rows:
            click.echo("no campaign / 尚无集中攻坚")
