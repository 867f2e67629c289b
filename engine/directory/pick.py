"""Records a form may refer to, found by name, as an actor sees them (the pickers).

A step that takes the id of a member, an officer, a Party organization, an organization or a
unit lets the user choose it by name. `candidates` is the one search behind the picker's JSON
and its no-JavaScript list: scoped like the directory readers (the actor's unit and below; an
administrator sees all), a part of the name typed literally, bounded, each row with a detail
that tells two people of the same name apart. Records of the organization `near` (the case's)
come first.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, String, case, func, literal, or_, select

from engine.access.actor import Actor
from engine.access.scope import scope_unit_ids
from engine.store.tables import (
    Case,
    Member,
    Organization,
    PartyOfficer,
    PartyOrganization,
    Unit,
)
from engine.store.tables_coverage import InstructorRecord
from engine.store.unit_of_work import UnitOfWork

cases_t = Case.__table__
instructors_t = InstructorRecord.__table__
members_t = Member.__table__
orgs_t = Organization.__table__
party_t = PartyOrganization.__table__
officers_t = PartyOfficer.__table__
units_t = Unit.__table__

#: What a picker can choose.
KINDS = ("member", "officer", "party_organization", "organization", "unit", "instructor")

#: The kinds that belong to an organization: those `near` (the case's) reaches.
OF_AN_ORGANIZATION = frozenset({"member", "officer", "party_organization", "organization"})

#: The most rows one search returns.
MAX_LIMIT = 50


@dataclass(frozen=True)
class Candidate:
    """One row a picker offers: the id it fills in, the name shown, and a detail in zh/en."""

    id: int
    name: str
    detail_zh: str
    detail_en: str

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "detail": [self.detail_zh, self.detail_en]}


def candidates(
    uow: UnitOfWork,
    actor: Actor,
    kind: str,
    q: str | None = None,
    *,
    near: int | None = None,
    limit: int = 20,
    ids: list[int] | None = None,
) -> tuple[list[Candidate], bool]:
    """Up to `limit` records of `kind` whose name contains `q`, and whether there are more.

    `near` is an organization id: its own records are listed first (members it employs, its
    Party organization and officers, itself) — and seen even when registered outside the
    actor's units, if a case of that organization is within them. `ids` keeps only those records: the names of
    what a picker already holds, as far as the actor may see them.
    """
    if kind not in KINDS:
        raise ValueError(f"unknown kind {kind!r}")
    limit = max(1, min(limit, MAX_LIMIT))
    with uow.reader() as r:
        unit_ids = scope_unit_ids(r, actor)
        case_org = _case_org(r, unit_ids, near) if kind in OF_AN_ORGANIZATION else None
        query, names = _QUERIES[kind](unit_ids, near, case_org)
        if ids is not None:
            query = query.where(query.selected_columns[0].in_(ids))
        term = (q or "").strip()
        if term:
            query = query.where(or_(*(n.contains(term, autoescape=True) for n in names)))
        rows = r.conn.execute(query.limit(limit + 1)).all()
    out = [
        Candidate(x.id, x.name, _words(x.detail_zh, "zh"), _words(x.detail_en, "en"))
        for x in rows[:limit]
    ]
    return out, len(rows) > limit


#: Officers' positions in the detail line.
POSITIONS = {
    "secretary": ("书记", "secretary"),
    "deputy_secretary": ("副书记", "deputy secretary"),
    # an instructor's role (INS-2)
    "instructor": ("党建工作指导员", "instructor"),
    "liaison": ("党建联络员", "liaison"),
}
#: The detail of an instructor: "<role> · <last day of the term>".
TERM = {"zh": "任期至 {}", "en": "term ends {}"}


def _words(detail: str | None, lang: str) -> str:
    head, _, last = (detail or "").rpartition(" · ")
    if last in POSITIONS:
        return f"{head} · {POSITIONS[last][0 if lang == 'zh' else 1]}"
    if head in POSITIONS:  # an instructor: role · term end
        return f"{POSITIONS[head][0 if lang == 'zh' else 1]} · {TERM[lang].format(last)}"
    return detail or ""


def _case_org(r: Any, unit_ids: list[int] | None, near: int | None) -> int | None:
    """`near` if a case of that organization is in the actor's units: its caseworker picks
    among its members and Party organization even when the organization is registered
    elsewhere (a case handed to a responsible unit, REG-6). Otherwise nothing more is seen."""
    if near is None or unit_ids is None:
        return None
    found = r.conn.execute(
        select(cases_t.c.id)
        .where(cases_t.c.organization_id == near, cases_t.c.unit_id.in_(unit_ids))
        .limit(1)
    ).first()
    return near if found is not None else None


def _visible(unit_column: Any, unit_ids: list[int] | None, case_org: int | None) -> Any:
    if unit_ids is None:
        return literal(True)
    seen = unit_column.in_(unit_ids)
    return or_(seen, orgs_t.c.id == case_org) if case_org is not None else seen


def _first(column: Any, near: int | None) -> Any:
    return case((column == near, 0), else_=1) if near is not None else literal(1)


def _members(
    unit_ids: list[int] | None, near: int | None, case_org: int | None
) -> tuple[Select, tuple[Any, ...]]:
    party = func.coalesce(party_t.c.name, members_t.c.relation_location, "")
    q = (
        select(
            members_t.c.id,
            members_t.c.name,
            (orgs_t.c.name + " · " + party).label("detail_zh"),
            (orgs_t.c.name + " · " + party).label("detail_en"),
        )
        .join(orgs_t, orgs_t.c.id == members_t.c.organization_id)
        .outerjoin(party_t, party_t.c.id == members_t.c.party_organization_id)
        .order_by(_first(orgs_t.c.id, near), members_t.c.name, members_t.c.id)
        .where(_visible(orgs_t.c.unit_id, unit_ids, case_org))
    )
    return q, (members_t.c.name,)


def _party_scope(q: Select, unit_ids: list[int] | None, case_org: int | None) -> Select:
    """A body's own Party organization sits at its upper unit (engine.directory.party)."""
    unit = func.coalesce(orgs_t.c.unit_id, party_t.c.upper_unit_id)
    return q.where(_visible(unit, unit_ids, case_org))


def _officers(
    unit_ids: list[int] | None, near: int | None, case_org: int | None
) -> tuple[Select, tuple[Any, ...]]:
    q = (
        select(
            officers_t.c.id,
            officers_t.c.name,
            (party_t.c.name + " · " + officers_t.c.position).label("detail_zh"),
            (party_t.c.name + " · " + officers_t.c.position).label("detail_en"),
        )
        .join(party_t, party_t.c.id == officers_t.c.party_organization_id)
        .outerjoin(orgs_t, orgs_t.c.id == party_t.c.organization_id)
        .where(officers_t.c.status == "active")
        .order_by(_first(orgs_t.c.id, near), officers_t.c.name, officers_t.c.id)
    )
    return _party_scope(q, unit_ids, case_org), (officers_t.c.name,)


def _party_organizations(
    unit_ids: list[int] | None, near: int | None, case_org: int | None
) -> tuple[Select, tuple[Any, ...]]:
    host = func.coalesce(orgs_t.c.name, party_t.c.upper_party_org, "")
    q = (
        select(
            party_t.c.id,
            party_t.c.name,
            host.label("detail_zh"),
            host.label("detail_en"),
        )
        .outerjoin(orgs_t, orgs_t.c.id == party_t.c.organization_id)
        .order_by(_first(orgs_t.c.id, near), party_t.c.name, party_t.c.id)
    )
    return _party_scope(q, unit_ids, case_org), (party_t.c.name,)


def _organizations(
    unit_ids: list[int] | None, near: int | None, case_org: int | None
) -> tuple[Select, tuple[Any, ...]]:
    q = (
        select(
            orgs_t.c.id,
            orgs_t.c.name,
            func.coalesce(orgs_t.c.credit_code, units_t.c.name_zh).label("detail_zh"),
            func.coalesce(orgs_t.c.credit_code, units_t.c.name_en).label("detail_en"),
        )
        .join(units_t, units_t.c.id == orgs_t.c.unit_id)
        .order_by(_first(orgs_t.c.id, near), orgs_t.c.name, orgs_t.c.id)
        .where(_visible(orgs_t.c.unit_id, unit_ids, case_org))
    )
    return q, (orgs_t.c.name, orgs_t.c.credit_code)


def _units(
    unit_ids: list[int] | None, near: int | None, case_org: int | None
) -> tuple[Select, tuple[Any, ...]]:
    q = select(
        units_t.c.id,
        units_t.c.name_zh.label("name"),
        func.coalesce(units_t.c.district, units_t.c.name_en).label("detail_zh"),
        units_t.c.name_en.label("detail_en"),
    ).order_by(units_t.c.path, units_t.c.id)
    if unit_ids is not None:
        q = q.where(units_t.c.id.in_(unit_ids))
    return q, (units_t.c.name_zh, units_t.c.name_en)


def _instructors(
    unit_ids: list[int] | None, near: int | None, case_org: int | None
) -> tuple[Select, tuple[Any, ...]]:
    """Instructors and liaisons of the register still serving (INS-2: one whose term ended
    cannot be appointed), of the actor's units."""
    detail = instructors_t.c.role + " · " + func.cast(instructors_t.c.term_ends_on, String)
    q = (
        select(
            instructors_t.c.id,
            instructors_t.c.name,
            detail.label("detail_zh"),
            detail.label("detail_en"),
        )
        .where(instructors_t.c.status == "active")
        .order_by(instructors_t.c.name, instructors_t.c.id)
    )
    if unit_ids is not None:
        q = q.where(instructors_t.c.unit_id.in_(unit_ids))
    return q, (instructors_t.c.name,)


_QUERIES = {
    "member": _members,
    "officer": _officers,
    "party_organization": _party_organizations,
    "organization": _organizations,
    "unit": _units,
    "instructor": _instructors,
}
