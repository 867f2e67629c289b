"""P1 version 3 (registration.v3.yaml): the documents are the evidence (issue 14 item 1).

Through the shipped definition and its shared machine, no database: a step that requires a
document is refused, citing the material's rule, until the case holds it (`CaseView.materials`
is what the service puts there: the documents held plus the step's own uploads).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from types import MappingProxyType

import pytest
from marshmallow import ValidationError

from engine.definitions.loader import load_definitions
from engine.errors import TransitionRefused
from engine.registry import load_registry
from engine.snapshot import CaseView, SetData, UpdateOrganization
from tests.world import CHARTER_OK, survey

DEFS = load_definitions(None, load_registry())
P1 = DEFS.get("registration", 3)
M = P1.machine
ORG = {
    "name": "长春市南关区物流行业协会",
    "category": "industry_association",
    "registration_mode": "direct",
    "supervisory_unit": None,
    "open_cases": (),
}
SURVEYED = {"member_survey": survey(4)}
REG1 = frozenset({"commitment_letter", "member_survey"})


def view(state: str, data: dict | None = None, materials: frozenset[str] = frozenset()):
    return CaseView(
        1,
        "registration",
        state,
        3,
        MappingProxyType(data or {}),
        MappingProxyType(ORG),
        DEFS.parameters,
        date(2026, 3, 2),
        materials=materials,
    )


def refused(v: CaseView, trigger: str, payload: dict | None = None):
    with pytest.raises(TransitionRefused) as exc:
        M.fire(v, trigger, payload or {})
    return exc.value.refusal


def load(trigger: str, payload: dict) -> dict:
    return P1.registry.schema(P1.transitions_named(trigger)[0].schema).load(payload)


def test_v3_is_the_version_new_cases_open_on():
    assert DEFS.get("registration").version == 3


# ---- REG-1 -------------------------------------------------------------------------------


def test_reg1_accept_is_refused_naming_both_documents_in_zh_and_en():
    r = refused(view("applied", SURVEYED), "accept")
    assert r.rule == "REG-1"
    assert r.details["missing_materials"] == ["commitment_letter", "member_survey"]
    assert "社会组织党建工作承诺书" in r.zh and "社会组织党员情况调查表" in r.zh
    assert "commitment letter" in r.en and "survey" in r.en


@pytest.mark.parametrize(
    ("held", "missing_zh", "missing_en"),
    [
        ("commitment_letter", "社会组织党员情况调查表", "survey"),
        ("member_survey", "社会组织党建工作承诺书", "commitment letter"),
    ],
)
def test_reg1_accept_names_the_document_still_missing(held, missing_zh, missing_en):
    r = refused(view("applied", SURVEYED, frozenset({held})), "accept")
    assert r.rule == "REG-1" and r.details["missing_materials"] == [
        m for m in ("commitment_letter", "member_survey") if m != held
    ]
    assert missing_zh in r.zh and missing_en in r.en
    assert M.refusal_for(view("applied", SURVEYED, frozenset({held})), "accept") == r


def test_reg1_accept_is_allowed_with_both_documents_and_the_figures():
    v = view("applied", SURVEYED, REG1)
    assert M.refusal_for(v, "accept") is None
    assert M.fire(v, "accept", {}).dest == "charter_review"


def test_reg1_the_documents_are_no_longer_a_checkbox():
    with pytest.raises(ValidationError) as exc:
        load("record_documents", {"commitment_letter": True, "member_survey": survey(4)})
    assert "commitment_letter" in exc.value.messages
    step = P1.transitions_named("record_documents")[0]
    assert {m.id: (m.rule, m.required) for m in step.materials} == {
        "commitment_letter": ("REG-1", False),
        "member_survey": ("REG-1", False),
    }


# ---- REG-2 -------------------------------------------------------------------------------


def test_reg2_accept_needs_the_survey_figures_not_only_the_survey():
    r = refused(view("applied", {}, REG1), "accept")
    assert r.rule == "REG-2" and "调查表" in r.zh and "figures" in r.en


def test_reg2_record_documents_requires_the_figures():
    with pytest.raises(ValidationError) as exc:
        load("record_documents", {})
    assert "member_survey" in exc.value.messages
    with pytest.raises(ValidationError) as exc:
        load("record_documents", {"member_survey": survey(2, full_time=3)})
    assert "REG-2" in str(exc.value.messages)


def test_reg2_the_figures_reach_the_case_and_the_organization():
    payload = load("record_documents", {"member_survey": survey(4, 3, 1, 2)})
    result = M.fire(view("applied"), "record_documents", payload)
    assert result.dest == "applied"
    data = {i.key: i.value for i in result.intents if isinstance(i, SetData)}
    assert data == {"member_survey": survey(4, 3, 1, 2)}  # no document flags any more
    update = next(i for i in result.intents if isinstance(i, UpdateOrganization))
    assert update.fields == survey(4, 3, 1, 2)


# ---- REG-3 -------------------------------------------------------------------------------


def test_reg3_approve_charter_requires_the_charter():
    payload = load("approve_charter", CHARTER_OK)
    r = refused(view("charter_review", SURVEYED, REG1), "approve_charter", payload)
    assert r.rule == "REG-3" and r.details["missing_materials"] == ["charter"]
    assert "章程" in r.zh and "Charter" in r.en
    held = view("charter_review", SURVEYED, REG1 | {"charter"})
    assert M.fire(held, "approve_charter", payload).dest == "registration_review"


def test_reg3_the_charter_items_still_decide_once_the_charter_is_held():
    payload = load("approve_charter", {**CHARTER_OK, "chapter_funding": False})
    held = view("charter_review", SURVEYED, frozenset({"charter"}))
    r = refused(held, "approve_charter", payload)
    assert r.rule == "REG-3" and r.details["missing"] == ["chapter_funding"]
    assert M.fire(held, "return_for_correction", payload).dest == "correction"


def test_reg3_returning_and_resubmitting_take_the_charter_without_requiring_it():
    for trigger in ("return_for_correction", "resubmit_charter"):
        step = P1.transitions_named(trigger)[0]
        assert [(m.id, m.rule, m.required) for m in step.materials] == [("charter", "REG-3", False)]
    payload = load("return_for_correction", {**CHARTER_OK, "core_values": False})
    assert M.fire(view("charter_review"), "return_for_correction", payload).dest == "correction"
    assert M.fire(view("correction"), "resubmit_charter", {}).dest == "charter_review"


# ---- REG-4, REG-5, REG-7: accepted, not required ----------------------------------------


@pytest.mark.parametrize(
    ("trigger", "material", "rule"),
    [
        ("register", "registration_decision", "REG-4"),
        ("forward_documents", "forwarding_letter", "REG-5"),
        ("establish_party_org", "party_org_approval", "REG-7"),
        ("dispatch_instructor", "instructor_dispatch_letter", "REG-7"),
    ],
)
def test_steps_that_accept_their_document_cite_the_rule_and_do_not_require_it(
    trigger, material, rule
):
    (step,) = P1.transitions_named(trigger)
    assert [(m.id, m.rule, m.required) for m in step.materials] == [(material, rule, False)]
    assert rule in step.rules
    label = P1.materials[material].label
    assert label.zh and label.en


def test_only_accept_and_approve_charter_require_documents():
    required = {t.trigger: [m.id for m in t.required_materials] for t in P1.transitions}
    assert {k: v for k, v in required.items() if v} == {
        "accept": ["commitment_letter", "member_survey"],
        "approve_charter": ["charter"],
    }


def test_versions_1_and_2_keep_their_checkbox_and_no_materials():
    for version in (1, 2):
        old = DEFS.get("registration", version)
        assert old.materials == {}
        schema = old.registry.schema(old.transitions_named("record_documents")[0].schema)
        assert schema.load({"commitment_letter": True})["commitment_letter"] is True
        v = replace(view("applied", {"documents": {"commitment_letter": True}}), version=1)
        with pytest.raises(TransitionRefused) as exc:
            old.machine.fire(v, "accept", {})
        assert exc.value.refusal.rule == "REG-1"
        assert exc.value.refusal.details["missing"] == ["member_survey"]
