"""Directory records for the CLI and the Party-organization pages (unscoped readers)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from engine.directory.service import party_org_row
from engine.errors import NotFound
from engine.store.tables import (
    Case,
    Member,
    Organization,
    OrgLifeMeeting,
    PartyOfficer,
    PartyOrganization,
    Unit,
    User,
)
from engine.store.unit_of_work import UnitOfWork


def list_users(uow: UnitOfWork) -> list[Any]:
    """Every user with role, unit code, whether active and whether a password is set."""
    users, units = User.__table__, Unit.__table__
    with uow.reader() as r:
        return r.conn.execute(
            select(
                users.c.id,
                users.c.username,
                users.c.display_name,
                users.c.role,
                units.c.code,
                users.c.active,
                (users.c.password_hash.is_not(None)).label("has_password"),
            )
            .join(units, units.c.id == users.c.unit_id)
            .order_by(users.c.username)
        ).all()


def list_organizations(
    uow: UnitOfWork, *, search: str | None = None, limit: int = 50
) -> list[dict]:
    orgs = Organization.__table__
    with uow.reader() as r:
        q = select(orgs).order_by(orgs.c.id).limit(limit)
        if search:
            q = q.where(orgs.c.name.contains(search) | (orgs.c.credit_code == search.upper()))
        return [dict(x) for x in r.conn.execute(q).mappings()]


def list_party_organizations(
    uow: UnitOfWork,
    *,
    organization_id: int | None = None,
    status: str | None = "active",
    limit: int = 50,
    offset: int = 0,
) -> list[dict]:
    """Party organizations with their host organization's name and their member count."""
    po, orgs, members = PartyOrganization.__table__, Organization.__table__, Member.__table__
    counts = (
        select(members.c.party_organization_id, func.count().label("members"))
        .group_by(members.c.party_organization_id)
        .subquery()
    )
    q = (
        select(
            po,
            orgs.c.name.label("organization"),
            func.coalesce(counts.c.members, 0).label("members"),
        )
        .join(orgs, orgs.c.id == po.c.organization_id, isouter=True)
        .join(counts, counts.c.party_organization_id == po.c.id, isouter=True)
        .order_by(po.c.id)
        .limit(limit)
        .offset(offset)
    )
    if organization_id is not None:
        q = q.where(po.c.organization_id == organization_id)
    if status:
        q = q.where(po.c.status == status)
    with uow.reader() as r:
        return [dict(x) for x in r.conn.execute(q).mappings()]


def party_organization_detail(uow: UnitOfWork, party_organization_id: int) -> dict:
    """One Party organization with its members, officers (SEC), latest meetings (DEC-3) and the
    open cases about it with their warnings (e.g. SEC-5, SEC-6)."""
    members, officers = Member.__table__, PartyOfficer.__table__
    meetings = OrgLifeMeeting.__table__
    with uow.reader() as r:
        out = dict(party_org_row(r, party_organization_id))
        out["members"] = [
            dict(m)
            for m in r.conn.execute(
                select(members)
                .where(members.c.party_organization_id == party_organization_id)
                .order_by(members.c.id)
            ).mappings()
        ]
        out["officers"] = [
            dict(o)
            for o in r.conn.execute(
                select(officers)
                .where(officers.c.party_organization_id == party_organization_id)
                .order_by(officers.c.id)
            ).mappings()
        ]
        out["meetings"] = [
            dict(m)
            for m in r.conn.execute(
                select(meetings)
                .where(meetings.c.party_organization_id == party_organization_id)
                .order_by(meetings.c.held_on.desc(), meetings.c.id.desc())
                .limit(20)
            ).mappings()
        ]
        cases = Case.__table__
        out["cases"] = [
            {
                "id": c.id,
                "procedure": c.procedure,
                "state": c.state,
                "warnings": (c.data or {}).get("warnings") or {},
            }
            for c in r.conn.execute(
                select(cases.c.id, cases.c.procedure, cases.c.state, cases.c.data)
                .where(cases.c.organization_id == out["organization_id"], cases.c.status == "open")
                .order_by(cases.c.id)
            )
            if (c.data or {}).get("party_organization_id") == party_organization_id
        ]
        return out


def list_members(
    uow: UnitOfWork,
    *,
    organization_id: int | None = None,
    party_organization_id: int | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[dict]:
    """Members by employer or by the Party organization their relation sits in."""
    t = Member.__table__
    q = select(t).order_by(t.c.id).limit(limit).offset(offset)
    if organization_id is not None:
        q = q.where(t.c.organization_id == organization_id)
    if party_organization_id is not None:
        q = q.where(t.c.party_organization_id == party_organization_id)
    with uow.reader() as r:
        return [dict(x) for x in r.conn.execute(q).mappings()]


def get_member(uow: UnitOfWork, member_id: int) -> dict:
    t = Member.__table__
    with uow.reader() as r:
        row = r.conn.execute(select(t).where(t.c.id == member_id)).mappings().first()
        if row is None:
            raise NotFound("member", member_id)
        return dict(row)
