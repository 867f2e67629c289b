"""Open a case of one procedure for every organization of a unit, once per series, in one pass.

A yearly procedure (the annual inspection: one case per organization and year) or a drive
opens thousands of cases at once. Opening them one by one through `open_case` costs a few
statements each; here the whole unit is one transaction of a few set-based statements
(`engine.store.bulk`): select the organizations, reserve (procedure, series, organization) in
the `case_keys` ledger, and only for the keys that were new, insert the cases, their `opened`
events and the deadlines the definition opens with the case.

Idempotent and safe with any number of processes on PostgreSQL: the ledger's unique
constraint decides (INSERT … ON CONFLICT DO NOTHING in the same statement that inserts the
cases), so a second run, or a concurrent one on another host, opens nothing twice; a run that
fails leaves nothing behind. The opening input is validated once with the procedure's opening
schema, and the opening actions run per organization on a view holding the organization's own
columns (not its Party organizations or members: an action that needs those belongs to a step).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from engine.access.actor import Actor
from engine.calendar import local_date
from engine.cases.deadlines import deadline_rows
from engine.cases.intents import jsonable
from engine.cases.service import _load_payload
from engine.definitions.model import OPEN_TRIGGER, Definitions
from engine.directory.service import unit_by_code
from engine.errors import Forbidden
from engine.snapshot import CaseView, SetData
from engine.store import bulk
from engine.store.tables import Case, Deadline, Event, Organization, Unit
from engine.store.tables_annual import CaseKey
from engine.store.unit_of_work import UnitOfWork

cases_t = Case.__table__
events_t = Event.__table__
deadlines_t = Deadline.__table__
orgs_t = Organization.__table__
units_t = Unit.__table__
keys_t = CaseKey.__table__

#: Organizations a yearly procedure covers: those registered (not applying, not deregistered).
OPEN_STATUSES = ("registered",)


@dataclass(frozen=True)
class BulkOpenResult:
    """What one run did: cases opened now, and organizations that already had theirs."""

    procedure: str
    series: str
    unit_code: str
    opened: int
    already: int

    def as_dict(self) -> dict[str, Any]:
        return {
            "procedure": self.procedure,
            "series": self.series,
            "unit": self.unit_code,
            "opened": self.opened,
            "already_open": self.already,
        }


def open_for_unit(
    uow: UnitOfWork,
    defs: Definitions,
    procedure: str,
    *,
    unit_code: str,
    series: str,
    payload: Mapping[str, Any] | None,
    actor: Actor,
    organization_ids: Sequence[int] | None = None,
) -> BulkOpenResult:
    """Open `procedure` for every registered organization of the unit and the units below it
    (or only those of `organization_ids` among them) that has no case of this `series` yet;
    all in one transaction, nothing twice."""
    definition = defs.get(procedure)
    data = _load_payload(definition, definition.open_schema, payload)
    if actor.role not in ("caseworker", "admin"):
        raise Forbidden("only caseworkers open cases")
    with uow:
        unit = unit_by_code(uow, unit_code)
        if not actor.can_see(unit.path):
            raise Forbidden("the unit is not yours or below yours / 该单位不在您的管辖范围内")
        now = uow.clock.now()
        today = local_date(now)
        in_unit = units_t.c.path.startswith(unit.path, autoescape=True)
        base = (
            select(orgs_t)
            .join(units_t, units_t.c.id == orgs_t.c.unit_id)
            .where(in_unit, orgs_t.c.status.in_(OPEN_STATUSES))
        )
        if organization_ids is not None:
            base = base.where(orgs_t.c.id.in_(list(organization_ids)))
        # The series' keys as a set, then a set difference: one indexed read, whatever the
        # planner believes about tables a bulk load has just filled (a correlated NOT EXISTS
        # planned on stale statistics became a nested loop over 10^10 pairs at 100,000).
        have = set(
            uow.conn.execute(
                select(keys_t.c.organization_id).where(
                    keys_t.c.procedure == procedure, keys_t.c.series == series
                )
            ).scalars()
        )
        in_scope = uow.conn.execute(base.order_by(orgs_t.c.id)).mappings().all()
        candidates = [o for o in in_scope if o["id"] not in have]
        already = len(in_scope) - len(candidates)
        opened = _open_rows(uow, defs, procedure, series, candidates, data, actor, now, today)
        uow.commit()
    # Another process may have opened some of the candidates meanwhile: they count as already.
    return BulkOpenResult(procedure, series, unit_code, opened, already + len(candidates) - opened)


def _open_rows(
    uow: UnitOfWork,
    defs: Definitions,
    procedure: str,
    series: str,
    organizations: list[Mapping[str, Any]],
    data: Mapping[str, Any],
    actor: Actor,
    now: Any,
    today: Any,
) -> int:
    if not organizations:
        return 0
    definition = defs.get(procedure)
    actions = [definition.registry.actions[n] for n in definition.open_actions]
    first_rule = list(definition.transitions[0].rules[:1])
    opening_payload = jsonable(data)
    case_rows: list[dict[str, Any]] = []
    datas: list[dict[str, Any]] = []
    for org in organizations:
        view = CaseView(None, procedure, definition.initial, 0, {}, org, defs.parameters, today)
        new_data: dict[str, Any] = {}
        for action in actions:
            for intent in action(view, data) or ():
                if not isinstance(intent, SetData):
                    raise TypeError(
                        f"{procedure}: a bulk opening records case data only, not {intent!r}"
                    )
                new_data[intent.key] = jsonable(intent.value)
        datas.append(new_data)
        case_rows.append(
            {
                "procedure": procedure,
                "definition_version": definition.version,
                "state": definition.initial,
                "version": 1,
                "status": "open",
                "organization_id": org["id"],
                "unit_id": org["unit_id"],
                "assignee_id": None,
                "data": new_data,
                "opened_at": now,
                "updated_at": now,
            }
        )
    gate_rows = [
        {"procedure": procedure, "series": series, "organization_id": o["id"], "opened_at": now}
        for o in organizations
    ]
    created = bulk.insert_gated(
        uow.conn,
        keys_t,
        gate_rows,
        unique_on=("procedure", "series", "organization_id"),
        link="case_id",
        table=cases_t,
        rows=case_rows,
    )
    if not created:
        return 0
    event_ids = bulk.insert_returning_ids(
        uow.conn,
        events_t,
        [
            {
                "case_id": case_id,
                "kind": "opened",
                "trigger": None,
                "from_state": None,
                "to_state": definition.initial,
                "case_version": 1,
                "actor_id": actor.id,
                "actor_name": actor.display_name,
                "at": now,
                "comment": f"bulk opening {series} / {series}年度批量开启",
                "payload": opening_payload,
                "rules": first_rule,
            }
            for _, case_id in created
        ],
    )
    # Cases opened with the same data have the same deadlines: compute each set once.
    templates: dict[str, list[dict[str, Any]]] = {}
    deadline_batch: list[dict[str, Any]] = []
    for (pos, case_id), event_id in zip(created, event_ids, strict=True):
        key = json.dumps(datas[pos], sort_keys=True, default=str)
        if key not in templates:
            templates[key] = deadline_rows(
                definition, OPEN_TRIGGER, 0, datas[pos], now, None, uow.calendar, data
            )
        deadline_batch.extend(
            {**row, "case_id": case_id, "opened_by_event_id": event_id} for row in templates[key]
        )
    bulk.insert_rows(uow.conn, deadlines_t, deadline_batch)
    return len(created)


def cases_of_series(
    conn: Any, procedure: str, series: str, organization_ids: Sequence[int]
) -> dict[int, int]:
    """organization id -> the case a bulk opening opened for it in this series."""
    return dict(
        conn.execute(
            select(keys_t.c.organization_id, keys_t.c.case_id).where(
                keys_t.c.procedure == procedure,
                keys_t.c.series == series,
                keys_t.c.organization_id.in_(list(organization_ids)),
            )
        ).all()
    )
