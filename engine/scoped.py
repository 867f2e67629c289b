"""Reads and writes seen through an actor's unit scope, for the systems around the engine.

The API serves registration systems and reporting tools acting as a user: they see what
that user sees in the UI — their own unit and everything below it (`Actor.can_see`, the same
predicate `services.list_cases` applies in SQL) — and nothing else. Lists are paginated and
run one query each (joins, no query per row).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from marshmallow import ValidationError
from sqlalchemy import Select, or_, select

from engine import directory
from engine.definitions import Definitions
from engine.errors import Forbidden, NotFound
from engine.models import Case, Deadline, Organization, Unit
from engine.services import Actor
from engine.unit_of_work import UnitOfWork

orgs_t = Organization.__table__
units_t = Unit.__table__
cases_t = Case.__table__
deadlines_t = Deadline.__table__

# Who may add an organization: those who open cases for it (services.open_case).
ORGANIZATION_CREATORS = ("caseworker", "admin")


def _scoped(q: Select, actor: Actor) -> Select:
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
    q = _scoped(_org_query(), actor).order_by(orgs_t.c.id).limit(limit).offset(offset)
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


def _deadline_query(actor: Actor) -> Select:
    q = (
        select(
            deadlines_t.c.id,
            deadlines_t.c.case_id,
            deadlines_t.c.key,
            deadlines_t.c.rule,
            deadlines_t.c.status,
            deadlines_t.c.anchor_date,
            deadlines_t.c.due_date,
            deadlines_t.c.due_at,
            deadlines_t.c.remind_at,
            deadlines_t.c.provisional,
            deadlines_t.c.escalation_level,
            deadlines_t.c.opened_at,
            cases_t.c.procedure,
            cases_t.c.definition_version,
            cases_t.c.state.label("case_state"),
            cases_t.c.assignee_id,
            cases_t.c.organization_id,
            orgs_t.c.name.label("organization"),
            units_t.c.code.label("unit_code"),
        )
        .join(cases_t, cases_t.c.id == deadlines_t.c.case_id)
        .join(orgs_t, orgs_t.c.id == cases_t.c.organization_id)
        .join(units_t, units_t.c.id == cases_t.c.unit_id)
        .where(deadlines_t.c.status == "open")
        .order_by(deadlines_t.c.due_at, deadlines_t.c.id)
    )
    return _scoped(q, actor)


def _labelled(rows: Any, defs: Definitions) -> list[dict[str, Any]]:
    out = []
    for row in rows:
        item = dict(row)
        definition = defs.get(item["procedure"], item["definition_version"])
        spec = definition.deadline(item["key"])
        item["label"] = spec.label if spec else None
        out.append(item)
    return out


def overdue_deadlines(
    uow: UnitOfWork, defs: Definitions, *, actor: Actor, limit: int = 50, offset: int = 0
) -> list[dict[str, Any]]:
    """Open deadlines whose period has run out (ACC-1: the overdue record), oldest first."""
    with uow.reader() as r:
        now = r.clock.now()
        q = _deadline_query(actor).where(deadlines_t.c.due_at < now).limit(limit).offset(offset)
        return _labelled(r.conn.execute(q).mappings(), defs)


def due_deadlines(
    uow: UnitOfWork,
    defs: Definitions,
    *,
    actor: Actor,
    until: date | None = None,
    limit: int = 50,
    offset: int = 0,
) -> list[dict[str, Any]]:
    """Open deadlines not yet overdue that fall due soon, soonest first.

    "Soon" is the definition's own reminder window (`remind_before`, e.g. 7 days before the
    REG-5 month ends) unless `until` (a Shanghai date) asks for everything due by that day.
    """
    with uow.reader() as r:
        now = r.clock.now()
        q = _deadline_query(actor).where(deadlines_t.c.due_at >= now)
        if until is not None:
            q = q.where(deadlines_t.c.due_date <= until)
        else:
            q = q.where(deadlines_t.c.remind_at.is_not(None), deadlines_t.c.remind_at <= now)
        return _labelled(r.conn.execute(q.limit(limit).offset(offset)).mappings(), defs)
