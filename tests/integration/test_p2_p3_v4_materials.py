"""Adjustment v4 and decoupling v4 through the services, on SQLite and PostgreSQL (issue 14
item 1): TRF-4's decision and DEC-1's signed hand-over list are the evidence of their steps."""

from __future__ import annotations

import shutil

import pytest
from sqlalchemy import func, select

from engine.definitions.loader import DEFAULT_DIR
from engine.directory import service as directory
from engine.errors import TransitionRefused
from engine.store.tables_casefile import Document
from tests.integration import test_p2_flow as p2
from tests.integration import test_p3_flow as p3
from tests.world import World, make_world, sample

REVOCATION = {"decided_on": "2026-03-02", "decision_no": "南自党〔2026〕3号", "reason": "注销"}
RECEIVED = p3.receipts("党组织成立批复", "党员花名册", "党费收缴台账")


def with_branch(w: World, upper: str) -> World:
    """The logistics association's Party branch and three members in it."""
    org = w.orgs["logistics"]
    w.po = directory.create_party_organization(
        w.uow(),
        {
            "organization_id": org,
            "name": "长春市南关区物流行业协会党支部",
            "kind": "branch",
            "upper_party_org": upper,
            "established_on": "2021-06-01",
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


@pytest.fixture
def world(db_url, clock):
    return with_branch(make_world(db_url, clock), p2.UPPER)


def documents(w: World) -> int:
    with w.rt.engine.connect() as c:
        return c.execute(select(func.count()).select_from(Document.__table__)).scalar_one()


def deciding(w: World, kind: str = "deregistration") -> int:
    cid = p2.report(w, kind)
    w.fire(cid, "accept_report")
    w.fire(cid, "assign_receiving", p2.RECEIVING)
    w.fire(cid, "record_destinations", {"destinations": [p2.transfer(m) for m in w.members]})
    w.fire(cid, "complete_transfers", {"completed_on": "2026-03-02"})
    return cid


def test_trf4_the_revocation_is_refused_until_the_decision_is_attached(world):
    cid = deciding(world)
    assert world.case(cid)["definition_version"] == 4
    listed = world.actions(cid, by="li")["decide_revocation"].refusal
    assert listed.rule == "TRF-4" and "上级党组织的决定（批复）" in listed.zh
    with pytest.raises(TransitionRefused) as exc:
        world.fire(cid, "decide_revocation", REVOCATION, by="li")
    assert exc.value.refusal.rule == "TRF-4"
    assert exc.value.refusal.details["missing_materials"] == ["party_decision"]
    out = world.fire(
        cid, "decide_revocation", REVOCATION, by="li", uploads=[sample("party_decision")]
    )
    assert out["state"] == "revoked"
    (doc,) = world.case_documents(cid)
    assert (doc.material, doc.trigger) == ("party_decision", "decide_revocation")


def test_trf4_a_change_refused_by_its_guard_stores_none_of_its_uploads(world):
    """A deregistration is revoked, not changed (TRF-4): the refused change keeps nothing."""
    cid = deciding(world)
    change = {"decided_on": "2026-03-02", "decision_no": "南自党〔2026〕4号"}
    with pytest.raises(TransitionRefused) as exc:
        world.fire(cid, "decide_change", change, by="li", uploads=[sample("party_decision")])
    refusal = exc.value.refusal
    assert refusal.rule == "TRF-4" and "missing_materials" not in refusal.details
    assert documents(world) == 0 and world.case(cid)["state"] == "deciding"


def test_dec1_the_handover_is_refused_until_the_signed_list_is_attached(world):
    cid = p3.start(world)
    world.fire(cid, "receive_archives", RECEIVED)
    with pytest.raises(TransitionRefused) as exc:
        world.fire(cid, "complete_handover", {"handover_on": "2026-02-12"})
    assert exc.value.refusal.rule == "DEC-1"
    assert exc.value.refusal.details["missing_materials"] == ["archives_handover_list"]
    assert "党建档案移交清单" in exc.value.refusal.zh
    world.attach(cid, "archives_handover_list")
    out = world.fire(cid, "complete_handover", {"handover_on": "2026-02-12"})
    assert out["state"] == "transferring"


def test_dec1_a_case_opened_on_version_3_hands_over_without_the_list(db_url, clock, tmp_path):
    """Cases opened before decoupling.v4.yaml was deployed finish on version 3."""
    folder = tmp_path / "before_v4"
    shutil.copytree(DEFAULT_DIR, folder, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    for later in folder.glob("decoupling.v[4-9].yaml"):
        later.unlink()
    w = with_branch(make_world(db_url, clock, definitions_dir=folder), p3.ORIGINAL)
    cid = p3.start(w)
    assert w.case(cid)["definition_version"] == 3
    w.fire(cid, "receive_archives", RECEIVED)
    out = w.fire(cid, "complete_handover", {"handover_on": "2026-02-12"})
    assert out["state"] == "transferring" and documents(w) == 0
