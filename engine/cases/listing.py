"""The one case reader for lists: the inbox views and filters, the API's and the CLI's case
lists and the XLSX export's rows, scoped by the actor, with one `Page` type.

The views "due_soon", "overdue" and "stalled" and the tab counts select with the predicates
of `engine.oversight.figures`, so a tab holds exactly the cases the dashboard and the ACC-1
report count.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    Select,
    and_,
    case,
    func,
    or_,
    select,
)
from sqlalchemy.sql.elements import ColumnElement

from engine.access.actor import Actor
from engine.access.scope import scope_unit_ids, units_filter
from engine.calendar import local_date
from engine.directory.read import organization_matches
from engine.oversight import figures
from engine.oversight.figures import (
    Moment,
    deadline_flags_select,
    due_soon_select,
    overdue_select,
)
from engine.paging import Page, page_count
from engine.store.tables import (
    Case,
    Deadline,
    Organization,
    Unit,
    User,
)
from engine.store.unit_of_work import UnitOfWork

cases_t = Case.__table__


deadlines_t = Deadline.__table__


orgs_t = Organization.__table__


units_t = Unit.__table__


users_t = User.__table__


#: Case list views. "due_soon" means inside the reminder window the definition gives the
#: deadline (remind_before), so no window is invented here.
VIEWS = ("open", "due_soon", "overdue", "stalled", "mine", "closed", "all")

#: Whose cases, across any view (issue 15): the actor's (owned, or delegated to them while the
#: delegation runs), nobody's (unassigned), the actor's own unit's, or all the actor may see.
OWNERS = ("mine", "unassigned", "unit", "all")


def owned_by(actor: Actor, at: Moment) -> ColumnElement[bool]:
    """The cases the actor answers for at `at`: owned, or delegated to them until today or later
    (the owner keeps seeing a case they delegated). `recipients.owner_now` in SQL."""
    return or_(
        cases_t.c.assignee_id == actor.id,
        and_(
            cases_t.c.delegate_id == actor.id,
            cases_t.c.assignee_id.is_not(None),
            cases_t.c.delegated_until >= local_date(at.now),
        ),
    )


def owner_filter(owner: str | None, actor: Actor, at: Moment) -> ColumnElement[bool] | None:
    if owner == "mine":
        return owned_by(actor, at)
    if owner == "unassigned":
        return cases_t.c.assignee_id.is_(None)
    if owner == "unit":
        return cases_t.c.unit_id == actor.unit_id
    return None


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
    owner: str | None = None


def _case_ids(ids: list[int] | None, actor: Actor, filt: CaseFilter, at: Moment) -> Select:
    """The ordered case ids of a list: only indexed columns, so paging stays cheap."""
    view = filt.view
    q = select(cases_t.c.id).where(units_filter(cases_t.c.unit_id, ids))
    order: list[Any]
    if view in ("overdue", "due_soon"):
        by = (overdue_select(at) if view == "overdue" else due_soon_select(at)).subquery()
        q = q.join(by, by.c.case_id == cases_t.c.id)
        if view == "overdue" and filt.age is not None:
            q = q.where(figures.in_age_bucket(by.c.first_due_at, at, filt.age))
        order = [by.c.first_due_at, cases_t.c.id]
    elif view == "stalled":
        q = q.where(figures.stalled(at))
        order = [cases_t.c.updated_at, cases_t.c.id]
    else:
        order = [cases_t.c.updated_at.desc(), cases_t.c.id.desc()]
    if view == "mine":
        q = q.where(owned_by(actor, at))
    whose = owner_filter(filt.owner, actor, at)
    if whose is not None:
        q = q.where(whose)
    if view == "closed":
        q = q.where(cases_t.c.status == "closed")
    elif view != "all":
        q = q.where(figures.open_case())
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
    """Everything a list shows about some cases, in one statement, in the order given.

    `next_due` is the case's earliest open deadline and `provisional` that same deadline's
    flag (its period runs into a year the holiday calendar does not cover yet), not the flag
    of some other open deadline of the case.
    """
    if not case_ids:
        return []
    ranked = (
        select(
            deadlines_t.c.case_id,
            deadlines_t.c.due_date,
            deadlines_t.c.provisional,
            func.row_number()
            .over(
                partition_by=deadlines_t.c.case_id,
                order_by=(deadlines_t.c.due_at, deadlines_t.c.id),
            )
            .label("rn"),
        )
        .where(deadlines_t.c.status == "open", deadlines_t.c.case_id.in_(case_ids))
        .subquery()
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
            cases_t.c.assignee_id,
            users_t.c.username.label("assignee_username"),
            ranked.c.due_date.label("next_due"),
            ranked.c.provisional,
        )
        .join(orgs_t, orgs_t.c.id == cases_t.c.organization_id)
        .join(units_t, units_t.c.id == cases_t.c.unit_id)
        .outerjoin(users_t, users_t.c.id == cases_t.c.assignee_id)
        .outerjoin(ranked, (ranked.c.case_id == cases_t.c.id) & (ranked.c.rn == 1))
        .where(cases_t.c.id.in_(case_ids))
    )
    rows = {
        x["id"]: {**x, "provisional": bool(x["provisional"])} for x in r.conn.execute(q).mappings()
    }
    return [rows[i] for i in case_ids if i in rows]


def list_cases(
    uow: UnitOfWork,
    actor: Actor,
    filt: CaseFilter,
    at: Moment,
    *,
    page: int = 1,
    per_page: int = 25,
    offset: int | None = None,
    total: int | None = None,
) -> Page:
    """A page of cases for the inbox, a dashboard drill-down, the API or the CLI.

    The UI asks for a `page` number (past the end: the last page); the API and the CLI for
    an `offset` in rows, taken as asked. Statements: the unit scope, the count (skipped when
    the caller already knows it, e.g. from the tab counts), the page's ids, and the page's
    rows — whatever the number of cases.
    """
    with uow.reader() as r:
        ids = scope_unit_ids(r, actor)
        q = _case_ids(ids, actor, filt, at)
        if total is None:
            total = r.conn.execute(
                select(func.count()).select_from(q.order_by(None).subquery())
            ).scalar_one()
        if offset is None:
            page = page_count(total, per_page, page)
            start = (page - 1) * per_page
        else:
            page, start = offset // per_page + 1, offset
        case_ids = list(r.conn.execute(q.limit(per_page).offset(start)).scalars())
        rows = _case_rows(r, case_ids)
    return Page(rows, total, page, per_page, offset)


def iter_cases(
    uow: UnitOfWork, actor: Actor, filt: CaseFilter, at: Moment, batch: int = 500
) -> Iterator[dict]:
    """Every case of a list, in batches (for XLSX export); one read transaction throughout."""
    with uow.reader() as r:
        ids = scope_unit_ids(r, actor)
        case_ids = list(r.conn.execute(_case_ids(ids, actor, filt, at)).scalars())
        for start in range(0, len(case_ids), batch):
            yield from _case_rows(r, case_ids[start : start + batch])


def counts_by_view(uow: UnitOfWork, actor: Actor, at: Moment) -> dict[str, int]:
    """How many open cases each inbox tab holds, in one statement.

    Overdue and due soon come from one pass over the open deadlines that matter (see
    `deadline_flags_select`) joined once to the cases in scope; open, stalled and mine are
    index-only counts.
    """

    def count_cases(*conds: ColumnElement[bool]) -> Any:
        return (
            select(func.count())
            .select_from(cases_t)
            .where(figures.open_case(), units_filter(cases_t.c.unit_id, ids), *conds)
            .scalar_subquery()
        )

    with uow.reader() as r:
        ids = scope_unit_ids(r, actor)
        flags = deadline_flags_select(at).subquery()
        q = (
            select(
                count_cases().label("open"),
                func.coalesce(func.sum(flags.c.soon), 0).label("due_soon"),
                func.coalesce(
                    func.sum(case((flags.c.first_due_at.is_not(None), 1), else_=0)), 0
                ).label("overdue"),
                count_cases(figures.stalled(at)).label("stalled"),
                count_cases(owned_by(actor, at)).label("mine"),
            )
            .select_from(flags.join(cases_t, cases_t.c.id == flags.c.case_id))
            .where(figures.open_case(), units_filter(cases_t.c.unit_id, ids))
        )
        return {k: int(v) for k, v in r.conn.execute(q).mappings().one().items()}


def counts_by_owner(uow: UnitOfWork, actor: Actor, at: Moment) -> dict[str, int]:
    """How many open cases each owner filter holds (`OWNERS`), in one statement."""
    with uow.reader() as r:
        ids = scope_unit_ids(r, actor)

        def count(*conds: ColumnElement[bool]) -> Any:
            return (
                select(func.count())
                .select_from(cases_t)
                .where(figures.open_case(), units_filter(cases_t.c.unit_id, ids), *conds)
                .scalar_subquery()
            )

        q = select(
            *(
                count(*[c for c in [owner_filter(o, actor, at)] if c is not None]).label(o)
                for o in OWNERS
            )
        )
        return {k: int(v) for k, v in r.conn.execute(q).mappings().one().items()}
