"""APScheduler as a tick, nothing more (issue 5).

The scheduler never holds one job per deadline: deadlines are rows in our own indexed table,
and the tick runs `sweep.sweep` over whatever is due, at the one instant it read. Three jobs:

* ``sweep`` every `interval_seconds` (first run at start-up: that is the catch-up after
  downtime — what fell due meanwhile is escalated once, not once per missed tick; the first
  sweep of a process also recomputes provisional deadlines the holiday calendar now covers);
* ``mail`` every `interval_seconds` when SMTP is configured: the e-mail outbox, in its own job
  so that a slow or dead SMTP server never delays a sweep;
* ``digest`` daily at `digest_hour` (Asia/Shanghai), and once at start-up if that hour has
  passed today: the ACC-1 summary for each supervisor, at most once per user and day.

Each sweep also runs the watchers a composition root hands the `Ticker` (the coverage watch of
engine/cases/coverage_watch.py: instructors' terms and reports, conditions matured, INS-2), at
the sweep's instant, with `daily` true on a process's first tick of each Shanghai day.

Any number of these schedulers may run against one database (the web process's in-process
one and `tongbu scheduler` on other hosts): exactly-once is guaranteed by the sweep's claim
and ledger, not by there being a single scheduler. See docs/operations.md.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy import Engine

from engine.calendar import SHANGHAI, LegalCalendar, local_date
from engine.clock import Clock, SystemClock
from engine.config import Config, SmtpSettings
from engine.definitions.model import Definitions
from engine.oversight import abnormal, accountability, notifications, recalendar
from engine.oversight import sweep as escalation
from engine.store.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)

Watcher = Callable[[datetime, bool], Any]
"""Work a composition root adds to each tick, called as `(now, daily)` (e.g. the coverage
watch of engine/cases/coverage_watch.py, which opens cases: a layer this one may not import)."""

#: E-mails claimed per batch by the mail job.
MAIL_BATCH = 50


@dataclass(frozen=True)
class SchedulerSettings:
    """How often to sweep, when to send the digest, how big a claim is, where mail goes.

    Taken from the one `Config` (TONGBU_SWEEP_INTERVAL, TONGBU_DIGEST_HOUR, TONGBU_SWEEP_BATCH,
    TONGBU_SMTP_*; docs/operations.md).
    """

    interval_seconds: float = 60.0
    digest_hour: int | None = 8
    batch_size: int = escalation.DEFAULT_BATCH
    smtp: SmtpSettings = field(default_factory=SmtpSettings)

    @classmethod
    def from_config(
        cls, config: Config, *, interval_seconds: float | None = None
    ) -> SchedulerSettings:
        """The scheduler's part of the one Config; `interval_seconds` overrides (CLI flag)."""
        interval = config.sweep_interval_seconds if interval_seconds is None else interval_seconds
        if interval <= 0:
            raise ValueError("the sweep interval must be positive")
        return cls(interval, config.digest_hour, config.sweep_batch, config.smtp)


class OffsetClock:
    """Real time, shifted so that it read `start` when created: for drills and demos
    (`tongbu scheduler --now 2026-05-01`), time still moves."""

    def __init__(self, start: datetime, base: Clock | None = None) -> None:
        self.base = base or SystemClock()
        self.offset = start - self.base.now()

    def now(self) -> datetime:
        return self.base.now() + self.offset


@dataclass(frozen=True)
class Tick:
    """What one tick did (or, dry run, would do): the deadline and stall sweep, how many
    organizations it put on the abnormal-activities list (SUP-1), and each watcher's report
    by name (none in a dry run)."""

    sweep: escalation.SweepResult
    abnormal_listed: int
    watched: dict[str, Any]


class Ticker:
    """The work behind each job; each method is safe to call from any process at any time.

    One instant per unit of work: each tick reads the clock once and hands that `now` down;
    nothing below a tick reads a clock, so one tick never judges at two instants. A sweep
    (deadlines, then stalls) and a digest are one unit each; the mail job's unit is one
    claimed batch, because SMTP talk takes real time and each claim's lease must start when
    that claim is made. `runs` counts the ticks that did their work, per job (a health check,
    and the proof a test needs that a quiet window had ticks in it).
    """

    def __init__(
        self,
        engine: Engine,
        definitions: Definitions,
        settings: SchedulerSettings,
        *,
        clock: Clock | None = None,
        calendar: LegalCalendar | None = None,
        watchers: Sequence[Watcher] = (),
    ) -> None:
        self.engine = engine
        self.definitions = definitions
        self.settings = settings
        self.clock = clock or SystemClock()
        self.calendar = calendar or LegalCalendar()
        self.runs: Counter[str] = Counter()
        self._full_scan_day: date | None = None
        self._recalendared = False
        self.watchers = tuple(watchers)
        self._watch_day: date | None = None

    def uow(self) -> UnitOfWork:
        return UnitOfWork(self.engine, self.clock, self.calendar)

    def sweep(self) -> escalation.SweepResult:
        """One tick at the clock's now (the scheduler's job); see `tick`."""
        return self.tick().sweep

    def tick(
        self,
        now: datetime | None = None,
        *,
        dry_run: bool = False,
        collect: bool = False,
        advance_watermark: bool = True,
    ) -> Tick:
        """Everything one tick does, at one instant (`now`, default the clock's): what is due
        is handled once, whoever else sweeps. The scheduler's job and `tongbu sweep` both run
        this, so a one-off sweep from the command line does what a scheduler's tick does.

        The first sweep of a process and the first of each (Shanghai) day also scan every
        stalled case, so that back-dated or imported cases are flagged too (see
        `stalls.sweep_stalled`). The first of a process also recomputes provisional deadlines
        before it sweeps (`refresh_calendar`), at the same instant. Then SUP-1's abnormal list
        and the watchers. `dry_run` writes nothing: the sweep and the abnormal list are
        previewed, the calendar refresh and the watchers (which open cases) are not run.
        """
        now = now or self.clock.now()
        if not self._recalendared and not dry_run:
            self.refresh_calendar(now)
        today = local_date(now)
        full = self._full_scan_day != today
        result = escalation.sweep(
            self.uow(),
            self.definitions,
            now=now,
            smtp=self.settings.smtp,
            batch_size=self.settings.batch_size,
            dry_run=dry_run,
            advance_watermark=advance_watermark,
            full_stall_scan=full,
            collect=collect,
        )
        if not dry_run:
            self._full_scan_day = today
        # SUP-1: organizations whose annual report or rectification ran late go on the
        # abnormal-activities list at the same instant (engine/oversight/abnormal.py).
        listed = self._list_abnormal(now, dry_run)
        if listed:
            log.info("abnormal list at %s: %d organization(s) listed", now.isoformat(), listed)
        watched = {} if dry_run else self.watch(now, today)
        self.runs["sweep"] += 1
        if result.fired or result.stalled or result.errors:
            log.info("sweep at %s: %s", now.isoformat(), result.summary())
        else:
            log.debug("sweep at %s: nothing due", now.isoformat())
        for e in result.errors:
            log.warning("sweep: %s", e)
        return Tick(result, listed, watched)

    def _list_abnormal(self, now: datetime, dry_run: bool) -> int:
        """SUP-1's listing; a dry run writes it in a transaction it rolls back (the count is
        what the tick would list)."""
        if not dry_run:
            return abnormal.run_sweep(self.uow(), now)
        with self.uow() as u:
            return abnormal.sweep(u.conn, now)  # not committed: rolled back on exit

    def watch(self, now: datetime, today: date) -> dict[str, Any]:
        """The watchers at the sweep's instant; `daily` is true on a process's first tick of
        each Shanghai day until every watcher has run it without failing (a failure is
        logged and retried at the next tick, never stops the sweep). Returns what each
        watcher reported, by its name."""
        daily = self._watch_day != today
        failed = False
        done: dict[str, Any] = {}
        for watcher in self.watchers:
            name = getattr(watcher, "__name__", "watcher")
            try:
                out = watcher(now, daily)
            except Exception:
                log.exception("watcher %s failed; it runs again at the next tick", watcher)
                failed = True
                continue
            done[name] = out
            if out:
                log.info("%s at %s: %s", name, now, out)
        if daily and not failed:
            self._watch_day = today
        return done

    def refresh_calendar(self, now: datetime) -> recalendar.RecalendarResult | None:
        """Recompute the open provisional deadlines the calendar now covers, once per process:
        a new `chinesecalendar` release arrives with a deploy, so start-up is when it may know
        a new year (`recalendar.refresh`). A failure is logged and never stops the sweep; it
        is tried again at the next tick until one run completes.
        """
        try:
            result = recalendar.refresh(
                self.uow(), self.definitions, now=now, smtp=self.settings.smtp
            )
        except Exception:
            log.exception("calendar refresh failed; it is tried again at the next tick")
            return None
        self._recalendared = True
        self.runs["recalendar"] += 1
        if result.moved or result.confirmed or result.errors:
            log.info("calendar refresh at %s: %s", now.isoformat(), result.summary())
        for e in result.errors:
            log.warning("calendar refresh: %s", e)
        return result

    def deliver(self, *, batch: int = MAIL_BATCH) -> notifications.DeliveryResult:
        """Send due e-mail from the outbox, a batch at a time, each at its own instant;
        failures wait for their backoff."""
        result = notifications.DeliveryResult()
        while True:
            now = self.clock.now()
            done = notifications.deliver_batch(self.engine, now, self.settings.smtp, batch=batch)
            result.merge(done)
            if not done.more_waiting(batch):
                break
        self.runs["mail"] += 1
        if result.sent or result.retried or result.failed:
            log.info(
                "mail: sent %d, retry later %d, gave up %d",
                result.sent,
                result.retried,
                result.failed,
            )
        for e in result.errors:
            log.warning("mail: %s", e)
        return result

    def digest(self, *, force: bool = False) -> int:
        """Today's ACC-1 digest, unless the digest hour has not come yet (or `force`)."""
        hour = self.settings.digest_hour
        now = self.clock.now()
        if not force and (hour is None or now.astimezone(SHANGHAI).hour < hour):
            return 0
        n = accountability.daily_digest(
            self.uow(), self.definitions, now=now, smtp=self.settings.smtp
        )
        self.runs["digest"] += 1
        if n:
            log.info("digest for %s: %d notification(s)", local_date(now), n)
        return n


def _guarded(fn: Any, name: str) -> Any:
    """A failing job logs and waits for its next tick; it never kills the scheduler."""

    def run() -> None:
        try:
            fn()
        except Exception:
            log.exception("scheduler job %s failed; it runs again at the next tick", name)

    run.__name__ = f"tongbu_{name}"
    return run


def build_scheduler(ticker: Ticker, *, blocking: bool = False) -> BaseScheduler:
    """A Background (in the web process) or Blocking (`tongbu scheduler`) APScheduler.

    Jobs coalesce and never overlap themselves: a tick that finds the previous one still
    running is skipped, which is harmless because the next sweep picks up everything due.
    """
    cls = BlockingScheduler if blocking else BackgroundScheduler
    scheduler = cls(
        timezone=SHANGHAI,
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None},
    )
    interval = ticker.settings.interval_seconds
    # APScheduler fires on the wall clock; the jobs themselves read the ticker's clock.
    now = SystemClock().now().astimezone(SHANGHAI)
    scheduler.add_job(
        _guarded(ticker.sweep, "sweep"),
        IntervalTrigger(seconds=interval, timezone=SHANGHAI),
        id="sweep",
        name="tongbu sweep",
        next_run_time=now,
    )
    if ticker.settings.smtp.enabled:
        scheduler.add_job(
            _guarded(ticker.deliver, "mail"),
            IntervalTrigger(seconds=interval, timezone=SHANGHAI),
            id="mail",
            name="tongbu mail",
            next_run_time=now + timedelta(seconds=min(interval / 2, 5)),
        )
    if ticker.settings.digest_hour is not None:
        scheduler.add_job(
            _guarded(lambda: ticker.digest(force=True), "digest"),
            CronTrigger(hour=ticker.settings.digest_hour, timezone=SHANGHAI),
            id="digest",
            name="tongbu digest",
        )
        scheduler.add_job(
            _guarded(ticker.digest, "digest-catch-up"),
            "date",
            run_date=now + timedelta(seconds=1),
            id="digest-catch-up",
            name="tongbu digest (catch-up at start)",
        )
    return scheduler
