"""The one reader of Party organizations and Party members, as an actor sees them.

A Party organization and a member belong to the unit of the social organization that hosts
or employs them; an actor sees those of their unit and below (`SYSTEM`, the CLI's, sees all).
Readers open read-only units of work and never commit.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, select

from engine.access.actor import Actor
from engine.access.scope import require_visible, scope_unit_ids
from engine.directory.read import organization_cases
from engine.errors import NotFound
from engine.paging import Page, in_order, read_page
from engine.store.tables import (
    Member,
    Organization,
    OrgLifeMeeting,
    PartyOfficer,
    PartyOrganization,
    PartyOrgCoverage,
)
from engine.store.unit_of_work import UnitOfWork

orgs_t = Organization.__table__
party_t = PartyOrganization.__table__
members_t = Member.__table__
officers_t = PartyOfficer.__table__
meetings_t = OrgLifeMeeting.__table__
cover_t = PartyOrgCoverage.__table__

#: How many of a Party organization's latest meetings its detail shows (DEC-3).
LATEST_MEETINGS = 20


# ---------------------------------------------------------------- Party organizations


@dataclass(frozen=True)
class PartyOrgFilter:
    """What the Party-organization lists can be narrowed by; every field optional."""

    q: str | None = None
    kind: str | None = None
    status: str | None = None
    organization_id: int | None = None


def _party_organization_ids(unit_ids: list[int] | None, filt: PartyOrgFilter) -> Select:
    q = select(party_t.c.id)
    if unit_ids is not None:  # a body's own Party organization sits at its upper unit
        q = q.outerjoin(orgs_t, orgs_t.c.id == party_t.c.organization_id).where(
            func.coalesce(orgs_t.c.unit_id, party_t.c.upper_unit_id).in_(unit_ids)
        )
    if filt.q and filt.q.strip():
        q = q.where(party_t.c.name.contains(filt.q.strip(), autoescape=True))
    if filt.kind:
        q = q.where(party_t.c.kind == filt.kind)
    if filt.status:
        q = q.where(party_t.c.status == filt.status)
    if filt.organization_id is not None:
        q = q.where(party_t.c.organization_id == filt.organization_id)
    return q.order_by(party_t.c.name, party_t.c.id)


def _party_organization_query() -> Select:
    """A Party organization with its host organization's name and unit, and its number of
    members: one row shape for the list and the detail."""
    members = (
        select(func.count())
        .where(members_t.c.party_organization_id == party_t.c.id)
        .scalar_subquery()
    )
    return select(
        party_t,
        orgs_t.c.name.label("organization"),
        func.coalesce(orgs_t.c.unit_id, party_t.c.upper_unit_id).label("unit_id"),
        members.label("members_count"),
    ).outerjoin(orgs_t, orgs_t.c.id == party_t.c.organization_id)


def _party_organization_rows(r: UnitOfWork, ids: list[int]) -> list[dict[str, Any]]:
    rows = r.conn.execute(_party_organization_query().where(party_t.c.id.in_(ids))).mappings()
    return in_order(ids, rows)


def list_party_organizations(
    uow: UnitOfWork,
    actor: Actor,
    filt: PartyOrgFilter | None = None,
    *,
    page: int = 1,
    per_page: int = 25,
    offset: int | None = None,
) -> Page:
    """A page of the Party organizations of the organizations in the actor's units, by name."""
    with uow.reader() as r:
        ids = _party_organization_ids(scope_unit_ids(r, actor), filt or PartyOrgFilter())
        return read_page(
            r.conn, ids, lambda page_ids: _party_organization_rows(r, page_ids),
            page=page, per_page=per_page, offset=offset,
        )  # fmt: skip


def party_organization(uow: UnitOfWork, actor: Actor, party_org_id: int) -> dict[str, Any]:
    """A Party organization (the list's row) with its members, its officers (SEC), its latest
    meetings (DEC-3), the cases of its host organization and, among them, the open cases
    about it with their warnings (e.g. SEC-5, SEC-6)."""
    with uow.reader() as r:
        row = (
            r.conn.execute(_party_organization_query().where(party_t.c.id == party_org_id))
            .mappings()
            .first()
        )
        if row is None:
            raise NotFound("party organization", party_org_id)
        require_visible(r, actor, row["unit_id"], f"Party organization {party_org_id}")
        out = dict(row)
        out["members"] = _members(r, members_t.c.party_organization_id == party_org_id)
        out["officers"] = [
            dict(x)
            for x in r.conn.execute(
                select(officers_t)
                .where(officers_t.c.party_organization_id == party_org_id)
                .order_by(officers_t.c.status, officers_t.c.id)
            ).mappings()
        ]
        out["meetings"] = [
            dict(x)
            for x in r.conn.execute(
                select(meetings_t)
                .where(meetings_t.c.party_organization_id == party_org_id)
                .order_by(meetings_t.c.held_on.desc(), meetings_t.c.id.desc())
                .limit(LATEST_MEETINGS)
            ).mappings()
        ]
        out["covers"] = [
            dict(x)
            for x in r.conn.execute(
                select(
                    cover_t.c.organization_id,
                    orgs_t.c.name,
                    cover_t.c.mode,
                    cover_t.c.since,
                )
                .join(orgs_t, orgs_t.c.id == cover_t.c.organization_id)
                .where(cover_t.c.party_organization_id == party_org_id, cover_t.c.until.is_(None))
                .order_by(cover_t.c.id)
            ).mappings()
        ]
        host = out["organization_id"]
        out["cases"] = organization_cases(r, host) if host is not None else []
    out["open_cases"] = [
        c
        for c in sorted(out["cases"], key=lambda c: c["id"])
        if c["status"] == "open" and c["party_organization_id"] == party_org_id
    ]
    return out


# ---------------------------------------------------------------- members


@dataclass(frozen=True)
class MemberFilter:
    """Members by employer, or by the Party organization their relation sits in."""

    organization_id: int | None = None
    party_organization_id: int | None = None


def _members(r: UnitOfWork, where: Any) -> list[dict[str, Any]]:
    return [
        dict(x)
        for x in r.conn.execute(_member_query().where(where).order_by(members_t.c.id)).mappings()
    ]


def _member_query() -> Select:
    """A member with the name and unit of the organization that employs them."""
    return select(members_t, orgs_t.c.name.label("organization"), orgs_t.c.unit_id).join(
        orgs_t, orgs_t.c.id == members_t.c.organization_id
    )


def list_members(
    uow: UnitOfWork,
    actor: Actor,
    filt: MemberFilter | None = None,
    *,
    page: int = 1,
    per_page: int = 100,
    offset: int | None = None,
) -> Page:
    """A page of the members employed by organizations in the actor's units, by number (the
    steps of P2 and P4 name members by number: TRF-3, SEC-2)."""
    filt = filt or MemberFilter()
    with uow.reader() as r:
        unit_ids = scope_unit_ids(r, actor)
        ids = select(members_t.c.id).order_by(members_t.c.id)
        if unit_ids is not None:
            ids = ids.join(orgs_t, orgs_t.c.id == members_t.c.organization_id).where(
                orgs_t.c.unit_id.in_(unit_ids)
            )
        if filt.organization_id is not None:
            ids = ids.where(members_t.c.organization_id == filt.organization_id)
        if filt.party_organization_id is not None:
            ids = ids.where(members_t.c.party_organization_id == filt.party_organization_id)
        return read_page(
            r.conn, ids, lambda page_ids: _members(r, members_t.c.id.in_(page_ids)),
            page=page, per_page=per_page, offset=offset,
        )  # fmt: skip


def member(uow: UnitOfWork, actor: Actor, member_id: int) -> dict[str, Any]:
    """One member (the list's row); Forbidden if their employer is outside the actor's units."""
    with uow.reader() as r:
        row = r.conn.execute(_member_query().where(members_t.c.id == member_id)).mappings().first()
        if row is None:
            raise NotFound("member", member_id)
        require_visible(r, actor, row["unit_id"], f"member {member_id}")
        return dict(row)
