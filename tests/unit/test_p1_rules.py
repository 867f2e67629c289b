"""Every REG rule of P1, through the shipped definition and its shared machine (no database).

Each test fails if its rule is dropped, whether from the YAML (guard, schema, deadline) or from
the workflow code.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from types import MappingProxyType

import pytest
from marshmallow import ValidationError

from engine.calendar import LegalCalendar
from engine.cases.deadlines import deadline_rows
from engine.definitions.loader import load_definitions
from engine.errors import TransitionRefused
from engine.registry import load_registry
from engine.snapshot import CaseView, CreateRecord, SetData, UpdateOrganization
from tests.world import CHARTER_OK, survey

DEFS = load_definitions(None, load_registry())
P1 = DEFS.get("registration", 1)
M = P1.machine
ORG = {
    "name": "长春市南关区物流行业协会",
    "category": "industry_association",
    "registration_mode": "direct",
    "supervisory_unit": None,
    "open_cases": (),
}


def view(state: str, data: dict | None = None, **org: object) -> CaseView:
    return CaseView(
        1,
        "registration",
        state,
        3,
        MappingProxyType(data or {}),
        MappingProxyType({**ORG, **org}),
        DEFS.parameters,
        date(2026, 3, 2),
    )


def load(trigger: str, payload: dict) -> dict:
    """Validate a step's input with the schema the definition names for it."""
    return P1.registry.schema(P1.transitions_named(trigger)[0].schema).load(payload)


def refused(state: str, trigger: str, payload: dict | None = None, data: dict | None = None, **org):
    with pytest.raises(TransitionRefused) as exc:
        M.fire(view(state, data, **org), trigger, payload or {})
    return exc.value.refusal


def decision(**kw) -> dict:
    base = {
        "registered_on": "2026-03-02",
        "credit_code": "51220102MJY1234563",
        "registration_mode": "direct",
        "necessity_checked": True,
        "representativeness_checked": True,
        "founders_vetted": True,
    }
    return load("register", {**base, **kw})


# ---- REG-1 -------------------------------------------------------------------------------


def test_reg1_acceptance_needs_both_documents():
    r = refused("applied", "accept", data={"documents": {"commitment_letter": True}})
    assert r.rule == "REG-1" and r.details["missing"] == ["member_survey"]
    assert "调查表" in r.zh and "survey" in r.en
    r = refused("applied", "accept", data={"documents": {"member_survey": True}})
    assert r.details["missing"] == ["commitment_letter"]
    ok = M.fire(
        view("applied", {"documents": {"commitment_letter": True, "member_survey": True}}),
        "accept",
        {},
    )
    assert ok.dest == "charter_review"


def test_reg1_listing_explains_why_accept_is_not_yet_allowed():
    r = M.refusal_for(view("applied"), "accept")
    assert r is not None and r.rule == "REG-1"
    assert (
        M.refusal_for(
            view("applied", {"documents": {"commitment_letter": True, "member_survey": True}}),
            "accept",
        )
        is None
    )


# ---- REG-2 -------------------------------------------------------------------------------


def test_reg2_survey_records_full_time_probationary_and_elsewhere():
    with pytest.raises(ValidationError) as exc:
        load("record_documents", {"member_survey": {"full_members": 3}})
    missing = set(exc.value.messages["member_survey"])
    assert {"full_time_full_members", "probationary_members", "members_elsewhere"} <= missing


def test_reg2_full_time_cannot_exceed_full_members():
    with pytest.raises(ValidationError) as exc:
        load("record_documents", {"member_survey": survey(2, full_time=3)})
    assert "REG-2" in str(exc.value.messages)


def test_reg2_survey_counts_reach_the_organization():
    payload = load(
        "record_documents", {"commitment_letter": True, "member_survey": survey(4, 3, 1, 2)}
    )
    result = M.fire(view("applied"), "record_documents", payload)
    updates = [i for i in result.intents if isinstance(i, UpdateOrganization)]
    assert updates and updates[0].fields == {
        "full_members": 4,
        "full_time_full_members": 3,
        "probationary_members": 1,
        "members_elsewhere": 2,
    }
    docs = next(i.value for i in result.intents if isinstance(i, SetData) and i.key == "documents")
    assert docs == {"commitment_letter": True, "member_survey": True}


# ---- REG-3 -------------------------------------------------------------------------------


@pytest.mark.parametrize("item", sorted(k for k in CHARTER_OK))
def test_reg3_every_charter_item_is_required(item):
    r = refused(
        "charter_review", "approve_charter", load("approve_charter", {**CHARTER_OK, item: False})
    )
    assert r.rule == "REG-3" and r.details["missing"] == [item]


def test_reg3_incomplete_charter_goes_back_for_correction_and_returns():
    gaps = load("return_for_correction", {**CHARTER_OK, "chapter_funding": False})
    assert M.fire(view("charter_review"), "return_for_correction", gaps).dest == "correction"
    assert M.fire(view("correction"), "resubmit_charter", {}).dest == "charter_review"
    assert (
        refused(
            "charter_review", "return_for_correction", load("return_for_correction", CHARTER_OK)
        ).rule
        == "REG-3"
    )


# ---- REG-4 -------------------------------------------------------------------------------


@pytest.mark.parametrize("category", ["health", "financial", "ideology", "other"])
def test_reg4_supervised_categories_cannot_register_directly(category):
    r = refused("registration_review", "register", decision(), category=category)
    assert r.rule == "REG-4"


@pytest.mark.parametrize(
    "category", ["industry_association", "science_technology", "charity", "community_service"]
)
def test_reg4_four_categories_register_directly(category):
    org = {**ORG, "category": category}
    v = CaseView(
        1, "registration", "registration_review", 3, {}, org, DEFS.parameters, date(2026, 3, 2)
    )
    assert M.fire(v, "register", decision()).dest == "registered"


def test_reg4_dual_management_needs_the_supervisory_unit():
    assert (
        refused(
            "registration_review", "register", decision(registration_mode="dual"), category="health"
        ).rule
        == "REG-4"
    )
    v = view("registration_review", category="health")
    assert (
        M.fire(
            v, "register", decision(registration_mode="dual", supervisory_unit="南关区卫生健康局")
        ).dest
        == "registered"
    )


@pytest.mark.parametrize(
    "check", ["necessity_checked", "representativeness_checked", "founders_vetted"]
)
def test_reg4_founders_and_necessity_are_vetted(check):
    r = refused("registration_review", "register", decision(**{check: False}))
    assert r.rule == "REG-4" and r.details["missing"] == [check]


def test_inf1_registration_needs_a_valid_credit_code():
    with pytest.raises(ValidationError) as exc:
        decision(credit_code="51220102MJY1234560")  # wrong check character
    assert "INF-1" in str(exc.value.messages["credit_code"])


def test_reg4_registration_issues_the_credit_code():
    result = M.fire(view("registration_review"), "register", decision())
    upd = next(i for i in result.intents if isinstance(i, UpdateOrganization))
    assert (
        upd.fields["credit_code"] == "51220102MJY1234563" and upd.fields["status"] == "registered"
    )


# ---- REG-5 -------------------------------------------------------------------------------

TO_REGULATOR = {"kind": "industry_regulator", "name": "南关区商务局", "delivered_on": "2026-03-02"}
TO_LOCAL = {"kind": "local_party_org", "name": "自强街道党工委", "delivered_on": "2026-03-02"}
TO_SUPERVISOR = {
    "kind": "supervisory_unit",
    "name": "南关区卫生健康局",
    "delivered_on": "2026-03-02",
}


def test_reg5_two_recipients_without_supervisory_unit():
    r = refused(
        "registered", "forward_documents", load("forward_documents", {"recipients": [TO_REGULATOR]})
    )
    assert r.rule == "REG-5" and r.details["missing"] == ["local_party_org"]
    r = refused(
        "registered", "forward_documents", load("forward_documents", {"recipients": [TO_LOCAL]})
    )
    assert r.details["missing"] == ["industry_regulator"]
    ok = M.fire(
        view("registered"),
        "forward_documents",
        load("forward_documents", {"recipients": [TO_REGULATOR, TO_LOCAL]}),
    )
    assert ok.dest == "responsibility"


def test_reg5_with_supervisory_unit_documents_go_there():
    r = refused(
        "registered",
        "forward_documents",
        load("forward_documents", {"recipients": [TO_REGULATOR, TO_LOCAL]}),
        registration_mode="dual",
    )
    assert r.rule == "REG-5"
    v = view("registered", registration_mode="dual")
    assert (
        M.fire(
            v, "forward_documents", load("forward_documents", {"recipients": [TO_SUPERVISOR]})
        ).dest
        == "responsibility"
    )


def test_reg5_forwarding_deadline_is_one_month_from_registration():
    now = datetime(2026, 1, 31, 3, tzinfo=UTC)
    rows = {
        r["key"]: r
        for r in deadline_rows(
            P1, "register", 1, {"registered_on": "2026-01-31"}, now, None, LegalCalendar()
        )
    }
    assert rows["forward_documents"]["rule"] == "REG-5"
    assert rows["forward_documents"]["due_date"] == date(2026, 2, 28)
    assert P1.deadlines_closed_by("forward_documents")[0].id == "forward_documents"


# ---- REG-6 -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("org", "territorial", "good", "bad"),
    [
        ({"registration_mode": "dual"}, False, "supervisory_party_org", "comprehensive_committee"),
        ({"registration_mode": "direct"}, True, "local_party_org", "supervisory_party_org"),
        (
            {"registration_mode": "direct", "category": "community_service"},
            True,
            "street_township",
            "local_party_org",
        ),
        ({"registration_mode": "direct"}, False, "comprehensive_committee", "local_party_org"),
    ],
)
def test_reg6_responsible_body_follows_management(org, territorial, good, bad):
    def body(kind):
        return load(
            "assign_responsible_body",
            {"kind": kind, "unit_name": "x", "territorial_relation": territorial},
        )

    r = refused("responsibility", "assign_responsible_body", body(bad), **org)
    assert r.rule == "REG-6" and good in r.details["allowed"]
    assert (
        M.fire(view("responsibility", **org), "assign_responsible_body", body(good)).dest
        == "coverage_routing"
    )


# ---- REG-7 -------------------------------------------------------------------------------


def routing(full: int) -> dict:
    return {"member_survey": survey(full)}


def test_reg7_three_or_more_full_members_form_standalone():
    assert refused("coverage_routing", "route_standalone", data=routing(2)).rule == "REG-7"
    assert (
        M.fire(view("coverage_routing", routing(3)), "route_standalone", {}).dest
        == "forming_party_org"
    )


def fire_with(params: dict, state: str, trigger: str, payload: dict, data: dict):
    """Fire with some local parameters set otherwise than the shipped defaults."""
    v = replace(view(state, data), params={**DEFS.parameters, **params})
    return M.fire(v, trigger, payload)


def refused_with(params: dict, state: str, trigger: str, payload: dict, data: dict):
    with pytest.raises(TransitionRefused) as exc:
        fire_with(params, state, trigger, payload, data)
    return exc.value.refusal


STANDALONE_ONLY = {"reg_joint_at_three_or_more": "refuse"}


@pytest.mark.parametrize("full", [0, 3, 5])
def test_reg7_joint_or_affiliated_only_with_one_or_two(full):
    """Where the local parameter says so (Xuecheng), three or more form standalone only."""
    payload = load("route_joint", {"partner_organizations": ["甲协会"]})
    r = refused_with(STANDALONE_ONLY, "coverage_routing", "route_joint", payload, routing(full))
    assert r.rule == "REG-7"
    r = refused_with(
        STANDALONE_ONLY,
        "coverage_routing",
        "route_affiliated",
        {"host_party_org": "x"},
        routing(full),
    )
    assert r.rule == "REG-7"


def test_reg2_counts_full_members_among_full_time_staff():
    """REG-2: the ≥3 test counts the full members among the full-time staff (the local
    default): four full members of whom one is full-time staff cannot form standalone, and the
    refusal says which count it used."""
    data = {"member_survey": survey(4, full_time=1)}
    r = refused("coverage_routing", "route_standalone", data=data)
    assert r.rule == "REG-7"
    assert r.details["count"] == 1 and r.details["counted"] == "full_time_full_members"
    assert "专职工作人员中的正式党员1名" in r.zh and "full-time staff" in r.en
    joint = load("route_joint", {"partner_organizations": ["甲协会"]})
    for params in ({}, STANDALONE_ONLY):  # fewer than three by this count: joint is open
        assert fire_with(params, "coverage_routing", "route_joint", joint, data).dest == (
            "forming_party_org"
        )
    ok = {"member_survey": survey(4, full_time=3)}
    assert M.fire(view("coverage_routing", ok), "route_standalone", {}).dest == "forming_party_org"


def test_reg2_count_of_all_full_members_where_the_parameter_says_so():
    """REG-2: with `reg_standalone_count: all_full_members` (the national text) the same
    organization forms standalone, and joint formation is refused where standalone is required."""
    params = {"reg_standalone_count": "all_full_members"}
    data = {"member_survey": survey(4, full_time=1)}
    assert fire_with(params, "coverage_routing", "route_standalone", {}, data).dest == (
        "forming_party_org"
    )
    joint = load("route_joint", {"partner_organizations": ["甲协会"]})
    r = refused_with({**params, **STANDALONE_ONLY}, "coverage_routing", "route_joint", joint, data)
    assert r.rule == "REG-7" and r.details["counted"] == "all_full_members"
    assert "正式党员4名" in r.zh and "4 full members" in r.en


@pytest.mark.parametrize("trigger", ["route_joint", "route_affiliated"])
def test_reg7_joint_or_affiliated_allowed_from_three_by_local_default(trigger):
    """REG-7: the local default (Jilin names standalone, joint and affiliated formation without
    a threshold) lets an organization with three or more full members form jointly too."""
    payload = (
        load("route_joint", {"partner_organizations": ["甲协会"]})
        if trigger == "route_joint"
        else load("route_affiliated", {"host_party_org": "街道党工委"})
    )
    assert DEFS.parameters["reg_joint_at_three_or_more"] == "allow"
    assert M.fire(view("coverage_routing", routing(5)), trigger, payload).dest == (
        "forming_party_org"
    )
    assert refused("coverage_routing", trigger, payload, data=routing(0)).rule == "REG-7"


def test_reg7_joint_branch_covers_at_most_five_units():
    five = load("route_joint", {"partner_organizations": ["甲", "乙", "丙", "丁"]})
    assert (
        M.fire(view("coverage_routing", routing(2)), "route_joint", five).dest
        == "forming_party_org"
    )
    six = load("route_joint", {"partner_organizations": ["甲", "乙", "丙", "丁", "戊"]})
    r = refused("coverage_routing", "route_joint", six, data=routing(2))
    assert r.rule == "REG-7" and r.details == {"units": 6, "limit": 5}


def test_reg7_no_full_members_means_instructor():
    inst = load(
        "dispatch_instructor",
        {
            "mode": "instructor",
            "name": "郑国华",
            "dispatched_by": "综合党委",
            "dispatched_on": "2026-03-02",
        },
    )
    assert refused("coverage_routing", "dispatch_instructor", inst, data=routing(2)).rule == "REG-7"
    result = M.fire(view("coverage_routing", routing(0)), "dispatch_instructor", inst)
    assert result.dest == "instructor_covered"
    assert any(isinstance(i, CreateRecord) and i.entity == "instructor" for i in result.intents)


def test_reg7_joint_route_forms_a_joint_branch():
    data = {**routing(2), "coverage_route": {"mode": "joint", "partner_organizations": ["甲"]}}
    body = {"name": "联合党支部", "approved_by": "街道党工委", "established_on": "2026-03-02"}
    assert (
        refused(
            "forming_party_org",
            "establish_party_org",
            load("establish_party_org", {**body, "kind": "branch"}),
            data=data,
        ).rule
        == "REG-7"
    )
    result = M.fire(
        view("forming_party_org", data),
        "establish_party_org",
        load("establish_party_org", {**body, "kind": "joint_branch"}),
    )
    rec = next(i for i in result.intents if isinstance(i, CreateRecord))
    assert rec.fields["covered_organizations"] == [ORG["name"], "甲"]


def test_reg7_committee_with_few_members_needs_county_approval():
    data = {**routing(12), "coverage_route": {"mode": "standalone"}}
    body = {
        "name": "党委",
        "kind": "committee",
        "approved_by": "区委组织部",
        "established_on": "2026-03-02",
    }
    assert (
        refused(
            "forming_party_org", "establish_party_org", load("establish_party_org", body), data=data
        ).rule
        == "REG-7"
    )
    ok = M.fire(
        view("forming_party_org", data),
        "establish_party_org",
        load("establish_party_org", {**body, "county_level_approval": True}),
    )
    assert ok.dest == "covered"


# ---- REG-8 -------------------------------------------------------------------------------


def test_reg8_party_organization_within_three_months_of_approval():
    now = datetime(2026, 3, 2, 3, tzinfo=UTC)
    rows = {
        r["key"]: r
        for r in deadline_rows(
            P1, "register", 1, {"registered_on": "2026-03-02"}, now, None, LegalCalendar()
        )
    }
    assert rows["party_org_formation"]["rule"] == "REG-8"
    assert rows["party_org_formation"]["due_date"] == date(2026, 6, 2)
    closers = {t for d in P1.deadlines if d.id == "party_org_formation" for t in d.closes_on}
    assert closers == {"establish_party_org", "dispatch_instructor"}


def test_reg8_instructor_meanwhile_needs_a_reason():
    inst = {
        "mode": "instructor",
        "name": "郑国华",
        "dispatched_by": "综合党委",
        "dispatched_on": "2026-03-02",
    }
    r = refused(
        "forming_party_org",
        "dispatch_instructor",
        load("dispatch_instructor", inst),
        data=routing(3),
    )
    assert r.rule == "REG-8"
    ok = M.fire(
        view("forming_party_org", routing(3)),
        "dispatch_instructor",
        load("dispatch_instructor", {**inst, "reason": "党员均为兼职，暂不具备组建条件"}),
    )
    assert ok.dest == "instructor_covered"


# ---- REG-9 -------------------------------------------------------------------------------


def test_reg9_uncovered_organization_is_flagged_for_reminder():
    assert (
        refused("coverage_routing", "defer_coverage", {"reason": "无党员"}, data=routing(1)).rule
        == "REG-9"
    )
    result = M.fire(view("coverage_routing", routing(0)), "defer_coverage", {"reason": "暂无党员"})
    assert result.dest == "awaiting_coverage"
    assert UpdateOrganization({"coverage_reminder": True}) in result.intents


# ---- the procedure's order ---------------------------------------------------------------


def test_step_out_of_order_is_refused_citing_its_rule():
    r = refused("applied", "forward_documents", {})
    assert r.rule == "REG-5" and r.details["allowed_from"] == ["registered"]
