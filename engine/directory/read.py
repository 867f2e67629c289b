"""Reading the directory as an actor sees it: organizations, Party organizations, members."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    Select,
    func,
    or_,
    select,
)
from sqlalchemy.sql.elements import ColumnElement

from engine.access.actor import Actor
from engine.access.scope import scope_unit_ids, units_filter
from engine.errors import Forbidden, NotFound
from engine.paging import Page, page_count
from engine.store.tables import (
    Case,
    Instructor,
    Member,
    Organization,
    PartyOfficer,
    PartyOrganization,
    Unit,
)
from engine.store.unit_of_work import UnitOfWork

cases_t = Case.__table__


orgs_t = Organization.__table__


units_t = Unit.__table__


party_t = PartyOrganization.__table__


instructors_t = Instructor.__table__


members_t = Member.__table__


officers_t = PartyOfficer.__table__


#: Coverage values of `organizations.coverage` (REG-7): a Party organization, an instructor
#: (or stationed branch / lead organization), or neither yet.
COVERAGES = ("party_org", "instructor", "none")


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
    q = select(orgs_t.c.id).where(units_filter(orgs_t.c.unit_id, ids))
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
        q = _organization_ids(scope_unit_ids(r, actor), filt)
        total = r.conn.execute(
            select(func.count()).select_from(q.order_by(None).subquery())
        ).scalar_one()
        page = page_count(total, per_page, page)
        org_ids = list(r.conn.execute(q.limit(per_page).offset((page - 1) * per_page)).scalars())
        rows = _organization_rows(r, org_ids)
    return Page(rows, total, page, per_page)


def iter_organizations(
    uow: UnitOfWork, actor: Actor, filt: OrgFilter, batch: int = 500
) -> Iterator[dict]:
    with uow.reader() as r:
        org_ids = list(r.conn.execute(_organization_ids(scope_unit_ids(r, actor), filt)).scalars())
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
        q = _party_organization_query(scope_unit_ids(r, actor), q_text, kind)
        inner = q.order_by(None).with_only_columns(party_t.c.id).subquery()
        total = r.conn.execute(select(func.count()).select_from(inner)).scalar_one()
        page = page_count(total, per_page, page)
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
