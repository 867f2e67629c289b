"""Recorded dates are facts (issue 13, item 6): through the services, in every procedure, a date
after today or before the fact it follows is refused as input naming its field, and the case is
exactly as it was. The fixed clock's today is 2026-03-02.
"""

from __future__ import annotations

from typing import Any

import pytest
from marshmallow import ValidationError

from engine.directory import service as directory
from tests.world import CHARTER_OK, P1_DOCUMENTS, make_world, survey

UPPER = "南关区自强街道党工委"
FUTURE = "2026-03-03"


@pytest.fixture
def world(db_url, clock):
    w = make_world(db_url, clock)
    org = w.orgs["logistics"]
    w.po = directory.create_party_organization(
        w.uow(),
        {
            "organization_id": org,
            "name": "长春市南关区物流行业协会党支部",
            "kind": "branch",
            "upper_party_org": UPPER,
            "established_on": "2023-05-10",
        },
    )
    w.members = [
        directory.create_member(
            w.uow(),
            {
                "organization_id": org,
                "name": name,
                "status": "full",
                "role": role,
                "party_organization_id": w.po,
            },
        )
        for name, role in (("张伟", "head"), ("刘洋", "management"), ("陈静", "backbone"))
    ]
    return w


def snapshot(world, cid: int) -> tuple:
    case = world.case(cid)
    return case["state"], case["version"], case["data"], case["organization"]


def refused_input(world, cid: int, trigger: str, payload: dict, by: str = "wang") -> Any:
    """The step's input errors; the case is checked unchanged by them."""
    before = snapshot(world, cid)
    with pytest.raises(ValidationError) as exc:
        world.fire(cid, trigger, payload, by=by)
    assert snapshot(world, cid) == before
    return exc.value.messages


# ---------------------------------------------------------------- P1


def registration(**kw: Any) -> dict:
    return {
        "registered_on": "2026-03-02",
        "credit_code": "51220102MJY1234563",
        "registration_mode": "direct",
        "necessity_checked": True,
        "representativeness_checked": True,
        "founders_vetted": True,
        **kw,
    }


def test_reg4_registration_date_is_a_fact_after_the_application(world):
    cid = world.open("logistics")  # applied on 2026-03-01
    world.attach(cid, *P1_DOCUMENTS)
    world.fire(cid, "record_documents", {"member_survey": survey(4)})
    world.fire(cid, "accept")
    world.fire(cid, "approve_charter", CHARTER_OK)
    errors = refused_input(world, cid, "register", registration(registered_on="2020-06-01"), "li")
    assert "REG-4" in errors["registered_on"][0] and "2026-03-01" in errors["registered_on"][0]
    errors = refused_input(world, cid, "register", registration(registered_on=FUTURE), "li")
    assert "today" in errors["registered_on"][0]
    assert world.fire(cid, "register", registration(), by="li")["state"] == "registered"
    late = {"kind": "industry_regulator", "name": "南关区商务局", "delivered_on": FUTURE}
    early = {"kind": "local_party_org", "name": UPPER, "delivered_on": "2026-03-01"}
    errors = refused_input(world, cid, "forward_documents", {"recipients": [late, early]})
    assert "today" in errors["recipients"][0]["delivered_on"][0]
    assert "REG-5" in errors["recipients"][1]["delivered_on"][0]


def test_reg1_an_application_dated_tomorrow_opens_no_case(world):
    with pytest.raises(ValidationError) as exc:
        world.open("logistics", payload={"applied_on": FUTURE, "founders": ["张伟"]})
    assert "REG-1" in exc.value.messages["applied_on"][0]


# ---------------------------------------------------------------- P2


def test_trf2_contact_and_assignment_are_facts_after_the_report(world):
    cid = world.open(
        "logistics",
        "adjustment",
        {
            "party_organization_id": world.po,
            "change_kind": "merger",
            "change_on": "2026-02-20",
            "reported_on": "2026-02-25",
            "reported_to": UPPER,
            "summary": "协会与同业协会合并",
        },
    )
    world.fire(cid, "accept_report")
    receiving = {
        "assigned_person": "赵磊",
        "assigned_on": "2026-02-24",
        "receiving_party_orgs": [{"name": "南关区人才中心党委", "contacted_on": FUTURE}],
    }
    errors = refused_input(world, cid, "assign_receiving", receiving)
    assert "TRF-2" in errors["assigned_on"][0] and "2026-02-25" in errors["assigned_on"][0]
    assert "today" in errors["receiving_party_orgs"][0]["contacted_on"][0]


def test_trf1_a_report_of_a_change_not_yet_happened_opens_no_case(world):
    with pytest.raises(ValidationError) as exc:
        world.open(
            "logistics",
            "adjustment",
            {
                "party_organization_id": world.po,
                "change_kind": "change",
                "change_on": FUTURE,
                "reported_on": FUTURE,
                "reported_to": UPPER,
                "summary": "名称变更",
            },
        )
    assert set(exc.value.messages) == {"change_on", "reported_on"}


# ---------------------------------------------------------------- P3


def test_dec1_receipts_and_handover_are_facts_after_the_decoupling(world):
    cid = world.open(
        "logistics",
        "decoupling",
        {
            "party_organization_id": world.po,
            "original_supervisory_party_org": "南关区商务局机关党委",
            "receiving_party_org": "长春市社会组织综合党委",
            "decoupling_approved_on": "2026-01-15",
            "archive_items": ["党员花名册"],
        },
    )
    receipt = {"item": "党员花名册", "handed_over_by": "刘敏", "received_by": "陈刚"}
    errors = refused_input(
        world, cid, "receive_archives", {"items": [{**receipt, "received_on": "2026-01-10"}]}
    )
    assert "DEC-1" in errors["items"][0]["received_on"][0]
    world.fire(cid, "receive_archives", {"items": [{**receipt, "received_on": "2026-02-12"}]})
    world.attach(cid, "archives_handover_list")  # DEC-1 (decoupling v4)
    errors = refused_input(world, cid, "complete_handover", {"handover_on": FUTURE})
    assert "today" in errors["handover_on"][0]
    errors = refused_input(world, cid, "complete_handover", {"handover_on": "2026-02-11"})
    assert "2026-02-12" in errors["handover_on"][0]


# ---------------------------------------------------------------- P4


def test_sec3_election_and_approval_are_facts_in_order(world):
    cid = world.open(
        "logistics",
        "secretary",
        {"party_organization_id": world.po, "vacancy": "new_organization"},
    )
    assessment = {
        **dict.fromkeys(
            ("conviction", "dedication", "capability", "conduct", "political_strength"), True
        ),
        "mass_work": True,
        "assessed_by": "组织委员",
        "assessed_on": "2026-02-20",
    }
    world.fire(
        cid, "nominate", {"source": "head", "member_id": world.members[0], "assessment": assessment}
    )
    vote = {"eligible_voters": 3, "votes_cast": 3, "votes_for": 3}
    errors = refused_input(world, cid, "elect", {**vote, "elected_on": "2026-02-19"})
    assert "SEC-3" in errors["elected_on"][0] and "2026-02-20" in errors["elected_on"][0]
    errors = refused_input(world, cid, "elect", {**vote, "elected_on": FUTURE})
    assert "today" in errors["elected_on"][0]
    world.fire(cid, "elect", {**vote, "elected_on": "2026-02-25"})
    approval = {
        "approved_by": UPPER,
        "approval_no": "南自党〔2026〕5号",
        "stipend_yuan_per_month": 300,
        "stipend_paid_by": "party_funds",
    }
    errors = refused_input(world, cid, "approve", {**approval, "approved_on": "2026-02-24"}, "li")
    assert "2026-02-25" in errors["approved_on"][0]
    world.fire(cid, "approve", {**approval, "approved_on": "2026-03-01"}, by="li")
    renewal = {"started_on": "2026-02-28"}
    errors = refused_input(world, cid, "start_term_renewal", renewal)
    assert "SEC-9" in errors["started_on"][0]
