"""`tongbu funds …` and `tongbu report statistics`: a Party organization's money of a year
(INF-1, FUND-1) and the statistics sent upward, through the pages' and the API's services.

Every argument is text handed to the services' marshmallow schemas (`FundsSchema`,
`StatisticsArgs`), so a bad amount or year is refused naming the argument, as the form does.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click
from marshmallow import ValidationError, fields, validate

from engine.access import actor as access
from engine.directory import funds as funds_service
from engine.directory.service import unit_by_code
from engine.errors import NotFound
from engine.inputs import INT_MAX, InputSchema
from engine.oversight import statistics as stats
from web.cli.base import Ctx, _echo_json, handled, pass_ctx

PARTY_ORG_ID = click.IntRange(min=1, max=INT_MAX)
T = TypeVar("T")


class ReportArgs(InputSchema):
    """`--year` and `--unit` of the yearly reports, under the one input policy."""

    year = fields.Integer(
        data_key="--year", required=True, validate=validate.Range(min=2000, max=2199)
    )
    unit = fields.String(data_key="--unit", load_default=None, validate=validate.Length(max=64))


def report_scope(ctx: Ctx, year: str, unit_code: str | None, username: str | None) -> tuple:
    """(actor, unit id or None, year) from the yearly reports' arguments."""
    rt = ctx.runtime
    a = ReportArgs().load({"--year": year, **({"--unit": unit_code} if unit_code else {})})
    who = access.actor_for(rt.uow(), username) if username else access.SYSTEM
    unit_id = None
    if a["unit"]:
        with rt.reader() as r:
            try:
                unit_id = unit_by_code(r, a["unit"]).id
            except NotFound:
                raise ValidationError({"--unit": [f"no unit with code {a['unit']!r}"]}) from None
    return who, unit_id, a["year"]


def in_app(ctx: Ctx, lang: str, make: Callable[[], T]) -> T:
    """Run `make` where the pages' words are: a request of an app on this runtime."""
    from web import create_app

    app = create_app(runtime=ctx.runtime)
    with app.test_request_context("/", headers={"Accept-Language": lang}):
        return make()


def statistics_bytes(s: stats.Statistics) -> bytes:
    """The workbook the page downloads, in the request's language."""

    from web.ui.common import lang, lbl
    from web.ui.labels import choice_label
    from web.yearly_export import statistics_workbook

    name = s.unit.name_zh if lang() == "zh" else s.unit.name_en
    return statistics_workbook(s, lambda code: lbl(choice_label(code)), name)


def register(main: click.Group) -> None:
    """Add `funds record`, `funds show` and `report statistics` to the `tongbu` group."""

    @main.group("funds")
    def funds_group() -> None:
        """A Party organization's dues and funding per year (INF-1, FUND-1)."""

    @funds_group.command("record")
    @click.argument("party_organization_id", type=PARTY_ORG_ID)
    @click.option("--year", required=True)
    @click.option("--dues-collected", required=True, help="yuan, two decimals at most")
    @click.option("--dues-returned", required=True, help="yuan returned for Party work")
    @click.option("--funding", "funding_received", required=True, help="work funding, yuan")
    @click.option("--startup", "startup_support", default="0", help="start-up support, yuan")
    @click.option("--note", default=None)
    @click.option("--reason", default=None, help="why recorded figures are corrected")
    @click.option("--version", default="0", help="the version you read (0: first recording)")
    @click.option("--as", "username", required=True, envvar="TONGBU_USER")
    @pass_ctx
    @handled
    def funds_record(ctx: Ctx, party_organization_id: int, username: str, **values: Any) -> None:
        """Record or correct one year's figures (audited; the same figures again change nothing)."""
        rt = ctx.runtime
        who = access.actor_for(rt.uow(), username)
        payload = {k: v for k, v in values.items() if v is not None}
        done = funds_service.record_funds(
            rt.uow(), who, party_organization_id, payload, rt.clock.now()
        )
        click.echo(
            f"party organization {party_organization_id} {values['year']}: version "
            f"{done.version}" + ("" if done.changed else " (unchanged / 未改变)")
        )

    @funds_group.command("show")
    @click.argument("party_organization_id", type=PARTY_ORG_ID)
    @click.option("--year", required=True)
    @click.option("--as", "username", default=None, envvar="TONGBU_USER")
    @click.option("--json", "as_json", is_flag=True)
    @pass_ctx
    @handled
    def funds_show(
        ctx: Ctx, party_organization_id: int, year: str, username: str | None, as_json: bool
    ) -> None:
        """A year's figures and who recorded or corrected them."""
        rt = ctx.runtime
        y = ReportArgs(only=("year",)).load({"--year": year})["year"]
        who = access.actor_for(rt.uow(), username) if username else access.SYSTEM
        f = funds_service.funds(rt.reader(), who, party_organization_id, y)
        if as_json:
            _echo_json(f)
            return
        click.echo(f"{f['party_organization']} {y} (version {f['version']})")
        for k in funds_service.AMOUNTS:
            click.echo(f"  {k:<18} {f[k] if f[k] is not None else '-'}")
        for a in f["audit"]:
            click.echo(f"  {a['action']} v{a['version']} by {a['actor_name']}: {a['reason'] or ''}")

    group = main.commands.get("report")
    if group is None:

        @main.group("report")
        def report_group() -> None:
            """Reports."""

        group = report_group
    assert isinstance(group, click.Group)

    @group.command("statistics")
    @click.option("--year", required=True)
    @click.option("--unit", "unit_code", default=None, help="unit code (default: yours, or all)")
    @click.option("--as", "username", default=None, envvar="TONGBU_USER")
    @click.option("--json", "as_json", is_flag=True)
    @click.option("--xlsx", "xlsx_path", type=click.Path(dir_okay=False, path_type=Path))
    @click.option("--lang", type=click.Choice(["zh", "en"]), default="zh", help="of the file")
    @pass_ctx
    @handled
    def report_statistics(
        ctx: Ctx,
        year: str,
        unit_code: str | None,
        username: str | None,
        as_json: bool,
        xlsx_path: Path | None,
        lang: str,
    ) -> None:
        """INF-1/FUND-1: Party organizations by kind, members, coverage, dues and funding."""
        rt = ctx.runtime
        who, unit_id, y = report_scope(ctx, year, unit_code, username)
        s = stats.statistics(rt.reader(), who, rt.definitions, unit_id, y, rt.clock.now())
        if xlsx_path is not None:
            xlsx_path.write_bytes(in_app(ctx, lang, lambda: statistics_bytes(s)))
            click.echo(f"written {xlsx_path}")
            return
        if as_json:
            _echo_json({**vars(s), "members": s.members})
            return
        click.echo(f"INF-1/FUND-1 {s.unit.name_zh} {y} (as of {s.as_of})")
        for k in s.kinds:
            click.echo(
                f"  {k.kind:<16} {k.party_organizations:>4}  new {k.new_in_year:>3}  "
                f"full {k.full_members:>5}  probationary {k.probationary_members:>4}"
            )
        click.echo(f"  coverage {s.coverage}")
        for k, v in s.money.items():
            click.echo(f"  {k:<18} {v}")
        click.echo(f"  below the floor ({s.floor_yuan} yuan/member/year): {len(s.below_floor)}")
