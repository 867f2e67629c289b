"""Actions of P3: they return intents; the service applies them in the transaction."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from marshmallow import ValidationError

from engine.snapshot import (
    CaseView,
    CreateRecord,
    Intent,
    SetData,
    UpdateOrganization,
    UpdateRecord,
)
from workflows.common import active_party_org, dated, record_withdrawal, running_cases
from workflows.decoupling.guards import members_to_transfer
from workflows.decoupling.schemas import FACT_DATES


@dated(FACT_DATES["decoupling.start"])
def start(case: CaseView, payload: Mapping[str, Any]) -> Iterable[Intent]:
    """DEC-1: the case opens with the archive inventory; one decoupling per organization at a
    time, of an active Party organization of this organization."""
    po = active_party_org(
        case,
        payload["party_organization_id"],
        "DEC-1: not an active Party organization of this social organization",
    )
    if running := running_cases(case):
        raise ValidationError(
            {"party_organization_id": [f"DEC-1: decoupling case #{running[0]} is already open"]}
        )
    yield SetData("party_organization_id", po["id"])
    yield SetData("party_organization_name", po["name"])
    yield SetData("decoupling", {k: v for k, v in payload.items() if k != "archive_items"})
    yield SetData("archives", [{"item": item} for item in payload["archive_items"]])


@dated(FACT_DATES["decoupling.receipts"])
def record_receipts(case: CaseView, payload: Mapping[str, Any]) -> Iterable[Intent]:
    """DEC-1: the checklist says who handed over and who received what, and when. An item
    found while sorting that was not on the inventory joins it, received."""
    archives = [dict(a) for a in case.data.get("archives", [])]
    index = {a["item"]: a for a in archives}
    for receipt in payload["items"]:
        entry = index.get(receipt["item"])
        if entry is None:
            entry = {"item": receipt["item"], "added": True}
            archives.append(entry)
            index[receipt["item"]] = entry
        entry.update({k: v for k, v in receipt.items() if k != "item"})
    yield SetData("archives", archives)


@dated(FACT_DATES["decoupling.handover"])
def record_handover(case: CaseView, payload: Mapping[str, Any]) -> Iterable[Intent]:
    """DEC-1/DEC-2: the transfer and the leadership periods run from the handover (and, in
    versions 1 and 2, DEC-3's three months; from version 3 they run from the transfer)."""
    yield SetData("handover_on", payload["handover_on"])


@dated(FACT_DATES["decoupling.transfer"])
def transfer_party_org(case: CaseView, payload: Mapping[str, Any]) -> Iterable[Intent]:
    """DEC-1: the Party organization now belongs to the receiving Party organization; members
    whose relation sat with the original supervisory unit's Party organization join it. The
    transfer date (`transfer.transferred_on`) starts DEC-3's three months from version 3."""
    pid = case.data["party_organization_id"]
    receiving = case.data["decoupling"]["receiving_party_org"]
    yield UpdateRecord("party_organization", pid, {"upper_party_org": receiving})
    for m in members_to_transfer(case):
        if m["party_organization_id"] != pid:
            yield UpdateRecord(
                "member",
                m["id"],
                {"party_organization_id": pid, "relation_location": None, "life_party_org": None},
            )
    yield SetData("transfer", dict(payload))


@dated(FACT_DATES["decoupling.leadership"])
def state_leadership(case: CaseView, payload: Mapping[str, Any]) -> Iterable[Intent]:
    """DEC-2/DEC-4: the new body leads the Party organization and is the responsible body."""
    yield UpdateRecord(
        "party_organization",
        case.data["party_organization_id"],
        {"upper_party_org": payload["body_name"]},
    )
    yield UpdateOrganization({"responsible_body_kind": payload["body_kind"]})
    yield SetData("leadership", dict(payload))


@dated(FACT_DATES["decoupling.meeting"])
def record_meeting(case: CaseView, payload: Mapping[str, Any]) -> Iterable[Intent]:
    """DEC-3: the meeting is a record of the Party organization, kept beyond this case."""
    yield CreateRecord(
        "org_life_meeting",
        {
            "party_organization_id": case.data["party_organization_id"],
            "held_on": payload["held_on"],
            "kind": payload["kind"],
            "topic": payload["topic"],
            "attendees": payload.get("attendees"),
            "under_body": case.data.get("leadership", {}).get("body_name"),
            "case_id": case.id,
            "recorded_on": case.today,
        },
    )


@dated(FACT_DATES["decoupling.confirmation"])
def confirm_normal(case: CaseView, payload: Mapping[str, Any]) -> Iterable[Intent]:
    yield SetData("confirmation", dict(payload))


ACTIONS = {
    "decoupling.start": start,
    "decoupling.record_receipts": record_receipts,
    "decoupling.record_handover": record_handover,
    "decoupling.transfer_party_org": transfer_party_org,
    "decoupling.state_leadership": state_leadership,
    "decoupling.record_meeting": record_meeting,
    "decoupling.confirm_normal": confirm_normal,
    "decoupling.record_withdrawal": record_withdrawal,
}
