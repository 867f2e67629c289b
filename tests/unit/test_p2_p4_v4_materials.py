"""Adjustment, decoupling and secretary version 4 (issue 14 item 1): where a document is the
evidence the step names it. Through the shipped definitions and their machines, no database.

TRF-4's decision and DEC-1's signed hand-over list are required; SEC-3's approval and SEC-7's
annual report are accepted, not required (their steps recur in one case: a required material
counts any document of its kind the case holds, so an earlier one would satisfy it).
"""

from __future__ import annotations

from datetime import date
from types import MappingProxyType

import pytest

from engine.definitions.loader import load_definitions
from engine.registry import load_registry
from engine.snapshot import CaseView

DEFS = load_definitions(None, load_registry())


def view(procedure: str, state: str, materials: frozenset[str] = frozenset()) -> CaseView:
    return CaseView(
        1,
        procedure,
        state,
        5,
        MappingProxyType({}),
        MappingProxyType({"party_organizations": (), "open_cases": ()}),
        DEFS.parameters,
        date(2026, 3, 2),
        materials=materials,
    )


def checklist(procedure: str, trigger: str) -> list[tuple[str, str, bool]]:
    (step,) = DEFS.get(procedure).transitions_named(trigger)
    return [(m.id, m.rule, m.required) for m in step.materials]


def test_the_newest_versions_are_4():
    assert {p: DEFS.get(p).version for p in ("adjustment", "decoupling", "secretary")} == {
        "adjustment": 4,
        "decoupling": 4,
        "secretary": 4,
    }


@pytest.mark.parametrize("trigger", ["decide_change", "decide_revocation"])
def test_trf4_a_decision_is_refused_until_the_case_holds_the_written_decision(trigger):
    assert checklist("adjustment", trigger) == [("party_decision", "TRF-4", True)]
    machine = DEFS.get("adjustment").machine
    r = machine.refusal_for(view("adjustment", "deciding"), trigger)
    assert r is not None and r.rule == "TRF-4"
    assert r.details["missing_materials"] == ["party_decision"]
    assert "上级党组织的决定（批复）" in r.zh and "decision" in r.en
    held = machine.refusal_for(
        view("adjustment", "deciding", frozenset({"party_decision"})), trigger
    )
    assert held is None or "missing_materials" not in held.details


def test_dec1_the_handover_is_refused_until_the_signed_list_is_held():
    assert checklist("decoupling", "complete_handover") == [
        ("archives_handover_list", "DEC-1", True)
    ]
    assert checklist("decoupling", "receive_archives") == [
        ("archives_handover_list", "DEC-1", False)
    ]
    machine = DEFS.get("decoupling").machine
    r = machine.refusal_for(view("decoupling", "handing_over"), "complete_handover")
    assert r is not None and r.rule == "DEC-1"
    assert r.details["missing_materials"] == ["archives_handover_list"]
    assert "党建档案移交清单" in r.zh and "hand-over list" in r.en


@pytest.mark.parametrize(
    ("trigger", "material", "rule"),
    [
        ("approve", "appointment_approval", "SEC-3"),
        ("file_annual_report", "annual_report", "SEC-7"),
    ],
)
def test_sec3_sec7_the_approval_and_the_annual_report_are_accepted_not_required(
    trigger, material, rule
):
    assert checklist("secretary", trigger) == [(material, rule, False)]
    assert rule in DEFS.get("secretary").transitions_named(trigger)[0].rules


@pytest.mark.parametrize("procedure", ["adjustment", "decoupling", "secretary"])
def test_earlier_versions_name_no_documents(procedure):
    for version in (1, 2, 3):
        assert DEFS.get(procedure, version).materials == {}
