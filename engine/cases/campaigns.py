"""Campaigns: a time-boxed drive opens a case of one procedure for every organization of a unit's
tree that meets the drive's condition, in one pass (REG-10: "奋战60天，集中抓组建").

Generic: the kind of campaign (its procedure and condition) is registered by a procedure
package (`engine.registry.CampaignKind`); the engine knows no procedure. One transaction, a
few set-based statements (`engine.store.bulk`) however many organizations:

1. the campaign row, unique per (unit, kind, first day) — opening it again finds it;
2. the organizations in scope that meet the condition and are not in the campaign yet;
3. those with a case of the procedure already running: the campaign **joins** it (a ledger row
   naming that case, an audit event, the campaign's deadline) instead of opening a second;
4. the others: ledger row and case in one statement (`bulk.insert_gated`, INSERT … ON CONFLICT
   DO NOTHING), then their `opened` events and deadlines — those the definition opens with a
   case (`@open`) and the campaign's (`@campaign`, anchored on the campaign's first day and
   counted by the legal calendar: a drive starting 2026-08-01 ends 2026-09-30).

Running it twice opens nothing twice: the ledger's UNIQUE (campaign_id, organization_id)
decides, not a check followed by an insert. On PostgreSQL the runs of campaigns of one
procedure also queue on a transaction-scoped advisory lock, so two different campaigns
starting at the same moment cannot both open a case for one organization; on SQLite every
writing transaction is `BEGIN IMMEDIATE` already.

engine/cases/maturity.py is the same opening for an `automatic` kind (INS-2): organizations an
instructor serves that now meet the condition, once per assignment (ledger
`instructor_maturity`).
"""

from __future__ import annotations

import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, Table, and_, func, select, text

from engine.access.actor import Actor
from engine.cases.deadlines import deadline_rows
from engine.cases.intents import jsonable
from engine.definitions.model import CAMPAIGN_TRIGGER, OPEN_TRIGGER, Definition, Definitions
from engine.errors import DefinitionError, Forbidden, NotFound, Problem
from engine.registry import CampaignKind, Criterion
from engine.store import bulk
from engine.store.tables import Case, Deadline, Event, Organization, Unit
from engine.store.tables_coverage import (
    Campaign,
    CampaignCase,
    InstructorAssignment,
    InstructorMaturity,
)
from engine.store.unit_of_work import UnitOfWork

cases_t = Case.__table__
events_t = Event.__table__
deadlines_t = Deadline.__table__
orgs_t = Organization.__table__
units_t = Unit.__table__
campaigns_t = Campaign.__table__
ledger_t = CampaignCase.__table__
assign_t = InstructorAssignment.__table__
maturity_t = InstructorMaturity.__table__

OPS = ("eq", "in", "gte")


@dataclass(frozen=True)
class CampaignResult:
    """What one run did: cases opened, running cases joined, organizations already in it."""

    campaign_id: int
    starts_on: date
    ends_on: date
    opened: int
    joined: int
    already: int

    def as_dict(self) -> dict[str, Any]:
        return {
            "campaign_id": self.campaign_id,
            "starts_on": self.starts_on.isoformat(),
            "ends_on": self.ends_on.isoformat(),
            "opened": self.opened,
            "joined": self.joined,
            "already": self.already,
        }


def campaign_kinds(defs: Definitions) -> dict[str, CampaignKind]:
    """Every kind of campaign the loaded procedure packages registered, by id."""
    out: dict[str, CampaignKind] = {}
    for d in defs.latest():
        out.update(d.registry.campaign_kinds)
    return out


def criteria_sql(criteria: Sequence[Criterion]) -> ColumnElement[bool]:
    """The criteria as one SQL condition on `organizations` (a bad one is a definition error)."""
    parts = []
    for c in criteria:
        if c.field not in orgs_t.c or c.op not in OPS:
            raise DefinitionError(
                [Problem("campaign", c.field, f"cannot test {c.field!r} with {c.op!r}")]
            )
        col = orgs_t.c[c.field]
        if c.op == "eq":
            parts.append(col == c.value)
        elif c.op == "in":
            parts.append(col.in_(list(c.value)))
        else:
            parts.append(func.coalesce(col, 0) >= c.value)
    return and_(*parts)


def campaign_end(
    definition: Definition, starts_on: date, calendar: Any, now: datetime
) -> tuple[date, bool]:
    """The campaign's last day and whether it is provisional: the due day of the procedure's
    `@campaign` deadline anchored on the first day (one computation, the legal calendar's)."""
    rows = deadline_rows(
        definition,
        CAMPAIGN_TRIGGER,
        0,
        {},
        now,
        None,
        calendar,
        {"starts_on": starts_on},
    )
    if not rows:
        raise DefinitionError(
            [
                Problem(
                    definition.procedure,
                    "deadlines",
                    'a campaign needs a deadline with opens_on: ["@campaign"]',
                )
            ]
        )
    return min(r["due_date"] for r in rows), any(r["provisional"] for r in rows)


def lock_procedure(uow: UnitOfWork, procedure: str) -> None:
    """PostgreSQL: bulk openings of one procedure queue (transaction-scoped advisory lock)."""
    if uow.conn.dialect.name == "postgresql":
        key = zlib.crc32(f"campaign:{procedure}".encode())
        uow.conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": key})


def open_campaign(
    uow: UnitOfWork,
    defs: Definitions,
    kind: CampaignKind,
    *,
    unit_id: int,
    starts_on: date,
    title: str,
    actor: Actor,
) -> CampaignResult:
    """Open (or run again) the campaign of `kind` over the unit's tree from `starts_on`.

    Supervisors (and administrators) open campaigns over their unit or one below it."""
    if actor.role not in ("supervisor", "admin"):
        raise Forbidden("REG-10: 集中攻坚由主管人员发起 / only supervisors open campaigns")
    if kind.automatic:
        raise Forbidden(
            f"INS-2: “{kind.label_zh}”由系统定时自动进行 / campaigns of kind {kind.id!r} are "
            "run by the scheduler"
        )
    definition = defs.get(kind.procedure)
    where = criteria_sql(kind.condition(defs.parameters))
    with uow:
        unit = uow.conn.execute(
            select(units_t.c.id, units_t.c.path).where(units_t.c.id == unit_id)
        ).first()
        if unit is None:
            raise NotFound("unit", unit_id)
        if not actor.can_see(unit.path):
            raise Forbidden("该单位不是本单位或下级单位 / the unit is not yours or below yours")
        lock_procedure(uow, kind.procedure)
        now = uow.clock.now()
        ends_on, provisional = campaign_end(definition, starts_on, uow.calendar, now)
        bulk.insert_rows(
            uow.conn,
            campaigns_t,
            [
                {
                    "unit_id": unit_id,
                    "kind": kind.id,
                    "procedure": kind.procedure,
                    "rule": kind.rule,
                    "title": title,
                    "starts_on": starts_on,
                    "ends_on": ends_on,
                    "provisional": provisional,
                    "opened_by_id": actor.id,
                    "opened_by_name": actor.display_name,
                    "created_at": now,
                }
            ],
            ignore_conflicts_on=["unit_id", "kind", "starts_on"],
        )
        campaign_id = uow.conn.execute(
            select(campaigns_t.c.id).where(
                campaigns_t.c.unit_id == unit_id,
                campaigns_t.c.kind == kind.id,
                campaigns_t.c.starts_on == starts_on,
            )
        ).scalar_one()
        in_campaign = (
            select(ledger_t.c.id)
            .where(ledger_t.c.campaign_id == campaign_id, ledger_t.c.organization_id == orgs_t.c.id)
            .exists()
        )
        candidates = _candidates(
            uow,
            kind.procedure,
            units_t.c.path.startswith(unit.path, autoescape=True) & where & ~in_campaign,
        )
        already = uow.conn.execute(
            select(func.count()).where(ledger_t.c.campaign_id == campaign_id)
        ).scalar_one()
        info = {"id": campaign_id, "kind": kind.id, "starts_on": starts_on, "ends_on": ends_on}
        gate = {"campaign_id": campaign_id, "added_at": now}
        joined = _join(uow, definition, kind, candidates, gate, info, actor, now)
        opened = open_cases(uow, definition, kind, candidates, gate, info, actor, now)
        uow.commit()
    return CampaignResult(campaign_id, starts_on, ends_on, opened, joined, already)


def running_case(procedure: str) -> Any:
    """The organization's running case of `procedure` (its oldest open one), or NULL: a scalar
    subquery correlated with `organizations`, for the drives and the maturity watch alike."""
    return (
        select(func.min(cases_t.c.id))
        .where(
            cases_t.c.organization_id == orgs_t.c.id,
            cases_t.c.procedure == procedure,
            cases_t.c.status == "open",
        )
        .scalar_subquery()
    )


def _candidates(uow: UnitOfWork, procedure: str, where: ColumnElement[bool]) -> list[Any]:
    """(organization id, its unit, the running case of the procedure or None), by id."""
    return uow.conn.execute(
        select(orgs_t.c.id, orgs_t.c.unit_id, running_case(procedure).label("case_id"))
        .join(units_t, units_t.c.id == orgs_t.c.unit_id)
        .where(orgs_t.c.status == "registered", where)
        .order_by(orgs_t.c.id)
    ).all()


def _events(
    uow: UnitOfWork, case_ids: Sequence[int], actor: Actor, now: datetime, **fields: Any
) -> list[int]:
    rows = [
        {
            "case_id": cid,
            "trigger": None,
            "actor_id": actor.id,
            "actor_name": actor.display_name,
            "at": now,
            **fields,
        }
        for cid in case_ids
    ]
    return bulk.insert_returning_ids(uow.conn, events_t, rows)


def _deadlines(
    uow: UnitOfWork,
    definition: Definition,
    triggers: Sequence[str],
    pairs: Sequence[tuple[int, int]],
    data: Mapping[str, Any],
    starts_on: date | None,
    now: datetime,
) -> None:
    """The deadlines `triggers` open, computed once (every case has the same anchors) and
    written for each (case, event) pair in one statement."""
    templates = []
    for trig in triggers:
        templates += deadline_rows(
            definition, trig, 0, data, now, None, uow.calendar, {"starts_on": starts_on}
        )
    rows = [
        {**t, "case_id": cid, "opened_by_event_id": eid} for cid, eid in pairs for t in templates
    ]
    bulk.insert_rows(uow.conn, deadlines_t, rows)


def _join(
    uow: UnitOfWork,
    definition: Definition,
    kind: CampaignKind,
    candidates: Sequence[Any],
    gate: Mapping[str, Any],
    info: Mapping[str, Any],
    actor: Actor,
    now: datetime,
) -> int:
    running = [c for c in candidates if c.case_id is not None]
    if not running:
        return 0
    new = bulk.insert_rows(
        uow.conn,
        ledger_t,
        [
            {
                **gate,
                "organization_id": c.id,
                "unit_id": c.unit_id,
                "case_id": c.case_id,
                "joined": True,
            }
            for c in running
        ],
        ignore_conflicts_on=["campaign_id", "organization_id"],
        returning=["case_id"],
    )
    case_ids = sorted(r.case_id for r in new)
    versions = (
        dict(
            uow.conn.execute(
                select(cases_t.c.id, cases_t.c.version).where(cases_t.c.id.in_(case_ids))
            ).all()
        )
        if case_ids
        else {}
    )
    rows = [
        {
            "case_id": cid,
            "kind": "campaign",
            "trigger": None,
            "from_state": None,
            "to_state": None,
            "case_version": versions[cid],
            "actor_id": actor.id,
            "actor_name": actor.display_name,
            "at": now,
            "comment": f"{kind.label_zh} / {kind.label_en}",
            "payload": jsonable({"campaign": info}),
            "rules": [kind.rule],
        }
        for cid in case_ids
    ]
    event_ids = bulk.insert_returning_ids(uow.conn, events_t, rows)
    _deadlines(
        uow,
        definition,
        [CAMPAIGN_TRIGGER],
        list(zip(case_ids, event_ids, strict=True)),
        {},
        info["starts_on"],
        now,
    )
    return len(case_ids)


def open_cases(
    uow: UnitOfWork,
    definition: Definition,
    kind: CampaignKind,
    candidates: Sequence[Any],
    gate: Mapping[str, Any],
    info: Mapping[str, Any] | None,
    actor: Actor,
    now: datetime,
    *,
    gate_table: Table = ledger_t,
    unique_on: Sequence[str] = ("campaign_id", "organization_id"),
) -> int:
    fresh = [c for c in candidates if c.case_id is None]
    if not fresh:
        return 0
    data = jsonable({"campaign": info} if info else {"opened_by": kind.id})
    rows = [
        {
            "procedure": definition.procedure,
            "definition_version": definition.version,
            "state": definition.initial,
            "version": 1,
            "status": "open",
            "organization_id": c.id,
            "unit_id": c.unit_id,
            "assignee_id": None,
            "data": data,
            "opened_at": now,
            "updated_at": now,
        }
        for c in fresh
    ]
    gate_rows = [_gate_row(gate, c, gate_table) for c in fresh]
    made = bulk.insert_gated(
        uow.conn,
        gate_table,
        gate_rows,
        unique_on=list(unique_on),
        link="case_id",
        table=cases_t,
        rows=rows,
    )
    case_ids = [cid for _, cid in made]
    event_ids = _events(
        uow,
        case_ids,
        actor,
        now,
        kind="opened",
        from_state=None,
        to_state=definition.initial,
        case_version=1,
        comment=f"{kind.label_zh} / {kind.label_en}",
        payload=data,
        rules=[kind.rule],
    )
    triggers = [OPEN_TRIGGER, CAMPAIGN_TRIGGER] if info else [OPEN_TRIGGER]
    _deadlines(
        uow,
        definition,
        triggers,
        list(zip(case_ids, event_ids, strict=True)),
        data,
        info["starts_on"] if info else None,
        now,
    )
    return len(case_ids)


def _gate_row(gate: Mapping[str, Any], c: Any, table: Table) -> dict[str, Any]:
    row = {**gate, "organization_id": c.id, "unit_id": c.unit_id, "joined": False}
    if "assignment_id" in gate or hasattr(c, "assignment_id"):
        row = {**gate, "assignment_id": c.assignment_id}
    return {k: v for k, v in row.items() if k in table.c}
