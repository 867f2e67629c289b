"""Organizations through the API: listed, read and created within the actor's scope."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from marshmallow import ValidationError
from sqlalchemy import Select, or_, select

from engine.access.actor import Actor
from engine.directory import service as directory
from engine.errors import Forbidden, NotFound
from engine.store.tables import Organization, Unit
from engine.store.unit_of_work import UnitOfWork

orgs_t = Organization.__table__


units_t = Unit.__table__


# Who may add an organization: those who open cases for it (services.open_case).
ORGANIZATION_CREATORS = ("caseworker", "admin")


def scoped_to(q: Select, actor: Actor) -> Select:
    return q.where(actor.scope(units_t.c.path))


def _org_query() -> Select:
    return select(
        orgs_t, units_t.c.code.label("unit_code"), units_t.c.path.label("unit_path")
    ).join(units_t, units_t.c.id == orgs_t.c.unit_id)


def list_organizations(
    uow: UnitOfWork,
    *,
    actor: Actor,
    search: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> list[dict[str, Any]]:
    """Organizations registered under the actor's units, by id; `search` matches a name part
    or a whole credit code (INF-1)."""
    q = scoped_to(_org_query(), actor).order_by(orgs_t.c.id).limit(limit).offset(offset)
    if search:
        q = q.where(or_(orgs_t.c.name.contains(search), orgs_t.c.credit_code == search.upper()))
    with uow.reader() as r:
        return [dict(row) for row in r.conn.execute(q).mappings()]


def get_organization(uow: UnitOfWork, organization_id: int, *, actor: Actor) -> dict[str, Any]:
    with uow.reader() as r:
        row = r.conn.execute(_org_query().where(orgs_t.c.id == organization_id)).mappings().first()
    if row is None:
        raise NotFound("organization", organization_id)
    if not actor.can_see(row["unit_path"]):
        raise Forbidden(
            f"organization {organization_id} belongs to another unit; "
            "you see only your unit and below"
        )
    return dict(row)


def create_organization(
    uow: UnitOfWork, payload: Mapping[str, Any], *, actor: Actor
) -> dict[str, Any]:
    """Add an organization under a unit in the actor's scope (validation: `directory`)."""
    if actor.role not in ORGANIZATION_CREATORS:
        raise Forbidden("only caseworkers add organizations (they open its cases)")
    if not isinstance(payload, Mapping):
        raise ValidationError({"_schema": ["send the organization as an object"]})

    def in_scope(unit: Any) -> None:
        if not actor.can_see(unit.path):
            raise Forbidden(f"unit {unit.code!r} is outside your unit; you act on it and below")

    try:
        oid = directory.create_organization(uow, payload, check_unit=in_scope)
    except NotFound as exc:  # the only lookup: the unit named by the payload
        raise ValidationError({"unit": [f"no unit with code {exc.key!r}"]}) from None
    return get_organization(uow, oid, actor=actor)
