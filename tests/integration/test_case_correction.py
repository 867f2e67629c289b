"""Supervisor correction (issue 15, item 3) through the engine, on SQLite and PostgreSQL: step
back, cancel, suspend and resume, each a compensating event with actor and reason, never an
edit of the history; a step back racing a step; the sweep skipping a suspended case.

The `drill` procedure (tests/control): filed → review → reviewed → decide → decided; the review
period (DRL-1, 10 days) runs from the opening and is met by `review`, which opens the decision
period (DRL-2, 15 days), met by `decide`.
"""

from __future__ import annotations

import threading
from datetime import date, timedelta

import pytest
from marshmallow import ValidationError
from sqlalchemy import select

from engine.cases import correction
from engine.cases import service as case_service
from engine.errors import Conflict, Forbidden, TransitionRefused
from engine.oversight import figures
from engine.oversight.figures import Moment
from engine.store.tables import Case
from tests.control import (
    control_of,
    correct,
    deadlines,
    drill_world,
    events,
    open_drill,
    reminder_instant,
    sweep_at,
)


@pytest.fixture
def world(db_url):
    w = drill_world(db_url)
    yield w
    w.rt.engine.dispose()


def history_before(w, cid: int) -> list[dict]:
    return [dict(e) for e in w.history(cid)]


# ---------------------------------------------------------------- step back


def test_a_step_back_cancels_what_the_undone_step_opened_and_reopens_what_it_met(world):
    cid = open_drill(world)
    world.clock.advance(days=2)
    world.fire(cid, "review")
    (review,) = events(world, cid, "transition")
    before = history_before(world, cid)
    version = world.case(cid)["version"]
    world.clock.advance(days=1)
    out = correct(world, "step_back", cid, to_state="filed", reason="审查有误 / wrong review")
    c = world.case(cid)
    assert (c["state"], c["version"], out["version"]) == ("filed", version + 1, version + 1)
    # The history is only added to: everything before is as it was, plus one event.
    after = world.history(cid)
    assert after[: len(before)] == before and len(after) == len(before) + 1
    back = after[-1]
    assert (back["kind"], back["from_state"], back["to_state"]) == (
        "stepped_back",
        "reviewed",
        "filed",
    )
    assert (back["actor_name"], back["comment"], back["case_version"]) == (
        "李强",
        "审查有误 / wrong review",
        version + 1,
    )
    assert [u["event_id"] for u in back["payload"]["undone"]] == [review["id"]]
    rows = deadlines(world, cid)
    (decision,) = rows["decision_period"]
    assert (decision["status"], decision["closed_by_event_id"]) == ("cancelled", back["id"])
    (review_period,) = rows["review_period"]
    assert review_period["status"] == "open" and review_period["closed_by_event_id"] is None
    assert review_period["due_date"] == date(2026, 3, 12)  # recomputed from its anchor
    assert review_period["next_action_at"] is not None
    assert back["payload"]["reopened_deadlines"][0]["met_by_event_id"] == review["id"]


def test_a_step_back_from_a_terminal_state_reopens_the_case_and_the_step_can_be_taken_again(
    world,
):
    cid = open_drill(world)
    world.fire(cid, "review")
    world.fire(cid, "decide")
    assert world.case(cid)["status"] == "closed"
    assert [s.state for s in control_of(world, cid, "li").earlier_states] == ["reviewed", "filed"]
    correct(world, "step_back", cid, to_state="reviewed")
    c = world.case(cid)
    assert (c["state"], c["status"], c["closed_at"]) == ("reviewed", "open", None)
    assert [d["status"] for d in deadlines(world, cid)["decision_period"]] == ["open"]
    world.fire(cid, "decide")
    assert world.case(cid)["status"] == "closed"
    # Two steps back at once: both steps are undone, whatever an earlier step back did.
    correct(world, "step_back", cid, to_state="filed")
    rows = deadlines(world, cid)
    assert [d["status"] for d in rows["review_period"]] == ["open"]
    assert [d["status"] for d in rows["decision_period"]] == ["met"]  # met by an undone step
    world.fire(cid, "review")  # opens a new decision period
    statuses = sorted(d["status"] for d in deadlines(world, cid)["decision_period"])
    assert statuses == ["met", "open"]


def test_data_the_undone_step_wrote_is_kept_and_its_input_is_in_the_step_back_event(world):
    cid = open_drill(world)
    world.fire(cid, "review")
    data = world.case(cid)["data"]
    correct(world, "step_back", cid, to_state="filed")
    assert world.case(cid)["data"] == data
    (back,) = events(world, cid, "stepped_back")
    assert back["payload"]["data_kept"] is True
    assert back["payload"]["undone"][0]["trigger"] == "review"


def test_a_step_back_needs_a_supervisor_an_earlier_state_and_a_reason(world):
    cid = open_drill(world)
    assert not control_of(world, cid, "li").may("step_back")  # nothing to go back to yet
    world.fire(cid, "review")
    with pytest.raises(Forbidden):
        correct(world, "step_back", cid, by="wang", to_state="filed")
    with pytest.raises(Forbidden):
        correct(world, "step_back", cid, by="zhao", to_state="filed")  # another unit
    for wrong in ("reviewed", "decided", "nowhere"):
        with pytest.raises(ValidationError) as refused:
            correct(world, "step_back", cid, to_state=wrong)
        assert "to_state" in refused.value.messages
    with pytest.raises(ValidationError) as refused:
        correct(world, "step_back", cid, to_state="filed", reason="")
    assert "reason" in refused.value.messages
    assert world.case(cid)["state"] == "reviewed" and events(world, cid, "stepped_back") == []
    correct(world, "step_back", cid, by="chen", to_state="filed")  # a supervisor above


def test_a_stale_version_is_a_conflict_and_changes_nothing(world):
    cid = open_drill(world)
    world.fire(cid, "review")
    before = (world.case(cid), history_before(world, cid))
    for action, extra in (("step_back", {"to_state": "filed"}), ("cancel", {}), ("suspend", {})):
        with pytest.raises(Conflict) as exc:
            correct(world, action, cid, expected_version=1, **extra)
        assert exc.value.current_version == 2
    assert (world.case(cid), world.history(cid)) == before


def race(world, cid: int, version: int) -> list[object]:
    """A step and a step back on one case at the same seen version, released together."""
    barrier = threading.Barrier(2)
    results: list[object] = []

    def step() -> object:
        return case_service.fire(
            world.uow(),
            world.rt.definitions,
            cid,
            "decide",
            {},
            actor=world.actors["wang"],
            expected_version=version,
        )

    def step_back() -> object:
        return correct(world, "step_back", cid, to_state="filed", expected_version=version)

    def attempt(fn) -> None:
        barrier.wait()
        try:
            results.append(fn())
        except Conflict as exc:
            results.append(exc)

    threads = [threading.Thread(target=attempt, args=(fn,)) for fn in (step, step_back)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return results


def test_a_step_back_racing_a_step_exactly_one_wins_and_the_other_gets_conflict(world):
    for round_ in range(3):
        cid = open_drill(world)
        world.fire(cid, "review")
        version = world.case(cid)["version"]
        results = race(world, cid, version)
        wins = [r for r in results if isinstance(r, dict)]
        conflicts = [r for r in results if isinstance(r, Conflict)]
        assert len(wins) == 1 and len(conflicts) == 1, (round_, results)
        assert conflicts[0].current_version == version + 1
        case = world.case(cid)
        assert case["version"] == version + 1 and case["state"] == wins[0]["state"]
        moved = [e for e in world.history(cid) if e["case_version"] == version + 1]
        assert len(moved) == 1, moved


# ---------------------------------------------------------------- cancel


def test_cancel_ends_the_case_cancels_its_open_deadlines_and_it_stays_cancelled(world):
    cid = open_drill(world)
    world.fire(cid, "review")
    correct(world, "cancel", cid, reason="申请人撤回 / the applicant withdrew")
    c = world.case(cid)
    assert (c["status"], c["state"], c["closed_at"]) == ("closed", "reviewed", world.clock.now())
    (event,) = events(world, cid, "cancelled")
    assert event["comment"] == "申请人撤回 / the applicant withdrew"
    rows = deadlines(world, cid)
    assert rows["decision_period"][0]["status"] == "cancelled"
    assert rows["decision_period"][0]["closed_by_event_id"] == event["id"]
    assert rows["review_period"][0]["status"] == "met"  # what was met stays met
    with pytest.raises(ValidationError) as refused:
        correct(world, "step_back", cid, to_state="filed")
    assert "cancelled" in str(refused.value.messages)
    with pytest.raises(ValidationError):
        correct(world, "cancel", cid)
    with pytest.raises(TransitionRefused):
        world.fire(cid, "decide")


# ---------------------------------------------------------------- suspend and resume


def test_a_suspended_case_refuses_steps_with_the_reason_and_the_sweep_skips_it_until_resumed(
    world,
):
    paused, running = open_drill(world), open_drill(world, "health")
    due_before = deadlines(world, paused)["review_period"][0]
    correct(world, "suspend", paused, reason="等待法院裁定 / awaiting a court ruling")
    c = control_of(world, paused, "wang")
    assert c.suspended_at == world.clock.now() and c.suspension_reason.startswith("等待")
    with pytest.raises(TransitionRefused) as refused:
        world.fire(paused, "review")
    assert refused.value.refusal.rule == "DRL-1" and "suspended" in refused.value.refusal.en
    (action,) = world.actions(paused).values()
    assert not action.allowed and action.refusal.rule == "DRL-1"
    # The tick at the reminder instant reminds the running case (so it could have reminded).
    at = reminder_instant(world, paused)
    result = sweep_at(world, at)
    assert [r["case_id"] for r in result.reminders] == [running]
    # Stalled is not what a suspension is: the figure leaves it out.
    moment = Moment(at + timedelta(days=60), 30)
    with world.rt.reader() as r:
        stalled = r.conn.execute(
            select(Case.__table__.c.id).where(figures.open_case(), figures.stalled(moment))
        ).scalars()
        assert set(stalled) == {running}
    world.clock.at = at + timedelta(hours=1)
    correct(world, "resume", paused, reason="裁定已出 / the ruling came")
    assert deadlines(world, paused)["review_period"][0]["due_date"] == due_before["due_date"]
    (resumed,) = events(world, paused, "resumed")
    assert resumed["payload"]["days"] == 7
    result = sweep_at(world, at + timedelta(hours=2))
    assert [r["case_id"] for r in result.reminders] == [paused]  # sent once, now
    assert world.fire(paused, "review")["state"] == "reviewed"


def test_suspend_and_resume_are_refused_where_they_make_no_sense(world):
    cid = open_drill(world)
    with pytest.raises(ValidationError):
        correct(world, "resume", cid)
    correct(world, "suspend", cid)
    with pytest.raises(ValidationError):
        correct(world, "suspend", cid)
    with pytest.raises(Forbidden):
        correct(world, "resume", cid, by="wang")
    correct(world, "cancel", cid)  # a supervisor may cancel a suspended case
    assert world.case(cid)["status"] == "closed"
    assert control_of(world, cid).suspended_at is None
    with pytest.raises(ValidationError):
        correct(world, "suspend", cid)


def test_a_reopened_deadline_keeps_its_escalation_and_no_level_is_sent_twice(world):
    cid = open_drill(world)
    due = deadlines(world, cid)["review_period"][0]["due_at"]
    first = sweep_at(world, due + timedelta(minutes=1))
    assert [(e["case_id"], e["level"]) for e in first.escalations] == [(cid, 1)]
    world.clock.at = due + timedelta(hours=1)
    world.fire(cid, "review")  # late, but done
    correct(world, "step_back", cid, to_state="filed")
    row = deadlines(world, cid)["review_period"][0]
    assert (row["status"], row["escalation_level"]) == ("open", 1)
    again = sweep_at(world, due + timedelta(hours=2))
    assert again.escalations == [] and again.reminders == []
    later = sweep_at(world, due + timedelta(days=6))
    assert [(e["case_id"], e["level"]) for e in later.escalations] == [(cid, 2)]


def test_every_correction_is_offered_to_supervisors_only_with_the_reason_otherwise(world):
    cid = open_drill(world)
    world.fire(cid, "review")
    mine = control_of(world, cid, "wang")
    assert {a: mine.may(a) for a in correction.ACTIONS} == dict.fromkeys(correction.ACTIONS, False)
    assert "supervisor" in mine.denials["cancel"] and mine.earlier_states == ()
    theirs = control_of(world, cid, "li")
    assert {a: theirs.may(a) for a in correction.ACTIONS} == {
        "step_back": True,
        "cancel": True,
        "suspend": True,
        "resume": False,
    }
    assert [s.state for s in theirs.earlier_states] == ["filed"]
