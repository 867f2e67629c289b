"""Provisional deadlines recomputed once the holiday calendar covers their days (issue 13).

A deadline whose period ran over a day the holiday provider did not know yet was judged on
weekends alone and stored `provisional` (engine/calendar.py). When a newer `chinesecalendar`
release (or provider) knows that year, `refresh` recomputes every OPEN provisional deadline
from its anchor date and its definition's period, exactly as it was opened:

* the due date moved: the row gets its new due date, due instant, reminder instant and the
  instant the sweep next has work on it (`ladder.plan_deadline`, the escalation level already
  reached kept); an audit event `recalendared` is written on the case, and the case's assignee
  (or, as `recipients.Directory` decides, the unit's supervisors) is notified through the
  outbox (`notifications.notify`), citing the deadline's rule;
* only the flag cleared (same due date, now confirmed by the official calendar): the row
  loses its flag and a `recalendared` event records the confirmation; nobody is notified,
  because nothing anyone has to do changed;
* nothing changed (the calendar still does not know the days): nothing is written.

One transaction per case; idempotent (a second run finds the rows firm, or unchanged). On
PostgreSQL the case row is locked `FOR NO KEY UPDATE` (a step on the case, which locks it
`FOR UPDATE`, waits; the sweep's audit events, which only need the key, do not) and then its
deadline rows `FOR UPDATE`; on SQLite the write transaction is `BEGIN IMMEDIATE`. Each row's
UPDATE is also conditional on the values it was recomputed from, so two refreshes running at
once write each change, its event and its notifications once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time
from types import SimpleNamespace
from typing import Any

from sqlalchemy import Connection, literal_column, select, update

from engine.access.actor import SYSTEM
from engine.calendar import SHANGHAI, LegalCalendar, local_date
from engine.config import SmtpSettings
from engine.definitions.model import DeadlineDef, Definitions
from engine.errors import NotFound
from engine.oversight.ladder import plan_deadline
from engine.oversight.notifications import Message, notify
from engine.oversight.recipients import SYSTEM_ACTOR, Directory, owner_now
from engine.store.bulk import insert_returning_ids
from engine.store.tables import Case, Deadline, Event, Organization, User
from engine.store.unit_of_work import UnitOfWork

deadlines_t = Deadline.__table__
cases_t = Case.__table__
events_t = Event.__table__
orgs_t = Organization.__table__
users_t = User.__table__

EVENT_KIND = "recalendared"
"""`events.kind` and `notifications.kind` of a deadline the calendar refresh recomputed."""

OPEN_PROVISIONAL = (
    deadlines_t.c.status == literal_column("'open'")
) & deadlines_t.c.provisional.is_(True)


@dataclass(frozen=True)
class Schedule:
    """When a deadline runs out and when its reminder falls, by the calendar as it is now."""

    due_date: date
    due_at: datetime
    remind_at: datetime | None
    provisional: bool


def schedule(spec: DeadlineDef, anchor: date, calendar: LegalCalendar) -> Schedule:
    """The due date, due instant and reminder instant of `spec` counted from `anchor`: the
    legal period's end (rest days moved to the next working day) and the reminder window
    before it, as `engine.cases.deadlines.deadline_rows` computes them when a step opens it."""
    end = calendar.period_end(anchor, spec.period)
    remind_at = None
    if spec.remind_before is not None:
        day = calendar.subtract(end.last_day, spec.remind_before)
        remind_at = datetime.combine(day, time.min, SHANGHAI)
    return Schedule(end.last_day, end.ends_at, remind_at, end.provisional)


def next_action_at(row: Any, spec: DeadlineDef, moved: Schedule, now: datetime) -> datetime | None:
    """When the sweep next has work on a row whose due date moved: the ladder's plan at `now`
    with the row's reminder and escalation level kept. A step that is already due under the
    new date (the date moved earlier) is due now, so the next sweep takes it."""
    plan = plan_deadline(
        SimpleNamespace(**{**row._asdict(), "due_at": moved.due_at, "remind_at": moved.remind_at}),
        spec,
        now,
    )
    if plan.actions:
        return plan.actions[0].fell_due_at
    return plan.next_action_at


@dataclass
class RecalendarResult:
    """What one refresh did (or, dry run, would do), with an item per deadline for printing."""

    now: datetime
    dry_run: bool = False
    moved: list[dict[str, Any]] = field(default_factory=list)
    confirmed: list[dict[str, Any]] = field(default_factory=list)
    still_provisional: int = 0
    checked: int = 0
    conflicts: int = 0
    notifications: int = 0
    errors: list[str] = field(default_factory=list)

    def summary(self) -> str:
        if self.dry_run:
            return (
                f"would move {len(self.moved)}, confirm {len(self.confirmed)} "
                f"(open provisional deadlines checked {self.checked}, "
                f"still provisional {self.still_provisional})"
            )
        return (
            f"moved {len(self.moved)}, confirmed {len(self.confirmed)} "
            f"(open provisional deadlines checked {self.checked}, still provisional "
            f"{self.still_provisional}, notifications {self.notifications})"
        )


_COLUMNS = (
    deadlines_t.c.id,
    deadlines_t.c.case_id,
    deadlines_t.c.key,
    deadlines_t.c.rule,
    deadlines_t.c.anchor_date,
    deadlines_t.c.due_date,
    deadlines_t.c.due_at,
    deadlines_t.c.remind_at,
    deadlines_t.c.reminded_at,
    deadlines_t.c.escalation_level,
    deadlines_t.c.provisional,
    cases_t.c.procedure,
    cases_t.c.definition_version,
    cases_t.c.version.label("case_version"),
    cases_t.c.unit_id,
    cases_t.c.assignee_id,
    cases_t.c.delegate_id,
    cases_t.c.delegated_until,
    orgs_t.c.name.label("org_name"),
)


def _provisional(conn: Connection, case_id: int | None = None) -> list[Any]:
    """Open provisional deadlines with what the messages need of their case, by case and id."""
    q = (
        select(*_COLUMNS)
        .join(cases_t, cases_t.c.id == deadlines_t.c.case_id)
        .join(orgs_t, orgs_t.c.id == cases_t.c.organization_id)
        .where(OPEN_PROVISIONAL)
        .order_by(deadlines_t.c.case_id, deadlines_t.c.id)
    )
    if case_id is not None:
        q = q.where(deadlines_t.c.case_id == case_id)
    return list(conn.execute(q).all())


def _lock_case(conn: Connection, case_id: int) -> None:
    """PostgreSQL: the case row `FOR NO KEY UPDATE` (see the module docstring), then its open
    provisional deadlines `FOR UPDATE`; what is read next is what the last writer committed."""
    if conn.dialect.name != "postgresql":
        return
    conn.execute(
        select(cases_t.c.id).where(cases_t.c.id == case_id).with_for_update(key_share=True)
    ).all()
    conn.execute(
        select(deadlines_t.c.id)
        .where(OPEN_PROVISIONAL, deadlines_t.c.case_id == case_id)
        .order_by(deadlines_t.c.id)
        .with_for_update()
    ).all()


def _spec(defs: Definitions, row: Any) -> DeadlineDef:
    spec = defs.get(row.procedure, row.definition_version).deadline(row.key)
    if spec is None:
        raise NotFound(
            "deadline definition", f"{row.procedure} v{row.definition_version} {row.key}"
        )
    return spec


def _item(row: Any, new: Schedule) -> dict[str, Any]:
    return {
        "deadline_id": row.id,
        "case_id": row.case_id,
        "organization": row.org_name,
        "deadline": row.key,
        "rule": row.rule,
        "old_due_date": row.due_date,
        "new_due_date": new.due_date,
        "provisional": new.provisional,
    }


def _message(row: Any, spec: DeadlineDef, new: Schedule) -> Message:
    """What the assignee is told of a due date the official calendar moved (zh and en)."""
    old, due = row.due_date.isoformat(), new.due_date.isoformat()
    label = spec.label
    still_zh = "（该日期仍为暂定，待节假日安排公布后再次核定）" if new.provisional else ""
    still_en = (
        " The new date is still provisional until the official calendar covers it."
        if new.provisional
        else ""
    )
    return Message(
        kind=EVENT_KIND,
        level=None,
        case_id=row.case_id,
        subject_zh=f"期限调整：案件 #{row.case_id}“{label.zh}”到期日由 {old} 改为 {due}",
        subject_en=f"Deadline moved: case #{row.case_id} '{label.en}' is now due on {due} "
        f"(was {old})",
        body_zh=f"{row.org_name}：按国务院公布的节假日安排重新计算，“{label.zh}”期限"
        f"（{row.rule}）的到期日由 {old} 改为 {due}，请按新的到期日办理。{still_zh}",
        body_en=f"{row.org_name}: recomputed with the State Council's official holiday "
        f"calendar, '{label.en}' ({row.rule}) now runs out on {due} instead of {old}; please "
        f"act by the new date.{still_en}",
    )


def _confirmation(row: Any, spec: DeadlineDef) -> str:
    """The comment of the event that records a provisional due date the calendar confirmed."""
    due = row.due_date.isoformat()
    return (
        f"期限确认：“{spec.label.zh}”到期日 {due} 经节假日安排核定 / "
        f"Deadline confirmed: '{spec.label.en}' due on {due} by the official holiday calendar"
    )


def _event(row: Any, new: Schedule, now: datetime, comment: str) -> dict[str, Any]:
    return {
        "case_id": row.case_id,
        "kind": EVENT_KIND,
        "trigger": None,
        "from_state": None,
        "to_state": None,
        "case_version": row.case_version,
        "actor_id": SYSTEM.id,
        "actor_name": SYSTEM_ACTOR,
        "at": now,
        "comment": comment,
        "payload": {
            "deadline_id": row.id,
            "deadline": row.key,
            "rule": row.rule,
            "old_due_date": row.due_date.isoformat(),
            "new_due_date": new.due_date.isoformat(),
            "old_due_at": row.due_at.isoformat(),
            "new_due_at": new.due_at.isoformat(),
            "provisional": new.provisional,
        },
        "rules": [row.rule],
    }


def _update(conn: Connection, row: Any, values: dict[str, Any]) -> bool:
    """Write the recomputed values only if the row is still what they were computed from."""
    return (
        conn.execute(
            update(deadlines_t)
            .where(
                deadlines_t.c.id == row.id,
                OPEN_PROVISIONAL,
                deadlines_t.c.due_date == row.due_date,
                deadlines_t.c.escalation_level == row.escalation_level,
            )
            .values(**values)
        ).rowcount
        == 1
    )


def _active(conn: Connection, user_id: int | None) -> set[int]:
    """{user_id} if that user exists and is active (`Directory.recipients` falls back otherwise)."""
    if user_id is None:
        return set()
    found = conn.execute(
        select(users_t.c.id).where(users_t.c.id == user_id, users_t.c.active.is_(True))
    ).scalar_one_or_none()
    return {found} if found is not None else set()


def _judge(
    rows: Sequence[Any],
    defs: Definitions,
    calendar: LegalCalendar,
    result: RecalendarResult,
) -> list[tuple[Any, DeadlineDef, Schedule]]:
    """Recompute each row; those whose due date or flag changed, with their spec."""
    changed = []
    for row in rows:
        result.checked += 1
        try:
            spec = _spec(defs, row)
        except NotFound as exc:
            result.errors.append(f"deadline {row.id} (case {row.case_id}, {row.key}): {exc}")
            continue
        new = schedule(spec, row.anchor_date, calendar)
        if new.due_date == row.due_date and new.provisional:
            result.still_provisional += 1
            continue
        changed.append((row, spec, new))
    return changed


def _apply_case(
    conn: Connection,
    rows: Sequence[Any],
    defs: Definitions,
    calendar: LegalCalendar,
    directory: Directory,
    now: datetime,
    smtp: SmtpSettings | None,
    result: RecalendarResult,
) -> None:
    """Recompute, update, audit and notify one case's rows, inside the caller's transaction."""
    written: list[tuple[Any, Schedule, Message | None, str]] = []
    for row, spec, new in _judge(rows, defs, calendar, result):
        values: dict[str, Any] = {"provisional": new.provisional}
        msg = None
        if new.due_date != row.due_date:
            values |= {
                "due_date": new.due_date,
                "due_at": new.due_at,
                "remind_at": new.remind_at,
                "next_action_at": next_action_at(row, spec, new, now),
            }
            msg = _message(row, spec, new)
        if not _update(conn, row, values):
            result.conflicts += 1
            continue
        written.append((row, new, msg, msg.comment if msg else _confirmation(row, spec)))
    event_ids = insert_returning_ids(
        conn, events_t, [_event(row, new, now, comment) for row, new, _, comment in written]
    )
    deliveries = []
    for (row, new, msg, _), eid in zip(written, event_ids, strict=True):
        item = _item(row, new)
        if msg is None:
            result.confirmed.append(item)
            continue
        active = _active(conn, row.assignee_id) | _active(conn, row.delegate_id)
        owner = owner_now(
            row.assignee_id, row.delegate_id, row.delegated_until, local_date(now), active
        )
        who = directory.recipients("assignee", row.unit_id, owner, active)
        result.moved.append({**item, "recipients": who})
        deliveries += [(f"event:{eid}:{uid}", uid, replace(msg, event_id=eid)) for uid in who]
    result.notifications += notify(conn, deliveries, now, smtp)


def refresh(
    uow: UnitOfWork,
    defs: Definitions,
    *,
    now: datetime,
    smtp: SmtpSettings | None = None,
    dry_run: bool = False,
) -> RecalendarResult:
    """Recompute every open provisional deadline with the unit of work's calendar, at `now`.

    `now` is the caller's one instant (`tongbu calendar refresh`, the scheduler's first tick):
    the events and notifications carry it and the next sweep is planned from it. One
    transaction per case; a case whose deadline's definition is missing is reported in
    `errors` and left as it is. A dry run reads in one transaction and writes nothing.
    """
    result = RecalendarResult(now=now, dry_run=dry_run)
    calendar = uow.calendar
    with uow.reader() as r:
        rows = _provisional(r.conn)
        directory = Directory.load(r.conn)
        if dry_run:
            for row, _, new in _judge(rows, defs, calendar, result):
                moved = new.due_date != row.due_date
                (result.moved if moved else result.confirmed).append(_item(row, new))
            return result
    for case_id in sorted({row.case_id for row in rows}):
        with uow:
            _lock_case(uow.conn, case_id)
            rows_now = _provisional(uow.conn, case_id)
            _apply_case(uow.conn, rows_now, defs, calendar, directory, now, smtp, result)
            uow.commit()
    return result
