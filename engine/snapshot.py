"""What guards and actions see of a case, and what actions may ask for (intents).

Guards and actions are pure functions over a `CaseView` and a validated payload: no
Session, no Flask object. Actions return intents; the service applies them inside the
transaction, so an action can never half-write anything.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from engine.rules import Refusal


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


Intent = SetData | UpdateOrganization | CreateRecord | UpdateRecord

Guard = Callable[[CaseView, Mapping[str, Any] | None], Refusal | None]
Action = Callable[[CaseView, Mapping[str, Any]], Iterable[Intent]]
