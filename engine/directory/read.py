"""The one reader of organizations, units and users, as an actor sees them.

The pages, the API, the CLI (as `SYSTEM`) and the XLSX export call these functions, so they
show the same rows in the same order. Party organizations and members: `engine.directory.party`.
Readers open read-only units of work and never commit.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.sql.elements import ColumnElement

from engine.access.actor import Actor
from engine.access.scope import require_visible, scope_unit_ids, units_filter
from engine.directory.coverage import coverers
from engine.errors import NotFound
from engine.paging import Page, in_order, read_page
from engine.store.tables import (
    Case,
    Instructor,
    Member,
    Organization,
    PartyOrganization,
    Unit,
    User,
)
from engine.store.unit_of_work import UnitOfWork

cases_t = Case.__table__
orgs_t = Organization.__table__
units_t = Unit.__table__
users_t = User.__table__
party_t = PartyOrganization.__table__
instructors_t = Instructor.__table__
members_t = Member.__table__

#: Coverage values of `organizations.coverage` (REG-7): a Party organization, an instructor
#: (or stationed branch / lead organization), or neither yet.
COVERAGES = ("party_org", "instructor", "none")


# ---------------------------------------------------------------- units and users


def units_in_scope(uow: UnitOfWork, actor: Actor) -> list[dict[str, Any]]:
    """Units the actor may act for (e.g. where a new organization may be recorded)."""
    with uow.reader() as r:
        q = select(units_t.c.id, units_t.c.code, units_t.c.name_zh, units_t.c.name_en).order_by(
            units_t.c.path
        )
        if not actor.is_admin:
            q = q.where(units_t.c.path.startswith(actor.unit_path, autoescape=True))
        return [dict(x) for x in r.conn.execute(q).mappings()]


@dataclass(frozen=True)
class UserFilter:
    """What the user list can be narrowed by (the administrators' page); every field optional.

    `unit_id` takes the unit and the units below it: "the users of 南关区" includes its
    sections."""

    unit_id: int | None = None
    role: str | None = None
    active: bool | None = None


def list_users(
    uow: UnitOfWork,
    actor: Actor,
    filt: UserFilter | None = None,
    *,
    page: int = 1,
    per_page: int = 100,
    offset: int | None = None,
) -> Page:
    """Users of the actor's units by username: role, unit, whether they can sign in.

    The password hash itself never leaves the engine; `has_password` says whether one is set.
    """
    filt = filt or UserFilter()
    with uow.reader() as r:
        ids = select(users_t.c.id).where(units_filter(users_t.c.unit_id, scope_unit_ids(r, actor)))
        if filt.unit_id is not None:
            below = select(units_t.c.id).where(
                units_t.c.path.startswith(
                    select(units_t.c.path).where(units_t.c.id == filt.unit_id).scalar_subquery()
                )
            )
            ids = ids.where(users_t.c.unit_id.in_(below))
        if filt.role is not None:
            ids = ids.where(users_t.c.role == filt.role)
        if filt.active is not None:
            ids = ids.where(users_t.c.active.is_(filt.active))
        return read_page(
            r.conn, ids.order_by(users_t.c.username, users_t.c.id),
            lambda page_ids: _user_rows(r, page_ids),
            page=page, per_page=per_page, offset=offset,
        )  # fmt: skip


def _user_rows(r: UnitOfWork, user_ids: list[int]) -> list[dict[str, Any]]:
    q = (
        select(
            users_t.c.id,
            users_t.c.username,
            users_t.c.display_name,
            users_t.c.role,
            users_t.c.email,
            users_t.c.unit_id,
            units_t.c.code.label("unit_code"),
            units_t.c.name_zh.label("unit_zh"),
            units_t.c.name_en.label("unit_en"),
            users_t.c.active,
            users_t.c.password_hash.is_not(None).label("has_password"),
        )
        .join(units_t, units_t.c.id == users_t.c.unit_id)
        .where(users_t.c.id.in_(user_ids))
    )
    return in_order(user_ids, r.conn.execute(q).mappings())


# ---------------------------------------------------------------- organizations


@dataclass(frozen=True)
class OrgFilter:
    """What the organization lists can be narrowed by; every field optional."""

    q: str | None = None
    coverage: str | None = None
    status: str | None = None
    unit_id: int | None = None


def organization_matches(search: str) -> ColumnElement[bool]:
    """The search box: a part of the organization's name, typed literally (`%` and `_` are
    not wildcards: LIKE's are escaped), or its whole credit code (INF-1)."""
    term = search.strip()
    return or_(orgs_t.c.name.contains(term, autoescape=True), orgs_t.c.credit_code == term.upper())


def _organization_ids(unit_ids: list[int] | None, filt: OrgFilter) -> Select:
    q = select(orgs_t.c.id).where(units_filter(orgs_t.c.unit_id, unit_ids))
    if filt.q and filt.q.strip():
        q = q.where(organization_matches(filt.q))
    if filt.coverage:
        q = q.where(orgs_t.c.coverage == filt.coverage)
    if filt.status:
        q = q.where(orgs_t.c.status == filt.status)
    if filt.unit_id is not None:
        q = q.where(orgs_t.c.unit_id == filt.unit_id)
    return q.order_by(orgs_t.c.name, orgs_t.c.id)


def _organization_query() -> Select:
    """An organization with its unit's names and its number of open cases: one row shape for
    every list and for the detail."""
    open_cases = (
        select(func.count())
        .where(cases_t.c.organization_id == orgs_t.c.id, cases_t.c.status == "open")
        .scalar_subquery()
    )
    return select(
        orgs_t,
        units_t.c.code.label("unit_code"),
        units_t.c.name_zh.label("unit_zh"),
        units_t.c.name_en.label("unit_en"),
        units_t.c.path.label("unit_path"),
        open_cases.label("open_cases"),
    ).join(units_t, units_t.c.id == orgs_t.c.unit_id)


def _organization_rows(r: UnitOfWork, org_ids: list[int]) -> list[dict[str, Any]]:
    if not org_ids:
        return []
    rows = r.conn.execute(_organization_query().where(orgs_t.c.id.in_(org_ids))).mappings()
    return in_order(org_ids, rows)


def list_organizations(
    uow: UnitOfWork,
    actor: Actor,
    filt: OrgFilter | None = None,
    *,
    page: int = 1,
    per_page: int = 25,
    offset: int | None = None,
) -> Page:
    """A page of the organizations in the actor's units, by name.

    Statements: the unit scope, the count, the ids of the page, their rows — whatever the
    page size. The pages ask by `page`, the API and the CLI by `offset`.
    """
    with uow.reader() as r:
        ids = _organization_ids(scope_unit_ids(r, actor), filt or OrgFilter())
        return read_page(
            r.conn, ids, lambda page_ids: _organization_rows(r, page_ids),
            page=page, per_page=per_page, offset=offset,
        )  # fmt: skip


def iter_organizations(
    uow: UnitOfWork, actor: Actor, filt: OrgFilter | None = None, batch: int = 500
) -> Iterator[dict[str, Any]]:
    """Every row `list_organizations` pages through, in its order (the XLSX export)."""
    with uow.reader() as r:
        ids = _organization_ids(scope_unit_ids(r, actor), filt or OrgFilter())
        org_ids = list(r.conn.execute(ids).scalars())
        for start in range(0, len(org_ids), batch):
            yield from _organization_rows(r, org_ids[start : start + batch])


def organization(uow: UnitOfWork, actor: Actor, organization_id: int) -> dict[str, Any]:
    """An organization (the list's row) with its Party organizations, instructors, members and
    cases. NotFound if there is none; Forbidden if it belongs to a unit the actor does not see."""
    with uow.reader() as r:
        row = (
            r.conn.execute(_organization_query().where(orgs_t.c.id == organization_id))
            .mappings()
            .first()
        )
        if row is None:
            raise NotFound("organization", organization_id)
        require_visible(r, actor, row["unit_id"], f"organization {organization_id}")
        out = dict(row)
        # Its Party organizations, instructors and members: one query per table, by id.
        for key, table in (
            ("party_organizations", party_t),
            ("instructors", instructors_t),
            ("members", members_t),
        ):
            rows = r.conn.execute(
                select(table).where(table.c.organization_id == organization_id).order_by(table.c.id)
            )
            out[key] = [dict(x) for x in rows.mappings()]
        # Who covers it today (REG-7): its own, a joint branch, the host it is affiliated to.
        out["covered_by"] = coverers(r.conn, organization_id)
        out["cases"] = organization_cases(r, organization_id)
    return out


def organization_cases(r: UnitOfWork, organization_id: int) -> list[dict[str, Any]]:
    """The cases of an organization, newest first, each with the warnings its steps left
    (e.g. SEC-5, SEC-6) — inside a unit of work the caller has open and has scope-checked."""
    rows = r.conn.execute(
        select(
            cases_t.c.id,
            cases_t.c.procedure,
            cases_t.c.definition_version,
            cases_t.c.state,
            cases_t.c.status,
            cases_t.c.version,
            cases_t.c.opened_at,
            cases_t.c.updated_at,
            cases_t.c.data,
        )
        .where(cases_t.c.organization_id == organization_id)
        .order_by(cases_t.c.opened_at.desc(), cases_t.c.id.desc())
    ).mappings()
    out = []
    for x in rows:
        case = dict(x)
        data = case.pop("data") or {}
        case["party_organization_id"] = data.get("party_organization_id")
        case["warnings"] = data.get("warnings") or {}
        out.append(case)
    return out
