"""The "two coverages" (REG-7, COV-1, INS-2), defined once; `engine.oversight.figures` exports
them with the other oversight figures.

* **Party-organization coverage** — a registered organization whose `coverage` is
  `party_org`: covered by a Party organization of its own, by a joint branch it is a partner
  of, or by a host Party organization it is affiliated to (挂靠). Its *way* is read from its
  active coverage links, the strongest first: `own` (it hosts a Party organization that is
  not a joint branch), else `joint` (it hosts or is a partner of a joint branch), else
  `affiliated`.
* **Party-work coverage** — Party-organization coverage plus the organizations served by an
  instructor or liaison (`coverage` = `instructor`, a stationed branch or lead organization
  included): every organization where Party work reaches.
* **none** — registered organizations with neither.

Per unit means per organization's unit (`organizations.unit_id`, the registration authority
that holds it); every count is what the organization list shows filtered the same way.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import case, func, select

from engine.access.scope import units_filter
from engine.directory.read import COVERAGES
from engine.store.tables import Organization, PartyOrganization, PartyOrgCoverage, Unit
from engine.store.unit_of_work import UnitOfWork

orgs_t = Organization.__table__
links_t = PartyOrgCoverage.__table__
party_t = PartyOrganization.__table__
units_t = Unit.__table__

WAYS = ("own", "joint", "affiliated")
"""Ways of Party-organization coverage, strongest first."""
COUNTS = ("registered", "party_org", *WAYS, "instructor", "party_work", "none")


def coverage(r: UnitOfWork, unit_ids: list[int] | None) -> dict[str, int]:
    """REG-7 "two coverages" over registered organizations in scope: how many are registered
    and how many have each coverage value (`none`: neither yet) — each count is exactly what
    the organization list shows filtered by that value."""
    q = select(
        func.count().label("registered"),
        *(
            func.coalesce(func.sum(case((orgs_t.c.coverage == c, 1), else_=0)), 0).label(c)
            for c in COVERAGES
        ),
    ).where(orgs_t.c.status == "registered", units_filter(orgs_t.c.unit_id, unit_ids))
    return {k: int(v) for k, v in r.conn.execute(q).mappings().one().items()}


def _linked(joint_branch: bool) -> Any:
    """An active link to a joint branch (any mode), or a `host` link to a Party organization
    of its own (not a joint branch)."""
    kind = party_t.c.kind == "joint_branch"
    return (
        select(links_t.c.id)
        .join(party_t, party_t.c.id == links_t.c.party_organization_id)
        .where(
            links_t.c.organization_id == orgs_t.c.id,
            links_t.c.until.is_(None),
            kind if joint_branch else (~kind & (links_t.c.mode == "host")),
        )
        .exists()
    )


def _n(condition: Any) -> Any:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def coverage_by_unit(r: UnitOfWork, unit_ids: list[int] | None) -> list[dict[str, Any]]:
    """Per unit holding registered organizations in scope: registered, Party-organization
    coverage and its ways (own, joint, affiliated), instructor, Party-work coverage, none,
    and the two rates (percent of registered, one decimal). One grouped statement."""
    party = orgs_t.c.coverage == "party_org"
    own, joint = _linked(joint_branch=False), _linked(joint_branch=True)
    q = (
        select(
            orgs_t.c.unit_id,
            units_t.c.name_zh,
            units_t.c.name_en,
            func.count().label("registered"),
            _n(party).label("party_org"),
            _n(party & own).label("own"),
            _n(party & ~own & joint).label("joint"),
            _n(party & ~own & ~joint).label("affiliated"),
            _n(orgs_t.c.coverage == "instructor").label("instructor"),
            _n(orgs_t.c.coverage == "none").label("none"),
        )
        .join(units_t, units_t.c.id == orgs_t.c.unit_id)
        .where(orgs_t.c.status == "registered", units_filter(orgs_t.c.unit_id, unit_ids))
        .group_by(orgs_t.c.unit_id, units_t.c.name_zh, units_t.c.name_en, units_t.c.path)
        .order_by(units_t.c.path)
    )
    rows = []
    for row in r.conn.execute(q).mappings():
        x = {k: (v if k in ("name_zh", "name_en") else int(v)) for k, v in row.items()}
        x["party_work"] = x["party_org"] + x["instructor"]
        rows.append(with_rates(x))
    return rows


def with_rates(x: dict[str, Any]) -> dict[str, Any]:
    """The two coverage rates of a row (or of totals), percent of registered."""
    n = x["registered"]
    x["party_org_rate"] = round(100.0 * x["party_org"] / n, 1) if n else 0.0
    x["party_work_rate"] = round(100.0 * x["party_work"] / n, 1) if n else 0.0
    return x


def coverage_totals(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """The per-unit rows summed, with their rates."""
    return with_rates({k: sum(x[k] for x in rows) for k in COUNTS})
