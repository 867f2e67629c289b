"""The case service: the only place a case is opened or moved.

Every write runs inside one `with uow:` block and commits once: new state, version bump,
audit event and deadline rows together, or nothing. The hot path (`fire`) uses SQLAlchemy
Core on one connection; see docs/architecture.md for why.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from marshmallow import ValidationError
from sqlalchemy import insert, or_, select, update

from engine import inputs
from engine.access.actor import Actor
from engine.calendar import local_date
from engine.cases import correction, documents, handover, reactions
from engine.cases.deadlines import deadline_rows
from engine.cases.intents import apply_intents, jsonable
from engine.cases.lookup import RecordLookup, check_refs
from engine.cases.organization import OrganizationView, load_organization
from engine.definitions.model import OPEN_TRIGGER, Definition, Definitions, TransitionDef
from engine.errors import Conflict, Forbidden, NotFound
from engine.rules import Refusal
from engine.snapshot import CaseView, Intent
from engine.store.fire_sql import hot_sql
from engine.store.tables import Case, Deadline, Event, Unit
from engine.store.unit_of_work import UnitOfWork

cases_t = Case.__table__


events_t = Event.__table__


deadlines_t = Deadline.__table__


units_t = Unit.__table__


@dataclass(frozen=True)
class ActionInfo:
    trigger: str
    label_zh: str
    label_en: str
    roles: tuple[str, ...]
    schema: str | None
    rules: tuple[str, ...]
    allowed: bool
    refusal: Refusal | None
    role_ok: bool


def load_case(uow: UnitOfWork, case_id: int, actor: Actor) -> Any:
    row = uow.conn.execute(
        select(cases_t, units_t.c.path.label("unit_path"))
        .join(units_t, units_t.c.id == cases_t.c.unit_id)
        .where(cases_t.c.id == case_id)
    ).first()
    if row is None:
        raise NotFound("case", case_id)
    if not actor.can_see(row.unit_path):
        # Same answer as a missing case would leak existence; say forbidden, it's honest and safe.
        raise Forbidden(
            f"case {case_id} belongs to another unit; you can act only on your unit and below"
        )
    return row


def _view(row: Any, org: Mapping[str, Any], defs: Definitions, today: date) -> CaseView:
    return CaseView(
        id=row.id,
        procedure=row.procedure,
        state=row.state,
        version=row.version,
        data=row.data or {},
        organization=org,
        params=defs.parameters,
        today=today,
    )


def _check_role(actor: Actor, t: TransitionDef) -> None:
    if not actor.is_admin and actor.role not in t.roles:
        raise Forbidden(
            f"step {t.trigger!r} needs one of the roles {', '.join(t.roles)}; you are {actor.role}"
        )


def _load_payload(
    definition: Definition,
    schema_name: str | None,
    payload: Mapping[str, Any] | None,
    lookup: RecordLookup | None = None,
) -> dict:
    """The validated input; ids that name nothing are refused here, naming the field."""
    if schema_name is None:
        if payload:
            raise ValidationError({"_schema": ["this step takes no input"]})
        return {}
    schema = definition.registry.schema(schema_name)
    if payload is not None and not isinstance(payload, Mapping):
        raise ValidationError({"_schema": ["the input must be an object / 输入须为对象"]})
    data = inputs.check(schema, dict(payload or {}))
    if lookup is not None:
        check_refs(schema, data, lookup)
    return data


def open_case(
    uow: UnitOfWork,
    defs: Definitions,
    procedure: str,
    organization_id: int,
    payload: Mapping[str, Any] | None,
    *,
    actor: Actor,
    comment: str | None = None,
) -> int:
    """Open a case on the newest version of a procedure; the case stays pinned to it.

    The case row, its `opened` event and the deadlines its definition opens with the case
    (`opens_on: ["@open"]`) commit together."""
    with uow:
        case_id = _open_in(
            uow, defs, procedure, organization_id, payload, actor=actor, comment=comment
        )
        uow.commit()
        return case_id


def _open_in(
    uow: UnitOfWork,
    defs: Definitions,
    procedure: str,
    organization_id: int,
    payload: Mapping[str, Any] | None,
    *,
    actor: Actor,
    comment: str | None = None,
    unit_id: int | None = None,
) -> int:
    """`open_case` inside the caller's transaction (a reaction opens a case this way, in the
    unit of the case that set it off: `unit_id`; otherwise the organization's unit)."""
    definition = defs.get(procedure)
    org = load_organization(uow, organization_id)
    unit_path = uow.conn.execute(
        select(units_t.c.path).where(units_t.c.id == org["unit_id"])
    ).scalar_one()
    if not actor.can_see(unit_path):
        raise Forbidden("the organization belongs to another unit")
    if actor.role not in ("caseworker", "admin"):
        raise Forbidden("only caseworkers open cases")
    lookup = RecordLookup(uow.conn)
    data = _load_payload(definition, definition.open_schema, payload, lookup)
    now = uow.clock.now()
    view = CaseView(
        None,
        procedure,
        definition.initial,
        0,
        {},
        org,
        defs.parameters,
        local_date(now),
        lookup,
    )
    intents: list[Intent] = []
    for name in definition.open_actions:
        intents.extend(definition.registry.actions[name](view, data) or ())
    new_data = apply_intents(uow, intents, {}, organization_id, params=defs.parameters)
    case_id = uow.conn.execute(
        insert(cases_t)
        .values(
            procedure=procedure,
            definition_version=definition.version,
            state=definition.initial,
            version=1,
            status="open",
            organization_id=organization_id,
            unit_id=unit_id or org["unit_id"],
            assignee_id=actor.id,
            data=new_data,
            opened_at=now,
            updated_at=now,
        )
        .returning(cases_t.c.id)
    ).scalar_one()
    event_id = uow.conn.execute(
        insert(events_t)
        .values(
            case_id=case_id,
            kind="opened",
            trigger=None,
            from_state=None,
            to_state=definition.initial,
            case_version=1,
            actor_id=actor.id,
            actor_name=actor.display_name,
            at=now,
            comment=comment,
            payload=jsonable(data),
            rules=list(definition.transitions[0].rules[:1]),
        )
        .returning(events_t.c.id)
    ).scalar_one()
    rows = deadline_rows(
        definition, OPEN_TRIGGER, case_id, new_data, now, event_id, uow.calendar, data
    )
    if rows:
        uow.conn.execute(insert(deadlines_t), rows)
    return case_id


def fire(
    uow: UnitOfWork,
    defs: Definitions,
    case_id: int,
    trigger: str,
    payload: Mapping[str, Any] | None,
    *,
    actor: Actor,
    expected_version: int,
    comment: str | None = None,
    uploads: Sequence[documents.Upload] = (),
) -> dict[str, Any]:
    """Move a case one step. All or nothing: state, version, event and deadlines commit together.

    `uploads` are documents the step attaches (its checklist, `materials:`): they count for the
    step's required materials and are written with the step, so a refused step keeps none.

    Raises NotFound, Forbidden (role/unit), Conflict (stale version), ValidationError
    (payload) or TransitionRefused (a guard, with its rule). Any of them, or any exception
    from an action, leaves the case exactly as it was. The statements are compiled once per
    dialect and run on the unit of work's own connection (engine/store/fire_sql.py).
    """
    with uow:
        out = _fire_in(
            uow,
            defs,
            case_id,
            trigger,
            payload,
            actor=actor,
            expected_version=expected_version,
            comment=comment,
            uploads=uploads,
        )
        uow.commit()
        return out


def _fire_in(
    uow: UnitOfWork,
    defs: Definitions,
    case_id: int,
    trigger: str,
    payload: Mapping[str, Any] | None,
    *,
    actor: Actor,
    expected_version: int,
    comment: str | None = None,
    depth: int = 0,
    uploads: Sequence[documents.Upload] = (),
) -> dict[str, Any]:
    """`fire` inside the caller's transaction (a reaction fires a step of another case so)."""
    hs = hot_sql(uow.engine)
    cur = hs.cursor(uow.conn)
    case, unit_path, org_row, event_id = hs.load(cur, case_id)
    if case is None:
        raise NotFound("case", case_id)
    if not actor.can_see(unit_path):
        raise Forbidden(
            f"case {case_id} belongs to another unit; you can act only on your unit and below"
        )
    if case["version"] != expected_version:
        raise Conflict(case_id, expected_version, case["version"], case["state"])
    definition = defs.get(case["procedure"], case["definition_version"])
    correction.refuse_if_halted(definition, case, trigger)  # issue 15: suspended or cancelled
    branches = definition.triggers_from(case["state"]).get(trigger)
    machine = definition.machine
    now = uow.clock.now()
    org = OrganizationView(org_row, uow.conn)
    lookup = RecordLookup(uow.conn)
    view = CaseView(
        case_id,
        case["procedure"],
        case["state"],
        case["version"],
        case["data"],
        org,
        defs.parameters,
        local_date(now),
        lookup,
    )
    if not branches:
        machine.fire(view, trigger, {})  # raises TransitionRefused naming the rule
    _check_role(actor, branches[0])
    data = _load_payload(definition, branches[0].schema, payload, lookup)
    prepared: list[documents.Prepared] = []
    if uploads:
        accepted = {m.id: m for t in branches for m in t.materials}
        prepared = documents.prepare(uow.conn, case_id, uploads, accepted, defs.parameters)
    if uploads or any(t.required_materials for t in branches):
        held = documents.case_materials(uow.conn, case_id)
        view = replace(view, materials=held | {p.material for p in prepared if p.material})
    result = machine.fire(view, trigger, data)
    new_data = apply_intents(
        uow,
        result.intents,
        dict(case["data"]),
        case["organization_id"],
        params=defs.parameters,
        case_id=case_id,
    )
    terminal = definition.is_terminal(result.dest)
    new_version = expected_version + 1
    stamp = hs.ts(now)
    matched, event_id = hs.write_step(
        uow.conn,
        cur,
        {
            "b_case": case_id,
            "b_expected": expected_version,
            "b_state": result.dest,
            "b_version": new_version,
            "b_data": hs.json(new_data),
            "b_now": stamp,
            "b_status": "closed" if terminal else "open",
            "b_closed": stamp if terminal else None,
        },
        {
            "case_id": case_id,
            "kind": "transition",
            "trigger": trigger,
            "from_state": result.source,
            "to_state": result.dest,
            "case_version": new_version,
            "actor_id": actor.id,
            "actor_name": actor.display_name,
            "at": stamp,
            "comment": comment,
            "payload": hs.json(data),
            "rules": hs.json(list(result.transition.rules)),
        },
        event_id,
        [spec.id for spec in definition.deadlines_closed_by(trigger)],
        terminal,
        lambda eid: deadline_rows(
            definition, trigger, case_id, new_data, now, eid, uow.calendar, data
        ),
    )
    # The case row is locked since the load (SQLite: BEGIN IMMEDIATE; PostgreSQL: FOR
    # UPDATE), so this cannot miss; it stays as the last line of defence, before commit.
    if matched != 1:
        uow.conn.rollback()
        current = uow.conn.execute(
            select(cases_t.c.version, cases_t.c.state).where(cases_t.c.id == case_id)
        ).one()
        raise Conflict(case_id, expected_version, current.version, current.state)
    if prepared:
        # The rows name the step's event: the history lists them under the step.
        documents.store(uow, case_id, event_id, prepared, actor=actor, now=now)
    cancelled = definition.deadlines_cancelled_by(trigger)
    if cancelled and not terminal:
        # The duty lapsed (e.g. the secretary who owed the report left): cancelled, not met.
        # Rare, so a statement of its own rather than a shape of the one-statement write.
        opened_here = deadlines_t.c.opened_by_event_id == event_id
        uow.conn.execute(
            update(deadlines_t)
            .where(
                deadlines_t.c.case_id == case_id,
                deadlines_t.c.status == "open",
                deadlines_t.c.key.in_([spec.id for spec in cancelled]),
                or_(deadlines_t.c.opened_by_event_id.is_(None), ~opened_here),
            )
            .values(status="cancelled", closed_at=now, closed_by_event_id=event_id)
        )
    t = result.transition
    unit_now = case["unit_id"]
    if t.hand_over is not None:
        unit_now = handover.in_step(uow, case, t, new_data, new_version, now, lookup)
    if definition.reactions_on(trigger):
        origin = reactions.Origin(
            case_id=case_id,
            case_version=new_version,
            organization_id=case["organization_id"],
            unit_id=unit_now,
            procedure=case["procedure"],
            trigger=trigger,
            step_label=t.label,
            data=new_data,
            payload=jsonable(data),
            organization=dict(org_row or {}),
            now=now,
            today=local_date(now),
        )
        reactions.run(
            uow, defs, definition, origin, depth=depth, fire_in=_fire_in, open_in=_open_in
        )
    return {
        "id": case_id,
        "state": result.dest,
        "version": new_version,
        "event_id": event_id,
        "status": "closed" if terminal else "open",
    }


def actions(uow: UnitOfWork, defs: Definitions, case_id: int, *, actor: Actor) -> list[ActionInfo]:
    """Every step from the case's state, allowed or not, each refusal with its rule."""
    with uow.reader() as r:
        row = load_case(r, case_id, actor)
        org = load_organization(r, row.organization_id)
        definition = defs.get(row.procedure, row.definition_version)
        view = _view(row, org, defs, local_date(r.clock.now()))
        if definition.materials:
            view = replace(view, materials=documents.case_materials(r.conn, case_id))
        refusals = {
            trigger: correction.halted_refusal(branches[0].rules[0], row.status, row.suspended_at)
            or definition.machine.refusal_for(view, trigger)
            for trigger, branches in definition.triggers_from(row.state).items()
        }
    out = []
    for trigger, branches in definition.triggers_from(row.state).items():
        t = branches[0]
        refusal = refusals[trigger]
        role_ok = actor.is_admin or actor.role in t.roles
        out.append(
            ActionInfo(
                trigger,
                t.label.zh,
                t.label.en,
                t.roles,
                t.schema,
                t.rules,
                refusal is None and role_ok,
                refusal,
                role_ok,
            )
        )
    return out
