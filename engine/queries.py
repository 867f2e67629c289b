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

from sqlalchemy import Select, and_, case, distinct, func, literal, or_, select
from sqlalchemy.sql.elements import ColumnElement

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
    """The instants a list is judged against: now, and the stall threshold (ACC-1 parameter)."""

    now: datetime
    stalled_before: datetime

    @classmethod
    def at(cls, now: datetime, stalled_after_days: int) -> Moment:
        return cls(now, now - timedelta(days=stalled_after_days))


# ---------------------------------------------------------------- scope


def scope_unit_ids(actor: Actor) -> Select | None:
    """The ids of the actor's unit and every unit below it; None for an administrator."""
    if actor.is_admin:
        return None
    return select(units_t.c.id).where(units_t.c.path.startswith(actor.unit_path, autoescape=True))


def _in_scope(column: Any, actor: Actor) -> ColumnElement[bool]:
    ids = scope_unit_ids(actor)
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


def _overdue_case_ids(now: datetime) -> Select:
    return select(deadlines_t.c.case_id).where(
        deadlines_t.c.status == "open", deadlines_t.c.due_at < now
    )


def _age_bounds(now: datetime, bucket: int) -> tuple[datetime | None, datetime]:
    """(earliest, latest-exclusive) first-due instants of a bucket of days overdue."""
    low, high = AGE_BUCKETS[bucket]
    return (now - timedelta(days=high) if high is not None else None), now - timedelta(days=low)


def case_query(actor: Actor, filt: CaseFilter, at: Moment) -> Select:
    """The statement behind every case list (inbox, drill-downs, exports): one row per case."""
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
        .where(_in_scope(cases_t.c.unit_id, actor))
    )
    view = filt.view
    if view in ("open", "due_soon", "overdue", "stalled", "mine"):
        q = q.where(cases_t.c.status == "open")
    elif view == "closed":
        q = q.where(cases_t.c.status == "closed")
    if view == "due_soon":
        q = q.where(
            cases_t.c.id.in_(
                select(deadlines_t.c.case_id).where(
                    deadlines_t.c.status == "open",
                    deadlines_t.c.remind_at <= at.now,
                    deadlines_t.c.due_at >= at.now,
                )
            )
        )
    elif view == "overdue":
        if filt.age is not None:
            low, high = _age_bounds(at.now, filt.age)
            first_due = func.min(deadlines_t.c.due_at)
            having = first_due < high if low is None else and_(first_due >= low, first_due < high)
            sub = _overdue_case_ids(at.now).group_by(deadlines_t.c.case_id).having(having)
            q = q.where(cases_t.c.id.in_(sub))
        else:
            q = q.where(cases_t.c.id.in_(_overdue_case_ids(at.now)))
    elif view == "stalled":
        q = q.where(cases_t.c.updated_at < at.stalled_before)
    elif view == "mine":
        q = q.where(cases_t.c.assignee_id == actor.id)
    if filt.q:
        term = filt.q.strip()
        q = q.where(
            or_(
                orgs_t.c.name.contains(term, autoescape=True),
                orgs_t.c.credit_code == term.upper(),
            )
        )
    if filt.procedure:
        q = q.where(cases_t.c.procedure == filt.procedure)
    if filt.state:
        q = q.where(cases_t.c.state == filt.state)
    if filt.unit_id is not None:
        q = q.where(cases_t.c.unit_id == filt.unit_id)
    if filt.organization_id is not None:
        q = q.where(cases_t.c.organization_id == filt.organization_id)
    if view in ("overdue", "due_soon"):
        return q.order_by(next_due.asc(), cases_t.c.id)
    if view == "stalled":
        return q.order_by(cases_t.c.updated_at.asc(), cases_t.c.id)
    return q.order_by(cases_t.c.updated_at.desc(), cases_t.c.id.desc())


def _count(conn: Any, q: Select) -> int:
    inner = q.order_by(None).with_only_columns(cases_t.c.id).subquery()
    return conn.execute(select(func.count()).select_from(inner)).scalar_one()


def list_cases(
    uow: UnitOfWork,
    actor: Actor,
    filt: CaseFilter,
    at: Moment,
    *,
    page: int = 1,
    per_page: int = 25,
) -> Page:
    """A page of cases for the inbox or a dashboard drill-down: two statements."""
    q = case_query(actor, filt, at)
    with uow.reader() as r:
        total = _count(r.conn, q)
        page = max(1, min(page, max(1, -(-total // per_page))))
        rows = [
            dict(x)
            for x in r.conn.execute(q.limit(per_page).offset((page - 1) * per_page)).mappings()
        ]
    return Page(rows, total, page, per_page)


def iter_cases(uow: UnitOfWork, actor: Actor, filt: CaseFilter, at: Moment) -> Iterator[dict]:
    """Every case of a list, streamed (for XLSX export); the read transaction spans the loop."""
    with uow.reader() as r:
        result = r.conn.execution_options(yield_per=1000).execute(case_query(actor, filt, at))
        for row in result.mappings():
            yield dict(row)


def counts_by_view(uow: UnitOfWork, actor: Actor, at: Moment) -> dict[str, int]:
    """How many open cases each inbox tab holds (one statement)."""
    scope = _in_scope(cases_t.c.unit_id, actor)
    overdue = cases_t.c.id.in_(_overdue_case_ids(at.now))
    due_soon = cases_t.c.id.in_(
        select(deadlines_t.c.case_id).where(
            deadlines_t.c.status == "open",
            deadlines_t.c.remind_at <= at.now,
            deadlines_t.c.due_at >= at.now,
        )
    )

    def flag(cond: ColumnElement[bool]) -> Any:
        return func.coalesce(func.sum(case((cond, 1), else_=0)), 0)

    q = select(
        func.count().label("open"),
        flag(due_soon).label("due_soon"),
        flag(overdue).label("overdue"),
        flag(cases_t.c.updated_at < at.stalled_before).label("stalled"),
        flag(cases_t.c.assignee_id == actor.id).label("mine"),
    ).where(cases_t.c.status == "open", scope)
    with uow.reader() as r:
        return dict(r.conn.execute(q).mappings().one())


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
    by_age: list[int] = field(default_factory=lambda: [0] * len(AGE_BUCKETS))


@dataclass
class Dashboard:
    units: list[UnitLine]
    by_age: list[int]
    totals: dict[str, int]
    coverage: dict[str, int]


def dashboard(uow: UnitOfWork, actor: Actor, at: Moment) -> Dashboard:
    """Open, stalled, due-soon and overdue cases per unit, overdue by age, and coverage.

    Four grouped statements whatever the number of cases: per-unit totals, overdue per unit
    and age, due soon per unit, and the coverage figures.
    """
    scope = _in_scope(cases_t.c.unit_id, actor)
    per_unit = (
        select(
            cases_t.c.unit_id,
            units_t.c.name_zh,
            units_t.c.name_en,
            func.count().label("open"),
            func.sum(case((cases_t.c.updated_at < at.stalled_before, 1), else_=0)).label("stalled"),
        )
        .join(units_t, units_t.c.id == cases_t.c.unit_id)
        .where(cases_t.c.status == "open", scope)
        .group_by(cases_t.c.unit_id, units_t.c.name_zh, units_t.c.name_en)
    )
    first_due = (
        select(deadlines_t.c.case_id, func.min(deadlines_t.c.due_at).label("first_due"))
        .where(deadlines_t.c.status == "open", deadlines_t.c.due_at < at.now)
        .group_by(deadlines_t.c.case_id)
        .subquery()
    )
    whens = []
    for i in range(len(AGE_BUCKETS) - 1):
        low, _high = _age_bounds(at.now, i)
        whens.append((first_due.c.first_due >= low, i))
    bucket = case(*whens, else_=len(AGE_BUCKETS) - 1).label("bucket")
    overdue = (
        select(cases_t.c.unit_id, bucket, func.count().label("n"))
        .join(cases_t, cases_t.c.id == first_due.c.case_id)
        .where(cases_t.c.status == "open", scope)
        .group_by(cases_t.c.unit_id, bucket)
    )
    due_soon = (
        select(cases_t.c.unit_id, func.count(distinct(cases_t.c.id)).label("n"))
        .join(deadlines_t, deadlines_t.c.case_id == cases_t.c.id)
        .where(
            deadlines_t.c.status == "open",
            deadlines_t.c.remind_at <= at.now,
            deadlines_t.c.due_at >= at.now,
            cases_t.c.status == "open",
            scope,
        )
        .group_by(cases_t.c.unit_id)
    )
    with uow.reader() as r:
        lines = {
            row.unit_id: UnitLine(row.unit_id, row.name_zh, row.name_en, row.open, row.stalled or 0)
            for row in r.conn.execute(per_unit)
        }
        for row in r.conn.execute(overdue):
            line = lines.get(row.unit_id)
            if line is not None:
                line.overdue += row.n
                line.by_age[row.bucket] += row.n
        for row in r.conn.execute(due_soon):
            if row.unit_id in lines:
                lines[row.unit_id].due_soon = row.n
        cov = _coverage(r, actor)
    units = sorted(lines.values(), key=lambda u: (-u.overdue, -u.stalled, u.name_zh))
    totals = {
        k: sum(getattr(u, k) for u in units) for k in ("open", "stalled", "due_soon", "overdue")
    }
    by_age = [sum(u.by_age[i] for u in units) for i in range(len(AGE_BUCKETS))]
    return Dashboard(units, by_age, totals, cov)


def _coverage(r: UnitOfWork, actor: Actor) -> dict[str, int]:
    """REG-7 "two coverages" over registered organizations in scope: counts per coverage."""
    q = select(
        func.count().label("registered"),
        *(
            func.coalesce(func.sum(case((orgs_t.c.coverage == c, 1), else_=0)), 0).label(c)
            for c in COVERAGES[:-1]
        ),
    ).where(orgs_t.c.status == "registered", _in_scope(orgs_t.c.unit_id, actor))
    row = dict(r.conn.execute(q).mappings().one())
    row["none"] = row["registered"] - sum(row[c] for c in COVERAGES[:-1])
    return row


def coverage(uow: UnitOfWork, actor: Actor) -> dict[str, int]:
    with uow.reader() as r:
        return _coverage(r, actor)


# ---------------------------------------------------------------- organizations


@dataclass(frozen=True)
class OrgFilter:
    q: str | None = None
    coverage: str | None = None
    status: str | None = None
    unit_id: int | None = None


def organization_query(actor: Actor, filt: OrgFilter) -> Select:
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
        .where(_in_scope(orgs_t.c.unit_id, actor))
    )
    if filt.q:
        term = filt.q.strip()
        q = q.where(
            or_(
                orgs_t.c.name.contains(term, autoescape=True),
                orgs_t.c.credit_code == term.upper(),
            )
        )
    if filt.coverage:
        q = q.where(orgs_t.c.coverage == filt.coverage)
    if filt.status:
        q = q.where(orgs_t.c.status == filt.status)
    if filt.unit_id is not None:
        q = q.where(orgs_t.c.unit_id == filt.unit_id)
    return q.order_by(orgs_t.c.name, orgs_t.c.id)


def list_organizations(
    uow: UnitOfWork, actor: Actor, filt: OrgFilter, *, page: int = 1, per_page: int = 25
) -> Page:
    q = organization_query(actor, filt)
    with uow.reader() as r:
        inner = q.order_by(None).with_only_columns(orgs_t.c.id).subquery()
        total = r.conn.execute(select(func.count()).select_from(inner)).scalar_one()
        page = max(1, min(page, max(1, -(-total // per_page))))
        rows = [
            dict(x)
            for x in r.conn.execute(q.limit(per_page).offset((page - 1) * per_page)).mappings()
        ]
    return Page(rows, total, page, per_page)


def iter_organizations(uow: UnitOfWork, actor: Actor, filt: OrgFilter) -> Iterator[dict]:
    with uow.reader() as r:
        result = r.conn.execution_options(yield_per=1000).execute(organization_query(actor, filt))
        for row in result.mappings():
            yield dict(row)


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


def party_organization_query(actor: Actor, q_text: str | None, kind: str | None) -> Select:
    q = (
        select(
            party_t,
            orgs_t.c.name.label("organization"),
            orgs_t.c.unit_id,
        )
        .outerjoin(orgs_t, orgs_t.c.id == party_t.c.organization_id)
        .order_by(party_t.c.name, party_t.c.id)
    )
    if not actor.is_admin:
        q = q.where(_in_scope(orgs_t.c.unit_id, actor))
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
    q = party_organization_query(actor, q_text, kind)
    with uow.reader() as r:
        inner = q.order_by(None).with_only_columns(party_t.c.id).subquery()
        total = r.conn.execute(select(func.count()).select_from(inner)).scalar_one()
        page = max(1, min(page, max(1, -(-total // per_page))))
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
