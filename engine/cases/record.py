"""The case record (案卷): everything a printed case file shows, read in one transaction.

A case file in a Chinese government office is printed and archived on paper (issue 14): the
organization, the procedure, every step with who took it, when, what they recorded and which
rule it cites, the deadlines and how each ended, and the documents with their SHA-256, so the
paper copy can be checked against the stored files. The HTML page, the PDF (UI and API) and
the CLI all print what this one reader returns.

Scope is the case reader's (`engine.cases.service.load_case`): whoever may not see the case
may not print it. Documents come from their one reader (`engine.cases.documents`), overdue
from its one definition (`engine.oversight.figures.overdue`). Times are in Asia/Shanghai, as
the paper copy is read there. Labels stay bilingual (`Label`); the adapter picks the language
and renders a step's recorded data by its fields' labels.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import case, select

from engine.access.actor import Actor
from engine.calendar import SHANGHAI
from engine.cases import documents as case_documents
from engine.cases.service import load_case
from engine.definitions.model import Definition, Definitions, Label
from engine.oversight.figures import Moment, overdue
from engine.rules import RuleCatalogue
from engine.store.tables import Deadline, Event, Organization, Unit
from engine.store.unit_of_work import UnitOfWork

events_t = Event.__table__
deadlines_t = Deadline.__table__
orgs_t = Organization.__table__
units_t = Unit.__table__

#: How a deadline stands on the record: met or cancelled (closed), open, or overdue (open and
#: run out, as `engine.oversight.figures.overdue` counts it at the record's instant).
DEADLINE_STANDINGS = ("met", "cancelled", "open", "overdue")


@dataclass(frozen=True)
class CitedRule:
    """A rule of the catalogue by its ID and title; never a file path (the policy texts are
    cited in the catalogue, `definitions/rules.yaml`)."""

    id: str
    title: Label | None
    """None: the ID is not in the catalogue (an event recorded under an older catalogue)."""


@dataclass(frozen=True)
class RecordOrganization:
    id: int
    name: str
    credit_code: str | None
    org_type: str
    category: str
    status: str
    registered_on: date | None
    unit: Label
    """The registration authority the organization belongs to."""
    supervisory_unit: str | None
    industry_regulator: str | None
    local_party_org: str | None
    district: str | None


@dataclass(frozen=True)
class RecordEvent:
    """One line of the record's steps: an opening, a step, a hand-over, a comment, a
    document attached, a reminder or an escalation."""

    number: int
    """1-based position on the record; deadlines and documents refer to it."""
    kind: str
    trigger: str | None
    label: Label | None
    """The step's label from the definition; None for events that are not a step (the
    adapter names those by their kind)."""
    from_state: Label | None
    to_state: Label | None
    actor_name: str
    at: datetime
    """In Asia/Shanghai."""
    case_version: int
    comment: str | None
    data: Mapping[str, Any]
    """What the step recorded (its form's fields, by name); documents it attached are in
    `documents`, not here."""
    rules: tuple[CitedRule, ...]
    documents: tuple[int, ...]
    """Numbers (on the record) of the documents this event attached."""
    moved: tuple[Label | None, Label] | None = None
    """A hand-over (REG-6): from which unit to which, by the names it recorded."""


@dataclass(frozen=True)
class RecordDeadline:
    key: str
    label: Label | None
    rule: CitedRule
    anchor_date: date
    due_date: date
    provisional: bool
    standing: str
    """One of `DEADLINE_STANDINGS`."""
    late: bool
    """Met after its period had run out."""
    escalation_level: int
    closed_at: datetime | None
    """In Asia/Shanghai."""
    closed_by: int | None
    """The number of the event that met or cancelled it."""


@dataclass(frozen=True)
class RecordDocument:
    number: int
    id: int
    material: str | None
    material_label: Label | None
    """From the definition's materials; None: another document, or an id it does not name."""
    filename: str
    content_type: str
    size: int
    sha256: str
    uploaded_by_name: str
    uploaded_at: datetime
    """In Asia/Shanghai."""
    attached_by: int | None
    """The number of the event that attached it."""
    replaces: int | None
    """The number of the document this version replaces."""
    replaced_by: int | None


@dataclass(frozen=True)
class CaseRecord:
    case_id: int
    procedure: str
    procedure_label: Label
    definition_version: int
    state: str
    state_label: Label
    status: str
    case_version: int
    unit: Label
    """The unit handling the case (after a hand-over, the responsible body's)."""
    opened_at: datetime
    closed_at: datetime | None
    generated_at: datetime
    """The instant the record was read, in Asia/Shanghai (printed on every copy)."""
    organization: RecordOrganization
    events: tuple[RecordEvent, ...]
    deadlines: tuple[RecordDeadline, ...]
    documents: tuple[RecordDocument, ...]
    rules: tuple[CitedRule, ...]
    """Every rule the steps and deadlines cite, in ID order."""


def case_record(
    uow: UnitOfWork, defs: Definitions, case_id: int, *, actor: Actor, now: datetime
) -> CaseRecord:
    """The record of one case as `actor` may see it (`Forbidden` outside their units,
    `NotFound` for no such case), judged at `now` (the caller's one instant)."""
    with uow.reader() as r:
        row = load_case(r, case_id, actor)
        org = r.conn.execute(select(orgs_t).where(orgs_t.c.id == row.organization_id)).one()
        units = {
            u.id: Label(u.name_zh, u.name_en)
            for u in r.conn.execute(
                select(units_t.c.id, units_t.c.name_zh, units_t.c.name_en).where(
                    units_t.c.id.in_({row.unit_id, org.unit_id})
                )
            )
        }
        events = r.conn.execute(
            select(events_t).where(events_t.c.case_id == case_id).order_by(events_t.c.id)
        ).all()
        standing = case(
            (overdue(Moment.of(defs, now)), "overdue"), else_=deadlines_t.c.status
        ).label("standing")
        deadlines = r.conn.execute(
            select(deadlines_t, standing)
            .where(deadlines_t.c.case_id == case_id)
            .order_by(deadlines_t.c.id)
        ).all()
        docs = case_documents.list_documents(r, defs, case_id, actor=actor)
    definition = defs.get(row.procedure, row.definition_version)
    catalogue = defs.catalogue
    event_no = {e.id: n for n, e in enumerate(events, start=1)}
    doc_no = {d.id: n for n, d in enumerate(docs, start=1)}
    attached: dict[int, list[int]] = {}
    for d in docs:
        attached.setdefault(d.event_id, []).append(doc_no[d.id])
    record_events = tuple(
        _event(definition, catalogue, e, event_no[e.id], tuple(attached.get(e.id, ())))
        for e in events
    )
    record_deadlines = tuple(_deadline(definition, catalogue, d, event_no) for d in deadlines)
    cited = {r.id for e in record_events for r in e.rules} | {d.rule.id for d in record_deadlines}
    return CaseRecord(
        case_id=row.id,
        procedure=row.procedure,
        procedure_label=definition.label,
        definition_version=row.definition_version,
        state=row.state,
        state_label=_state(definition, row.state) or Label(row.state, row.state),
        status=row.status,
        case_version=row.version,
        unit=units[row.unit_id],
        opened_at=_local(row.opened_at),
        closed_at=_local(row.closed_at) if row.closed_at else None,
        generated_at=_local(now),
        organization=RecordOrganization(
            id=org.id,
            name=org.name,
            credit_code=org.credit_code,
            org_type=org.org_type,
            category=org.category,
            status=org.status,
            registered_on=org.registered_on,
            unit=units[org.unit_id],
            supervisory_unit=org.supervisory_unit,
            industry_regulator=org.industry_regulator,
            local_party_org=org.local_party_org,
            district=org.district,
        ),
        events=record_events,
        deadlines=record_deadlines,
        documents=tuple(_document(definition, d, doc_no, event_no) for d in docs),
        rules=tuple(_rule(catalogue, rid) for rid in sorted(cited)),
    )


def _local(at: datetime) -> datetime:
    return at.astimezone(SHANGHAI)


def _state(definition: Definition, state: str | None) -> Label | None:
    if state is None:
        return None
    found = definition.states.get(state)
    return found.label if found else Label(state, state)


def _rule(catalogue: RuleCatalogue, rule_id: str) -> CitedRule:
    found = catalogue.get(rule_id)
    return CitedRule(rule_id, Label(found.zh, found.en) if found else None)


def _event(
    definition: Definition,
    catalogue: RuleCatalogue,
    e: Any,
    number: int,
    documents: tuple[int, ...],
) -> RecordEvent:
    named = definition.transitions_named(e.trigger) if e.trigger else []
    data = dict(e.payload) if isinstance(e.payload, Mapping) else {}
    if documents:
        # The attaching event lists its documents by id; the record lists them once, below.
        data.pop("documents", None)
    moved = None
    if e.kind == "handed_over":
        moved = _moved(data)
        data = {}
    return RecordEvent(
        number=number,
        kind=e.kind,
        trigger=e.trigger,
        label=named[0].label if named and e.kind == "transition" else None,
        from_state=_state(definition, e.from_state),
        to_state=_state(definition, e.to_state),
        actor_name=e.actor_name,
        at=_local(e.at),
        case_version=e.case_version,
        comment=e.comment,
        data=data,
        rules=tuple(_rule(catalogue, r) for r in (e.rules or ())),
        documents=documents,
        moved=moved,
    )


def _moved(p: Mapping[str, Any]) -> tuple[Label | None, Label]:
    source = p.get("from_unit")
    to = str(p.get("to_unit") or "—")
    return (
        Label(str(source), str(source)) if source else None,
        Label(to, str(p.get("to_unit_en") or to)),
    )


def _deadline(
    definition: Definition, catalogue: RuleCatalogue, d: Any, event_no: Mapping[int, int]
) -> RecordDeadline:
    spec = definition.deadline(d.key)
    return RecordDeadline(
        key=d.key,
        label=spec.label if spec else None,
        rule=_rule(catalogue, d.rule),
        anchor_date=d.anchor_date,
        due_date=d.due_date,
        provisional=d.provisional,
        standing=d.standing,
        late=d.status == "met" and d.closed_at is not None and d.closed_at > d.due_at,
        escalation_level=d.escalation_level,
        closed_at=_local(d.closed_at) if d.closed_at else None,
        closed_by=event_no.get(d.closed_by_event_id) if d.closed_by_event_id else None,
    )


def _document(
    definition: Definition,
    d: case_documents.DocumentInfo,
    doc_no: Mapping[int, int],
    event_no: Mapping[int, int],
) -> RecordDocument:
    material = definition.materials.get(d.material) if d.material else None
    return RecordDocument(
        number=doc_no[d.id],
        id=d.id,
        material=d.material,
        material_label=material.label if material else None,
        filename=d.filename,
        content_type=d.content_type,
        size=d.size,
        sha256=d.sha256,
        uploaded_by_name=d.uploaded_by_name,
        uploaded_at=_local(d.uploaded_at),
        attached_by=event_no.get(d.event_id),
        replaces=doc_no.get(d.replaces_id) if d.replaces_id else None,
        replaced_by=doc_no.get(d.replaced_by_id) if d.replaced_by_id else None,
    )
