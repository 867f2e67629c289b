"""`tongbu calendar refresh`: provisional deadlines recomputed once the holiday calendar knows
their year (`engine.oversight.recalendar`; docs/operations.md, "The holiday calendar")."""

from __future__ import annotations

import click

from engine.oversight import recalendar
from web.cli.base import Ctx, handled, pass_ctx


def register(main: click.Group) -> None:
    """Add this module's commands to the `tongbu` group."""

    @main.group("calendar")
    def calendar_group() -> None:
        """The legal calendar: holidays and adjusted working days (chinesecalendar)."""

    @calendar_group.command("refresh")
    @click.option("--dry-run", is_flag=True, help="list what would move; write nothing")
    @pass_ctx
    @handled
    def calendar_refresh(ctx: Ctx, dry_run: bool) -> None:
        """Recompute open provisional deadlines with the holiday calendar as it is now.

        Run it after upgrading `chinesecalendar` (the scheduler also does it once at start-up).
        A moved due date is audited on its case and its assignee is notified.
        """
        rt = ctx.runtime
        result = recalendar.refresh(
            rt.uow(), rt.definitions, now=rt.clock.now(), smtp=rt.config.smtp, dry_run=dry_run
        )
        click.echo(
            "calendar refresh — "
            + ("dry run, nothing written / 预演，未写入" if dry_run else "done / 已执行")
        )
        click.echo(f"moved / 到期日调整: {len(result.moved)}")
        for x in result.moved:
            still = "  (still provisional / 仍为暂定)" if x["provisional"] else ""
            click.echo(
                f"  case {x['case_id']:>5}  {x['deadline']} [{x['rule']}]  "
                f"{x['old_due_date'].isoformat()} → {x['new_due_date'].isoformat()}{still}  "
                f"{x['organization']}"
            )
        click.echo(f"confirmed / 到期日确认: {len(result.confirmed)}")
        for x in result.confirmed:
            click.echo(
                f"  case {x['case_id']:>5}  {x['deadline']} [{x['rule']}]  "
                f"{x['old_due_date'].isoformat()}  {x['organization']}"
            )
        for e in result.errors:
            click.echo(f"problem: {e}", err=True)
        click.echo(result.summary())
