"""`tongbu inspection open-year`: a year's annual inspections (INS-1) for a unit, from the
command line, through the one bulk opener the page and the API call (engine/cases/bulk_open.py)
— so running it again, or at the same time as someone on the page, opens nothing twice."""

from __future__ import annotations

import click
from marshmallow import fields, validate

from engine.access import actor as access
from engine.cases import bulk_open
from engine.inputs import InputSchema
from web.cli.base import Ctx, _echo_json, handled, pass_ctx


class OpenYearArgs(InputSchema):
    """The command's arguments under the one input policy (a bad one is named)."""

    unit = fields.String(data_key="--unit", required=True, validate=validate.Length(min=1, max=64))
    year = fields.Integer(
        data_key="--year", required=True, validate=validate.Range(min=2000, max=2100)
    )


def register(main: click.Group) -> None:
    """Add the `inspection` group to `tongbu`."""

    @main.group("inspection")
    def inspection_group() -> None:
        """The annual inspection (INS-1)."""

    @inspection_group.command("open-year")
    @click.option("--unit", "unit_code", required=True, help="unit code (its units below too)")
    @click.option("--year", required=True, help="the year inspected, e.g. 2025")
    @click.option("--as", "username", required=True, help="the caseworker who opens them")
    @click.option("--json", "as_json", is_flag=True, help="the counts as JSON")
    @pass_ctx
    @handled
    def open_year(ctx: Ctx, unit_code: str, year: str, username: str, as_json: bool) -> None:
        """Open YEAR's inspection for every registered organization of UNIT, once."""
        args = OpenYearArgs().load({"--unit": unit_code, "--year": year})
        rt = ctx.runtime
        done = bulk_open.open_for_unit(
            rt.uow(),
            rt.definitions,
            "inspection",
            unit_code=args["unit"],
            series=str(args["year"]),
            payload={"year": args["year"]},
            actor=access.actor_for(rt.uow(), username),
        )
        if as_json:
            _echo_json({"year": args["year"], "opened": done.opened, "already": done.already})
            return
        click.echo(
            f"inspections of {args['year']}: {done.opened} opened now, {done.already} already "
            f"open / {args['year']}年度年检：本次开启{done.opened}件，此前已开启{done.already}件"
        )
