"""What guards and actions see of a case, and what actions may ask for (intents).

Guards and actions are pure functions over a `CaseView` and a validated payload: no
Session, no Flask object. Actions return intents; the service applies them inside the
transaction, so an action can never half-write anything.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, Protocol

from engine.rules import Refusal


class Lookup(Protocol):
    """Read-only access to the records a payload refers to by id (a unit, an organization, a
    Party organization): what a guard needs to judge a reference, without a Session."""

    def __call__(self, entity: str, record_id: int) -> Mapping[str, Any] | None: ...


def _no_lookup(entity: str, record_id: int) -> Mapping[str, Any] | None:
    return None


@dataclass(frozen=True)
class CaseView:
    id: int | None
    procedure: str
    state: str
    version: int
    data: Mapping[str, Any]
    organization: Mapping[str, Any]
    params: Mapping[str, Any]
    today: date
    lookup: Lookup = _no_lookup
    materials: frozenset[str] = frozenset()
    """The material ids of the documents the case holds (with the step's own uploads), so a
    step that requires a document can be refused before anything is written."""


@dataclass(frozen=True)
class SetData:
    """Store a value in the case's own facts (case.data[key])."""

    key: str
    value: Any


@dataclass(frozen=True)
class UpdateOrganization:
    """Change columns of the case's social organization (e.g. credit code on registration)."""

    fields: Mapping[str, Any]


@dataclass(frozen=True)
class CreateRecord:
    """Create a domain record the engine knows (party_organization, instructor, ...).

    `store_id_as` names a case fact (case.data[key]) that receives the new record's id, so a
    later step can refer to the record it created (e.g. end the officer it appointed).
    """

    entity: str
    fields: Mapping[str, Any]
    store_id_as: str | None = None


@dataclass(frozen=True)
class UpdateRecord:
    """Change fields of one existing domain record (a member's relation, an officer's status).

    The record must exist; the guards that chose `id` checked it against the organization
    snapshot, so the service only refuses an id that is not there at all.
    """

    entity: str
    id: int
    fields: Mapping[str, Any]


@dataclass(frozen=True)
class Cover:
    """The Party organization covers these social organizations from `since` (REG-7).

    `party_organization` is an id, or the case-data key a `CreateRecord` of the same step stored
    the new organization's id under. Each organization's `coverage` becomes `party_org`. A joint
    branch covers at most the local `joint_branch_max_units`: the service refuses more (REG-7),
    whichever procedure or directory path adds them. `mode`: host, joint or affiliated."""

    party_organization: int | str
    organization_ids: tuple[int, ...]
    mode: str
    since: date | str


@dataclass(frozen=True)
class Appoint:
    """An instructor of the register serves the case's organization from `since` (INS-2,
    Party-work coverage); the engine writes the link (engine/directory/coverage.py)."""

    instructor_id: int
    since: date | str


Intent = SetData | UpdateOrganization | CreateRecord | UpdateRecord | Cover | Appoint

Guard = Callable[[CaseView, Mapping[str, Any] | None], Refusal | None]
Action = Callable[[CaseView, Mapping[str, Any]], Iterable[Intent]]
