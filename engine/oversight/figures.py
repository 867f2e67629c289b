"""The oversight figures, defined once: open, due soon, overdue, escalated, stalled, the
oldest overdue case, overdue by age, and the two coverages (ACC-1, REG-7).

The dashboard, the inbox tabs and lists, the XLSX exports, the API and CLI reports, the
deadline lists and the daily digest all count with the predicates and the per-unit query
below, at one `Moment`, so a supervisor sees the same numbers wherever they look.

Every figure is about the cases (or organizations) in the actor's scope — their own unit and
every unit below it — and, per unit, about the *responsible unit*: the unit a case is handled
in (`cases.unit_id`).

* **open** — a case whose status is `open`.
* **overdue** — an open case with an open deadline whose period has run out: ``due_at <=
  now``. `due_at` is the instant the period ends (midnight after its last day, Shanghai
  time), so at that very instant the deadline is overdue — the same instant at which the sweep
  sends escalation level 1 and stops sending reminders (`ladder.plan_deadline`).
* **due soon** — an open case with an open deadline inside the reminder window its
  definition sets and not yet run out: ``remind_at <= now < due_at`` (the sweep sends the
  reminder at `remind_at`). A deadline is either due soon or overdue, never both; a case with
  two deadlines can be both.
* **escalated** — an overdue case one of whose overdue deadlines the sweep has escalated at
  least once (``escalation_level >= 1``): what the chain of responsibility has been told.
  Always a subset of overdue.
* **stalled** — an open case with no step for `stalled_after_days` (local parameter,
  ACC-1): ``updated_at <= now - stalled_after_days``, judged live — unless it is *waiting*:
  in a state its definition marks `waiting: true` (a secretary in office, a decoupled body
  under monitoring) with an open deadline, which the sweep reminds and escalates instead. It is the very test the
  sweep uses to flag a stall (`stalls.sweep_stalled`); the flag records when the supervisors
  were told and is shown beside the case, but does not decide whether it counts, so the
  figure does not depend on a scheduler having run.
* **oldest overdue** — per unit, the overdue deadline that ran out first (by `due_at`, then
  case id, then deadline id) and its case; days overdue = Shanghai today − its due date
  (a deadline that ran out at midnight is 1 day overdue that morning).
* **overdue by age** — overdue cases by how long their earliest overdue deadline has run
  out: bucket i holds ``low_i <= now - due_at < high_i`` days (`AGE_BUCKETS`).
* **coverage** — registered organizations in scope, by `organizations.coverage` (REG-7,
  "two coverages"); `none` is the registered ones with neither. Per unit, the
  Party-organization coverage with its ways (own, joint, affiliated) and the Party-work
  coverage (instructors too): `coverage_by_unit`, defined in engine/oversight/coverage_figures.py.

The old copies disagreed at two boundaries: the dashboard and the inbox counted a deadline
overdue only after its `due_at` and a case stalled only strictly before the threshold, while
the report counted stalls only once the sweep had flagged them. Both boundaries now sit where
the sweep acts (see docs/operations.md, "The oversight figures").
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    Integer,
    Select,
    and_,
    case,
    cast,
    false,
    func,
    literal,
    literal_column,
    null,
    or_,
    select,
    union_all,
)
from sqlalchemy.sql.elements import ColumnElement

from engine.access.scope import units_filter
from engine.calendar import local_date
from engine.definitions.model import Definitions
from engine.oversight.coverage_figures import (  # noqa: F401 - the two coverages live here too
    coverage,
    coverage_by_unit,
    coverage_totals,
)
from engine.store.base import UTCDateTime
from engine.store.tables import Case, Deadline, Organization, Unit
from engine.store.unit_of_work import UnitOfWork

cases_t = Case.__table__
deadlines_t = Deadline.__table__
orgs_t = Organization.__table__
units_t = Unit.__table__

#: The per-unit counts, in the order the report, the dashboard and the digest show them.
MEASURES = ("open", "due_soon", "overdue", "escalated", "stalled")

#: How overdue a case is, in days since its earliest overdue deadline ran out: (lower, upper)
#: bounds, lower inclusive, upper exclusive, None for open-ended. A presentation grouping for
#: the ACC-1 chart.
AGE_BUCKETS: tuple[tuple[int, int | None], ...] = ((0, 7), (7, 30), (30, 90), (90, None))


def stalled_after_days(defs: Definitions) -> int:
    """ACC-1: days without a step after which an open case is stalled (local parameter)."""
    return int(defs.parameters["stalled_after_days"])


@dataclass(frozen=True)
class Moment:
    """The one instant a figure, a list or a tick is judged at, with the stall threshold and
    the states the definitions mark waiting."""

    now: datetime
    stalled_after_days: int
    waiting: frozenset[tuple[str, int, str]] = frozenset()
    """(procedure, version, state): waiting by design, not stalled while a deadline is open."""

    @classmethod
    def of(cls, defs: Definitions, now: datetime) -> Moment:
        return cls(now, stalled_after_days(defs), defs.waiting_states())

    @property
    def stall_cutoff(self) -> datetime:
        """A case whose last step is at or before this instant is stalled."""
        return self.now - timedelta(days=self.stalled_after_days)


# ---------------------------------------------------------------- the predicates


def open_case() -> ColumnElement[bool]:
    return cases_t.c.status == "open"


def overdue(at: Moment) -> ColumnElement[bool]:
    """An open deadline whose period has run out, at `at.now` inclusive."""
    return and_(deadlines_t.c.status == "open", deadlines_t.c.due_at <= at.now)


def due_soon(at: Moment) -> ColumnElement[bool]:
    """An open deadline inside its reminder window, not yet run out."""
    return and_(
        deadlines_t.c.status == "open",
        deadlines_t.c.remind_at <= at.now,
        deadlines_t.c.due_at > at.now,
    )


def escalated(at: Moment) -> ColumnElement[bool]:
    """An overdue deadline the sweep has escalated at least once."""
    return and_(overdue(at), deadlines_t.c.escalation_level >= 1)


def waiting(at: Moment) -> ColumnElement[bool]:
    """The case is in a state its definition version marks `waiting` and one of its
    deadlines is open: it waits by design (a secretary in office, a body under monitoring)
    and the deadline — reminded and escalated by the sweep — is what watches it."""
    by_version: dict[tuple[str, int], list[str]] = {}
    for procedure, version, state in sorted(at.waiting):
        by_version.setdefault((procedure, version), []).append(state)
    if not by_version:
        return false()
    watched = deadlines_t.alias("watching_deadline")
    return and_(
        or_(
            *(
                and_(
                    cases_t.c.procedure == procedure,
                    cases_t.c.definition_version == version,
                    cases_t.c.state.in_(states),
                )
                for (procedure, version), states in by_version.items()
            )
        ),
        select(watched.c.id)
        .where(watched.c.case_id == cases_t.c.id, watched.c.status == "open")
        .exists(),
    )


def stalled(at: Moment) -> ColumnElement[bool]:
    """A case (open, by the caller's other condition) with no step since the threshold, unless
    it is `waiting` (a waiting state with an open deadline) or a supervisor suspended it (no
    step is possible then; resuming it moves `updated_at`, so the stall clock starts again)."""
    return and_(
        cases_t.c.updated_at <= at.stall_cutoff, cases_t.c.suspended_at.is_(None), ~waiting(at)
    )


def in_age_bucket(first_due_at: Any, at: Moment, bucket: int) -> ColumnElement[bool]:
    """An overdue case's earliest overdue `due_at` lies in age bucket `bucket`."""
    low, high = AGE_BUCKETS[bucket]
    cond = first_due_at <= at.now - timedelta(days=low)
    if high is not None:
        cond = and_(cond, first_due_at > at.now - timedelta(days=high))
    return cond


def age_bucket(first_due_at: Any, at: Moment) -> Any:
    """The age bucket of an overdue case, as SQL (see `in_age_bucket`)."""
    whens = [
        (first_due_at > at.now - timedelta(days=high), i)
        for i, (_low, high) in enumerate(AGE_BUCKETS)
        if high is not None
    ]
    return case(*whens, else_=len(AGE_BUCKETS) - 1)


# ---------------------------------------------------------------- per case


def _per_case(*conds: ColumnElement[bool]) -> Select:
    """Per case, its earliest matching open deadline, read from a covering index.

    The cases are grouped by `case_id + 0`, not `case_id`: the same value, but no index can
    deliver it in order, so SQLite's planner (once ANALYZE has run) does not trade the
    due-time range for a scan of every deadline ever opened to spare the GROUP BY its sort.
    """
    case_key = deadlines_t.c.case_id + literal_column("0")
    return (
        select(
            case_key.label("case_id"),
            func.min(deadlines_t.c.due_at).label("first_due_at"),
            func.max(deadlines_t.c.escalation_level).label("level"),
        )
        .where(*conds)
        .group_by(case_key)
    )


def overdue_select(at: Moment) -> Select:
    """Cases with an overdue deadline: the earliest one's `due_at`, the highest level."""
    return _per_case(overdue(at))


def due_soon_select(at: Moment) -> Select:
    """Cases with a deadline due soon, soonest `due_at` first."""
    return _per_case(due_soon(at))


def deadline_flags_select(at: Moment) -> Select:
    """Per case with an overdue or a due-soon deadline: the earliest overdue `due_at` (NULL if
    none), the highest escalation level of an overdue one, and whether one is due soon.

    Two covering index ranges (due_at, remind_at), glued with UNION ALL, one GROUP BY: the
    tab counts and the dashboard join the cases only once.
    """
    late = select(
        deadlines_t.c.case_id,
        deadlines_t.c.due_at.label("overdue_at"),
        deadlines_t.c.escalation_level.label("level"),
        literal(0).label("soon"),
    ).where(overdue(at))
    soon = select(
        deadlines_t.c.case_id,
        cast(null(), UTCDateTime).label("overdue_at"),
        literal(0).label("level"),
        literal(1).label("soon"),
    ).where(due_soon(at))
    both = union_all(late, soon).subquery()
    case_key = both.c.case_id + literal_column("0")
    return select(
        case_key.label("case_id"),
        func.min(both.c.overdue_at).label("first_due_at"),
        func.max(both.c.level).label("level"),
        func.max(both.c.soon).label("soon"),
    ).group_by(case_key)


# ---------------------------------------------------------------- per responsible unit


@dataclass
class UnitFigures:
    """One responsible unit's figures (ACC-1)."""

    unit_id: int
    unit_code: str = ""
    unit_name_zh: str = ""
    unit_name_en: str = ""
    unit_path: str = ""
    open: int = 0
    due_soon: int = 0
    overdue: int = 0
    escalated: int = 0
    stalled: int = 0
    by_age: list[int] = field(default_factory=lambda: [0] * len(AGE_BUCKETS))
    oldest_overdue: dict[str, Any] | None = None


def unit_figures(r: UnitOfWork, unit_ids: list[int] | None, at: Moment) -> list[dict[str, Any]]:
    """Every figure per responsible unit with open cases among `unit_ids` (None: all units),
    worst first (overdue, escalated, stalled, then the tree's order).

    Each row: unit_id, unit_code, unit_name_zh, unit_name_en, unit_path, open, due_soon,
    overdue, escalated, stalled, by_age (a count per `AGE_BUCKETS`), oldest_overdue (None or
    case_id, organization, deadline, rule, due_date, due_at, days_overdue, escalation_level).
    Four statements in the caller's read transaction, whatever the number of cases.
    """
    scope = units_filter(cases_t.c.unit_id, unit_ids)
    per_unit = (
        select(
            cases_t.c.unit_id,
            units_t.c.code,
            units_t.c.name_zh,
            units_t.c.name_en,
            units_t.c.path,
            func.count().label("open"),
            func.sum(case((stalled(at), 1), else_=0)).label("stalled"),
        )
        .join(units_t, units_t.c.id == cases_t.c.unit_id)
        .where(open_case(), scope)
        .group_by(
            cases_t.c.unit_id, units_t.c.code, units_t.c.name_zh, units_t.c.name_en, units_t.c.path
        )
    )
    lines = {
        row.unit_id: UnitFigures(
            row.unit_id,
            row.code,
            row.name_zh,
            row.name_en,
            row.path,
            open=row.open,
            stalled=int(row.stalled or 0),
        )
        for row in r.conn.execute(per_unit)
    }
    for row in r.conn.execute(_deadline_counts(at, scope)).mappings():
        line = lines[row["unit_id"]]
        if row["part"] == "soon":
            line.due_soon += row["n"]
        else:
            line.overdue += row["n"]
            line.escalated += row["escalated"]
            line.by_age[row["bucket"]] += row["n"]
    today = local_date(at.now)
    for row in r.conn.execute(_oldest_overdue(at, scope)).mappings():
        lines[row["unit_id"]].oldest_overdue = {
            "case_id": row["case_id"],
            "organization": row["organization"],
            "deadline": row["deadline"],
            "rule": row["rule"],
            "due_date": row["due_date"],
            "due_at": row["due_at"],
            "days_overdue": (today - row["due_date"]).days,
            "escalation_level": row["escalation_level"],
        }
    ordered = sorted(
        lines.values(), key=lambda u: (-u.overdue, -u.escalated, -u.stalled, u.unit_path)
    )
    return [asdict(u) for u in ordered]


def _deadline_counts(at: Moment, scope: ColumnElement[bool]) -> Any:
    """Per unit: overdue and escalated cases per age bucket (part "late"), and cases due soon
    (part "soon"); one statement from the covering deadline indexes."""
    flags = deadline_flags_select(at).subquery()
    fc = (
        select(cases_t.c.unit_id, flags.c.first_due_at, flags.c.level, flags.c.soon)
        .select_from(flags.join(cases_t, cases_t.c.id == flags.c.case_id))
        .where(open_case(), scope)
        .cte("flagged_cases")
    )
    bucket = age_bucket(fc.c.first_due_at, at)
    late = (
        select(
            literal("late").label("part"),
            fc.c.unit_id,
            bucket.label("bucket"),
            func.count().label("n"),
            func.sum(case((fc.c.level >= 1, 1), else_=0)).label("escalated"),
        )
        .where(fc.c.first_due_at.is_not(None))
        .group_by(fc.c.unit_id, bucket)
    )
    soon = (
        select(
            literal("soon").label("part"),
            fc.c.unit_id,
            cast(null(), Integer).label("bucket"),
            func.count().label("n"),
            literal(0).label("escalated"),
        )
        .where(fc.c.soon == 1)
        .group_by(fc.c.unit_id)
    )
    return union_all(late, soon)


def _oldest_overdue(at: Moment, scope: ColumnElement[bool]) -> Select:
    """Per unit, the overdue deadline that ran out first, with its case and organization."""
    ranked = (
        select(
            cases_t.c.unit_id,
            cases_t.c.id.label("case_id"),
            cases_t.c.organization_id,
            deadlines_t.c.key.label("deadline"),
            deadlines_t.c.rule,
            deadlines_t.c.due_date,
            deadlines_t.c.due_at,
            deadlines_t.c.escalation_level,
            func.row_number()
            .over(
                partition_by=cases_t.c.unit_id,
                order_by=(deadlines_t.c.due_at, cases_t.c.id, deadlines_t.c.id),
            )
            .label("rn"),
        )
        .select_from(deadlines_t.join(cases_t, cases_t.c.id == deadlines_t.c.case_id))
        .where(overdue(at), open_case(), scope)
        .subquery()
    )
    return (
        select(ranked, orgs_t.c.name.label("organization"))
        .join(orgs_t, orgs_t.c.id == ranked.c.organization_id)
        .where(ranked.c.rn == 1)
    )


def totals(rows: Iterable[Mapping[str, Any]]) -> dict[str, int]:
    """Each measure summed over unit rows (units do not overlap: a case has one unit)."""
    rows = list(rows)
    return {m: sum(x[m] for x in rows) for m in MEASURES}


def by_age(rows: Iterable[Mapping[str, Any]]) -> list[int]:
    """Overdue cases per age bucket, summed over unit rows."""
    out = [0] * len(AGE_BUCKETS)
    for x in rows:
        out = [a + b for a, b in zip(out, x["by_age"], strict=True)]
    return out
