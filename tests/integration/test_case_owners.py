"""Case owners (issue 15, item 1) through the engine, on SQLite and PostgreSQL: claim, assign,
reassign, delegate (expiring when read), the inbox's owner filters, and who the sweep tells.

The `drill` procedure (tests/control) opens a deadline with the case, so every case here has a
reminder and an escalation ladder from its first day.
"""

from __future__ import annotations

import threading
from datetime import date, timedelta

import pytest
from marshmallow import ValidationError

from engine.cases import handover, owners
from engine.cases import listing as case_lists
from engine.errors import Forbidden
from engine.oversight.figures import Moment
from tests.control import (
    assign,
    claim,
    control_of,
    delegate,
    drill_world,
    events,
    notes_of,
    open_drill,
    reminder_instant,
    sweep_at,
)


@pytest.fixture
def world(db_url):
    w = drill_world(db_url)
    yield w
    w.rt.engine.dispose()


def unassigned(w, org: str = "chaoyang") -> int:
    """A case opened in Chaoyang and handed over to Nanguan (REG-6): unassigned there."""
    cid = open_drill(w, org, by="zhao")
    handover.hand_over(
        w.uow(),
        cid,
        {"unit": "cc-ng", "reason": "属地移交 / to the local bureau", "expected_version": 1},
        actor=w.actors["chen"],
    )
    return cid


def owner(w, cid: int) -> str | None:
    c = control_of(w, cid)
    return c.owner.username if c.owner else None


def listed(w, who: str, owner_filter: str | None, view: str = "open") -> list[int]:
    page = case_lists.list_cases(
        w.uow(),
        w.actors[who],
        case_lists.CaseFilter(view=view, owner=owner_filter),
        Moment.of(w.rt.definitions, w.clock.now()),
        per_page=100,
    )
    return sorted(r["id"] for r in page.rows)


# ---------------------------------------------------------------- claim and assign


def test_a_new_case_is_its_openers_and_a_hand_over_leaves_it_unassigned_in_its_unit(world):
    mine = open_drill(world)
    assert owner(world, mine) == "wang"
    cid = unassigned(world)
    c = control_of(world, cid, by="wang")
    assert (c.owner, c.unit_id) == (None, world.actors["wang"].unit_id)
    assert c.may("claim") and not c.may("delegate")


def test_a_caseworker_of_the_unit_claims_an_unassigned_case_and_a_second_claim_is_refused(world):
    cid = unassigned(world)
    version = world.case(cid)["version"]
    out = claim(world, cid, "wang", reason="我来办 / mine")
    assert out["owner"] == "wang" and owner(world, cid) == "wang"
    (event,) = events(world, cid, "claimed")
    assert (event["actor_name"], event["comment"], event["case_version"]) == (
        "王芳",
        "我来办 / mine",
        version,
    )
    with pytest.raises(ValidationError) as refused:
        claim(world, cid, "sun")
    assert "already has an owner" in str(refused.value.messages)
    assert owner(world, cid) == "wang" and len(events(world, cid, "claimed")) == 1


def test_only_a_caseworker_or_supervisor_of_the_cases_own_unit_may_claim_it(world):
    cid = unassigned(world)
    for outsider in ("zhao", "chen", "admin"):  # another unit; a unit above; no unit role
        with pytest.raises(Forbidden):
            claim(world, cid, outsider)
    assert owner(world, cid) is None and events(world, cid, "claimed") == []


def test_two_claims_at_once_make_one_owner_and_one_event(world):
    cid = unassigned(world)
    barrier, results = threading.Barrier(2), []

    def attempt(who: str) -> None:
        barrier.wait()
        try:
            results.append(claim(world, cid, who)["owner"])
        except ValidationError as exc:
            results.append(exc)

    threads = [threading.Thread(target=attempt, args=(u,)) for u in ("wang", "sun")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    winners = [r for r in results if isinstance(r, str)]
    assert len(winners) == 1 and len(results) == 2, results
    assert owner(world, cid) == winners[0] and len(events(world, cid, "claimed")) == 1


def test_a_supervisor_assigns_only_an_active_caseworker_or_supervisor_of_the_cases_unit(world):
    cid = unassigned(world)
    for wrong in ("zhao", "gone", "admin", "nobody"):  # other unit, inactive, role, unknown
        with pytest.raises(ValidationError) as refused:
            assign(world, cid, wrong)
        assert "user" in refused.value.messages, wrong
    with pytest.raises(Forbidden):
        assign(world, cid, "sun", by="wang")  # a caseworker does not assign
    with pytest.raises(Forbidden):
        assign(world, open_drill(world, "chaoyang", by="zhao"), "zhao", by="li")  # not li's scope
    assign(world, cid, "sun", by="chen")  # a supervisor above the unit
    assert owner(world, cid) == "sun"
    (event,) = events(world, cid, "assigned")
    assert event["payload"]["owner"]["username"] == "sun" and event["actor_name"] == "陈刚"


def test_reassigning_needs_a_reason_and_ends_a_running_delegation(world):
    cid = open_drill(world)
    delegate(world, cid, "sun", until="2026-03-06")
    with pytest.raises(ValidationError) as refused:
        assign(world, cid, "li")
    assert "reason" in refused.value.messages
    assign(world, cid, "li", reason="王芳调岗 / wang moved to another post")
    c = control_of(world, cid)
    assert (c.owner.username, c.delegate, c.acting.username) == ("li", None, "li")
    assert events(world, cid, "assigned")[0]["payload"]["previous_owner"]["username"] == "wang"


def test_an_owner_change_moves_neither_version_nor_activity_and_does_not_conflict_with_a_step(
    world,
):
    cid = open_drill(world)
    seen = world.case(cid)
    world.clock.advance(hours=1)
    assign(world, cid, "sun", reason="分工调整 / new split of work")
    after = world.case(cid)
    assert (after["version"], after["updated_at"]) == (seen["version"], seen["updated_at"])
    # The caseworker's form was opened before the reassignment: the step still goes through.
    out = world.fire(cid, "review", version=seen["version"], by="wang")
    assert out["state"] == "reviewed"


# ---------------------------------------------------------------- delegation


def test_a_delegate_acts_as_owner_to_the_end_of_the_day_and_it_expires_when_read(world):
    cid = open_drill(world)
    delegate(world, cid, "sun", until="2026-03-03")
    c = control_of(world, cid, by="sun")
    assert (c.owner.username, c.delegate.username, c.acting.username) == ("wang", "sun", "sun")
    assert c.delegated_until == date(2026, 3, 3) and c.may("end_delegation")
    assert listed(world, "sun", "mine") == [cid] == listed(world, "wang", "mine")
    world.clock.advance(days=1, hours=13)  # 23:00 on 3 March in Shanghai: still running
    assert listed(world, "sun", "mine") == [cid]
    world.clock.advance(hours=1)  # midnight: over, and nothing had to run for it
    assert listed(world, "sun", "mine") == [] and listed(world, "wang", "mine") == [cid]
    c = control_of(world, cid)
    assert (c.delegate, c.acting.username) == (None, "wang")


def test_only_the_owner_or_a_supervisor_delegates_to_a_colleague_with_a_reason_and_a_date(world):
    cid = open_drill(world)
    with pytest.raises(Forbidden):
        delegate(world, cid, "sun", until="2026-03-06", by="sun")
    for to, until, field in (
        ("sun", "2026-03-01", "until"),  # yesterday
        ("zhao", "2026-03-06", "user"),  # another unit
        ("wang", "2026-03-06", "user"),  # the owner
    ):
        with pytest.raises(ValidationError) as refused:
            delegate(world, cid, to, until=until)
        assert field in refused.value.messages, (to, until)
    with pytest.raises(ValidationError) as refused:
        owners.delegate(
            world.uow(), cid, {"user": "sun", "until": "2026-03-06"}, actor=world.actors["wang"]
        )
    assert "reason" in refused.value.messages
    delegate(world, cid, "sun", until="2026-03-02", by="li")  # today is enough; a supervisor may
    (event,) = events(world, cid, "delegated")
    assert event["payload"]["until"] == "2026-03-02" and event["comment"]
    owners.end_delegation(world.uow(), cid, {}, actor=world.actors["sun"])
    assert control_of(world, cid).delegate is None
    assert len(events(world, cid, "delegation_ended")) == 1


# ---------------------------------------------------------------- the inbox's owner filters


def test_inbox_filters_mine_unassigned_my_unit_and_all_i_may_see(world):
    wangs = open_drill(world, "logistics")
    suns = open_drill(world, "health", by="sun")
    loose = unassigned(world)
    chaoyang = open_drill(world, "chaoyang", by="zhao")
    assert listed(world, "wang", "mine") == [wangs]
    assert listed(world, "wang", "unassigned") == [loose]
    assert listed(world, "wang", "unit") == sorted([wangs, suns, loose])
    assert (
        listed(world, "wang", "all") == listed(world, "wang", None) == sorted([wangs, suns, loose])
    )
    assert listed(world, "chen", "unit") == []  # the committee's own unit holds no case
    assert listed(world, "chen", "all") == sorted([wangs, suns, loose, chaoyang])
    at = Moment.of(world.rt.definitions, world.clock.now())
    for who in ("wang", "chen", "admin"):
        counts = case_lists.counts_by_owner(world.uow(), world.actors[who], at)
        assert counts == {o: len(listed(world, who, o)) for o in case_lists.OWNERS}, who
    claim(world, loose, "wang")
    assert listed(world, "wang", "mine") == sorted([wangs, loose])
    tabs = case_lists.counts_by_view(world.uow(), world.actors["wang"], at)
    assert tabs["mine"] == 2 == len(listed(world, "wang", None, view="mine"))


# ---------------------------------------------------------------- who is told


def test_the_reminder_goes_to_the_owner_the_delegate_while_it_runs_or_the_units_caseworkers(
    world,
):
    owned, delegated, loose = open_drill(world), open_drill(world, "health"), unassigned(world)
    delegate(world, delegated, "sun", until="2026-03-31")
    at = reminder_instant(world, owned)
    assert reminder_instant(world, loose) == at
    result = sweep_at(world, at)
    by_case = {r["case_id"]: sorted(r["recipients"]) for r in result.reminders}
    ids = {u: world.actors[u].id for u in ("wang", "sun", "li")}
    assert by_case == {
        owned: [ids["wang"]],
        delegated: [ids["sun"]],
        loose: sorted([ids["wang"], ids["sun"]]),  # the unit's active caseworkers, not `gone`
    }
    assert {n["case_id"] for n in notes_of(world, "sun")} == {delegated, loose}
    assert notes_of(world, "li") == []


def test_the_first_escalation_goes_to_the_owner_and_an_expired_delegation_no_longer_counts(
    world,
):
    cid = open_drill(world)
    delegate(world, cid, "sun", until="2026-03-05")
    due = world.case(cid)["deadlines"][0]["due_at"]
    result = sweep_at(world, due + timedelta(minutes=1))  # 13 March: the delegation is over
    (level1,) = [e for e in result.escalations if e["case_id"] == cid]
    assert (level1["level"], level1["recipients"]) == (1, [world.actors["wang"].id])
