"""P4 driven end to end through the service layer, on SQLite and PostgreSQL.

The post is filled, carries its duties (SEC-7, SEC-9), falls vacant on a reported position
change (SEC-8), is filled by a dispatched cadre without pay (SEC-2, SEC-4), and closes when
P2 revokes the Party organization (TRF-4; the revocation fires close_post) — plus the
withdrawn end.
"""

from __future__ import annotations

import pytest
from marshmallow import ValidationError
from sqlalchemy import select

from engine.access.actor import SYSTEM
from engine.directory import party as party_read
from engine.directory import service as directory
from engine.errors import TransitionRefused
from engine.store.tables import PartyOfficer, PartyOrganization
from tests.world import make_world, sample

UPPER = "南关区自强街道党工委"
ASSESSED = {
    **dict.fromkeys(
        ("conviction", "dedication", "capability", "conduct", "political_strength", "mass_work"),
        True,
    ),
    "assessed_by": "南关区自强街道党工委组织委员",
    "assessed_on": "2026-03-01",
}


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
            "established_on": "2026-02-10",
        },
    )
    w.m = {
        name: directory.create_member(
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
    }
    return w


def officers(world) -> list[dict]:
    t = PartyOfficer.__table__
    with world.rt.reader() as r:
        return [dict(o) for o in r.conn.execute(select(t).order_by(t.c.id)).mappings()]


def party_org(world) -> dict:
    t = PartyOrganization.__table__
    with world.rt.reader() as r:
        return dict(r.conn.execute(select(t).where(t.c.id == world.po)).mappings().one())


def approve(world, cid: int, **kw) -> dict:
    payload = {
        "approved_by": UPPER,
        "approved_on": "2026-03-02",
        "approval_no": "南自党〔2026〕5号",
        "stipend_yuan_per_month": 300,
        "stipend_paid_by": "party_funds",
        **kw,
    }
    return world.fire(cid, "approve", payload, by="li")


def open_post(world) -> int:
    return world.open(
        "logistics", "secretary", {"party_organization_id": world.po, "vacancy": "new_organization"}
    )


def test_p4_from_vacancy_through_the_duties_to_a_closed_post(world):
    cid = open_post(world)
    world.fire(
        cid, "nominate", {"source": "head", "member_id": world.m["张伟"], "assessment": ASSESSED}
    )
    world.fire(
        cid,
        "elect",
        {"elected_on": "2026-03-01", "eligible_voters": 3, "votes_cast": 3, "votes_for": 3},
    )
    with pytest.raises(TransitionRefused) as exc:
        approve(world, cid, approved_by="朝阳区某党委")
    assert exc.value.refusal.rule == "SEC-3"
    assert approve(world, cid)["state"] == "in_office"

    secretary = officers(world)[0]
    assert (secretary["name"], secretary["position"], secretary["status"]) == (
        "张伟",
        "secretary",
        "active",
    )
    assert str(party_org(world)["term_started_on"]) == "2026-03-01"
    case = world.case(cid)
    assert {d["key"]: (d["status"], str(d["due_date"])) for d in case["deadlines"]} == {
        "fill_vacancy": ("met", "2026-06-02"),  # SEC-8: opened with the case (v2), met here
        "annual_report": ("open", "2027-03-02"),
        "term_renewal": ("open", "2029-03-01"),
    }
    world.fire(
        cid,
        "file_annual_report",
        {
            "reported_on": "2026-03-02",
            "reported_to": UPPER,
            "members_present": 3,
            "evaluation": "good",
            "summary": "述职",
        },
    )
    reports = [d for d in world.case(cid)["deadlines"] if d["key"] == "annual_report"]
    assert [d["status"] for d in reports] == ["met", "open"]

    world.fire(
        cid,
        "report_secretary_change",
        {
            "change": "transferred",
            "changed_on": "2026-03-02",
            "reported_on": "2026-03-02",
            "reported_to": UPPER,
        },
    )
    assert officers(world)[0]["status"] == "ended"
    assert world.case(cid)["state"] == "vacancy"
    # nobody suitable inside: a retired cadre is dispatched, without pay from the organization
    nomination = {
        "source": "dispatched",
        "dispatched": {
            "name": "孙海",
            "from_unit": "南关区商务局",
            "cadre_status": "retired",
            "compensation": {"allowance": 800},
        },
        "unavailable": {
            s: "经考察无合适人选" for s in ("head", "management", "backbone", "other_member")
        },
        "assessment": ASSESSED,
    }
    with pytest.raises(TransitionRefused) as exc:
        world.fire(cid, "nominate", nomination)
    assert exc.value.refusal.rule == "SEC-4"
    nomination["dispatched"]["compensation"] = {}
    world.fire(cid, "nominate", nomination)
    world.fire(
        cid,
        "dispatch",
        {"dispatched_on": "2026-03-02", "dispatched_by": UPPER, "order_no": "7号"},
        by="li",
    )
    approve(world, cid)
    latest = officers(world)[-1]
    assert (latest["name"], latest["origin"], latest["cadre_status"]) == (
        "孙海",
        "dispatched",
        "retired",
    )
    deadlines = {(d["key"], d["status"]) for d in world.case(cid)["deadlines"]}
    assert ("fill_vacancy", "met") in deadlines and ("term_renewal", "open") in deadlines

    with pytest.raises(TransitionRefused) as exc:
        world.fire(cid, "close_post", {"closed_on": "2026-03-02", "reason": "协会注销"}, by="li")
    assert exc.value.refusal.rule == "TRF-4"
    # P2 revokes the Party organization; then the post closes
    p2 = world.open(
        "logistics",
        "adjustment",
        {
            "party_organization_id": world.po,
            "change_kind": "deregistration",
            "change_on": "2026-02-20",
            "reported_on": "2026-02-25",
            "reported_to": UPPER,
            "summary": "协会注销",
        },
    )
    world.fire(p2, "accept_report")
    world.fire(
        p2,
        "assign_receiving",
        {
            "assigned_person": "赵磊",
            "assigned_on": "2026-03-01",
            "receiving_party_orgs": [{"name": "南关区人才中心党委", "contacted_on": "2026-03-01"}],
        },
    )
    world.fire(
        p2,
        "record_destinations",
        {
            "destinations": [
                {
                    "member_id": mid,
                    "kind": "transfer",
                    "to_party_org": "南关区人才中心党委",
                    "transferred_on": "2026-03-02",
                }
                for mid in world.m.values()
            ]
        },
    )
    world.fire(p2, "complete_transfers", {"completed_on": "2026-03-02"})
    world.fire(
        p2,
        "decide_revocation",
        {"decided_on": "2026-03-02", "decision_no": "9号", "reason": "注销"},
        by="li",
        uploads=[sample("party_decision")],  # TRF-4: the decision itself (adjustment v4)
    )
    # adjustment v3: the revocation closes the post itself, in its own transaction (TRF-4)
    case = world.case(cid)
    assert (case["state"], case["status"]) == ("closed", "closed")
    assert case["data"]["closed"]["decision_no"] == "9号"
    assert all(o["status"] == "ended" for o in officers(world))
    assert {d["status"] for d in world.case(cid)["deadlines"] if d["key"] == "term_renewal"} == {
        "met",
        "cancelled",
    }


def test_p4_withdrawn_before_anyone_was_appointed(world):
    cid = open_post(world)
    out = world.fire(cid, "withdraw", {"reason": "误开：该支部书记在任"}, by="li")
    assert out["state"] == "withdrawn" and officers(world) == []


def test_sec5_a_large_party_org_gets_the_warning_and_the_deputy_answers_it(world):
    threshold = world.rt.definitions.parameters["sec_full_time_deputy_min_members"]
    for i in range(threshold - len(world.m)):
        directory.create_member(
            world.uow(),
            {
                "organization_id": world.orgs["logistics"],
                "name": f"党员{i}",
                "status": "full",
                "party_organization_id": world.po,
            },
        )
    cid = open_post(world)
    world.fire(
        cid, "nominate", {"source": "head", "member_id": world.m["张伟"], "assessment": ASSESSED}
    )
    world.fire(
        cid,
        "elect",
        {
            "elected_on": "2026-03-01",
            "eligible_voters": threshold,
            "votes_cast": threshold,
            "votes_for": threshold,
        },
    )
    approve(world, cid)
    assert world.case(cid)["data"]["warnings"]["SEC-5"]["threshold"] == threshold
    detail = party_read.party_organization(world.rt.reader(), SYSTEM, world.po)
    assert "SEC-5" in detail["open_cases"][0]["warnings"]
    world.fire(
        cid,
        "appoint_deputy",
        {
            "name": "刘洋",
            "member_id": world.m["刘洋"],
            "origin": "internal",
            "full_time": True,
            "elected_on": "2026-03-01",
            "approved_by": UPPER,
            "approved_on": "2026-03-02",
            "stipend_yuan_per_month": 250,
        },
        by="li",
    )
    assert "SEC-5" not in world.case(cid)["data"]["warnings"]
    deputy = officers(world)[-1]
    assert (deputy["position"], deputy["full_time"]) == ("deputy_secretary", True)


def test_sec8_a_post_opened_from_a_position_change_ends_the_outgoing_officer(world):
    """A secretary recorded before the system leaves; the report opens the vacancy."""
    with world.rt.engine.begin() as conn:
        legacy = conn.execute(
            PartyOfficer.__table__.insert()
            .values(
                party_organization_id=world.po,
                member_id=world.m["张伟"],
                name="张伟",
                position="secretary",
                full_time=False,
                origin="internal",
                cadre_status="none",
                status="active",
            )
            .returning(PartyOfficer.__table__.c.id)
        ).scalar_one()
    report = {
        "officer_id": legacy,
        "name": "张伟",
        "change": "left_organization",
        "changed_on": "2026-03-01",
        "reported_on": "2026-03-02",
        "reported_to": UPPER,
    }
    with pytest.raises(ValidationError) as exc:
        world.open(
            "logistics",
            "secretary",
            {"party_organization_id": world.po, "vacancy": "position_change"},
        )
    assert "SEC-8" in str(exc.value.messages)
    cid = world.open(
        "logistics",
        "secretary",
        {
            "party_organization_id": world.po,
            "vacancy": "position_change",
            "position_change": report,
        },
    )
    ended = officers(world)[0]
    assert (ended["status"], str(ended["ended_on"]), ended["end_reason"]) == (
        "ended",
        "2026-03-01",
        "left_organization",
    )
    assert world.case(cid)["data"]["vacancy"] == "position_change"
    with pytest.raises(ValidationError) as exc:
        open_post(world)
    assert f"#{cid}" in str(exc.value.messages)
