"""The service layer: the only place that opens a transaction.

Every write runs inside one `with uow:` block and commits once: new state, version bump,
audit event and deadline rows together, or nothing. The hot path (`fire`) uses SQLAlchemy
Core on one connection; see docs/architecture.md for why.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any, ClassVar

from marshmallow import ValidationError
from sqlalchemy import ColumnElement, Connection, func, insert, select, true
from sqlalchemy.exc import IntegrityError

from engine.calendar import SHANGHAI, LegalCalendar, escalation_due, local_date
from engine.case import (
    CaseView,
    CreateRecord,
    Intent,
    SetData,
    UpdateOrganization,
    UpdateRecord,
)
from engine.definitions import Definition, DefinitionError, Definitions, TransitionDef
from engine.errors import Conflict, Forbidden, NotFound, Problem
from engine.hotsql import hot_sql
from engine.models import (
    Case,
    Deadline,
    DefinitionVersion,
    Event,
    Instructor,
    Member,
    Organization,
    OrgLifeMeeting,
    PartyOfficer,
    PartyOrganization,
    Unit,
    User,
)
from engine.rules import Refusal
from engine.unit_of_work import UnitOfWork

cases_t = Case.__table__
events_t = Event.__table__
deadlines_t = Deadline.__table__
orgs_t = Organization.__table__
units_t = Unit.__table__
users_t = User.__table__

RECORD_TABLES = {
    "party_organization": PartyOrganization.__table__,
    "instructor": Instructor.__table__,
    "member": Member.__table__,
    "party_officer": PartyOfficer.__table__,
    "org_life_meeting": OrgLifeMeeting.__table__,
}
ORG_WRITABLE = frozenset(c.name for c in orgs_t.columns) - {"id", "created_at", "unit_id"}


@dataclass(frozen=True)
class Actor:
    id: int | None
    username: str
    display_name: str
    role: str
    unit_id: int | None
    unit_path: str

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    def can_see(self, unit_path: str) -> bool:
        """A user sees their own unit and everything below it."""
        return self.is_admin or unit_path.startswith(self.unit_path)

    def scope(self, unit_path: Any) -> ColumnElement[bool]:
        """`can_see` as SQL, over a unit path column."""
        return true() if self.is_admin else unit_path.startswith(self.unit_path)


SYSTEM = Actor(None, "system", "系统 / system", "admin", None, "/")


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


# ---------------------------------------------------------------- helpers


def jsonable(value: Any) -> Any:
    """Payloads are stored as JSON: dates become ISO strings, tuples lists."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [jsonable(v) for v in value]
    return value


def actor_for(uow: UnitOfWork, username: str) -> Actor:
    with uow.reader() as r:
        return actor_in(r, username)


def actor_in(uow: UnitOfWork, username: str) -> Actor:
    """`actor_for` inside a unit of work the caller has open (one read transaction, not two)."""
    row = uow.conn.execute(
        select(
            users_t.c.id,
            users_t.c.username,
            users_t.c.display_name,
            users_t.c.role,
            users_t.c.unit_id,
            units_t.c.path,
            users_t.c.active,
        )
        .join(units_t, units_t.c.id == users_t.c.unit_id)
        .where(users_t.c.username == username)
    ).first()
    if row is None or not row.active:
        raise NotFound("user", username)
    return Actor(row.id, row.username, row.display_name, row.role, row.unit_id, row.path)


def _load_case(uow: UnitOfWork, case_id: int, actor: Actor) -> Any:
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


def _open_cases(conn: Connection, org: OrganizationView) -> tuple[dict[str, Any], ...]:
    return tuple(
        {"id": c.id, "procedure": c.procedure, "state": c.state, "data": c.data or {}}
        for c in conn.execute(
            select(cases_t.c.id, cases_t.c.procedure, cases_t.c.state, cases_t.c.data).where(
                cases_t.c.organization_id == org["id"], cases_t.c.status == "open"
            )
        )
    )


def _party_organizations(conn: Connection, org: OrganizationView) -> tuple[dict[str, Any], ...]:
    party_orgs_t = RECORD_TABLES["party_organization"]
    return tuple(
        dict(p)
        for p in conn.execute(
            select(party_orgs_t)
            .where(party_orgs_t.c.organization_id == org["id"])
            .order_by(party_orgs_t.c.id)
        ).mappings()
    )


def _party_org_ids(org: OrganizationView) -> list[int]:
    return [p["id"] for p in org["party_organizations"]]


def _members(conn: Connection, org: OrganizationView) -> tuple[dict[str, Any], ...]:
    """Employed by the organization, or with their relation in one of its Party organizations
    (a joint branch has members employed elsewhere)."""
    members_t = RECORD_TABLES["member"]
    member_filter = members_t.c.organization_id == org["id"]
    if po_ids := _party_org_ids(org):
        member_filter = member_filter | members_t.c.party_organization_id.in_(po_ids)
    return tuple(
        dict(m)
        for m in conn.execute(
            select(members_t).where(member_filter).order_by(members_t.c.id)
        ).mappings()
    )


def _officers(conn: Connection, org: OrganizationView) -> tuple[dict[str, Any], ...]:
    officers_t = RECORD_TABLES["party_officer"]
    if not (po_ids := _party_org_ids(org)):
        return ()
    return tuple(
        dict(o)
        for o in conn.execute(
            select(officers_t)
            .where(officers_t.c.party_organization_id.in_(po_ids))
            .order_by(officers_t.c.id)
        ).mappings()
    )


def _meetings(conn: Connection, org: OrganizationView) -> tuple[dict[str, Any], ...]:
    meetings_t = RECORD_TABLES["org_life_meeting"]
    if not (po_ids := _party_org_ids(org)):
        return ()
    return tuple(
        dict(m)
        for m in conn.execute(
            select(meetings_t)
            .where(meetings_t.c.party_organization_id.in_(po_ids))
            .order_by(meetings_t.c.held_on.desc(), meetings_t.c.id.desc())
            .limit(100)  # the latest are enough: DEC-3 looks at recent meetings
        ).mappings()
    )


class OrganizationView(Mapping[str, Any]):
    """The organization as guards see it: its columns, and related rows loaded on first use.

    Guards stay pure over data (TRF-3, DEC-3, SEC-2, SEC-5 read members, officers, meetings;
    cross-procedure rules read open cases), but a step whose guards never look at members
    does not pay five queries for them: each related set is read once, on first access,
    inside the same transaction as the step.
    """

    RELATED: ClassVar[dict[str, Callable[[Connection, OrganizationView], Any]]] = {
        "open_cases": _open_cases,
        "party_organizations": _party_organizations,
        "members": _members,
        "officers": _officers,
        "meetings": _meetings,
    }

    def __init__(self, columns: Mapping[str, Any], conn: Connection) -> None:
        self._data = dict(columns)
        self._conn = conn

    def __getitem__(self, key: str) -> Any:
        try:
            return self._data[key]
        except KeyError:
            loader = self.RELATED.get(key)
            if loader is None:
                raise
        value = self._data[key] = loader(self._conn, self)
        return value

    def __iter__(self) -> Iterator[str]:
        return iter([*self._data, *(k for k in self.RELATED if k not in self._data)])

    def __len__(self) -> int:
        return len(set(self._data) | set(self.RELATED))

    def materialized(self) -> dict[str, Any]:
        """Everything, as a plain dict (for pages that show it after the transaction)."""
        return {k: self[k] for k in self}


def _organization(uow: UnitOfWork, organization_id: int) -> OrganizationView:
    row = uow.conn.execute(select(orgs_t).where(orgs_t.c.id == organization_id)).mappings().first()
    if row is None:
        raise NotFound("organization", organization_id)
    return OrganizationView(row, uow.conn)


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
    definition: Definition, schema_name: str | None, payload: Mapping[str, Any] | None
) -> dict:
    if schema_name is None:
        if payload:
            raise ValidationError({"_schema": ["this step takes no input"]})
        return {}
    return definition.registry.schema(schema_name).load(dict(payload or {}))


def _apply_intents(
    uow: UnitOfWork, intents: tuple[Intent, ...] | list[Intent], data: dict, organization_id: int
) -> dict:
    """Apply an action's intents; a broken uniqueness is bad input, not a crash."""
    try:
        return _apply_intents_unchecked(uow, intents, data, organization_id)
    except (IntegrityError, uow.engine.dialect.dbapi.IntegrityError) as exc:
        orig = getattr(exc, "orig", None) or exc
        detail = str(orig).splitlines()[0]
        raise ValidationError(
            {
                "_schema": [
                    f"a value that must be unique is already in use ({detail}); "
                    "for a credit code see INF-1"
                ]
            }
        ) from exc


def _apply_intents_unchecked(
    uow: UnitOfWork, intents: tuple[Intent, ...] | list[Intent], data: dict, organization_id: int
) -> dict:
    hs = hot_sql(uow.engine)
    cursor = None

    def cur() -> Any:
        nonlocal cursor
        if cursor is None:
            cursor = hs.cursor(uow.conn)
        return cursor

    new_data = dict(data)
    for intent in intents:
        if isinstance(intent, SetData):
            new_data[intent.key] = jsonable(intent.value)
        elif isinstance(intent, UpdateOrganization):
            bad = set(intent.fields) - ORG_WRITABLE
            if bad:
                raise ValueError(f"organization fields not writable: {sorted(bad)}")
            hs.update_by_id(cur(), orgs_t, organization_id, intent.fields)
        elif isinstance(intent, CreateRecord | UpdateRecord) and intent.entity not in RECORD_TABLES:
            raise ValueError(f"unknown record entity {intent.entity!r}")
        elif isinstance(intent, CreateRecord):
            table = RECORD_TABLES[intent.entity]
            values = dict(intent.fields)
            if "organization_id" in table.c:
                values.setdefault("organization_id", organization_id)
            new_id = hs.insert_returning_id(cur(), table, values)
            if intent.store_id_as:
                new_data[intent.store_id_as] = new_id
        elif isinstance(intent, UpdateRecord):
            table = RECORD_TABLES[intent.entity]
            bad = set(intent.fields) - (set(table.c.keys()) - {"id"})
            if bad:
                raise ValueError(f"{intent.entity} fields not writable: {sorted(bad)}")
            changed = hs.update_by_id(cur(), table, intent.id, intent.fields)
            if changed != 1:
                raise NotFound(intent.entity, intent.id)
        else:  # pragma: no cover - a new intent type must be handled here
            raise TypeError(f"unknown intent {intent!r}")
    return new_data


def _anchor_date(spec_anchor: str, data: Mapping[str, Any], now: datetime) -> date:
    if spec_anchor == "event":
        return local_date(now)
    value = data.get(spec_anchor.removeprefix("data."))
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        return date.fromisoformat(value[:10])
    return local_date(now)


def deadline_rows(
    definition: Definition,
    trigger: str,
    case_id: int,
    data: Mapping[str, Any],
    now: datetime,
    event_id: int | None,
    calendar: LegalCalendar,
) -> list[dict[str, Any]]:
    rows = []
    for spec in definition.deadlines_opened_by(trigger):
        anchor = _anchor_date(spec.anchor, data, now)
        end = calendar.period_end(anchor, spec.period)
        remind_at = None
        if spec.remind_before is not None:
            remind_day = calendar.subtract(end.last_day, spec.remind_before)
            remind_at = datetime.combine(remind_day, time.min, SHANGHAI)
        next_action_at = remind_at
        if next_action_at is None and spec.escalation:
            next_action_at = escalation_due(end.ends_at, spec.escalation[0].after)
        rows.append(
            {
                "case_id": case_id,
                "key": spec.id,
                "rule": spec.rule,
                "status": "open",
                "anchor_date": anchor,
                "due_date": end.last_day,
                "due_at": end.ends_at,
                "remind_at": remind_at,
                "provisional": end.provisional,
                "escalation_level": 0,
                "next_action_at": next_action_at,
                "opened_at": now,
                "opened_by_event_id": event_id,
            }
        )
    return rows


# ---------------------------------------------------------------- definitions vs database


def sync_definitions(uow: UnitOfWork, defs: Definitions) -> list[Problem]:
    """Record each (procedure, version)'s content hash the first time it is seen; refuse edits.

    Running cases are pinned to their version, so a version's meaning must never change:
    an edited file must carry a new version number.
    """
    problems: list[Problem] = []
    with uow:
        known = {
            (r.procedure, r.version): r.content_hash
            for r in uow.conn.execute(select(DefinitionVersion.__table__))
        }
        for d in defs:
            stored = known.get(d.key)
            if stored is None:
                uow.conn.execute(
                    insert(DefinitionVersion.__table__).values(
                        procedure=d.procedure,
                        version=d.version,
                        content_hash=d.content_hash,
                        file=d.file,
                        registered_at=uow.clock.now(),
                    )
                )
            elif stored != d.content_hash:
                problems.append(
                    Problem(
                        d.file,
                        "version",
                        f"content changed but version {d.version} is already in use; "
                        f"raise the version (new file {d.procedure}.v{d.version + 1}.yaml)",
                    )
                )
        in_use = uow.conn.execute(
            select(cases_t.c.procedure, cases_t.c.definition_version).distinct()
        ).all()
        loaded = {d.key for d in defs}
        for proc, ver in in_use:
            if (proc, ver) not in loaded:
                problems.append(
                    Problem(
                        f"{proc}.v{ver}.yaml",
                        "<file>",
                        "cases are pinned to this version but its file is missing",
                    )
                )
        if problems:
            raise DefinitionError(problems)
        uow.commit()
    return problems


# ---------------------------------------------------------------- cases


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
    """Open a case on the newest version of a procedure; the case stays pinned to it."""
    definition = defs.get(procedure)
    with uow:
        org = _organization(uow, organization_id)
        unit_path = uow.conn.execute(
            select(units_t.c.path).where(units_t.c.id == org["unit_id"])
        ).scalar_one()
        if not actor.can_see(unit_path):
            raise Forbidden("the organization belongs to another unit")
        if actor.role not in ("caseworker", "admin"):
            raise Forbidden("only caseworkers open cases")
        data = _load_payload(definition, definition.open_schema, payload)
        now = uow.clock.now()
        view = CaseView(
            None, procedure, definition.initial, 0, {}, org, defs.parameters, local_date(now)
        )
        intents: list[Intent] = []
        for name in definition.open_actions:
            intents.extend(definition.registry.actions[name](view, data) or ())
        new_data = _apply_intents(uow, intents, {}, organization_id)
        case_id = uow.conn.execute(
            insert(cases_t)
            .values(
                procedure=procedure,
                definition_version=definition.version,
                state=definition.initial,
                version=1,
                status="open",
                organization_id=organization_id,
                unit_id=org["unit_id"],
                assignee_id=actor.id,
                data=new_data,
                opened_at=now,
                updated_at=now,
            )
            .returning(cases_t.c.id)
        ).scalar_one()
        uow.conn.execute(
            insert(events_t).values(
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
        )
        uow.commit()
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
) -> dict[str, Any]:
    """Move a case one step. All or nothing: state, version, event and deadlines commit together.

    Raises NotFound, Forbidden (role/unit), Conflict (stale version), ValidationError
    (payload) or TransitionRefused (a guard, with its rule). Any of them, or any exception
    from an action, leaves the case exactly as it was. The statements are compiled once per
    dialect and run on the unit of work's own connection (engine/hotsql.py).
    """
    hs = hot_sql(uow.engine)
    with uow:
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
        branches = definition.triggers_from(case["state"]).get(trigger)
        machine = definition.machine
        now = uow.clock.now()
        org = OrganizationView(org_row, uow.conn)
        view = CaseView(
            case_id,
            case["procedure"],
            case["state"],
            case["version"],
            case["data"],
            org,
            defs.parameters,
            local_date(now),
        )
        if not branches:
            machine.fire(view, trigger, {})  # raises TransitionRefused naming the rule
        _check_role(actor, branches[0])
        data = _load_payload(definition, branches[0].schema, payload)
        result = machine.fire(view, trigger, data)
        new_data = _apply_intents(uow, result.intents, dict(case["data"]), case["organization_id"])
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
                definition, trigger, case_id, new_data, now, eid, uow.calendar
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
        uow.commit()
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
        row = _load_case(r, case_id, actor)
        org = _organization(r, row.organization_id)
        definition = defs.get(row.procedure, row.definition_version)
        view = _view(row, org, defs, local_date(r.clock.now()))
        refusals = {
            trigger: definition.machine.refusal_for(view, trigger)
            for trigger in definition.triggers_from(row.state)
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


def get_case(uow: UnitOfWork, defs: Definitions, case_id: int, *, actor: Actor) -> dict[str, Any]:
    with uow.reader() as r:
        row = _load_case(r, case_id, actor)
        org = _organization(r, row.organization_id).materialized()
        deadlines = [
            dict(d)
            for d in r.conn.execute(
                select(deadlines_t)
                .where(deadlines_t.c.case_id == case_id)
                .order_by(deadlines_t.c.id)
            ).mappings()
        ]
    definition = defs.get(row.procedure, row.definition_version)
    return {
        "id": row.id,
        "procedure": row.procedure,
        "definition_version": row.definition_version,
        "label": definition.label,
        "state": row.state,
        "state_label": definition.states[row.state].label,
        "version": row.version,
        "status": row.status,
        "data": row.data or {},
        "organization": org,
        "unit_id": row.unit_id,
        "opened_at": row.opened_at,
        "updated_at": row.updated_at,
        "closed_at": row.closed_at,
        "deadlines": deadlines,
    }


def history(uow: UnitOfWork, case_id: int, *, actor: Actor) -> list[dict[str, Any]]:
    with uow.reader() as r:
        _load_case(r, case_id, actor)
        return [
            dict(e)
            for e in r.conn.execute(
                select(events_t).where(events_t.c.case_id == case_id).order_by(events_t.c.id)
            ).mappings()
        ]


def list_cases(
    uow: UnitOfWork,
    *,
    actor: Actor,
    status: str | None = "open",
    procedure: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> list[dict[str, Any]]:
    with uow.reader() as r:
        q = (
            select(
                cases_t.c.id,
                cases_t.c.procedure,
                cases_t.c.state,
                cases_t.c.version,
                cases_t.c.status,
                cases_t.c.updated_at,
                orgs_t.c.name.label("organization"),
                orgs_t.c.credit_code,
                units_t.c.name_zh.label("unit"),
            )
            .join(orgs_t, orgs_t.c.id == cases_t.c.organization_id)
            .join(units_t, units_t.c.id == cases_t.c.unit_id)
            .order_by(cases_t.c.updated_at.desc(), cases_t.c.id.desc())
            .limit(limit)
            .offset(offset)
        )
        q = q.where(actor.scope(units_t.c.path))
        if status:
            q = q.where(cases_t.c.status == status)
        if procedure:
            q = q.where(cases_t.c.procedure == procedure)
        return [dict(x) for x in r.conn.execute(q).mappings()]


def count_events(uow: UnitOfWork, case_id: int) -> int:
    with uow.reader() as r:
        return r.conn.execute(
            select(func.count()).where(events_t.c.case_id == case_id)
        ).scalar_one()
