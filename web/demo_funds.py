"""Demo data for the yearly money of Party organizations (INF-1, FUND-1): last year's figures
for every Party organization of the demo and this year's for some, recorded through the
service as a caseworker of the organization's unit would, so the statistics page shows a
Party organization below the per-member floor, dues not returned in full and a new one
without start-up support, and the form has a history to show."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Any

from sqlalchemy import case, func, select

from engine.access import actor as access
from engine.directory import funds
from engine.store.tables import Member, Organization, PartyOrganization, Unit, User
from web.runtime import Runtime


def _party_orgs(rt: Runtime) -> list[Any]:
    party_t, orgs_t, members_t = (
        PartyOrganization.__table__,
        Organization.__table__,
        Member.__table__,
    )
    members = (
        select(func.count())
        .where(members_t.c.party_organization_id == party_t.c.id)
        .scalar_subquery()
    )
    with rt.reader() as r:
        return list(
            r.conn.execute(
                select(
                    party_t.c.id,
                    party_t.c.established_on,
                    func.coalesce(orgs_t.c.unit_id, party_t.c.upper_unit_id).label("unit_id"),
                    case((members > 0, members), else_=3).label("members"),
                )
                .outerjoin(orgs_t, orgs_t.c.id == party_t.c.organization_id)
                .where(party_t.c.status == "active")
                .order_by(party_t.c.id)
            ).mappings()
        )


def _recorder(rt: Runtime, unit_id: int | None) -> access.Actor:
    """The caseworker nearest above the Party organization's unit; the administrator else."""
    units_t, users_t = Unit.__table__, User.__table__
    with rt.reader() as r:
        path = r.conn.execute(select(units_t.c.path).where(units_t.c.id == unit_id)).scalar()
        rows = r.conn.execute(
            select(users_t.c.username, units_t.c.path)
            .join(units_t, units_t.c.id == users_t.c.unit_id)
            .where(users_t.c.role == "caseworker", users_t.c.active.is_(True))
        ).all()
    above = [(len(p), u) for u, p in rows if path is not None and path.startswith(p)]
    return access.actor_for(rt.uow(), max(above)[1] if above else "admin")


def load(rt: Runtime, today: date) -> int:
    """Record the demo's yearly figures; returns how many years were recorded."""
    now = datetime.combine(today, time(2, 0), tzinfo=UTC)
    n = 0
    for i, po in enumerate(_party_orgs(rt)):
        who = _recorder(rt, po["unit_id"])
        m = int(po["members"])
        for year in (today.year - 1, today.year):
            if year == today.year and i % 2:
                continue  # this year's figures are still coming in
            per_member = 150 if i % 4 == 1 else 200 + 40 * (i % 3)  # FUND-1: one below 200
            collected = Decimal(36 * m + 12 * (i % 5))
            returned = collected * Decimal("0.8") if i % 5 == 2 else collected
            new = po["established_on"] is not None and po["established_on"].year == year
            startup = Decimal(2000) if new and i % 3 else Decimal(0)
            funds.record_funds(
                rt.uow(),
                who,
                po["id"],
                {
                    "year": year,
                    "dues_collected": str(collected.quantize(Decimal("0.01"))),
                    "dues_returned": str(returned.quantize(Decimal("0.01"))),
                    "funding_received": str(per_member * m),
                    "startup_support": str(startup),
                    "note": "演示数据 / demo",
                },
                now,
            )
            n += 1
    return n
