"""The organization as a case's guards see it: read lazily inside the step's transaction."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any, ClassVar

from sqlalchemy import Connection, select

from engine.cases.intents import RECORD_TABLES
from engine.errors import NotFound
from engine.store.tables import Case, Organization
from engine.store.unit_of_work import UnitOfWork

cases_t = Case.__table__


orgs_t = Organization.__table__


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


def load_organization(uow: UnitOfWork, organization_id: int) -> OrganizationView:
    row = uow.conn.execute(select(orgs_t).where(orgs_t.c.id == organization_id)).mappings().first()
    if row is None:
        raise NotFound("organization", organization_id)
    return OrganizationView(row, uow.conn)
