"""Actions of P2: they return intents; the service applies them in the transaction."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from marshmallow import ValidationError

from engine.calendar import LegalCalendar, Period
from engine.snapshot import CaseView, Intent, SetData, UpdateOrganization, UpdateRecord
from workflows.adjustment.guards import attached_members
from workflows.adjustment.schemas import FACT_DATES
from workflows.common import active_party_org, dated, record_withdrawal, running_cases


@dated(FACT_DATES["adjustment.report"])
def record_report(case: CaseView, payload: Mapping[str, Any]) -> Iterable[Intent]:
    """TRF-1: the report opens the case. It must name an active Party organization of this
    organization, and one adjustment at a time runs per organization. A report later than the
    local period (TRF-5) is accepted — better late than never — and flagged."""
    po = active_party_org(
        case,
        payload["party_organization_id"],
        "TRF-1: not an active Party organization of this social organization",
    )
    if running := running_cases(case):
        raise ValidationError(
            {"party_organization_id": [f"TRF-2: adjustment case #{running[0]} is already open"]}
        )
    yield SetData("party_organization_id", po["id"])
    yield SetData("party_organization_name", po["name"])
    yield SetData("change_kind", payload["change_kind"])
    yield SetData("reported_on", payload["reported_on"])
    yield SetData("report", dict(payload))
    period = Period.parse(str(case.params["trf_report_period"]))
    latest = LegalCalendar.add(payload["change_on"], period)
    if payload["reported_on"] > latest:
        yield SetData(
            "warnings",
            {
                **case.data.get("warnings", {}),
                "TRF-1": {
                    "zh": f"报告晚于期限（变更后{period_text(period, 'zh')}内，地方默认值；"
                    f"应不晚于{latest}）",
                    "en": f"Reported after the period ({period_text(period, 'en')} from the "
                    f"change, local default; i.e. by {latest})",
                },
            },
        )


def period_text(period: Period, lang: str) -> str:
    parts = [
        (period.years, "年", "year"),
        (period.months, "个月", "month"),
        (period.days, "天", "day"),
    ]
    if lang == "zh":
        return "".join(f"{n}{zh}" for n, zh, _ in parts if n) or "0天"
    return " ".join(f"{n} {en}{'s' if n > 1 else ''}" for n, _, en in parts if n) or "0 days"


@dated(FACT_DATES["adjustment.receiving"])
def record_receiving(case: CaseView, payload: Mapping[str, Any]) -> Iterable[Intent]:
    """TRF-2: who receives, and who supervises and assists the transfers."""
    yield SetData("receiving", dict(payload))


@dated(FACT_DATES["adjustment.destinations"])
def record_destinations(case: CaseView, payload: Mapping[str, Any]) -> Iterable[Intent]:
    """TRF-3: a transfer or a kept relation takes the member out of this Party organization at
    once (the letter is issued); "remain" only says the member stays in it."""
    members = {m["id"]: m for m in attached_members(case)}
    destinations = dict(case.data.get("destinations", {}))
    for d in payload["destinations"]:
        member = members[d["member_id"]]
        destinations[str(member["id"])] = {
            **{k: v for k, v in d.items() if v is not None},
            "name": member["name"],
            "recorded_on": case.today,
        }
        if d["kind"] == "transfer":
            fields = {
                "party_organization_id": None,
                "relation_location": d["to_party_org"],
                "life_party_org": None,
            }
        elif d["kind"] == "keep_elsewhere":
            fields = {
                "party_organization_id": None,
                "relation_location": d["relation_kept_at"],
                "life_party_org": d["life_at"],
            }
        else:
            continue
        yield UpdateRecord("member", member["id"], fields)
    yield SetData("destinations", destinations)


@dated(FACT_DATES["adjustment.completion"])
def record_completion(case: CaseView, payload: Mapping[str, Any]) -> Iterable[Intent]:
    yield SetData("transfers_completed_on", payload["completed_on"])


@dated(FACT_DATES["adjustment.change_decision"])
def apply_change(case: CaseView, payload: Mapping[str, Any]) -> Iterable[Intent]:
    """TRF-4: the Party organization continues, adjusted (name, kind, upper organization)."""
    columns = {"new_name": "name", "new_kind": "kind", "new_upper_party_org": "upper_party_org"}
    fields = {col: payload[key] for key, col in columns.items() if payload.get(key)}
    if fields:
        yield UpdateRecord("party_organization", case.data["party_organization_id"], fields)
    yield SetData("decision", {"outcome": "change", **payload})


@dated(FACT_DATES["adjustment.revocation"])
def revoke_party_org(case: CaseView, payload: Mapping[str, Any]) -> Iterable[Intent]:
    """TRF-4: the Party organization is revoked. For a deregistering organization this releases
    the deregistration, which waited for this case (the definition's hold)."""
    pid = case.data["party_organization_id"]
    yield UpdateRecord(
        "party_organization", pid, {"status": "revoked", "revoked_on": payload["decided_on"]}
    )
    others = [
        p
        for p in case.organization.get("party_organizations", ())
        if p["id"] != pid and p["status"] == "active"
    ]
    if not others and case.organization.get("coverage") == "party_org":
        yield UpdateOrganization({"coverage": "none"})
    yield SetData("decision", {"outcome": "revocation", **payload})
    if case.data.get("change_kind") == "deregistration":
        yield SetData("deregistration_released", True)


ACTIONS = {
    "adjustment.record_report": record_report,
    "adjustment.record_receiving": record_receiving,
    "adjustment.record_destinations": record_destinations,
    "adjustment.record_completion": record_completion,
    "adjustment.apply_change": apply_change,
    "adjustment.revoke_party_org": revoke_party_org,
    "adjustment.record_withdrawal": record_withdrawal,
}
