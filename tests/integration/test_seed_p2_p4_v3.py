"""P4 (secretary v3) and P2 (adjustment v3), issue 13, on SQLite and PostgreSQL.

- SEC-7: the annual report is the duty of the secretary in office. A reported position change
  of the secretary (SEC-8) or the start of a term renewal (SEC-9) closes the outgoing
  secretary's open report deadline, so nobody is reminded of, or escalated for, the report of
  someone who has left; the next approval opens it again.
- TRF-4: the post ends with its revoked Party organization whatever stage it is at
  (close_post from every non-terminal state), and P2's revocation ends it itself: the P4 case
  of that Party organization is closed in the revocation's transaction, with events on both
  cases; a P4 case whose version has no close_post from its state gets a notice instead; a
  refused revocation leaves the post untouched.
"""

from __future__ import annotations

import shutil
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from engine.cases import intents
from engine.cases import reactions as case_reactions
from engine.config import Config
from engine.definitions import sync as definition_sync
from engine.definitions.loader import DEFAULT_DIR
from engine.directory import service as directory
from engine.errors import TransitionRefused
from engine.oversight import sweep as escalation
from engine.snapshot import UpdateRecord
from engine.store.tables import PartyOfficer
from engine.store.tables_oversight import Notification
from tests.world import World, make_world, sample
from web.runtime import build_runtime

UPPER = "南关区自强街道党工委"
RECEIVING = "南关区人才中心党委"
ASSESSED = {
    **dict.fromkeys(
        ("conviction", "dedication", "capability", "conduct", "political_strength", "mass_work"),
        True,
    ),
    "assessed_by": "南关区自强街道党工委组织委员",
    "assessed_on": "2026-03-01",
}
STAGES = ["vacancy", "nominated", "awaiting_approval", "in_office"]
A_YEAR_ON = datetime(2027, 2, 15, 2, 0, tzinfo=UTC)  # past the report's reminder (2027-02-02)


def populate(w: World) -> World:
    """A branch of three full members under the street Party working committee."""
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


@pytest.fixture
def world(db_url, clock):
    return populate(make_world(db_url, clock))


def post_at(world, stage: str, po: int | None = None) -> int:
    """A P4 case of the branch (or of `po`), moved to `stage`."""
    po = po or world.po
    cid = world.open(
        "logistics", "secretary", {"party_organization_id": po, "vacancy": "new_organization"}
    )
    if stage == "vacancy":
        return cid
    world.fire(
        cid, "nominate", {"source": "head", "member_id": world.m["张伟"], "assessment": ASSESSED}
    )
    if stage == "nominated":
        return cid
    world.fire(
        cid,
        "elect",
        {"elected_on": "2026-03-01", "eligible_voters": 3, "votes_cast": 3, "votes_for": 3},
    )
    if stage == "awaiting_approval":
        return cid
    approval = {
        "approved_by": UPPER,
        "approved_on": "2026-03-02",
        "approval_no": "南自党〔2026〕5号",
        "stipend_yuan_per_month": 300,
        "stipend_paid_by": "party_funds",
    }
    assert world.fire(cid, "approve", approval, by="li")["state"] == "in_office"
    return cid


def adjustment_deciding(world) -> int:
    """A P2 case for the organization's deregistration, every member transferred."""
    cid = world.open(
        "logistics",
        "adjustment",
        {
            "party_organization_id": world.po,
            "change_kind": "deregistration",
            "change_on": "2026-02-20",
            "reported_on": "2026-02-25",
            "reported_to": UPPER,
            "summary": "协会经会员大会决议注销",
        },
    )
    world.fire(cid, "accept_report")
    world.fire(
        cid,
        "assign_receiving",
        {
            "assigned_person": "赵磊",
            "assigned_on": "2026-03-01",
            "receiving_party_orgs": [{"name": RECEIVING, "contacted_on": "2026-03-01"}],
        },
    )
    world.fire(
        cid,
        "record_destinations",
        {
            "destinations": [
                {
                    "member_id": mid,
                    "kind": "transfer",
                    "to_party_org": RECEIVING,
                    "transferred_on": "2026-03-02",
                }
                for mid in world.m.values()
            ]
        },
    )
    world.fire(cid, "complete_transfers", {"completed_on": "2026-03-02"})
    return cid


REVOCATION = {"decided_on": "2026-03-02", "decision_no": "南自党〔2026〕9号", "reason": "协会注销"}


def revoke(world, p2: int) -> dict:
    """TRF-4: the revocation, with the decision itself (adjustment v4 requires it)."""
    return world.fire(
        p2, "decide_revocation", REVOCATION, by="li", uploads=[sample("party_decision")]
    )


def open_deadlines(world, cid: int) -> set[str]:
    return {d["key"] for d in world.case(cid)["deadlines"] if d["status"] == "open"}


def notified(world, cid: int) -> list[tuple[int, str]]:
    t = Notification.__table__
    with world.rt.reader() as r:
        q = select(t.c.user_id, t.c.kind).where(t.c.case_id == cid).order_by(t.c.id)
        return [tuple(row) for row in r.conn.execute(q)]


def swept_deadlines(world, cid: int, now: datetime = A_YEAR_ON) -> set[str]:
    """The deadlines of the case the sweep reminds or escalates at `now`."""
    out = escalation.sweep(world.uow(), world.rt.definitions, now=now)
    return {i["deadline"] for i in out.reminders + out.escalations if i["case_id"] == cid}


def state_of(world, cid: int) -> tuple:
    case = world.case(cid)
    return (
        case["state"],
        case["status"],
        case["version"],
        len(world.history(cid)),
        sorted((d["key"], d["status"]) for d in case["deadlines"]),
    )


# ---------------------------------------------------------------- SEC-7 (secretary v3)


def test_sec7_a_reported_secretary_change_closes_the_outgoing_secretarys_annual_report(world):
    cid = post_at(world, "in_office")
    assert world.case(cid)["definition_version"] >= 3
    assert "annual_report" in open_deadlines(world, cid)
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
    assert world.case(cid)["state"] == "vacancy"
    assert open_deadlines(world, cid) == {"term_renewal", "fill_vacancy"}
    # A year on, nobody is reminded of, or escalated for, the report of a secretary who left.
    assert "annual_report" not in swept_deadlines(world, cid)
    # The successor's approval opens it again, from the approval.
    world.fire(
        cid, "nominate", {"source": "head", "member_id": world.m["张伟"], "assessment": ASSESSED}
    )
    world.fire(
        cid,
        "elect",
        {"elected_on": "2026-03-02", "eligible_voters": 3, "votes_cast": 3, "votes_for": 3},
    )
    world.fire(
        cid,
        "approve",
        {
            "approved_by": UPPER,
            "approved_on": "2026-03-02",
            "approval_no": "南自党〔2026〕6号",
            "stipend_yuan_per_month": 300,
            "stipend_paid_by": "party_funds",
        },
        by="li",
    )
    reports = [d for d in world.case(cid)["deadlines"] if d["key"] == "annual_report"]
    # The outgoing secretary's report was never made: cancelled, not met (ACC-1 counts it so).
    assert [d["status"] for d in reports] == ["cancelled", "open"]
    assert str(reports[-1]["due_date"]) == "2027-03-02"


def test_sec7_a_term_renewal_closes_the_outgoing_secretarys_annual_report(world):
    cid = post_at(world, "in_office")
    world.fire(cid, "start_term_renewal", {"started_on": "2026-03-02"}, by="li")
    assert world.case(cid)["state"] == "vacancy"
    # SEC-9 stays open until the new secretary is approved; SEC-7 ends with the outgoing one.
    assert open_deadlines(world, cid) == {"term_renewal"}
    assert "annual_report" not in swept_deadlines(world, cid)
    (report,) = [d for d in world.case(cid)["deadlines"] if d["key"] == "annual_report"]
    assert report["status"] == "cancelled"  # lapsed with the outgoing secretary, not met


def test_sec6_sec7_sec8_version_3_keeps_every_check_of_version_2():
    """The SEC-6 floors, SEC-7 report to the members present, SEC-8 changes of every
    Party-affairs worker (issue 13, done in version 2) are the same steps in version 3."""
    from engine.definitions.loader import load_definitions
    from engine.registry import load_registry

    defs = load_definitions(None, load_registry())
    v2, v3 = defs.get("secretary", 2), defs.get("secretary", 3)

    def checks(d):
        return {(t.trigger, t.schema, t.guards, t.actions, t.rules) for t in d.transitions}

    assert checks(v2) == checks(v3)
    assert "sec_stipend_floor_party_affairs_worker" in v3.parameters
    assert v3.states["in_office"].waiting


# ---------------------------------------------------------------- TRF-4: the post ends


@pytest.mark.parametrize("stage", STAGES)
def test_trf4_a_revoked_party_orgs_post_closes_by_hand_at_every_stage(world, stage):
    """secretary v3: close_post from every non-terminal state (v2: only vacancy, in_office)."""
    cid = post_at(world, stage)
    uow = world.uow()
    with uow:  # revoked outside P2 (e.g. by an adjustment case still on version 2)
        intents.apply_intents(
            uow,
            [
                UpdateRecord(
                    "party_organization",
                    world.po,
                    {"status": "revoked", "revoked_on": "2026-03-02"},
                )
            ],
            {},
            world.orgs["logistics"],
        )
        uow.commit()
    out = world.fire(
        cid, "close_post", {"closed_on": "2026-03-02", "reason": "党支部已撤销"}, by="li"
    )
    assert (out["state"], out["status"]) == ("closed", "closed")
    assert open_deadlines(world, cid) == set()


@pytest.mark.parametrize("stage", STAGES)
def test_trf4_a_p2_revocation_closes_the_secretary_post_in_the_same_step(world, stage):
    post = post_at(world, stage)
    p2 = adjustment_deciding(world)
    assert world.case(p2)["definition_version"] >= 3
    version = world.case(post)["version"]
    out = revoke(world, p2)
    assert out["state"] == "revoked"

    case = world.case(post)
    assert (case["state"], case["status"], case["version"]) == ("closed", "closed", version + 1)
    assert case["data"]["closed"] == {
        "closed_on": "2026-03-02",
        "reason": "协会注销",
        "decision_no": "南自党〔2026〕9号",
    }
    # Audited on both cases: the transition on P4 (by the system, naming P2), the reaction on P2.
    closing = world.history(post)[-1]
    assert (closing["kind"], closing["trigger"], closing["from_state"], closing["to_state"]) == (
        "transition",
        "close_post",
        stage,
        "closed",
    )
    assert closing["actor_id"] is None and f"#{p2}" in closing["comment"]
    assert closing["rules"] == ["TRF-4"]
    reaction = world.history(p2)[-1]
    assert (reaction["kind"], reaction["trigger"], reaction["rules"]) == (
        "reaction",
        "decide_revocation",
        ["TRF-4"],
    )
    assert reaction["payload"]["cases"] == [
        {"case_id": post, "outcome": "fired", "state": "closed"}
    ]
    assert (world.actors["wang"].id, "reaction") in notified(world, post)
    # Its duties end with it: no deadline left, so no SEC-7 (or any) reminder a year on.
    assert open_deadlines(world, post) == set()
    assert swept_deadlines(world, post) == set()
    t = PartyOfficer.__table__
    with world.rt.reader() as r:
        statuses = set(r.conn.execute(select(t.c.status)).scalars())
    assert statuses <= {"ended"}


def test_trf4_only_the_revoked_party_orgs_post_closes(world):
    """`match`: a P4 case of another Party organization of the same organization stays."""
    other_po = directory.create_party_organization(
        world.uow(),
        {
            "organization_id": world.orgs["logistics"],
            "name": "长春市南关区物流行业协会第二党支部",
            "kind": "branch",
            "upper_party_org": UPPER,
            "established_on": "2026-02-10",
        },
    )
    other = post_at(world, "vacancy", po=other_po)
    post = post_at(world, "in_office")
    before = state_of(world, other)
    revoke(world, adjustment_deciding(world))
    assert world.case(post)["state"] == "closed"
    assert state_of(world, other) == before


def test_trf4_a_secretary_case_on_v2_with_no_close_post_in_its_state_gets_a_notice(
    db_url, clock, tmp_path
):
    """A P4 case opened before secretary v3 stays on v2, where `nominated` has no close_post:
    the revocation stands, and the P4 case's owner gets a notice to act by hand."""
    folder = tmp_path / "before_v3"
    shutil.copytree(DEFAULT_DIR, folder, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    for later in folder.glob("secretary.v[3-9].yaml"):
        later.unlink()
    world = populate(make_world(db_url, clock, definitions_dir=folder))
    post = post_at(world, "nominated")
    assert world.case(post)["definition_version"] == 2
    # secretary v3 is deployed; the running case stays pinned to v2.
    old = world.rt
    world.rt = build_runtime(
        Config(database_url=db_url, scheduler=False, testing=True), clock=clock
    )
    definition_sync.sync_definitions(world.rt.uow(), world.rt.definitions)
    old.engine.dispose()
    p2 = adjustment_deciding(world)
    before = state_of(world, post)

    assert revoke(world, p2)["state"] == "revoked"  # never refused because of the other case
    after = state_of(world, post)
    assert after[:3] == before[:3] and after[4] == before[4]  # not moved, deadlines as they were
    notice = world.history(post)[-1]
    assert (notice["kind"], notice["trigger"], notice["rules"]) == (
        "notice",
        "close_post",
        ["TRF-4"],
    )
    assert f"#{p2}" in notice["comment"] and "nominated" in notice["comment"]
    assert notice["payload"] == {"from_case": p2, "from_trigger": "decide_revocation"}
    assert (world.actors["wang"].id, "reaction") in notified(world, post)
    assert world.history(p2)[-1]["payload"]["cases"] == [{"case_id": post, "outcome": "notified"}]
    # By hand, on v2: drop the candidate, then close the vacant post.
    world.fire(post, "reject_candidate", {"reason": "党支部已撤销"}, by="li")
    world.fire(post, "close_post", {"closed_on": "2026-03-02", "reason": "党支部已撤销"}, by="li")
    assert world.case(post)["state"] == "closed"


def test_trf4_a_refused_revocation_leaves_the_secretary_post_untouched(world):
    post = post_at(world, "in_office")
    p2 = adjustment_deciding(world)
    late = directory.create_member(  # joined after the transfers were complete
        world.uow(),
        {
            "organization_id": world.orgs["logistics"],
            "name": "孙丽",
            "status": "full",
            "party_organization_id": world.po,
        },
    )
    before, p2_events = state_of(world, post), len(world.history(p2))
    with pytest.raises(TransitionRefused) as exc:
        revoke(world, p2)
    assert exc.value.refusal.rule == "TRF-3" and "孙丽" in exc.value.refusal.zh
    assert state_of(world, post) == before
    assert len(world.history(p2)) == p2_events and notified(world, post) == []
    # Once she has a destination, the revocation goes through and ends the post.
    uow = world.uow()
    with uow:
        intents.apply_intents(
            uow,
            [
                UpdateRecord(
                    "member", late, {"party_organization_id": None, "relation_location": RECEIVING}
                )
            ],
            {},
            world.orgs["logistics"],
        )
        uow.commit()
    revoke(world, p2)
    assert world.case(post)["state"] == "closed"


def test_trf4_the_revocation_and_the_closing_are_one_transaction(world, monkeypatch):
    """Anything failing after the P4 case moved undoes the revocation too, and the reverse."""
    post = post_at(world, "in_office")
    p2 = adjustment_deciding(world)
    before, p2_before = state_of(world, post), state_of(world, p2)

    def broken(*args, **kwargs):
        raise RuntimeError("notification store down")

    monkeypatch.setattr(case_reactions, "notify", broken)
    with pytest.raises(RuntimeError, match="notification store down"):
        revoke(world, p2)
    assert state_of(world, post) == before and state_of(world, p2) == p2_before
    monkeypatch.undo()
    revoke(world, p2)
    assert (world.case(post)["state"], world.case(p2)["state"]) == ("closed", "revoked")
