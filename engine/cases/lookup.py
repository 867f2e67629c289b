"""The records a step's input refers to by id: checked to exist, and readable by guards.

A schema field that holds the id of a unit, an organization or a Party organization says so
in its metadata (`ref: unit|organization|party_organization`). The service refuses an id that
names nothing (422, the field named) before any guard runs, and hands guards a `Lookup`
(engine.snapshot) to read what the id names: the kind of a unit (REG-6), the coverage of a
partner organization (REG-7), whether a host Party organization is active.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from marshmallow import Schema, ValidationError, fields
from sqlalchemy import Connection, func, select

from engine.store.tables import Organization, PartyOrganization, PartyOrgCoverage, Unit

cover_t = PartyOrgCoverage.__table__

REF_TABLES = {
    "unit": Unit.__table__,
    "organization": Organization.__table__,
    "party_organization": PartyOrganization.__table__,
}

REF_COLUMNS = {
    "unit": ("id", "code", "name_zh", "name_en", "kind", "parent_id", "path"),
    "organization": (
        "id",
        "name",
        "unit_id",
        "status",
        "coverage",
        "full_members",
        "full_time_full_members",
        "registration_mode",
        "category",
    ),
    "party_organization": ("id", "name", "kind", "status", "organization_id", "formation_mode"),
}


class RecordLookup:
    """`Lookup` over one connection, each record read once per step."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn
        self._seen: dict[tuple[str, int], Mapping[str, Any] | None] = {}

    def __call__(self, entity: str, record_id: int) -> Mapping[str, Any] | None:
        key = (entity, record_id)
        if key not in self._seen:
            t = REF_TABLES[entity]
            cols: list[Any] = [t.c[c] for c in REF_COLUMNS[entity]]
            if entity == "party_organization":
                # How many organizations it covers today: a guard can tell a full joint
                # branch (REG-7) before the coverage writer refuses it.
                cols.append(
                    select(func.count())
                    .where(cover_t.c.party_organization_id == t.c.id, cover_t.c.until.is_(None))
                    .scalar_subquery()
                    .label("covered_count")
                )
            row = self._conn.execute(select(*cols).where(t.c.id == record_id)).mappings().first()
            self._seen[key] = dict(row) if row is not None else None
        return self._seen[key]


def _refs(schema: Schema, data: Mapping[str, Any], prefix: str = "") -> list[tuple[str, str, int]]:
    """(field path, entity, id) of every reference a loaded payload holds."""
    out: list[tuple[str, str, int]] = []
    for name, field in schema.fields.items():
        value = data.get(field.data_key or name) if isinstance(data, Mapping) else None
        if value is None:
            continue
        path = f"{prefix}{name}"
        inner = field.inner if isinstance(field, fields.List) else None
        entity = (inner or field).metadata.get("ref")
        if entity:
            values = value if isinstance(value, list) else [value]
            out.extend((path, entity, v) for v in values if isinstance(v, int))
        elif isinstance(field, fields.Nested) and isinstance(value, Mapping):
            out.extend(_refs(field.schema, value, f"{path}."))
    return out


def check_refs(schema: Schema, data: Mapping[str, Any], lookup: RecordLookup) -> None:
    """Refuse a reference to nothing, naming the field (bad input, the case untouched)."""
    errors: dict[str, list[str]] = {}
    for path, entity, record_id in _refs(schema, data):
        if lookup(entity, record_id) is None:
            errors.setdefault(path, []).append(
                f"no {entity.replace('_', ' ')} #{record_id} / 编号 {record_id} 不存在"
            )
    if errors:
        raise ValidationError(errors)
