"""Issue 13, engine side, on SQLite and PostgreSQL: coverage is written by one writer so REG-7's
joint-branch limit holds on every path, coverage follows a revocation, a deregistration records
its day, and a supervisor hands a case to another unit (REG-6) with the version moving on."""

from __future__ import annotations

from datetime import date

import pytest
from marshmallow import ValidationError
from sqlalchemy import select

from engine.cases import handover
from engine.cases.intents import apply_intents
from engine.directory import read as directory_read
from engine.directory import service as directory
from engine.directory.coverage import covered_ids, coverers
from engine.errors import Conflict, Forbidden, TransitionRefused
from engine.snapshot import Cover, UpdateRecord
from engine.store.tables import Case, Event, Organization
from tests.world import make_world

UPPER = "南关区自强街道党工委"


@pytest.fixture
def world(db_url, clock):
    w = make_world(db_url, clock)
    w.extra = [
        directory.create_organization(
            w.uow(),
            {
                "name": f"南关区第{n}家小微社会组织",
                "org_type": "social_service",
                "category": "charity",
                "unit": "cc-ng",
                "district": "南关区",
            },
        )
        for n in range(1, 6)
    ]
    return w


def _joint_branch(w, covers: list[int]) -> int:
    return directory.create_party_organization(
        w.uow(),
        {
            "organization_id": w.orgs["logistics"],
            "name": "南关区社会组织联合党支部",
            "kind": "joint_branch",
            "formation_mode": "joint",
            "upper_party_org": UPPER,
            "established_on": "2025-03-01",
            "covers": covers,
        },
    )


def _org(w, oid: int):
    t = Organization.__table__
    with w.rt.reader() as r:
        return r.conn.execute(select(t).where(t.c.id == oid)).mappings().one()


def test_reg7_joint_branch_covers_its_partners_and_coverage_follows(world):
    jb = _joint_branch(world, world.extra[:2])
    with world.rt.reader() as r:
        assert covered_ids(r.conn, jb) == [world.orgs["logistics"], *world.extra[:2]]
        assert [c["mode"] for c in coverers(r.conn, world.extra[0])] == ["joint"]
    assert _org(world, world.extra[1])["coverage"] == "party_org"
    seen = directory_read.organization(world.rt.reader(), world.actors["wang"], world.extra[1])
    assert [(c["id"], c["mode"]) for c in seen["covered_by"]] == [(jb, "joint")]


def test_reg7_a_sixth_units_member_is_refused_by_a_full_joint_branch(world):
    jb = _joint_branch(world, world.extra[:4])  # the host and four partners: five units
    with pytest.raises(TransitionRefused) as refused:
        directory.create_member(
            world.uow(),
            {
                "organization_id": world.extra[4],
                "name": "第六家单位的党员",
                "status": "full",
                "party_organization_id": jb,
            },
        )
    assert refused.value.refusal.rule == "REG-7"
    assert refused.value.refusal.details["limit"] == 5
    assert _org(world, world.extra[4])["coverage"] == "none"  # nothing half-written
    with world.rt.reader() as r:
        assert len(covered_ids(r.conn, jb)) == 5


def test_reg7_a_member_of_a_new_unit_brings_it_under_the_joint_branch(world):
    jb = _joint_branch(world, world.extra[:1])
    directory.create_member(
        world.uow(),
        {
            "organization_id": world.extra[1],
            "name": "新加入单位的党员",
            "status": "full",
            "party_organization_id": jb,
        },
    )
    assert _org(world, world.extra[1])["coverage"] == "party_org"


def test_reg7_the_limit_is_a_local_parameter_on_the_directory_path_too(world):
    with pytest.raises(TransitionRefused):
        directory.create_party_organization(
            world.uow(),
            {
                "organization_id": world.orgs["logistics"],
                "name": "联合党支部",
                "kind": "joint_branch",
                "formation_mode": "joint",
                "upper_party_org": UPPER,
                "established_on": "2025-03-01",
                "covers": world.extra[:3],
            },
            joint_limit=3,
        )


def test_reg7_a_revoked_party_organization_covers_nobody(world):
    jb = _joint_branch(world, world.extra[:2])
    uow = world.uow()
    with uow:
        apply_intents(
            uow,
            [
                UpdateRecord(
                    "party_organization", jb, {"status": "revoked", "revoked_on": "2026-03-01"}
                )
            ],
            {},
            world.orgs["logistics"],
        )
        uow.commit()
    assert _org(world, world.extra[0])["coverage"] == "none"
    with world.rt.reader() as r:
        assert covered_ids(r.conn, jb) == []


def test_reg7_cover_intent_refuses_beyond_the_limit_and_writes_nothing(world):
    jb = _joint_branch(world, world.extra[:3])
    uow = world.uow()
    with pytest.raises(TransitionRefused), uow:
        apply_intents(
            uow,
            [Cover(jb, tuple(world.extra[3:5]), "joint", "2026-03-01")],
            {},
            world.orgs["logistics"],
            params={"joint_branch_max_units": 5},
        )
    with world.rt.reader() as r:
        assert len(covered_ids(r.conn, jb)) == 4


def test_trf4_deregistration_records_its_day_and_ends_coverage(world):
    oid = world.extra[0]
    jb = _joint_branch(world, [oid])
    with pytest.raises(ValidationError) as bad:
        directory.deregister_organization(
            world.uow(), world.rt.definitions, oid, actor=world.actors["wang"], on=date(2099, 1, 1)
        )
    assert "on" in bad.value.messages
    assert _org(world, oid)["status"] != "deregistered"
    day = world.clock.now().date()
    directory.deregister_organization(
        world.uow(), world.rt.definitions, oid, actor=world.actors["wang"], on=day
    )
    row = _org(world, oid)
    assert (row["status"], row["deregistered_on"]) == ("deregistered", day)
    with world.rt.reader() as r:
        assert oid not in covered_ids(r.conn, jb)


def test_reg6_supervisor_hands_a_case_to_another_unit(world):
    cid = world.open("logistics")
    case = world.case(cid)
    out = handover.hand_over(
        world.uow(),
        cid,
        {"unit": "cc-zh", "reason": "由综合党委负责组建", "expected_version": case["version"]},
        actor=world.actors["li"],
    )
    t, e = Case.__table__, Event.__table__
    with world.rt.reader() as r:
        row = r.conn.execute(select(t).where(t.c.id == cid)).mappings().one()
        ev = r.conn.execute(select(e).where(e.c.case_id == cid).order_by(e.c.id.desc())).first()
    assert row["version"] == case["version"] + 1 == out["version"]
    assert row["assignee_id"] is None
    assert ev.kind == "handed_over" and ev.comment == "由综合党委负责组建"
    assert ev.payload["to_unit"] == "长春市社会组织综合党委"


def test_reg6_hand_over_refuses_a_caseworker_a_stale_form_and_an_unknown_unit(world):
    cid = world.open("logistics")
    v = world.case(cid)["version"]
    with pytest.raises(Forbidden):
        handover.hand_over(
            world.uow(), cid, {"unit": "cc-zh", "reason": "试试", "expected_version": v},
            actor=world.actors["wang"],
        )  # fmt: skip
    with pytest.raises(Conflict):
        handover.hand_over(
            world.uow(), cid, {"unit": "cc-zh", "reason": "过期表单", "expected_version": v + 5},
            actor=world.actors["li"],
        )  # fmt: skip
    with pytest.raises(ValidationError) as bad:
        handover.hand_over(
            world.uow(), cid, {"unit": "nowhere", "reason": "无此单位", "expected_version": v},
            actor=world.actors["li"],
        )  # fmt: skip
    assert "unit" in bad.value.messages
    assert world.case(cid)["version"] == v
