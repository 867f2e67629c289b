"""P2 driven end to end through the service layer, on SQLite and PostgreSQL.

Every end of the procedure (revoked, changed, withdrawn), the deregistration hold (TRF-4),
member records following their destinations (TRF-3), and a refusal leaving everything as it
was.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from engine.cases import intents
from engine.cases import organization as case_org
from engine.cases import read as case_read
from engine.cases import service as case_service
from engine.directory import service as directory
from engine.errors import NotFound, TransitionRefused
from engine.snapshot import UpdateRecord
from engine.store.tables import Member, Organization, PartyOrganization
from tests.world import make_world, sample

UPPER = "南关区自强街道党工委"


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
            {"organization_id": org, "name": name, "status": "full", "party_organization_id": w.po},
        )
        for name in ("张伟", "刘洋", "陈静")
    ]
    return w


def report(world, kind: str = "deregistration") -> int:
    return world.open(
        "logistics",
        "adjustment",
        {
            "party_organization_id": world.po,
            "change_kind": kind,
            "change_on": "2026-02-20",
            "reported_on": "2026-02-25",
            "reported_to": UPPER,
            "summary": "协会经会员大会决议注销"
            if kind == "deregistration"
            else "协会与同业协会合并",
        },
    )


RECEIVING = {
    "assigned_person": "赵磊",
    "assigned_on": "2026-03-01",
    "receiving_party_orgs": [{"name": "南关区人才中心党委", "contacted_on": "2026-02-28"}],
}


def transfer(mid: int) -> dict:
    return {
        "member_id": mid,
        "kind": "transfer",
        "to_party_org": "南关区人才中心党委",
        "transferred_on": "2026-03-01",
    }


def rows(world, table, **where):
    t = table.__table__
    with world.rt.reader() as r:
        q = select(t)
        for k, v in where.items():
            q = q.where(t.c[k] == v)
        return [dict(x) for x in r.conn.execute(q.order_by(t.c.id)).mappings()]


def test_p2_deregistration_ends_in_revocation_and_releases_the_deregistration(world):
    org = world.orgs["logistics"]
    cid = report(world)
    world.fire(cid, "accept_report")
    world.fire(cid, "assign_receiving", RECEIVING)
    m1, m2, m3 = world.members
    keep = {
        "member_id": m2,
        "kind": "keep_elsewhere",
        "relation_kept_at": "吉林大学党委",
        "life_at": "南关区人才中心党委",
    }
    world.fire(cid, "record_destinations", {"destinations": [transfer(m1), keep]})
    with pytest.raises(TransitionRefused) as exc:
        world.fire(cid, "complete_transfers", {"completed_on": "2026-03-02"})
    assert exc.value.refusal.rule == "TRF-3" and "陈静" in exc.value.refusal.zh
    world.fire(cid, "record_destinations", {"destinations": [transfer(m3)]})
    world.fire(cid, "complete_transfers", {"completed_on": "2026-03-02"})

    with pytest.raises(TransitionRefused) as exc:
        directory.deregister_organization(
            world.uow(), world.rt.definitions, org, actor=world.actors["wang"]
        )
    assert exc.value.refusal.rule == "TRF-4" and f"#{cid}" in exc.value.refusal.zh

    out = world.fire(
        cid,
        "decide_revocation",
        {"decided_on": "2026-03-02", "decision_no": "南自党〔2026〕3号", "reason": "社会组织注销"},
        by="li",
        uploads=[sample("party_decision")],  # TRF-4: the decision itself (adjustment v4)
    )
    assert out == {**out, "state": "revoked", "status": "closed"}
    case = world.case(cid)
    assert case["data"]["deregistration_released"] is True
    assert {d["key"]: d["status"] for d in case["deadlines"]} == {
        "contact_receiving": "met",
        "transfer_members": "met",
        "decision": "met",
    }
    po = rows(world, PartyOrganization, id=world.po)[0]
    assert po["status"] == "revoked" and str(po["revoked_on"]) == "2026-03-02"
    members = {m["id"]: m for m in rows(world, Member, organization_id=org)}
    assert all(m["party_organization_id"] is None for m in members.values())
    assert members[m2]["relation_location"] == "吉林大学党委"
    assert members[m2]["life_party_org"] == "南关区人才中心党委"

    directory.deregister_organization(
        world.uow(), world.rt.definitions, org, actor=world.actors["wang"]
    )
    assert rows(world, Organization, id=org)[0]["status"] == "deregistered"


def test_p2_merger_ends_in_a_change_decision(world):
    cid = report(world, "merger")
    world.fire(cid, "accept_report")
    world.fire(cid, "assign_receiving", RECEIVING)
    world.fire(
        cid,
        "record_destinations",
        {"destinations": [{"member_id": m, "kind": "remain"} for m in world.members]},
    )
    world.fire(cid, "complete_transfers", {"completed_on": "2026-03-02"})
    world.attach(cid, "party_decision", by="li")  # TRF-4: the decision (adjustment v4)
    with pytest.raises(TransitionRefused) as exc:
        world.fire(
            cid,
            "decide_revocation",
            {"decided_on": "2026-03-02", "decision_no": "3号", "reason": "合并"},
            by="li",
        )
    assert exc.value.refusal.rule == "TRF-3"
    out = world.fire(
        cid,
        "decide_change",
        {
            "decided_on": "2026-03-02",
            "decision_no": "南自党〔2026〕4号",
            "new_name": "长春市南关区物流与供应链协会党支部",
            "new_upper_party_org": "南关区商务局机关党委",
        },
        by="li",
    )
    assert out["state"] == "changed"
    po = rows(world, PartyOrganization, id=world.po)[0]
    assert po["name"] == "长春市南关区物流与供应链协会党支部"
    assert po["upper_party_org"] == "南关区商务局机关党委" and po["status"] == "active"
    assert all(m["party_organization_id"] == world.po for m in rows(world, Member))


def test_p2_withdrawn_cancels_the_running_deadlines(world):
    cid = report(world, "split")
    world.fire(cid, "accept_report")
    world.fire(cid, "assign_receiving", RECEIVING)
    out = world.fire(cid, "withdraw", {"reason": "分立方案被会员大会否决"}, by="li")
    assert out["state"] == "withdrawn"
    assert {d["key"]: d["status"] for d in world.case(cid)["deadlines"]} == {
        "contact_receiving": "met",
        "transfer_members": "cancelled",
    }


def test_trf3_a_refused_step_leaves_case_and_members_as_they_were(world):
    cid = report(world)
    world.fire(cid, "accept_report")
    world.fire(cid, "assign_receiving", RECEIVING)
    before = world.case(cid)
    members_before = rows(world, Member)
    with pytest.raises(TransitionRefused) as exc:
        world.fire(
            cid,
            "record_destinations",
            {"destinations": [transfer(world.members[0]), {"member_id": 999, "kind": "remain"}]},
        )
    assert exc.value.refusal.rule == "TRF-3"
    after = world.case(cid)
    assert (after["version"], after["state"], after["data"]) == (
        before["version"],
        before["state"],
        before["data"],
    )
    assert rows(world, Member) == members_before
    assert case_read.count_events(world.uow(), cid) == 3


def test_trf1_one_adjustment_at_a_time_and_only_of_an_active_party_org(world):
    from marshmallow import ValidationError

    report(world)
    with pytest.raises(ValidationError) as exc:
        report(world, "change")
    assert "TRF-2" in str(exc.value.messages)
    other = world.orgs["health"]
    with pytest.raises(ValidationError) as exc:
        case_service.open_case(
            world.uow(),
            world.rt.definitions,
            "adjustment",
            other,
            {
                "party_organization_id": world.po,
                "change_kind": "change",
                "change_on": "2026-02-20",
                "reported_on": "2026-02-25",
                "reported_to": UPPER,
                "summary": "名称变更",
            },
            actor=world.actors["wang"],
        )
    assert "TRF-1" in str(exc.value.messages)


def test_trf4_an_active_party_org_blocks_deregistration_without_any_case(world):
    with pytest.raises(TransitionRefused) as exc:
        directory.deregister_organization(
            world.uow(), world.rt.definitions, world.orgs["logistics"], actor=world.actors["wang"]
        )
    assert exc.value.refusal.rule == "TRF-4"
    # an organization without a Party organization deregisters at once
    directory.deregister_organization(
        world.uow(), world.rt.definitions, world.orgs["community"], actor=world.actors["wang"]
    )
    assert rows(world, Organization, id=world.orgs["community"])[0]["status"] == "deregistered"


def test_guards_see_a_joint_branchs_members_employed_elsewhere(world):
    """The snapshot lists members whose relation sits in the organization's Party
    organizations, wherever they work (a joint branch covers several organizations)."""
    elsewhere = directory.create_member(
        world.uow(),
        {
            "organization_id": world.orgs["health"],
            "name": "孙丽",
            "status": "full",
            "party_organization_id": world.po,
        },
    )
    with world.rt.reader() as r:
        snapshot = case_org.load_organization(r, world.orgs["logistics"])
        assert elsewhere in {m["id"] for m in snapshot["members"]}
        assert [p["id"] for p in snapshot["party_organizations"]] == [world.po]


def test_an_update_of_a_missing_record_is_not_found_and_rolls_back(world):
    uow = world.uow()
    with pytest.raises(NotFound), uow:
        intents.apply_intents(
            uow,
            [
                UpdateRecord("member", world.members[0], {"role": "head"}),
                UpdateRecord("member", 9999, {"role": "head"}),
            ],
            {},
            world.orgs["logistics"],
        )
    assert rows(world, Member, id=world.members[0])[0]["role"] == "staff"
