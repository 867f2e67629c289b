"""Actions of the annual inspection: what each step records (intents, applied by the engine)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime
from typing import Any

from engine.snapshot import CaseView, CreateRecord, Intent, SetData
from workflows.common import dated, record_withdrawal
from workflows.inspection.checklist import checklist
from workflows.inspection.guards import unmet_requirements
from workflows.inspection.schemas import FACT_DATES


def open_year(case: CaseView, payload: Mapping[str, Any]) -> Iterable[Intent]:
    """The year inspected; its periods count from 1 January of the next year."""
    year = int(payload["year"])
    yield SetData("year", year)
    yield SetData("cycle_starts_on", date(year + 1, 1, 1))


def record_self_check(case: CaseView, payload: Mapping[str, Any]) -> Iterable[Intent]:
    answers = {i: payload[i] for i in checklist().ids}
    yield SetData("self_check", {**answers, "checked_on": payload["checked_on"]})
    yield SetData("self_check_notes", payload.get("notes"))
    yield SetData("findings", [i for i, a in answers.items() if a == "not_met"])


def record_statistics(case: CaseView, payload: Mapping[str, Any]) -> Iterable[Intent]:
    yield SetData("statistics", dict(payload))


def record_annual_report(case: CaseView, payload: Mapping[str, Any]) -> Iterable[Intent]:
    yield SetData("annual_report", dict(payload))


def record_demand(case: CaseView, payload: Mapping[str, Any]) -> Iterable[Intent]:
    demands = list(case.data.get("rectifications", ()))
    demands.append(
        {
            "item": payload["item"],
            "problem": payload["problem"],
            "demanded_on": payload["demanded_on"],
            "completed_on": None,
        }
    )
    yield SetData("rectifications", demands)


def record_rectification(case: CaseView, payload: Mapping[str, Any]) -> Iterable[Intent]:
    demands = [dict(d) for d in case.data.get("rectifications", ())]
    demands[-1].update(completed_on=payload["completed_on"], summary=payload["summary"])
    yield SetData("rectifications", demands)


def record_qualified(case: CaseView, payload: Mapping[str, Any]) -> Iterable[Intent]:
    yield SetData("result", {"result": "qualified", **payload})


def record_unqualified(case: CaseView, payload: Mapping[str, Any]) -> Iterable[Intent]:
    """INS-1: the result with its reason — the rule's own reason first where it applies."""
    unmet = unmet_requirements(case)
    yield SetData("result", {"result": "unqualified", "unmet": unmet, **payload})


def record_dormancy(case: CaseView, payload: Mapping[str, Any]) -> Iterable[Intent]:
    """SUP-1: the organization goes on the list as long-dormant, for deregistration."""
    yield SetData("dormancy", dict(payload))
    decided = payload["decided_on"]
    yield CreateRecord(
        "abnormal_entry",
        {
            "unit_id": case.organization["unit_id"],
            "reason": "dormant",
            "series": str(case.data.get("year")) if case.data.get("year") else None,
            "status": "deregistration",
            "listed_on": decided,
            "listed_at": datetime(decided.year, decided.month, decided.day, tzinfo=UTC),
            "listed_by_name": "inspection",
            "case_id": case.id,
            "details": {
                "reason": payload["reason"],
                "inactive_since": str(payload["inactive_since"]),
            },
        },
    )


ACTIONS = {
    "inspection.open_year": open_year,
    "inspection.record_self_check": dated(FACT_DATES["inspection.self_check"])(record_self_check),
    "inspection.record_statistics": dated(FACT_DATES["inspection.statistics"])(record_statistics),
    "inspection.record_annual_report": dated(FACT_DATES["inspection.annual_report"])(
        record_annual_report
    ),
    "inspection.record_demand": dated(FACT_DATES["inspection.rectification_demand"])(record_demand),
    "inspection.record_rectification": dated(FACT_DATES["inspection.rectification_done"])(
        record_rectification
    ),
    "inspection.record_qualified": dated(FACT_DATES["inspection.conclusion"])(record_qualified),
    "inspection.record_unqualified": dated(FACT_DATES["inspection.failure"])(record_unqualified),
    "inspection.record_dormancy": dated(FACT_DATES["inspection.dormancy"])(record_dormancy),
    "inspection.record_withdrawal": record_withdrawal,
}
