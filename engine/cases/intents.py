"""Applying the intents an action returns, inside the step's transaction.

Actions are pure (engine.snapshot); this is where their intents touch the database.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from marshmallow import ValidationError
from sqlalchemy.exc import IntegrityError

from engine.calendar import local_date
from engine.directory.coverage import DEFAULT_JOINT_LIMIT, appoint_instructor, cover, end_coverage
from engine.errors import NotFound
from engine.snapshot import (
    Appoint,
    Cover,
    CreateRecord,
    Intent,
    SetData,
    UpdateOrganization,
    UpdateRecord,
)
from engine.store.fire_sql import hot_sql
from engine.store.tables import (
    Instructor,
    Member,
    Organization,
    OrgLifeMeeting,
    PartyOfficer,
    PartyOrganization,
)
from engine.store.tables_annual import AbnormalEntry
from engine.store.unit_of_work import UnitOfWork

orgs_t = Organization.__table__


RECORD_TABLES = {
    "party_organization": PartyOrganization.__table__,
    "instructor": Instructor.__table__,
    "member": Member.__table__,
    "party_officer": PartyOfficer.__table__,
    "org_life_meeting": OrgLifeMeeting.__table__,
    # SUP-1: a procedure's step lists an organization (the inspection's dormancy referral).
    "abnormal_entry": AbnormalEntry.__table__,
}


ORG_WRITABLE = frozenset(c.name for c in orgs_t.columns) - {"id", "created_at", "unit_id"}


def jsonable(value: Any) -> Any:
    """Payloads are stored as JSON: dates become ISO strings, tuples lists."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [jsonable(v) for v in value]
    return value


def _day(value: date | str) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def apply_intents(
    uow: UnitOfWork,
    intents: tuple[Intent, ...] | list[Intent],
    data: dict,
    organization_id: int,
    *,
    params: Mapping[str, Any] | None = None,
    case_id: int | None = None,
) -> dict:
    """Apply an action's intents; a broken uniqueness is bad input, not a crash."""
    try:
        return _apply_intents_unchecked(uow, intents, data, organization_id, params, case_id)
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
    uow: UnitOfWork,
    intents: tuple[Intent, ...] | list[Intent],
    data: dict,
    organization_id: int,
    params: Mapping[str, Any] | None,
    case_id: int | None,
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
            if intent.entity == "party_organization" and intent.fields.get("status") == "revoked":
                # Coverage follows the Party organization: revoked, it covers nobody (REG-7).
                until = intent.fields.get("revoked_on") or local_date(uow.clock.now())
                end_coverage(uow.conn, intent.id, _day(until))
        elif isinstance(intent, Cover):
            po = intent.party_organization
            po_id = new_data.get(po) if isinstance(po, str) else po
            if not isinstance(po_id, int):
                raise ValueError(f"Cover: no Party organization id under {po!r}")
            limit = int((params or {}).get("joint_branch_max_units", DEFAULT_JOINT_LIMIT))
            cover(
                uow.conn,
                po_id,
                intent.organization_ids,
                mode=intent.mode,
                since=_day(intent.since),
                joint_limit=limit,
                case_id=case_id,
            )
        elif isinstance(intent, Appoint):
            appoint_instructor(
                uow.conn,
                intent.instructor_id,
                (organization_id,),
                since=_day(intent.since),
                case_id=case_id,
            )
        else:  # pragma: no cover - a new intent type must be handled here
            raise TypeError(f"unknown intent {intent!r}")
    return new_data
