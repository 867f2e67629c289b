"""The campaign board (REG-10, ACC-1): per unit, how many organizations a drive took in
(opened or joined), how many are covered, how many are still uncovered after its last day;
the burndown of cases still open day by day; and the campaigns of a unit in a year (what the
year-end report reads).

"Covered" is the organization's coverage (`organizations.coverage`: a Party organization or
an instructor, REG-7's two coverages), however it came; "overdue" is an organization of the
drive still uncovered once the drive's last day has ended (Shanghai time). Read-only units of
work; every query is per campaign, grouped in SQL.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import case, func, select

from engine.access.actor import Actor
from engine.access.scope import require_visible, scope_unit_ids
from engine.calendar import end_of_day, local_date
from engine.errors import NotFound
from engine.store.tables import Case, Organization, Unit
from engine.store.tables_coverage import Campaign, CampaignCase
from engine.store.unit_of_work import UnitOfWork

campaigns_t = Campaign.__table__
ledger_t = CampaignCase.__table__
orgs_t = Organization.__table__
cases_t = Case.__table__
units_t = Unit.__table__


def _counts(at: datetime, ends_on: Any) -> list[Any]:
    covered = orgs_t.c.coverage != "none"
    late = end_of_day(ends_on) <= at if isinstance(ends_on, date) else False
    return [
        func.count().label("opened"),
        func.coalesce(func.sum(case((covered, 1), else_=0)), 0).label("covered"),
        (func.coalesce(func.sum(case((~covered, 1), else_=0)), 0) if late else func.sum(0)).label(
            "overdue"
        ),
    ]


def board(r: UnitOfWork, campaign_id: int, at: datetime) -> dict[str, Any]:
    """One campaign: its row, per-unit progress and totals, and the burndown."""
    c = (
        r.conn.execute(select(campaigns_t).where(campaigns_t.c.id == campaign_id))
        .mappings()
        .first()
    )
    if c is None:
        raise NotFound("campaign", campaign_id)
    per_unit = (
        r.conn.execute(
            select(
                ledger_t.c.unit_id, units_t.c.name_zh, units_t.c.name_en, *_counts(at, c["ends_on"])
            )
            .join(orgs_t, orgs_t.c.id == ledger_t.c.organization_id)
            .join(units_t, units_t.c.id == ledger_t.c.unit_id)
            .where(ledger_t.c.campaign_id == campaign_id)
            .group_by(ledger_t.c.unit_id, units_t.c.name_zh, units_t.c.name_en)
            .order_by(units_t.c.name_zh)
        )
        .mappings()
        .all()
    )
    rows = [
        {k: (int(v) if k in ("opened", "covered", "overdue") else v) for k, v in u.items()}
        for u in per_unit
    ]
    totals = {k: sum(u[k] for u in rows) for k in ("opened", "covered", "overdue")}
    return {"campaign": dict(c), "units": rows, "totals": totals, "burndown": burndown(r, c, at)}


def burndown(r: UnitOfWork, c: Any, at: datetime) -> list[tuple[date, int]]:
    """(day, cases of the campaign still open at the end of that day) from the first day to
    the last (or today, if earlier): added by then minus closed by then."""
    rows = r.conn.execute(
        select(ledger_t.c.added_at, cases_t.c.closed_at)
        .join(cases_t, cases_t.c.id == ledger_t.c.case_id)
        .where(ledger_t.c.campaign_id == c["id"])
    ).all()
    added = [local_date(a) for a, _ in rows]
    closed = [local_date(z) for _, z in rows if z is not None]
    last = min(c["ends_on"], max(local_date(at), c["starts_on"]))
    out, day = [], c["starts_on"]
    while day <= last:
        out.append((day, sum(a <= day for a in added) - sum(z <= day for z in closed)))
        day += timedelta(days=1)
    return out


def organizations(
    r: UnitOfWork, campaign_id: int, unit_ids: list[int] | None = None
) -> list[dict[str, Any]]:
    """The organizations a campaign took in (within `unit_ids`, None: all), each with its
    case's state and version and the organization's coverage now, by unit then name."""
    q = (
        select(
            ledger_t.c.organization_id,
            orgs_t.c.name,
            orgs_t.c.coverage,
            ledger_t.c.unit_id,
            ledger_t.c.joined,
            ledger_t.c.case_id,
            cases_t.c.state,
            cases_t.c.status,
            cases_t.c.version.label("case_version"),
        )
        .join(orgs_t, orgs_t.c.id == ledger_t.c.organization_id)
        .outerjoin(cases_t, cases_t.c.id == ledger_t.c.case_id)
        .where(ledger_t.c.campaign_id == campaign_id)
        .order_by(ledger_t.c.unit_id, orgs_t.c.name, ledger_t.c.organization_id)
    )
    if unit_ids is not None:
        q = q.where(ledger_t.c.unit_id.in_(unit_ids))
    return [dict(row) for row in r.conn.execute(q).mappings()]


def list_campaigns(r: UnitOfWork, unit_ids: list[int] | None, at: datetime) -> list[dict[str, Any]]:
    """The campaigns over the given units (None: all), newest first, with their totals."""
    q = select(campaigns_t).order_by(campaigns_t.c.starts_on.desc(), campaigns_t.c.id.desc())
    if unit_ids is not None:
        q = q.where(campaigns_t.c.unit_id.in_(unit_ids))
    out = []
    for c in r.conn.execute(q).mappings().all():
        t = (
            r.conn.execute(
                select(*_counts(at, c["ends_on"]))
                .select_from(ledger_t)
                .join(orgs_t, orgs_t.c.id == ledger_t.c.organization_id)
                .where(ledger_t.c.campaign_id == c["id"])
            )
            .mappings()
            .one()
        )
        out.append({**dict(c), **{k: int(v or 0) for k, v in t.items()}})
    return out


def campaigns_in_year(r: UnitOfWork, unit_id: int, year: int, at: datetime) -> list[dict[str, Any]]:
    """The campaigns of unit `unit_id` (opened over it or a unit below it) that started in
    `year`, each with opened / covered / overdue: what the year-end report (RPT-1) reads."""
    path = r.conn.execute(select(units_t.c.path).where(units_t.c.id == unit_id)).scalar()
    if path is None:
        raise NotFound("unit", unit_id)
    below = list(
        r.conn.execute(
            select(units_t.c.id).where(units_t.c.path.startswith(path, autoescape=True))
        ).scalars()
    )
    return [c for c in list_campaigns(r, below, at) if c["starts_on"].year == year]


# ---------------------------------------------------------------- as the actor sees them


def visible_campaigns(uow: UnitOfWork, actor: Actor, at: datetime) -> list[dict[str, Any]]:
    """The campaigns opened over the actor's unit or a unit below it, newest first."""
    with uow.reader() as r:
        return list_campaigns(r, scope_unit_ids(r, actor), at)


def campaign_view(uow: UnitOfWork, actor: Actor, campaign_id: int, at: datetime) -> dict[str, Any]:
    """One campaign's board and its organizations, for an actor who sees the campaign's unit
    (NotFound / Forbidden otherwise)."""
    with uow.reader() as r:
        unit_id = r.conn.execute(
            select(campaigns_t.c.unit_id).where(campaigns_t.c.id == campaign_id)
        ).scalar()
        if unit_id is None:
            raise NotFound("campaign", campaign_id)
        require_visible(r, actor, unit_id, "campaign")
        out = board(r, campaign_id, at)
        out["organizations"] = organizations(r, campaign_id)
    return out
