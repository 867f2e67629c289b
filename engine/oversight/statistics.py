"""The statistics a committee sends upward, per unit (with its subtree) and year (INF-1, FUND-1).

INF-1: the platform keeps the number of Party organizations, of members and the dues
collected; FUND-1: at least `fund_floor_yuan_per_member_year` yuan of work and activity funding
per member and year (a local parameter: districts may raise it), dues returned in full for
Party work, start-up support for a newly formed Party organization. One reader gives the page,
the XLSX, the API and the CLI the same table.

The year is read as it stood at its end — or today, for the running year: Party
organizations established by then and not revoked before, coverage on that day
(`history.coverage_on`), the year's recorded money. Members are the members now recorded with
each Party organization (the directory keeps no dated membership); the page says so.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from marshmallow import ValidationError
from sqlalchemy import and_, case, func, or_, select, true

from engine.access.actor import Actor
from engine.access.scope import require_visible
from engine.calendar import local_date
from engine.definitions.model import Definitions
from engine.directory.funds import AMOUNTS, to_yuan
from engine.errors import NotFound
from engine.oversight import history
from engine.store.tables import Member, Organization, PartyOrganization, Unit
from engine.store.tables_yearly import PartyOrgFunds
from engine.store.unit_of_work import UnitOfWork
from engine.vocabulary import PARTY_ORG_KINDS

party_t = PartyOrganization.__table__
orgs_t = Organization.__table__
members_t = Member.__table__
funds_t = PartyOrgFunds.__table__
units_t = Unit.__table__

FLOOR_PARAMETER = "fund_floor_yuan_per_member_year"


@dataclass(frozen=True)
class UnitInScope:
    """The unit a yearly report is about (None: the whole tree), and its subtree's ids."""

    id: int | None
    code: str | None
    name_zh: str
    name_en: str
    unit_ids: list[int] | None


def unit_in_scope(r: UnitOfWork, actor: Actor, unit_id: int | None) -> UnitInScope:
    """The asked unit (default: the actor's own; an administrator's default is the whole
    tree), Forbidden outside the actor's units, NotFound if it does not exist."""
    if unit_id is None:
        unit_id = actor.unit_id
    if unit_id is None:
        return UnitInScope(None, None, "全部单位", "All units", None)
    row = r.conn.execute(select(units_t).where(units_t.c.id == unit_id)).mappings().first()
    if row is None:
        raise NotFound("unit", unit_id)
    require_visible(r, actor, unit_id, "this unit")
    ids = list(
        r.conn.execute(
            select(units_t.c.id).where(units_t.c.path.startswith(row["path"], autoescape=True))
        ).scalars()
    )
    return UnitInScope(row["id"], row["code"], row["name_zh"], row["name_en"], ids)


def as_of(year: int, now: datetime) -> date:
    """The day a year's figures are read on: its last day, or today while it runs; a year
    that has not begun has no figures (refused naming the field)."""
    today = local_date(now)
    if year > today.year:
        raise ValidationError({"year": [f"{year} has not begun / {year}年尚未开始"]})
    return min(date(year, 12, 31), today)


@dataclass
class KindRow:
    kind: str
    party_organizations: int = 0
    new_in_year: int = 0
    full_members: int = 0
    probationary_members: int = 0


@dataclass
class Statistics:
    """One unit's year: totals by kind, coverage, money, and one line per Party organization."""

    unit: UnitInScope
    year: int
    as_of: date
    floor_yuan: Decimal
    kinds: list[KindRow]
    coverage: dict[str, int]
    money: dict[str, Decimal]
    party_organizations: list[dict[str, Any]] = field(default_factory=list)

    @property
    def members(self) -> int:
        return sum(k.full_members + k.probationary_members for k in self.kinds)

    @property
    def total_party_organizations(self) -> int:
        return sum(k.party_organizations for k in self.kinds)

    @property
    def recorded(self) -> int:
        """Party organizations whose year's money is recorded."""
        return sum(1 for p in self.party_organizations if p["recorded"])

    @property
    def below_floor(self) -> list[dict[str, Any]]:
        return [p for p in self.party_organizations if p["below_floor"]]


def floor_yuan(defs: Definitions) -> Decimal:
    """FUND-1's floor per member and year (local parameter; the Beijing text's 200 yuan)."""
    return Decimal(str(defs.parameters[FLOOR_PARAMETER]))


def statistics(
    uow: UnitOfWork,
    actor: Actor,
    defs: Definitions,
    unit_id: int | None,
    year: int,
    now: datetime,
) -> Statistics:
    """The year's statistics of a unit and every unit below it, in one read transaction."""
    day = as_of(year, now)
    floor = floor_yuan(defs)
    with uow.reader() as r:
        unit = unit_in_scope(r, actor, unit_id)
        rows = _party_org_rows(r, unit.unit_ids, year, day)
        cov = history.coverage_on(r, unit.unit_ids, day)
    kinds = {k: KindRow(k) for k in PARTY_ORG_KINDS}
    money = {k: Decimal("0.00") for k in AMOUNTS}
    lines = []
    for x in rows:
        k = kinds.setdefault(x["kind"], KindRow(x["kind"]))
        k.party_organizations += 1
        k.new_in_year += int(x["established_on"] is not None and x["established_on"].year == year)
        k.full_members += x["full_members"]
        k.probationary_members += x["probationary_members"]
        lines.append(_line(x, year, floor, money))
    return Statistics(unit, year, day, floor, list(kinds.values()), cov, money, lines)


def _line(x: Any, year: int, floor: Decimal, money: dict[str, Decimal]) -> dict[str, Any]:
    """One Party organization's line and the FUND-1 questions about it."""
    recorded = x["funds_version"] is not None
    members = x["full_members"] + x["probationary_members"]
    amounts = {k: to_yuan(x[f"{k}_fen"]) if recorded else None for k in AMOUNTS}
    for k, v in amounts.items():
        if v is not None:
            money[k] += v
    per_member = (
        (amounts["funding_received"] / members).quantize(Decimal("0.01"))
        if recorded and members
        else None
    )
    new = x["established_on"] is not None and x["established_on"].year == year
    return {
        "id": x["id"],
        "name": x["name"],
        "kind": x["kind"],
        "organization": x["organization"],
        "established_on": x["established_on"],
        "new_in_year": new,
        "full_members": x["full_members"],
        "probationary_members": x["probationary_members"],
        "members": members,
        "recorded": recorded,
        **amounts,
        "per_member": per_member,
        # FUND-1: below the floor per member; dues not returned in full; new without support
        "below_floor": per_member is not None and per_member < floor,
        "dues_short": recorded and amounts["dues_returned"] < amounts["dues_collected"],
        "no_startup_support": recorded and new and not amounts["startup_support"],
    }


def _party_org_rows(
    r: UnitOfWork, unit_ids: list[int] | None, year: int, day: date
) -> list[dict[str, Any]]:
    unit = func.coalesce(orgs_t.c.unit_id, party_t.c.upper_unit_id)
    members = (
        select(
            members_t.c.party_organization_id.label("po"),
            func.sum(case((members_t.c.status == "full", 1), else_=0)).label("full"),
            func.sum(case((members_t.c.status == "probationary", 1), else_=0)).label("prob"),
        )
        .where(members_t.c.party_organization_id.is_not(None))
        .group_by(members_t.c.party_organization_id)
        .subquery()
    )
    q = (
        select(
            party_t.c.id,
            party_t.c.name,
            party_t.c.kind,
            party_t.c.established_on,
            orgs_t.c.name.label("organization"),
            func.coalesce(members.c.full, 0).label("full_members"),
            func.coalesce(members.c.prob, 0).label("probationary_members"),
            funds_t.c.version.label("funds_version"),
            *(funds_t.c[f"{k}_fen"] for k in AMOUNTS),
        )
        .select_from(
            party_t.outerjoin(orgs_t, orgs_t.c.id == party_t.c.organization_id)
            .outerjoin(members, members.c.po == party_t.c.id)
            .outerjoin(
                funds_t,
                and_(funds_t.c.party_organization_id == party_t.c.id, funds_t.c.year == year),
            )
        )
        .where(
            or_(party_t.c.established_on.is_(None), party_t.c.established_on <= day),
            or_(party_t.c.revoked_on.is_(None), party_t.c.revoked_on > day),
            unit.in_(unit_ids) if unit_ids is not None else true(),
        )
        .order_by(party_t.c.name, party_t.c.id)
    )
    return [dict(x) for x in r.conn.execute(q).mappings()]
