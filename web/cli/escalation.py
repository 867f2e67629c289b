"""`tongbu` commands: scheduler, sweep, notifications (the reports are in `web.cli.reports`).

Configuration comes from the one `engine.config.Config` (TONGBU_SWEEP_INTERVAL,
TONGBU_SWEEP_BATCH, TONGBU_DIGEST_HOUR, TONGBU_SMTP_*, TONGBU_MAIL_BACKOFF_*; README).
"""

from __future__ import annotations

import logging
import signal
import sys
import time
from dataclasses import asdict, is_dataclass, replace
from datetime import datetime
from typing import Any

import click
from marshmallow import ValidationError

from engine.access import actor as access
from engine.access.actor import SYSTEM
from engine.calendar import SHANGHAI
from engine.cases import coverage_watch
from engine.clock import FixedClock
from engine.config import Config
from engine.directory import read as directory_read
from engine.oversight import accountability, notifications
from engine.oversight.scheduler import OffsetClock, SchedulerSettings, Ticker, build_scheduler
from web.cli.base import Ctx, _echo_json, handled, pass_ctx
from web.cli.instants import NOW_HELP, ZONE, local_time, parse_now, shanghai_time

log = logging.getLogger(__name__)


def _log_handler() -> logging.Handler:
    """Log lines stamped with Shanghai wall time, the zone named (whatever the host's zone)."""

    def shanghai(seconds: float | None) -> time.struct_time:
        return datetime.fromtimestamp(seconds or 0, SHANGHAI).timetuple()

    formatter = logging.Formatter(
        f"%(asctime)s {ZONE} %(process)d %(name)s %(levelname)s %(message)s"
    )
    formatter.converter = shanghai
    handler = logging.StreamHandler()
    handler.setFormatter(formatter)
    return handler


def scheduler_settings(config: Config, interval_seconds: float | None = None) -> SchedulerSettings:
    """The scheduler's settings from the one Config; a bad --interval is a named input error."""
    try:
        return SchedulerSettings.from_config(config, interval_seconds=interval_seconds)
    except ValueError as exc:
        raise ValidationError({"--interval": [str(exc)]}) from exc


def _names(rt: Any) -> dict[int, str]:
    """Every user's display name, through the one user reader as the system actor."""
    names: dict[int, str] = {}
    offset: int | None = 0
    while offset is not None:
        page = directory_read.list_users(rt.uow(), SYSTEM, per_page=500, offset=offset)
        names.update((u["id"], u["display_name"]) for u in page.rows)
        offset = page.next_offset
    return names


def ticker_for(rt: Any, settings: SchedulerSettings, clock: Any) -> Ticker:
    """The scheduler's Ticker with every watcher a tick runs (the coverage watch, INS-2): the
    one construction the in-process scheduler, `tongbu scheduler` and `tongbu sweep` share,
    so that a sweep from the command line is a scheduler's tick."""
    return Ticker(
        rt.engine,
        rt.definitions,
        settings,
        clock=clock,
        calendar=rt.calendar,
        watchers=coverage_watch.watchers(rt.engine, rt.calendar, rt.definitions, settings.smtp),
    )


def start_in_process_scheduler(runtime: Any) -> Any:
    """The embedded default (`make run` / `tongbu serve`): a BackgroundScheduler in the web
    process. Safe next to `tongbu scheduler` processes: the sweep is exactly-once anyway."""
    ticker = ticker_for(runtime, scheduler_settings(runtime.config), runtime.clock)
    scheduler = build_scheduler(ticker, blocking=False)
    scheduler.start()
    return scheduler


def _plain(out: Any) -> Any:
    """A watcher's report as JSON can carry it (a dataclass becomes its fields)."""
    return asdict(out) if is_dataclass(out) and not isinstance(out, type) else out


def register(main: click.Group) -> None:
    """Add this module's commands to the `tongbu` group."""

    @main.command("scheduler")
    @click.option(
        "--interval",
        type=click.FloatRange(min=0.1),
        default=None,
        help="seconds between sweeps (default TONGBU_SWEEP_INTERVAL, 60)",
    )
    @click.option(
        "--now", "now_text", default=None, help="drill: start the clock at this instant " + NOW_HELP
    )
    @click.option(
        "--log-level",
        type=click.Choice(["debug", "info", "warning"]),
        default="info",
        show_default=True,
        help="debug also logs every tick that found nothing to do",
    )
    @pass_ctx
    @handled
    def scheduler_cmd(
        ctx: Ctx, interval: float | None, now_text: str | None, log_level: str
    ) -> None:
        """Run the scheduler as its own process (any number of hosts may run one)."""
        logging.basicConfig(level=getattr(logging, log_level.upper()), handlers=[_log_handler()])
        logging.getLogger("apscheduler").setLevel(logging.WARNING)
        rt = ctx.runtime
        recovered = rt.recover_documents()  # what a crashed upload left staged
        if recovered.finished or recovered.removed:
            log.info("documents: %s", recovered)
        start = parse_now(now_text)
        settings = scheduler_settings(rt.config, interval)
        clock = OffsetClock(start) if start else rt.clock
        ticker = ticker_for(rt, settings, clock)
        scheduler = build_scheduler(ticker, blocking=True)

        def stop(signum: int, _frame: Any) -> None:
            log.info("signal %d: stopping the scheduler after running jobs finish", signum)
            scheduler.shutdown(wait=True)

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        click.echo(
            f"tongbu scheduler: sweep every {settings.interval_seconds:g}s, digest at "
            f"{settings.digest_hour if settings.digest_hour is not None else 'off'}h Shanghai, "
            f"e-mail {'via ' + str(settings.smtp.host) if settings.smtp.enabled else 'off'}"
            + (f", clock starting at {shanghai_time(start)}" if start else "")
        )
        sys.stdout.flush()
        scheduler.start()
        rt.engine.dispose()
        click.echo("tongbu scheduler stopped")

    @main.command("sweep")
    @click.option("--now", "now_text", default=None, help=NOW_HELP)
    @click.option("--dry-run", is_flag=True, help="print what would happen; write nothing")
    @click.option("--json", "as_json", is_flag=True)
    @click.option("--batch", type=click.IntRange(min=1), default=None, help="rows per claim")
    @pass_ctx
    @handled
    def sweep_cmd(
        ctx: Ctx, now_text: str | None, dry_run: bool, as_json: bool, batch: int | None
    ) -> None:
        """One scheduler tick, at --now (or now): remind, escalate, flag stalled cases, list
        late organizations (SUP-1) and run the watchers (INS-2) — what `tongbu scheduler`
        does each interval, once."""
        rt = ctx.runtime
        at = parse_now(now_text)
        settings = scheduler_settings(rt.config)
        if batch:
            settings = replace(settings, batch_size=batch)
        ticker = ticker_for(rt, settings, FixedClock(at) if at else rt.clock)
        tick = ticker.tick(dry_run=dry_run, collect=True, advance_watermark=at is None)
        result = tick.sweep
        watched = {name: _plain(out) for name, out in tick.watched.items()}
        if as_json:
            _echo_json(
                {
                    "now": result.now,
                    "dry_run": dry_run,
                    "reminders": result.reminders,
                    "escalations": result.escalations,
                    "stalled": result.stalled,
                    "notifications": result.notifications,
                    "abnormal_listed": tick.abnormal_listed,
                    "watchers": watched,
                    "errors": result.errors,
                }
            )
            return
        names = _names(rt)
        head = "dry run, nothing written / 预演，未写入" if dry_run else "done / 已执行"
        click.echo(
            f"sweep at {local_time(result.now)} Asia/Shanghai ({result.now.isoformat()}) — {head}"
        )
        for title, items in (
            ("reminders / 到期提醒", result.reminders),
            ("escalations / 逾期督办", result.escalations),
        ):
            click.echo(f"{title}: {len(items)}")
            for x in items:
                who = ", ".join(names.get(u, str(u)) for u in x["recipients"]) or "-"
                lvl = "reminder" if x["kind"] == "reminder" else f"level {x['level']}"
                click.echo(
                    f"  case {x['case_id']:>5}  {x['deadline']} [{x['rule']}] {lvl} → "
                    f"{x['to']}: {who}  (fell due {local_time(x['fell_due_at'])}; "
                    f"deadline {local_time(x['due_at'])})  {x['organization']}"
                )
        click.echo(f"stalled / 停滞: {len(result.stalled)}")
        for s in result.stalled:
            click.echo(
                f"  case {s['case_id']:>5}  no activity since {local_time(s['stalled_since'])} "
                f"(≥ {s['stalled_after_days']} days)  {s['organization']}"
            )
        verb = "would list" if dry_run else "listed"
        click.echo(f"abnormal list / 活动异常名录 (SUP-1): {verb} {tick.abnormal_listed}")
        if dry_run:
            click.echo("watchers / 巡查: not run in a dry run")
        for name, out in watched.items():
            said = ", ".join(f"{k} {v}" for k, v in out.items()) if isinstance(out, dict) else out
            click.echo(f"watcher {name}: {said}")
        for e in result.errors:
            click.echo(f"problem: {e}", err=True)
        click.echo(result.summary())

    @main.group("notifications")
    def notifications_group() -> None:
        """In-app notifications and the e-mail outbox."""

    @notifications_group.command("list")
    @click.option("--as", "username", required=True, envvar="TONGBU_USER")
    @click.option("--unread", is_flag=True)
    @click.option("--limit", type=click.IntRange(1, 1000), default=20)
    @click.option("--lang", type=click.Choice(["zh", "en"]), default="zh")
    @pass_ctx
    @handled
    def notifications_list(ctx: Ctx, username: str, unread: bool, limit: int, lang: str) -> None:
        """A user's notifications, newest first."""
        rt = ctx.runtime
        actor = access.actor_for(rt.uow(), username)
        assert actor.id is not None
        rows = notifications.list_for_user(rt.uow(), actor.id, unread_only=unread, limit=limit)
        n = notifications.unread_count(rt.uow(), actor.id)
        click.echo(f"{actor.display_name}: {n} unread / 未读  (times {ZONE})")
        for x in rows:
            mark = " " if x["read_at"] else "●"
            subject = x["subject_zh"] if lang == "zh" else x["subject_en"]
            click.echo(f" {mark} {x['id']:>6}  {local_time(x['created_at'])}  {subject}")

    @notifications_group.command("read")
    @click.argument("ids", nargs=-1, type=click.IntRange(min=1))
    @click.option("--as", "username", required=True, envvar="TONGBU_USER")
    @click.option("--all", "all_", is_flag=True, help="mark every unread notification read")
    @pass_ctx
    @handled
    def notifications_read(ctx: Ctx, ids: tuple[int, ...], username: str, all_: bool) -> None:
        """Mark notifications read (by id, or --all)."""
        if not ids and not all_:
            raise ValidationError({"ids": ["give notification ids or --all"]})
        rt = ctx.runtime
        actor = access.actor_for(rt.uow(), username)
        assert actor.id is not None
        n = notifications.mark_read(rt.uow(), actor.id, None if all_ else ids)
        click.echo(f"{n} marked read / 已读")

    @notifications_group.command("outbox")
    @click.option("--status", type=click.Choice(["pending", "sent", "failed"]), default=None)
    @click.option("--limit", type=click.IntRange(1, 1000), default=50)
    @pass_ctx
    @handled
    def notifications_outbox(ctx: Ctx, status: str | None, limit: int) -> None:
        """E-mail waiting, sent or given up, with the last error."""
        rows = notifications.outbox(ctx.runtime.uow(), status=status, limit=limit)
        if rows:
            click.echo(f"e-mail outbox / 邮件发送队列  (times {ZONE})")
        for x in rows:
            click.echo(
                f"{x['id']:>6} {x['status']:<8} tries {x['attempts']:<3} next "
                f"{local_time(x['next_attempt_at'])}  {x['to_addr']}  {x['subject'][:60]}"
                + (f"\n         last error: {x['last_error']}" if x["last_error"] else "")
            )

    @notifications_group.command("deliver")
    @click.option("--now", "now_text", default=None, help=NOW_HELP)
    @pass_ctx
    @handled
    def notifications_deliver(ctx: Ctx, now_text: str | None) -> None:
        """Send due e-mail now (what the scheduler's mail job does each tick)."""
        rt = ctx.runtime
        settings = scheduler_settings(rt.config)
        if not settings.smtp.enabled:
            raise ValidationError({"TONGBU_SMTP_HOST": ["e-mail is off: set TONGBU_SMTP_HOST"]})
        at = parse_now(now_text)
        ticker = Ticker(
            rt.engine,
            rt.definitions,
            settings,
            clock=FixedClock(at) if at else rt.clock,
            calendar=rt.calendar,
        )
        out = ticker.deliver()
        for e in out.errors:
            click.echo(f"  {e}", err=True)
        click.echo(f"sent {out.sent}, retry later {out.retried}, gave up {out.failed}")

    @notifications_group.command("retry")
    @pass_ctx
    @handled
    def notifications_retry(ctx: Ctx) -> None:
        """Put e-mail that was given up on back in the queue."""
        click.echo(f"{notifications.retry_failed(ctx.runtime.uow())} e-mail(s) queued again")

    @notifications_group.command("digest")
    @click.option("--now", "now_text", default=None, help=NOW_HELP)
    @pass_ctx
    @handled
    def notifications_digest(ctx: Ctx, now_text: str | None) -> None:
        """Write today's ACC-1 digest for each supervisor now (once per user and day)."""
        rt = ctx.runtime
        at = parse_now(now_text)
        settings = scheduler_settings(rt.config)
        n = accountability.daily_digest(
            rt.uow(), rt.definitions, now=at or rt.clock.now(), smtp=settings.smtp
        )
        click.echo(f"{n} digest notification(s) written")
