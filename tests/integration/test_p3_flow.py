"""P3 driven end to end through the service layer, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from engine.directory import service as directory
from engine.errors import TransitionRefused
from engine.store.tables import Member, Organization, OrgLifeMeeting, PartyOrganization
from tests.world import make_world, sample

ORIGINAL = "南关区商务局机关党委"
RECEIVING = "长春市社会组织综合党委"


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
            "upper_party_org": ORIGINAL,
            "established_on": "2021-06-01",
        },
    )
    w.inside = directory.create_member(
        w.uow(),
        {"organization_id": org, "name": "张伟", "status": "full", "party_organization_id": w.po},
    )
    w.seconded = directory.create_member(
        w.uow(),
        {"organization_id": org, "name": "王磊", "status": "full", "relation_location": ORIGINAL},
    )
    return w


def start(world) -> int:
    return world.open(
        "logistics",
        "decoupling",
        {
            "party_organization_id": world.po,
            "original_supervisory_party_org": ORIGINAL,
            "receiving_party_org": RECEIVING,
            "decoupling_approved_on": "2026-01-15",
            "archive_items": ["党组织成立批复", "党员花名册", "党费收缴台账"],
        },
    )


def receipts(*items: str, on: str = "2026-02-12") -> dict:
    return {
        "items": [
            {"item": i, "handed_over_by": "刘敏", "received_by": "陈刚", "received_on": on}
            for i in items
        ]
    }


def one(world, table, **where) -> dict:
    t = table.__table__
    with world.rt.reader() as r:
        q = select(t)
        for k, v in where.items():
            q = q.where(t.c[k] == v)
        return dict(r.conn.execute(q).mappings().one())


def hand_over(world, cid: int) -> None:
    world.fire(cid, "receive_archives", receipts("党组织成立批复", on="2026-02-10"))
    world.fire(cid, "receive_archives", receipts("党员花名册", "党费收缴台账"))
    world.fire(  # DEC-1: with the hand-over list both sides signed (decoupling v4)
        cid,
        "complete_handover",
        {"handover_on": "2026-02-12"},
        uploads=[sample("archives_handover_list")],
    )


def test_p3_decoupling_to_normal_party_work(world):
    cid = start(world)
    hand_over(world, cid)
    with pytest.raises(TransitionRefused) as exc:
        world.fire(
            cid,
            "transfer_party_org",
            {"transferred_on": "2026-02-20", "member_ids": [world.inside]},
        )
    assert exc.value.refusal.rule == "DEC-1" and "王磊" in exc.value.refusal.zh
    world.fire(
        cid,
        "transfer_party_org",
        {"transferred_on": "2026-02-20", "member_ids": [world.inside, world.seconded]},
    )
    world.fire(
        cid,
        "state_leadership",
        {"body_kind": "comprehensive_committee", "body_name": RECEIVING, "stated_on": "2026-02-25"},
    )
    assert world.actions(cid, by="li")["confirm_normal"].refusal.rule == "DEC-3"
    world.fire(
        cid,
        "record_meeting",
        {"held_on": "2026-02-28", "kind": "party_members_meeting", "topic": "学习脱钩后党建要求"},
    )
    out = world.fire(
        cid, "confirm_normal", {"confirmed_on": "2026-03-02", "confirmed_by": "陈刚"}, by="li"
    )
    assert out["state"] == "normal" and out["status"] == "closed"
    case = world.case(cid)
    assert {d["key"]: (d["status"], str(d["due_date"])) for d in case["deadlines"]} == {
        "archives_handover": ("met", "2026-02-24"),  # v3: 1 month from the approval, holidays
        "party_org_transfer": ("met", "2026-03-12"),
        "leadership_relation": ("met", "2026-03-12"),
        "normal_operation": ("met", "2026-05-20"),  # v3: 3 months from the transfer (02-20)
    }
    assert all(a["received_by"] == "陈刚" for a in case["data"]["archives"])
    assert one(world, PartyOrganization, id=world.po)["upper_party_org"] == RECEIVING
    assert one(world, Member, id=world.seconded)["party_organization_id"] == world.po
    org = one(world, Organization, id=world.orgs["logistics"])
    assert org["responsible_body_kind"] == "comprehensive_committee"
    meeting = one(world, OrgLifeMeeting, party_organization_id=world.po)
    assert meeting["under_body"] == RECEIVING and meeting["case_id"] == cid


def test_p3_withdrawn(world):
    cid = start(world)
    world.fire(cid, "receive_archives", receipts("党组织成立批复"))
    out = world.fire(cid, "withdraw", {"reason": "脱钩工作暂缓"}, by="li")
    assert out["state"] == "withdrawn"
    assert world.case(cid)["data"]["withdrawn"]["reason"] == "脱钩工作暂缓"
    assert one(world, PartyOrganization, id=world.po)["upper_party_org"] == ORIGINAL


def test_dec3_without_evidence_the_three_months_run_out_and_the_deadline_stays_open(world):
    cid = start(world)
    hand_over(world, cid)
    world.fire(
        cid,
        "transfer_party_org",
        {"transferred_on": "2026-02-20", "member_ids": [world.inside, world.seconded]},
    )
    world.fire(
        cid,
        "state_leadership",
        {"body_kind": "comprehensive_committee", "body_name": RECEIVING, "stated_on": "2026-02-25"},
    )
    world.clock.at = datetime(2026, 6, 1, 2, 0, tzinfo=UTC)
    with pytest.raises(TransitionRefused) as exc:
        world.fire(
            cid, "confirm_normal", {"confirmed_on": "2026-06-01", "confirmed_by": "陈刚"}, by="li"
        )
    assert exc.value.refusal.rule == "DEC-3"
    overdue = [
        d
        for d in world.case(cid)["deadlines"]
        if d["status"] == "open" and d["due_at"] < world.clock.now()
    ]
    assert [(d["key"], d["rule"]) for d in overdue] == [("normal_operation", "DEC-3")]
    assert overdue[0]["next_action_at"] is not None  # the scheduler's sweep will escalate it


def test_dec1_a_refused_handover_changes_nothing(world):
    cid = start(world)
    world.fire(cid, "receive_archives", receipts("党组织成立批复"))
    world.attach(cid, "archives_handover_list")  # a list signed for the first batch
    before = world.case(cid)
    with pytest.raises(TransitionRefused) as exc:
        world.fire(cid, "complete_handover", {"handover_on": "2026-02-12"})
    assert exc.value.refusal.details["missing"] == ["党员花名册", "党费收缴台账"]
    after = world.case(cid)
    assert (after["version"], after["state"], after["data"], after["deadlines"]) == (
        before["version"],
        before["state"],
        before["data"],
        before["deadlines"],
    )
