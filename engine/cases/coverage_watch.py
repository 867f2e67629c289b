"""What the scheduler's tick watches in coverage (INS-2, COV-1), at the tick's one instant.

A `Ticker` watcher (engine/oversight/scheduler.py): the composition roots that start a
scheduler hand it `watchers(...)`, since the oversight layer may not open cases itself.

* **Conditions matured** ("条件成熟时及时建立"): every `automatic` campaign kind a procedure
  package registered opens a case for the instructor-covered organizations that now meet its
  condition (`maturity.open_matured`: once per assignment, its ledger decides).
* **Terms** (once per Shanghai day and process): an instructor whose term ends within
  `instructor_term_remind` is marked reminded, one whose term has ended is ended and the
  organizations left bare are uncovered (`instructors.end_terms_in`); the caseworkers of each
  organization's unit are told, in the same transaction, that it becomes (or became)
  uncovered unless someone replaces the instructor.
* **Reports** (the same daily pass): an active instructor's report due within
  `instructor_report_remind`, or overdue, and not filed: a reminder to the caseworkers of the
  register's unit, once before the day and once after it.

Exactly once on any number of processes: terms are claimed by an UPDATE … RETURNING on the
instructors' own rows, the matured cases by their ledger, and every notification has a
dedupe key (a second writer's insert finds it and adds nothing).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, Engine, select

from engine.access.actor import SYSTEM
from engine.calendar import LegalCalendar, local_date
from engine.cases import campaigns, maturity
from engine.clock import FixedClock
from engine.config import SmtpSettings
from engine.definitions.model import Definitions
from engine.directory.instructors import end_terms_in
from engine.oversight.notifications import Message, notify
from engine.oversight.recipients import Directory
from engine.store.tables import Organization
from engine.store.tables_coverage import InstructorAssignment, InstructorRecord, InstructorReport
from engine.store.unit_of_work import UnitOfWork

orgs_t = Organization.__table__
assign_t = InstructorAssignment.__table__
instructors_t = InstructorRecord.__table__
reports_t = InstructorReport.__table__

RULE = "INS-2"


@dataclass
class WatchResult:
    """What one pass did."""

    matured_opened: int = 0
    matured_running: int = 0
    terms_reminded: int = 0
    terms_ended: int = 0
    uncovered: list[int] = field(default_factory=list)
    report_notices: int = 0
    notifications: int = 0

    def __bool__(self) -> bool:
        return any(
            (
                self.matured_opened,
                self.matured_running,
                self.terms_reminded,
                self.terms_ended,
                self.report_notices,
            )
        )


def watch(
    engine: Engine,
    calendar: LegalCalendar,
    defs: Definitions,
    now: datetime,
    smtp: SmtpSettings | None = None,
    *,
    daily: bool = True,
) -> WatchResult:
    """One pass at `now`: matured conditions every time, terms and reports when `daily`."""

    def uow() -> UnitOfWork:
        return UnitOfWork(engine, FixedClock(now), calendar)

    result = WatchResult()
    for kind in campaigns.campaign_kinds(defs).values():
        if kind.automatic:
            done = maturity.open_matured(uow(), defs, kind, actor=SYSTEM)
            result.matured_opened += done["opened"]
            result.matured_running += done["running"]
    if daily:
        params = defs.parameters
        with uow() as u:
            _terms(u.conn, local_date(now), params, now, smtp, result)
            _reports(u.conn, local_date(now), params, now, smtp, result)
            u.commit()
    return result


def watchers(
    engine: Engine, calendar: LegalCalendar, defs: Definitions, smtp: SmtpSettings | None
) -> list[Callable[[datetime, bool], WatchResult]]:
    """The coverage watch as the scheduler's tick calls it: `(now, daily)`."""

    def run(now: datetime, daily: bool) -> WatchResult:
        return watch(engine, calendar, defs, now, smtp, daily=daily)

    run.__name__ = "coverage_watch"
    return [run]


def _served(conn: Connection, instructor_ids: Iterable[int], until: date | None) -> list[Any]:
    """(instructor, organization, its unit) the instructors serve (`until` None) or stopped
    serving on `until`."""
    ids = list(instructor_ids)
    if not ids:
        return []
    gone = assign_t.c.until.is_(None) if until is None else assign_t.c.until == until
    return conn.execute(
        select(
            assign_t.c.instructor_id,
            instructors_t.c.name.label("instructor"),
            instructors_t.c.term_ends_on,
            orgs_t.c.id.label("organization_id"),
            orgs_t.c.name.label("organization"),
            orgs_t.c.unit_id,
        )
        .join(instructors_t, instructors_t.c.id == assign_t.c.instructor_id)
        .join(orgs_t, orgs_t.c.id == assign_t.c.organization_id)
        .where(assign_t.c.instructor_id.in_(ids), gone)
        .order_by(assign_t.c.id)
    ).all()


def _terms(
    conn: Connection,
    today: date,
    params: Mapping[str, Any],
    now: datetime,
    smtp: SmtpSettings | None,
    result: WatchResult,
) -> None:
    done = end_terms_in(conn, today, str(params.get("instructor_term_remind", "P30D")))
    result.terms_reminded = len(done["reminded"])
    result.terms_ended = len(done["ended"])
    result.uncovered = done["uncovered"]
    if not (done["reminded"] or done["ended"]):
        return
    directory = Directory.load(conn)
    out: list[tuple[str, int, Message]] = []
    for s in _served(conn, [r["id"] for r in done["reminded"]], None):
        m = Message(
            "reminder",
            f"INS-2：指导员{s.instructor}任期将于{s.term_ends_on}届满（{s.organization}）",
            f"INS-2: instructor {s.instructor}'s term ends on {s.term_ends_on} ({s.organization})",
            f"{s.organization}的党建工作指导员{s.instructor}任期将于{s.term_ends_on}届满。"
            "届满时未选派接替人员或组建党组织的，该组织将恢复为未覆盖。",
            f"The term of {s.instructor}, Party-building instructor of {s.organization}, ends "
            f"on {s.term_ends_on}. Unless someone replaces them or a Party organization is "
            "formed, the organization will be uncovered again.",
        )
        key = f"ins2:term:{s.instructor_id}:{s.organization_id}"
        out += _to_caseworkers(directory, s.unit_id, key, m)
    bare = set(done["uncovered"])
    for s in _served(conn, done["ended"], today):
        if s.organization_id not in bare:
            continue
        m = Message(
            "reminder",
            f"INS-2：指导员{s.instructor}任期已满，{s.organization}恢复为未覆盖",
            f"INS-2: instructor {s.instructor}'s term has ended; {s.organization} is "
            "uncovered again",
            f"{s.organization}的党建工作指导员{s.instructor}任期已于{s.term_ends_on}届满，"
            "该组织已恢复为未覆盖。请选派接替的指导员，或具备条件的组建党组织。",
            f"The term of {s.instructor}, Party-building instructor of {s.organization}, ended "
            f"on {s.term_ends_on}; the organization is uncovered again. Appoint a successor "
            "or, where the conditions are met, form a Party organization.",
        )
        key = f"ins2:ended:{s.instructor_id}:{s.organization_id}"
        out += _to_caseworkers(directory, s.unit_id, key, m)
    result.notifications += notify(conn, out, now, smtp)


def _reports(
    conn: Connection,
    today: date,
    params: Mapping[str, Any],
    now: datetime,
    smtp: SmtpSettings | None,
    result: WatchResult,
) -> None:
    horizon = LegalCalendar.add(today, str(params.get("instructor_report_remind", "P7D")))
    due = conn.execute(
        select(
            reports_t.c.id,
            reports_t.c.due_on,
            reports_t.c.period_starts_on,
            instructors_t.c.name,
            instructors_t.c.unit_id,
        )
        .join(instructors_t, instructors_t.c.id == reports_t.c.instructor_id)
        .where(
            reports_t.c.filed_on.is_(None),
            reports_t.c.due_on <= horizon,
            instructors_t.c.status == "active",
        )
        .order_by(reports_t.c.due_on, reports_t.c.id)
    ).all()
    if not due:
        return
    directory = Directory.load(conn)
    out: list[tuple[str, int, Message]] = []
    for r in due:
        late = r.due_on < today
        m = Message(
            "reminder",
            f"INS-2：指导员{r.name}的工作报告{'已逾期' if late else '即将到期'}（{r.due_on}）",
            f"INS-2: {r.name}'s work report is {'overdue' if late else 'due'} ({r.due_on})",
            f"党建工作指导员{r.name}自{r.period_starts_on}起一期的工作报告应于{r.due_on}前报送"
            f"{'，现已逾期' if late else ''}。",
            f"The work report of instructor {r.name} for the period from "
            f"{r.period_starts_on} is due on {r.due_on}{' and is overdue' if late else ''}.",
        )
        key = f"ins2:report:{r.id}:{'late' if late else 'due'}"
        out += _to_caseworkers(directory, r.unit_id, key, m)
    result.report_notices = notify(conn, out, now, smtp)
    result.notifications += result.report_notices


def _to_caseworkers(
    directory: Directory, unit_id: int, key: str, m: Message
) -> list[tuple[str, int, Message]]:
    """The unit's caseworkers (its supervisors, else the administrators, where it has none)."""
    people = directory.caseworkers.get(unit_id) or directory.recipients(
        "unit_supervisor", unit_id, None, set()
    )
    return [(f"{key}:{uid}", uid, m) for uid in people]
