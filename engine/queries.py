"""The read side of the pages: inbox, case lists, the supervisor's dashboard, coverage, directories.

Every function here runs in a *read* transaction (`UnitOfWork.reader()`), is scoped to the
actor's unit and everything below it (the `units.path` prefix, the same rule the services
enforce), and answers a list with one statement per page — never one query per row. The
indexes these statements rely on are created by migration 0004.

Nothing here decides whether a step is allowed (that is `services.actions`); these are the
figures supervisors need to see who is late (ACC-1) and how far coverage has come (REG-7).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    Integer,
    Select,
    String,
    and_,
    case,
    cast,
    func,
    literal,
    literal_column,
    null,
    or_,
    select,
    union_all,
)
from sqlalchemy.sql.elements import ColumnElement

from engine.calendar import local_date
from engine.errors import Forbidden, NotFound
from engine.models import (
    Case,
    Deadline,
    Instructor,
    Member,
    Organization,
    PartyOfficer,
    PartyOrganization,
    Unit,
    User,
    UTCDateTime,
)
from engine.services import Actor
from engine.unit_of_work import UnitOfWork

cases_t = Case.__table__
deadlines_t = Deadline.__table__
orgs_t = Organization.__table__
units_t = Unit.__table__
users_t = User.__table__
party_t = PartyOrganization.__table__
instructors_t = Instructor.__table__
members_t = Member.__table__
officers_t = PartyOfficer.__table__

#: Case list views. "due_soon" means inside the reminder window the definition gives the
#: deadline (remind_before), so no window is invented here.
VIEWS = ("open", "due_soon", "overdue", "stalled", "mine", "closed", "all")

#: How overdue a case is, in days past its earliest open deadline: (lower, upper) bounds,
#: upper exclusive, None for open-ended. A presentation grouping for the ACC-1 chart.
AGE_BUCKETS: tuple[tuple[int, int | None], ...] = ((0, 7), (7, 30), (30, 90), (90, None))

#: Coverage values of `organizations.coverage` (REG-7): a Party organization, an instructor
#: (or stationed branch / lead organization), or neither yet.
COVERAGES = ("party_org", "instructor", "none")


@dataclass(frozen=True)
class Page:
    """One page of a list, with the total behind it so the pager can say "page 3 of 40"."""

    rows: list[dict[str, Any]]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


@dataclass(frozen=True)
class CaseFilter:
    """What a case list shows. Unknown values are rejected by the web layer's schema."""

    view: str = "open"
    q: str | None = None
    procedure: str | None = None
    state: str | None = None
    unit_id: int | None = None
    age: int | None = None
    organization_id: int | None = None


@dataclass(frozen=True)
class Moment:
    """The instants a list is judged against: now, and the stall threshold (ACC-1 parameter:
    no step since `stalled_before` means stalled)."""

    now: datetime
    stalled_before: datetime

    @classmethod
    def at(cls, now: datetime, stalled_after_days: int) -> Moment:
        return cls(now, now - timedelta(days=stalled_after_days))


# ---------------------------------------------------------------- scope


def _scope_ids(r: UnitOfWork, actor: Actor) -> list[int] | None:
    """The ids of the actor's unit and every unit below it; None for an administrator.

    Read first, in the same transaction, so that the case and organization queries filter
    on a list of unit ids and the planner can use the (unit_id, status, ...) indexes.
    """
    if actor.is_admin:
        return None
    return list(
        r.conn.execute(
            select(units_t.c.id).where(units_t.c.path.startswith(actor.unit_path, autoescape=True))
        ).scalars()
    )


def _in(column: Any, ids: list[int] | None) -> ColumnElement[bool]:
    return literal(True) if ids is None else column.in_(ids)


def units_in_scope(uow: UnitOfWork, actor: Actor) -> list[dict[str, Any]]:
    """Units the actor may act for (e.g. where a new organization may be recorded)."""
    with uow.reader() as r:
        q = select(units_t.c.id, units_t.c.code, units_t.c.name_zh, units_t.c.name_en).order_by(
            units_t.c.path
        )
        if not actor.is_admin:
            q = q.where(units_t.c.path.startswith(actor.unit_path, autoescape=True))
        return [dict(x) for x in r.conn.execute(q).mappings()]


def credentials(uow: UnitOfWork, username: str) -> dict[str, Any] | None:
    """The stored password hash of an active user, for the login form; None if unknown."""
    with uow.reader() as r:
        row = r.conn.execute(
            select(users_t.c.id, users_t.c.password_hash, users_t.c.active).where(
                users_t.c.username == username
            )
        ).first()
    if row is None or not row.active:
        return None
    return {"id": row.id, "password_hash": row.password_hash}


# ---------------------------------------------------------------- cases


def _age_bounds(now: datetime, bucket: int) -> tuple[datetime | None, datetime]:
    """(earliest, latest-exclusive) first-due instants of a bucket of days overdue."""
    low, high = AGE_BUCKETS[bucket]
    return (now - timedelta(days=high) if high is not None else None), now - timedelta(days=low)


def _open_deadlines(*conds: ColumnElement[bool]) -> Select:
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
        .where(deadlines_t.c.status == "open", *conds)
        .group_by(case_key)
    )


def _overdue(at: Moment) -> Select:
    """Cases with an open deadline that has run out (index on status, due_at)."""
    return _open_deadlines(deadlines_t.c.due_at < at.now)


def _due_soon(at: Moment) -> Select:
    """Cases inside a deadline's own reminder window (`remind_at` from the definition's
    `remind_before`), not yet run out (index on status, remind_at)."""
    return _open_deadlines(deadlines_t.c.remind_at <= at.now, deadlines_t.c.due_at >= at.now)


def _deadline_flags(at: Moment) -> Select:
    """Per case with an overdue or a due-soon open deadline: the earliest overdue due time
    (NULL if none), the highest escalation level of an overdue one, and whether one is due
    soon. Two covering index ranges (due_at, remind_at), glued with UNION ALL, one GROUP BY:
    the tab counts and the dashboard join the cases only once.
    """
    overdue = select(
        deadlines_t.c.case_id,
        deadlines_t.c.due_at.label("overdue_at"),
        deadlines_t.c.escalation_level.label("level"),
        literal(0).label("soon"),
    ).where(deadlines_t.c.status == "open", deadlines_t.c.due_at < at.now)
    soon = select(
        deadlines_t.c.case_id,
        cast(null(), UTCDateTime).label("overdue_at"),
        literal(0).label("level"),
        literal(1).label("soon"),
    ).where(
        deadlines_t.c.status == "open",
        deadlines_t.c.remind_at <= at.now,
        deadlines_t.c.due_at >= at.now,
    )
    both = union_all(overdue, soon).subquery()
    case_key = both.c.case_id + literal_column("0")
    return select(
        case_key.label("case_id"),
        func.min(both.c.overdue_at).label("first_due_at"),
        func.max(both.c.level).label("level"),
        func.max(both.c.soon).label("soon"),
    ).group_by(case_key)


def _case_ids(ids: list[int] | None, actor: Actor, filt: CaseFilter, at: Moment) -> Select:
    """The ordered case ids of a list: only indexed columns, so paging stays cheap."""
    view = filt.view
    q = select(cases_t.c.id).where(_in(cases_t.c.unit_id, ids))
    order: list[Any]
    if view in ("overdue", "due_soon"):
        by = (_overdue(at) if view == "overdue" else _due_soon(at)).subquery()
        q = q.join(by, by.c.case_id == cases_t.c.id)
        if view == "overdue" and filt.age is not None:
            low, high = _age_bounds(at.now, filt.age)
            q = q.where(by.c.first_due_at < high)
            if low is not None:
                q = q.where(by.c.first_due_at >= low)
        order = [by.c.first_due_at, cases_t.c.id]
    elif view == "stalled":
        q = q.where(cases_t.c.updated_at < at.stalled_before)
        order = [cases_t.c.updated_at, cases_t.c.id]
    else:
        order = [cases_t.c.updated_at.desc(), cases_t.c.id.desc()]
    if view == "mine":
        q = q.where(cases_t.c.assignee_id == actor.id)
    if view == "closed":
        q = q.where(cases_t.c.status == "closed")
    elif view != "all":
        q = q.where(cases_t.c.status == "open")
    if filt.q:
        q = q.join(orgs_t, orgs_t.c.id == cases_t.c.organization_id).where(
            organization_matches(filt.q)
        )
    if filt.procedure:
        q = q.where(cases_t.c.procedure == filt.procedure)
    if filt.state:
        q = q.where(cases_t.c.state == filt.state)
    if filt.unit_id is not None:
        q = q.where(cases_t.c.unit_id == filt.unit_id)
    if filt.organization_id is not None:
        q = q.where(cases_t.c.organization_id == filt.organization_id)
    return q.order_by(*order)


def _case_rows(r: UnitOfWork, case_ids: list[int]) -> list[dict[str, Any]]:
    """Everything a list shows about some cases, in one statement, in the order given."""
    if not case_ids:
        return []
    open_dl = and_(deadlines_t.c.case_id == cases_t.c.id, deadlines_t.c.status == "open")
    next_due = select(func.min(deadlines_t.c.due_date)).where(open_dl).scalar_subquery()
    provisional = (
        select(func.max(case((deadlines_t.c.provisional, 1), else_=0)))
        .where(open_dl)
        .scalar_subquery()
    )
    q = (
        select(
            cases_t.c.id,
            cases_t.c.procedure,
            cases_t.c.definition_version,
            cases_t.c.state,
            cases_t.c.version,
            cases_t.c.status,
            cases_t.c.opened_at,
            cases_t.c.updated_at,
            cases_t.c.unit_id,
            cases_t.c.organization_id,
            orgs_t.c.name.label("organization"),
            orgs_t.c.credit_code,
            units_t.c.name_zh.label("unit_zh"),
            units_t.c.name_en.label("unit_en"),
            users_t.c.display_name.label("assignee"),
            next_due.label("next_due"),
            provisional.label("provisional"),
        )
        .join(orgs_t, orgs_t.c.id == cases_t.c.organization_id)
        .join(units_t, units_t.c.id == cases_t.c.unit_id)
        .outerjoin(users_t, users_t.c.id == cases_t.c.assignee_id)
        .where(cases_t.c.id.in_(case_ids))
    )
    rows = {x["id"]: dict(x) for x in r.conn.execute(q).mappings()}
    return [rows[i] for i in case_ids if i in rows]


def _pages(total: int, per_page: int, page: int) -> int:
    return max(1, min(page, max(1, -(-total // per_page))))


def list_cases(
    uow: UnitOfWork,
    actor: Actor,
    filt: CaseFilter,
    at: Moment,
    *,
    page: int = 1,
    per_page: int = 25,
    total: int | None = None,
) -> Page:
    """A page of cases for the inbox or a dashboard drill-down.

    Statements: the unit scope, the count (skipped when the caller already knows it, e.g.
    from the tab counts), the page's ids, and the page's rows — whatever the number of cases.
    """
    with uow.reader() as r:
        ids = _scope_ids(r, actor)
        q = _case_ids(ids, actor, filt, at)
        if total is None:
            total = r.conn.execute(
                select(func.count()).select_from(q.order_by(None).subquery())
            ).scalar_one()
        page = _pages(total, per_page, page)
        case_ids = list(r.conn.execute(q.limit(per_page).offset((page - 1) * per_page)).scalars())
        rows = _case_rows(r, case_ids)
    return Page(rows, total, page, per_page)


def iter_cases(
    uow: UnitOfWork, actor: Actor, filt: CaseFilter, at: Moment, batch: int = 500
) -> Iterator[dict]:
    """Every case of a list, in batches (for XLSX export); one read transaction throughout."""
    with uow.reader() as r:
        ids = _scope_ids(r, actor)
        case_ids = list(r.conn.execute(_case_ids(ids, actor, filt, at)).scalars())
        for start in range(0, len(case_ids), batch):
            yield from _case_rows(r, case_ids[start : start + batch])


def counts_by_view(uow: UnitOfWork, actor: Actor, at: Moment) -> dict[str, int]:
    """How many open cases each inbox tab holds, in one statement.

    Overdue and due soon come from one pass over the open deadlines that matter (see
    `_deadline_flags`) joined once to the cases in scope; open, stalled and mine are
    index-only counts.
    """

    def count_cases(*conds: ColumnElement[bool]) -> Any:
        return (
            select(func.count())
            .select_from(cases_t)
            .where(cases_t.c.status == "open", _in(cases_t.c.unit_id, ids), *conds)
            .scalar_subquery()
        )

    with uow.reader() as r:
        ids = _scope_ids(r, actor)
        flags = _deadline_flags(at).subquery()
        q = (
            select(
                count_cases().label("open"),
                func.coalesce(func.sum(flags.c.soon), 0).label("due_soon"),
                func.coalesce(
                    func.sum(case((flags.c.first_due_at.is_not(None), 1), else_=0)), 0
                ).label("overdue"),
                count_cases(cases_t.c.updated_at < at.stalled_before).label("stalled"),
                count_cases(cases_t.c.assignee_id == actor.id).label("mine"),
            )
            .select_from(flags.join(cases_t, cases_t.c.id == flags.c.case_id))
            .where(cases_t.c.status == "open", _in(cases_t.c.unit_id, ids))
        )
        return {k: int(v) for k, v in r.conn.execute(q).mappings().one().items()}


# ---------------------------------------------------------------- dashboard (ACC-1, REG-7)


@dataclass
class UnitLine:
    """One responsible unit's line of the dashboard (ACC-1)."""

    unit_id: int
    name_zh: str
    name_en: str
    open: int = 0
    stalled: int = 0
    due_soon: int = 0
    overdue: int = 0
    escalated: int = 0
    by_age: list[int] = field(default_factory=lambda: [0] * len(AGE_BUCKETS))
    oldest: dict[str, Any] | None = None


@dataclass
class Dashboard:
    units: list[UnitLine]
    by_age: list[int]
    totals: dict[str, int]
    coverage: dict[str, int]


def dashboard(uow: UnitOfWork, actor: Actor, at: Moment) -> Dashboard:
    """Per responsible unit (the unit a case is handled in): open, stalled, due-soon, overdue
    by age, escalated, and the oldest overdue case (ACC-1); and the coverage figures (REG-7).

    Five statements whatever the number of cases: the scope; open and stalled per unit (from
    the index alone) and the units' names; overdue per unit and age, escalated, the oldest
    overdue case and due soon (one statement, from the covering deadline indexes); and
    coverage. "Escalated" counts open cases with an overdue deadline the scheduler has
    escalated at least once, as the ACC-1 report does.
    """
    with uow.reader() as r:
        ids = _scope_ids(r, actor)
        scope = _in(cases_t.c.unit_id, ids)
        per_unit = (
            select(
                cases_t.c.unit_id,
                func.count().label("open"),
                func.sum(case((cases_t.c.updated_at < at.stalled_before, 1), else_=0)).label(
                    "stalled"
                ),
            )
            .where(cases_t.c.status == "open", scope)
            .group_by(cases_t.c.unit_id)
        )
        lines: dict[int, UnitLine] = {
            row.unit_id: UnitLine(row.unit_id, "", "", row.open, row.stalled)
            for row in r.conn.execute(per_unit)
        }
        names = select(units_t.c.id, units_t.c.name_zh, units_t.c.name_en).where(
            units_t.c.id.in_(list(lines) or [0])
        )
        for u in r.conn.execute(names):
            lines[u.id].name_zh, lines[u.id].name_en = u.name_zh, u.name_en
        for row in r.conn.execute(_deadline_figures(at, scope)).mappings():
            line = lines.get(row["unit_id"])
            if line is None:
                continue
            if row["part"] == "bucket":
                line.overdue += row["n"]
                line.escalated += row["escalated"]
                line.by_age[row["bucket"]] += row["n"]
            elif row["part"] == "soon":
                line.due_soon += row["n"]
            else:
                due_date = local_date(row["first_due_at"] - timedelta(microseconds=1))
                line.oldest = {
                    "case_id": row["case_id"],
                    "organization": row["organization"],
                    "due_date": due_date,
                    "days_overdue": (local_date(at.now) - due_date).days,
                }
        cov = _coverage(r, ids)
    units = sorted(lines.values(), key=lambda u: (-u.overdue, -u.stalled, u.name_zh))
    totals = {
        k: sum(getattr(u, k) for u in units)
        for k in ("open", "stalled", "due_soon", "overdue", "escalated")
    }
    by_age = [sum(u.by_age[i] for u in units) for i in range(len(AGE_BUCKETS))]
    return Dashboard(units, by_age, totals, cov)


def _deadline_figures(at: Moment, scope: ColumnElement[bool]) -> Any:
    """One statement over the overdue and due-soon deadlines of the cases in scope.

    Rows of part "bucket": per unit and age bucket, the overdue and escalated counts; part
    "oldest": each unit's longest overdue case; part "soon": per unit, the cases due soon.
    """
    flags = _deadline_flags(at).subquery()
    fc = (
        select(
            cases_t.c.unit_id,
            cases_t.c.organization_id,
            flags.c.case_id,
            flags.c.first_due_at,
            flags.c.level,
            flags.c.soon,
        )
        .select_from(flags.join(cases_t, cases_t.c.id == flags.c.case_id))
        .where(cases_t.c.status == "open", scope)
        .cte("flagged_cases")
    )
    overdue = fc.c.first_due_at.is_not(None)
    whens = [
        (fc.c.first_due_at >= _age_bounds(at.now, i)[0], i) for i in range(len(AGE_BUCKETS) - 1)
    ]
    bucket = case(*whens, else_=len(AGE_BUCKETS) - 1)
    by_bucket = (
        select(
            literal("bucket").label("part"),
            fc.c.unit_id,
            bucket.label("bucket"),
            func.count().label("n"),
            func.sum(case((fc.c.level >= 1, 1), else_=0)).label("escalated"),
            cast(null(), Integer).label("case_id"),
            cast(null(), String).label("organization"),
            cast(null(), UTCDateTime).label("first_due_at"),
        )
        .where(overdue)
        .group_by(fc.c.unit_id, bucket)
    )
    ranked = (
        select(
            fc,
            func.row_number()
            .over(partition_by=fc.c.unit_id, order_by=(fc.c.first_due_at, fc.c.case_id))
            .label("rn"),
        )
        .where(overdue)
        .subquery()
    )
    oldest = (
        select(
            literal("oldest").label("part"),
            ranked.c.unit_id,
            cast(null(), Integer).label("bucket"),
            literal(0).label("n"),
            literal(0).label("escalated"),
            ranked.c.case_id,
            orgs_t.c.name.label("organization"),
            ranked.c.first_due_at,
        )
        .join(orgs_t, orgs_t.c.id == ranked.c.organization_id)
        .where(ranked.c.rn == 1)
    )
    soon = (
        select(
            literal("soon").label("part"),
            fc.c.unit_id,
            cast(null(), Integer).label("bucket"),
            func.count().label("n"),
            literal(0).label("escalated"),
            cast(null(), Integer).label("case_id"),
            cast(null(), String).label("organization"),
            cast(null(), UTCDateTime).label("first_due_at"),
        )
        .where(fc.c.soon == 1)
        .group_by(fc.c.unit_id)
    )
    return union_all(by_bucket, oldest, soon)


def _coverage(r: UnitOfWork, ids: list[int] | None) -> dict[str, int]:
    """REG-7 "two coverages" over registered organizations in scope: counts per coverage."""
    q = select(
        func.count().label("registered"),
        *(
            func.coalesce(func.sum(case((orgs_t.c.coverage == c, 1), else_=0)), 0).label(c)
            for c in COVERAGES[:-1]
        ),
    ).where(orgs_t.c.status == "registered", _in(orgs_t.c.unit_id, ids))
    row = dict(r.conn.execute(q).mappings().one())
    row["none"] = row["registered"] - sum(row[c] for c in COVERAGES[:-1])
    return row


def coverage(uow: UnitOfWork, actor: Actor) -> dict[str, int]:
    with uow.reader() as r:
        return _coverage(r, _scope_ids(r, actor))


# ---------------------------------------------------------------- organizations


@dataclass(frozen=True)
class OrgFilter:
    q: str | None = None
    coverage: str | None = None
    status: str | None = None
    unit_id: int | None = None


def organization_matches(search: str) -> ColumnElement[bool]:
    """The search box: a part of the organization's name (typed literally: % and _ are not
    wildcards) or its whole credit code."""
    term = search.strip()
    return or_(orgs_t.c.name.contains(term, autoescape=True), orgs_t.c.credit_code == term.upper())


def _organization_ids(ids: list[int] | None, filt: OrgFilter) -> Select:
    q = select(orgs_t.c.id).where(_in(orgs_t.c.unit_id, ids))
    if filt.q:
        q = q.where(organization_matches(filt.q))
    if filt.coverage:
        q = q.where(orgs_t.c.coverage == filt.coverage)
    if filt.status:
        q = q.where(orgs_t.c.status == filt.status)
    if filt.unit_id is not None:
        q = q.where(orgs_t.c.unit_id == filt.unit_id)
    return q.order_by(orgs_t.c.name, orgs_t.c.id)


def _organization_rows(r: UnitOfWork, org_ids: list[int]) -> list[dict[str, Any]]:
    if not org_ids:
        return []
    open_cases = (
        select(func.count())
        .where(cases_t.c.organization_id == orgs_t.c.id, cases_t.c.status == "open")
        .scalar_subquery()
    )
    q = (
        select(
            orgs_t,
            units_t.c.name_zh.label("unit_zh"),
            units_t.c.name_en.label("unit_en"),
            open_cases.label("open_cases"),
        )
        .join(units_t, units_t.c.id == orgs_t.c.unit_id)
        .where(orgs_t.c.id.in_(org_ids))
    )
    rows = {x["id"]: dict(x) for x in r.conn.execute(q).mappings()}
    return [rows[i] for i in org_ids if i in rows]


def list_organizations(
    uow: UnitOfWork, actor: Actor, filt: OrgFilter, *, page: int = 1, per_page: int = 25
) -> Page:
    """A page of organizations by name: scope, count, ids of the page, their rows."""
    with uow.reader() as r:
        q = _organization_ids(_scope_ids(r, actor), filt)
        total = r.conn.execute(
            select(func.count()).select_from(q.order_by(None).subquery())
        ).scalar_one()
        page = _pages(total, per_page, page)
        org_ids = list(r.conn.execute(q.limit(per_page).offset((page - 1) * per_page)).scalars())
        rows = _organization_rows(r, org_ids)
    return Page(rows, total, page, per_page)


def iter_organizations(
    uow: UnitOfWork, actor: Actor, filt: OrgFilter, batch: int = 500
) -> Iterator[dict]:
    with uow.reader() as r:
        org_ids = list(r.conn.execute(_organization_ids(_scope_ids(r, actor), filt)).scalars())
        for start in range(0, len(org_ids), batch):
            yield from _organization_rows(r, org_ids[start : start + batch])


def _org_cases(r: UnitOfWork, organization_id: int) -> list[dict[str, Any]]:
    return [
        dict(x)
        for x in r.conn.execute(
            select(
                cases_t.c.id,
                cases_t.c.procedure,
                cases_t.c.definition_version,
                cases_t.c.state,
                cases_t.c.status,
                cases_t.c.version,
                cases_t.c.opened_at,
                cases_t.c.updated_at,
            )
            .where(cases_t.c.organization_id == organization_id)
            .order_by(cases_t.c.opened_at.desc(), cases_t.c.id.desc())
        ).mappings()
    ]


def _check_unit(r: UnitOfWork, actor: Actor, unit_id: int, what: str) -> None:
    path = r.conn.execute(select(units_t.c.path).where(units_t.c.id == unit_id)).scalar_one()
    if not actor.can_see(path):
        raise Forbidden(f"{what} belongs to another unit; you see only your unit and below")


def organization(uow: UnitOfWork, actor: Actor, organization_id: int) -> dict[str, Any]:
    """An organization with its Party organizations, instructors, members and cases."""
    with uow.reader() as r:
        row = (
            r.conn.execute(
                select(
                    orgs_t,
                    units_t.c.name_zh.label("unit_zh"),
                    units_t.c.name_en.label("unit_en"),
                    units_t.c.path.label("unit_path"),
                )
                .join(units_t, units_t.c.id == orgs_t.c.unit_id)
                .where(orgs_t.c.id == organization_id)
            )
            .mappings()
            .first()
        )
        if row is None:
            raise NotFound("organization", organization_id)
        if not actor.can_see(row["unit_path"]):
            raise Forbidden(
                f"organization {organization_id} belongs to another unit; "
                "you see only your unit and below"
            )
        out = dict(row)
        out["party_organizations"] = [
            dict(x)
            for x in r.conn.execute(
                select(party_t).where(party_t.c.organization_id == organization_id)
            ).mappings()
        ]
        out["instructors"] = [
            dict(x)
            for x in r.conn.execute(
                select(instructors_t).where(instructors_t.c.organization_id == organization_id)
            ).mappings()
        ]
        out["members"] = _members(r, members_t.c.organization_id == organization_id)
        out["cases"] = _org_cases(r, organization_id)
    return out


def _members(r: UnitOfWork, where: ColumnElement[bool]) -> list[dict[str, Any]]:
    """Members with their numbers: steps of P2 and P4 name members by number (TRF-3, SEC-2)."""
    return [
        dict(x)
        for x in r.conn.execute(
            select(
                members_t.c.id,
                members_t.c.name,
                members_t.c.status,
                members_t.c.role,
                members_t.c.full_time,
                members_t.c.relation_location,
                members_t.c.party_organization_id,
            )
            .where(where)
            .order_by(members_t.c.id)
        ).mappings()
    ]


# ---------------------------------------------------------------- Party organizations


def _party_organization_query(
    ids: list[int] | None, q_text: str | None, kind: str | None
) -> Select:
    q = (
        select(party_t, orgs_t.c.name.label("organization"), orgs_t.c.unit_id)
        .outerjoin(orgs_t, orgs_t.c.id == party_t.c.organization_id)
        .order_by(party_t.c.name, party_t.c.id)
    )
    if ids is not None:
        q = q.where(orgs_t.c.unit_id.in_(ids))
    if q_text:
        q = q.where(party_t.c.name.contains(q_text.strip(), autoescape=True))
    if kind:
        q = q.where(party_t.c.kind == kind)
    return q


def list_party_organizations(
    uow: UnitOfWork,
    actor: Actor,
    q_text: str | None = None,
    kind: str | None = None,
    *,
    page: int = 1,
    per_page: int = 25,
) -> Page:
    """Party organizations of the organizations in scope (an administrator sees all)."""
    with uow.reader() as r:
        q = _party_organization_query(_scope_ids(r, actor), q_text, kind)
        inner = q.order_by(None).with_only_columns(party_t.c.id).subquery()
        total = r.conn.execute(select(func.count()).select_from(inner)).scalar_one()
        page = _pages(total, per_page, page)
        rows = [
            dict(x)
            for x in r.conn.execute(q.limit(per_page).offset((page - 1) * per_page)).mappings()
        ]
    return Page(rows, total, page, per_page)


def party_organization(uow: UnitOfWork, actor: Actor, party_org_id: int) -> dict[str, Any]:
    """A Party organization, the social organization it sits in, and that organization's cases."""
    with uow.reader() as r:
        row = (
            r.conn.execute(
                select(party_t, orgs_t.c.name.label("organization"), orgs_t.c.unit_id)
                .outerjoin(orgs_t, orgs_t.c.id == party_t.c.organization_id)
                .where(party_t.c.id == party_org_id)
            )
            .mappings()
            .first()
        )
        if row is None:
            raise NotFound("party organization", party_org_id)
        out = dict(row)
        if out["unit_id"] is not None:
            _check_unit(r, actor, out["unit_id"], f"Party organization {party_org_id}")
        elif not actor.is_admin:
            raise Forbidden("this Party organization is not attached to an organization you see")
        out["cases"] = (
            _org_cases(r, out["organization_id"]) if out["organization_id"] is not None else []
        )
        out["members"] = _members(r, members_t.c.party_organization_id == party_org_id)
        out["officers"] = [
            dict(x)
            for x in r.conn.execute(
                select(officers_t)
                .where(officers_t.c.party_organization_id == party_org_id)
                .order_by(officers_t.c.status, officers_t.c.id)
            ).mappings()
        ]
    return out
