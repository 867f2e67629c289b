"""`tongbu report …`: the ACC-1 report and the REG-7 coverage, as the dashboard shows them.

The figures are `engine.oversight.figures`; these commands only present them.
"""

from __future__ import annotations

import click

from engine.access import actor as access
from engine.oversight import accountability
from engine.oversight import dashboard as dashboards
from engine.oversight.figures import Moment
from web.cli.base import Ctx, _echo_json, handled, pass_ctx
from web.cli.instants import NOW_HELP, local_time, parse_now, shanghai_time


def register(main: click.Group) -> None:
    """Add the `report` commands to the `tongbu` group."""
    group = main.commands.get("report")
    if group is None:

        @main.group("report")
        def report_group() -> None:
            """Reports."""

        group = report_group
    assert isinstance(group, click.Group)

    @group.command("overdue")
    @click.option(
        "--as",
        "username",
        default=None,
        envvar="TONGBU_USER",
        help="report as this user (their unit and below); default: the whole tree",
    )
    @click.option("--now", "now_text", default=None, help=NOW_HELP)
    @click.option(
        "--list",
        "which",
        type=click.Choice(list(accountability.LISTS)),
        default=None,
        help="list the cases behind one measure instead of the table",
    )
    @click.option("--unit", "unit_code", default=None, help="with --list: only this unit (code)")
    @click.option("--limit", type=click.IntRange(1, 10000), default=50)
    @click.option("--json", "as_json", is_flag=True)
    @pass_ctx
    @handled
    def report_overdue(
        ctx: Ctx,
        username: str | None,
        now_text: str | None,
        which: str | None,
        unit_code: str | None,
        limit: int,
        as_json: bool,
    ) -> None:
        """ACC-1: open, due soon, overdue, escalated and stalled cases per responsible unit."""
        rt = ctx.runtime
        now = parse_now(now_text) or rt.clock.now()
        at = Moment.of(rt.definitions, now)
        uow = rt.uow()
        actor = access.actor_for(uow, username) if username else access.SYSTEM
        if which:
            unit_id = None
            if unit_code:
                from engine.directory.service import unit_by_code

                with uow.reader() as r:
                    unit_id = unit_by_code(r, unit_code).id
            rows = accountability.LISTS[which](uow, actor, at, unit_id=unit_id, limit=limit)
            if as_json:
                _echo_json(rows)
                return
            click.echo(f"{which} cases / 案件: {len(rows)}")
            for x in rows:
                extra = ""
                if "days_left" in x:
                    extra = (
                        f"  {x['deadline']} [{x['rule']}] due {x['due_date']} "
                        f"({x['days_left']} d left)"
                    )
                elif "deadline" in x:
                    extra = (
                        f"  {x['deadline']} [{x['rule']}] due {x['due_date']} "
                        f"({x['days_overdue']} d overdue, level {x['escalation_level']})"
                    )
                elif "stalled_since" in x:
                    extra = f"  idle since {shanghai_time(x['stalled_since'])}"
                click.echo(
                    f"  case {x['case_id']:>5}  {x['state']:<20} {x['unit_name_zh']}  "
                    f"{x['assignee'] or '-'}{extra}  {x['organization']}"
                )
            return
        rows = accountability.accountability(uow, actor, at)
        if as_json:
            _echo_json({"rows": rows, "totals": accountability.totals(rows)})
            return
        click.echo(f"ACC-1 overdue report / 逾期问责报表 — {local_time(now)} Asia/Shanghai")
        click.echo(
            f"{'unit / 责任单位':<30} {'open':>6} {'due soon':>9} {'overdue':>8} "
            f"{'escalated':>10} {'stalled':>8}  oldest overdue / 最久逾期"
        )
        for x in rows:
            o = x["oldest_overdue"]
            oldest = (
                f"case {o['case_id']} {o['deadline']} [{o['rule']}] due {o['due_date']} "
                f"({o['days_overdue']} d)"
                if o
                else "-"
            )
            click.echo(
                f"{x['unit_name_zh'] + ' ' + x['unit_code']:<30} {x['open']:>6} "
                f"{x['due_soon']:>9} {x['overdue']:>8} {x['escalated']:>10} {x['stalled']:>8}  "
                f"{oldest}"
            )
        t = accountability.totals(rows)
        click.echo(
            f"{'total / 合计':<30} {t['open']:>6} {t['due_soon']:>9} {t['overdue']:>8} "
            f"{t['escalated']:>10} {t['stalled']:>8}"
        )

    @group.command("coverage")
    @click.option(
        "--as",
        "username",
        default=None,
        envvar="TONGBU_USER",
        help="report as this user (their unit and below); default: the whole tree",
    )
    @click.option("--json", "as_json", is_flag=True)
    @pass_ctx
    @handled
    def report_coverage(ctx: Ctx, username: str | None, as_json: bool) -> None:
        """REG-7: registered organizations by coverage (the dashboard's "two coverages")."""
        rt = ctx.runtime
        actor = access.actor_for(rt.uow(), username) if username else access.SYSTEM
        cov = dashboards.coverage(rt.reader(), actor)
        if as_json:
            _echo_json(cov)
            return
        click.echo("REG-7 coverage / 两个覆盖")
        for key, n in cov.items():
            click.echo(f"  {key:<12} {n:>6}")
