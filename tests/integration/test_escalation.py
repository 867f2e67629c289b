"""Reminders, escalation up the chain and stall flags, each exactly once (REG-5, REG-8, ACC-1).

On SQLite and PostgreSQL. Times are taken from the deadline rows the engine opened (so a
calendar change moves the test with it), and the clock is moved past each of them.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select
from stdnum.cn import uscc

from engine.calendar import escalation_due
from engine.directory import service as directory
from engine.oversight import accountability, notifications, recipients
from engine.oversight import sweep as escalation
from engine.oversight.figures import Moment
from engine.store.tables import Deadline, Event
from engine.store.tables_oversight import DeadlineAction, Notification, StallFlag
from tests.world import (
    P1_DOCUMENTS,
    World,
    add_responsible_units,
    make_world,
    registration_steps,
)

STEP = timedelta(seconds=1)


def credit_code(n: int) -> str:
    base = f"51220102MJY{n:06d}"
    return base + uscc.calc_check_digit(base)


def registered_cases(world: World, n: int, *, unit: str = "cc-ng", start: int = 0) -> list[int]:
    """n P1 cases through `register`: each opens REG-5 (P1M) and REG-8 (P3M) deadlines."""
    worker = {"cc-ng": "wang", "cc-cy": "zhao"}[unit]
    ids = []
    for i in range(start, start + n):
        key = f"org{i}"
        world.orgs[key] = directory.create_organization(
            world.uow(),
            {
                "name": f"测试物流行业协会{i:04d}",
                "org_type": "social_group",
                "category": "industry_association",
                "unit": unit,
                "industry_regulator": "南关区商务局",
                "local_party_org": "南关区自强街道党工委",
            },
        )
        cid = world.open(key, by=worker)
        world.attach(cid, *P1_DOCUMENTS, by=worker)
        for trigger, payload, _user in registration_steps(credit_code=credit_code(i))[:4]:
            world.fire(cid, trigger, payload, by=worker)
        ids.append(cid)
    return ids


def deadline(world: World, case_id: int, key: str) -> dict:
    return next(d for d in world.case(case_id)["deadlines"] if d["key"] == key)


def level_at(world: World, d: dict, level: int) -> datetime:
    spec = next(x for x in world.rt.definitions.get("registration").deadlines if x.id == d["key"])
    return escalation_due(d["due_at"], spec.escalation[level - 1].after)


def sweep_at(world: World, at: datetime, **kw) -> escalation.SweepResult:
    world.clock.at = at
    return escalation.sweep(world.uow(), world.rt.definitions, now=at, **kw)


def moment(world: World) -> Moment:
    return Moment.of(world.rt.definitions, world.clock.now())


def report(world: World, who: str) -> list[dict]:
    return accountability.accountability(world.uow(), world.actors[who], moment(world))


def digest(world: World) -> int:
    return accountability.daily_digest(world.uow(), world.rt.definitions, now=world.clock.now())


def system_events(world: World, case_id: int) -> list[dict]:
    return [e for e in world.history(case_id) if e["actor_name"] == recipients.SYSTEM_ACTOR]


def count(world: World, table, *where) -> int:
    with world.rt.reader() as r:
        return r.conn.execute(select(func.count()).select_from(table).where(*where)).scalar_one()


def inbox(world: World, username: str) -> list[dict]:
    return notifications.list_for_user(world.uow(), world.actors[username].id, limit=1000)


@pytest.fixture
def world(db_url, clock):
    return make_world(db_url, clock)


def test_reg5_reminder_before_the_deadline_exactly_once(world):
    (cid,) = registered_cases(world, 1)
    d = deadline(world, cid, "forward_documents")
    assert d["remind_at"] < d["due_at"]
    assert sweep_at(world, d["remind_at"] - STEP).fired == 0
    first = sweep_at(world, d["remind_at"])
    assert [(x["deadline"], x["level"], x["kind"]) for x in first.reminders] == [
        ("forward_documents", 0, "reminder")
    ]
    assert first.escalations == []
    for later in (d["remind_at"], d["remind_at"] + timedelta(hours=1), d["due_at"] - STEP):
        assert sweep_at(world, later).fired == 0
    (event,) = [e for e in system_events(world, cid) if e["kind"] == "reminder"]
    assert event["rules"] == ["REG-5"]
    assert event["payload"]["deadline"] == "forward_documents" and event["payload"]["level"] == 0
    assert event["case_version"] == world.case(cid)["version"]  # the sweep never moves a case
    (note,) = inbox(world, "wang")
    assert (
        note["kind"] == "reminder" and note["event_id"] == event["id"] and note["read_at"] is None
    )
    assert [n["kind"] for n in inbox(world, "li")] == ["stalled"]  # 30 days quiet by then


def test_acc1_escalation_after_the_deadline_then_each_further_level_once(world):
    (cid,) = registered_cases(world, 1)
    d = deadline(world, cid, "forward_documents")
    sweep_at(world, d["remind_at"])
    assert sweep_at(world, d["due_at"] - STEP).escalations == []
    one = sweep_at(world, d["due_at"])
    assert [(x["level"], x["to"]) for x in one.escalations] == [(1, "assignee")]
    assert one.escalations[0]["recipients"] == [world.actors["wang"].id]
    assert sweep_at(world, level_at(world, d, 2) - STEP).escalations == []
    two = sweep_at(world, level_at(world, d, 2))
    assert [(x["level"], x["to"]) for x in two.escalations] == [(2, "unit_supervisor")]
    assert two.escalations[0]["recipients"] == [world.actors["li"].id]
    three = sweep_at(world, level_at(world, d, 3))
    assert [(x["level"], x["to"]) for x in three.escalations] == [(3, "upper_body")]
    assert three.escalations[0]["recipients"] == [world.actors["chen"].id]  # the committee
    for later in (level_at(world, d, 3), level_at(world, d, 3) + timedelta(days=40)):
        r = sweep_at(world, later)
        assert not [x for x in r.escalations if x["deadline"] == "forward_documents"]
    reg5 = [
        e for e in system_events(world, cid) if e["payload"].get("deadline") == "forward_documents"
    ]
    assert [(e["kind"], e["payload"]["level"]) for e in reg5] == [
        ("reminder", 0),
        ("escalation", 1),
        ("escalation", 2),
        ("escalation", 3),
    ]
    assert all(e["rules"] == ["REG-5", "ACC-1"] for e in reg5[1:])
    row = deadline(world, cid, "forward_documents")
    assert row["escalation_level"] == 3 and row["next_action_at"] is None
    assert row["status"] == "open"  # escalation never closes a deadline; only the step does
    assert [n["level"] for n in inbox(world, "li") if n["kind"] == "escalation"] == [2]
    assert [n["level"] for n in inbox(world, "chen") if n["kind"] == "escalation"] == [3]


def test_reg8_has_its_own_longer_chain(world):
    (cid,) = registered_cases(world, 1)
    d = deadline(world, cid, "party_org_formation")
    assert d["rule"] == "REG-8"
    sweep_at(world, d["due_at"])
    events = [
        e
        for e in system_events(world, cid)
        if e["payload"].get("deadline") == "party_org_formation"
    ]
    assert [e["payload"]["level"] for e in events] == [1]
    assert events[0]["rules"] == ["REG-8", "ACC-1"]


def test_a_met_deadline_is_never_escalated(world):
    met, late = registered_cases(world, 2)
    d = deadline(world, met, "forward_documents")
    world.fire(met, *registration_steps()[4][:2], by="wang")  # forward_documents: REG-5 met
    r = sweep_at(world, level_at(world, d, 3) + timedelta(days=1))
    fired = {(x["case_id"], x["deadline"]) for x in r.reminders + r.escalations}
    assert (late, "forward_documents") in fired  # the same sweep escalates the one not met
    assert (met, "forward_documents") not in fired
    assert deadline(world, met, "forward_documents")["status"] == "met"


def test_restart_after_downtime_escalates_each_missed_level_once(world):
    """The scheduler was down from before the reminders until after every level fell due."""
    ids = registered_cases(world, 3)
    assert sweep_at(world, world.clock.now()).fired == 0
    far = max(level_at(world, deadline(world, c, "party_org_formation"), 3) for c in ids)
    back = sweep_at(world, far + timedelta(days=3))
    assert back.reminders == []  # both deadlines ran out while down: no stale reminder
    assert Counter((x["case_id"], x["deadline"], x["level"]) for x in back.escalations) == {
        (c, k, level): 1
        for c in ids
        for k in ("forward_documents", "party_org_formation")
        for level in (1, 2, 3)
    }
    for extra in (timedelta(0), timedelta(minutes=1), timedelta(days=30)):
        again = sweep_at(world, far + timedelta(days=3) + extra)
        assert again.fired == 0 and again.conflicts == 0
    assert count(world, Event.__table__, Event.kind == "escalation") == 3 * 2 * 3
    assert count(world, DeadlineAction.__table__) == 3 * 2 * 3


def test_acc1_stalled_case_flagged_once_per_stall(world):
    (cid,) = registered_cases(world, 1)
    days = world.rt.definitions.parameters["stalled_after_days"]
    last = world.case(cid)["updated_at"]
    assert sweep_at(world, last + timedelta(days=days) - STEP).stalled == []
    first = sweep_at(world, last + timedelta(days=days))
    assert [s["case_id"] for s in first.stalled] == [cid]
    assert sweep_at(world, last + timedelta(days=days, hours=1)).stalled == []
    assert sweep_at(world, last + timedelta(days=days * 3)).stalled == []
    stalls = [e for e in system_events(world, cid) if e["kind"] == "stalled"]
    assert len(stalls) == 1 and stalls[0]["rules"] == ["ACC-1"]
    assert [n["kind"] for n in inbox(world, "li")].count("stalled") == 1  # the supervisor
    # Activity ends the stall; a new quiet period is a new stall, flagged once again.
    world.fire(cid, *registration_steps()[4][:2], by="wang")
    moved = world.case(cid)["updated_at"]
    assert moved == world.clock.now()
    assert sweep_at(world, moved + timedelta(days=days) - STEP).stalled == []
    assert [s["case_id"] for s in sweep_at(world, moved + timedelta(days=days)).stalled] == [cid]
    assert sweep_at(world, moved + timedelta(days=days + 1)).stalled == []
    assert count(world, StallFlag.__table__) == 2


def test_acc1_a_back_dated_case_behind_the_watermark_is_flagged_by_the_full_scan(world):
    """Cases written with an old `updated_at` after the scheduler has passed it (an import)
    escape the incremental scan; the daily full scan still flags them, once."""
    days = world.rt.definitions.parameters["stalled_after_days"]
    start = world.clock.now()
    sweep_at(world, start + timedelta(days=days + 5))  # moves the watermark past `start`
    world.clock.at = start
    (cid,) = registered_cases(world, 1)  # updated_at == start: already behind the watermark
    later = start + timedelta(days=days + 6)
    assert sweep_at(world, later).stalled == []
    full = sweep_at(world, later, full_stall_scan=True)
    assert [s["case_id"] for s in full.stalled] == [cid]
    again = sweep_at(world, later, full_stall_scan=True)
    assert again.stalled == [] and again.conflicts == 0


def test_a_closed_case_is_not_stalled(world):
    cid, still_open = registered_cases(world, 2)
    units = add_responsible_units(world)  # P1 v2 hands the case to the responsible body
    world.fire(cid, *registration_steps()[4][:2], by="wang")
    world.fire(
        cid,
        "assign_responsible_body",
        {"kind": "local_party_org", "unit_id": units["ng-nh"], "territorial_relation": True},
    )
    world.fire(cid, "route_standalone", by="lu")
    world.fire(
        cid,
        "establish_party_org",
        {
            "name": "党支部",
            "kind": "branch",
            "approved_by": "党工委",
            "established_on": "2026-03-02",
        },
        by="lu",
    )
    assert world.case(cid)["status"] == "closed"
    # The new Party organization's secretary post opened with it (P4): an open case too.
    (post,) = [c["case_id"] for c in world.history(cid)[-1]["payload"]["cases"]]
    r = sweep_at(world, world.clock.now() + timedelta(days=365))
    # The same sweep flags and escalates the cases still open, and nothing of the closed one.
    assert sorted(s["case_id"] for s in r.stalled) == sorted([still_open, post])
    assert {x["case_id"] for x in r.escalations} == {still_open, post}


def test_dry_run_reports_and_writes_nothing(world):
    ids = registered_cases(world, 2)
    later = level_at(world, deadline(world, ids[0], "forward_documents"), 2)
    before = count(world, Event.__table__)
    dry = sweep_at(world, later, dry_run=True)
    assert dry.dry_run
    assert sorted((x["case_id"], x["level"]) for x in dry.escalations) == sorted(
        (c, lv) for c in ids for lv in (1, 2)
    )
    assert sorted(s["case_id"] for s in dry.stalled) == ids
    assert count(world, Event.__table__) == before
    assert count(world, Notification.__table__) == 0
    with world.rt.reader() as r:
        assert (
            r.conn.execute(select(func.max(Deadline.__table__.c.escalation_level))).scalar_one()
            == 0
        )
    real = sweep_at(world, later)
    assert sorted((x["case_id"], x["level"]) for x in real.escalations) == sorted(
        (x["case_id"], x["level"]) for x in dry.escalations
    )
    assert sorted(s["case_id"] for s in real.stalled) == ids


@pytest.mark.parametrize("workers", [None, 1, 3])
def test_small_batches_cover_everything_due_once(world, workers):
    ids = registered_cases(world, 5)
    at = level_at(world, deadline(world, ids[-1], "forward_documents"), 1)
    r = sweep_at(world, at, batch_size=2, workers=workers)
    assert r.batches >= 3 and r.claimed == 5 and r.conflicts == 0
    assert len(r.escalations) == 5 and {x["case_id"] for x in r.escalations} == set(ids)
    assert count(world, Event.__table__, Event.__table__.c.kind == "escalation") == 5
    assert count(world, DeadlineAction.__table__) == 5
    assert not sweep_at(world, at, batch_size=2, workers=workers).fired


def test_acc1_report_counts_per_responsible_unit_within_the_actors_subtree(world):
    ng = registered_cases(world, 2)
    (cy,) = registered_cases(world, 1, unit="cc-cy", start=10)
    d = deadline(world, ng[0], "forward_documents")
    # One Nanguan case meets REG-5 in time; the other Nanguan case and Chaoyang's do not.
    world.clock.advance(days=10)
    world.fire(ng[0], *registration_steps()[4][:2], by="wang")
    at = level_at(world, d, 2)
    sweep_at(world, at)
    rows = {r["unit_code"]: r for r in report(world, "admin")}
    assert set(rows) == {"cc-ng", "cc-cy"}
    assert (rows["cc-ng"]["open"], rows["cc-ng"]["overdue"], rows["cc-ng"]["escalated"]) == (
        2,
        1,
        1,
    )
    assert rows["cc-ng"]["stalled"] == 1  # ng[1]: no activity since registration
    oldest = rows["cc-ng"]["oldest_overdue"]
    assert oldest["case_id"] == ng[1] and oldest["rule"] == "REG-5"
    assert oldest["days_overdue"] > 0 and oldest["escalation_level"] == 2
    assert (rows["cc-cy"]["open"], rows["cc-cy"]["overdue"]) == (1, 1)
    assert rows["cc-cy"]["oldest_overdue"]["case_id"] == cy
    # Scope: the Nanguan supervisor sees Nanguan only; the committee sees both districts.
    assert [r["unit_code"] for r in report(world, "li")] == ["cc-ng"]
    assert {r["unit_code"] for r in report(world, "chen")} == {"cc-ng", "cc-cy"}
    # Each number opens to exactly the cases it counts.
    admin = world.actors["admin"]
    unit_ng = rows["cc-ng"]["unit_id"]
    at = moment(world)
    for measure in accountability.MEASURES:
        listed = accountability.LISTS[measure](world.uow(), admin, at, unit_id=unit_ng, limit=1000)
        assert len(listed) == rows["cc-ng"][measure], measure
    overdue = accountability.overdue_cases(world.uow(), admin, at, unit_id=unit_ng)
    assert [x["case_id"] for x in overdue] == [ng[1]]
    totals = accountability.totals(list(rows.values()))
    assert totals["open"] == 3 and totals["overdue"] == 2


def test_acc1_lists_refuse_a_unit_outside_the_actors_subtree(world):
    from engine.errors import Forbidden

    registered_cases(world, 1, unit="cc-cy")
    cy = next(r["unit_id"] for r in report(world, "admin") if r["unit_code"] == "cc-cy")
    with pytest.raises(Forbidden):
        accountability.overdue_cases(world.uow(), world.actors["li"], moment(world), unit_id=cy)


def test_daily_digest_once_per_supervisor_and_day(world):
    registered_cases(world, 1)
    world.clock.at = world.clock.now() + timedelta(days=60)
    sweep_at(world, world.clock.now())
    assert digest(world) == 2  # li (Nanguan) and chen (committee)
    assert digest(world) == 0
    digests = [n for n in inbox(world, "li") if n["kind"] == "digest"]
    assert len(digests) == 1 and "南关区民政局" in digests[0]["body_zh"]
    world.clock.advance(days=1)
    assert digest(world) == 2


def test_notifications_are_read_per_user(world):
    registered_cases(world, 2)
    sweep_at(world, world.clock.now() + timedelta(days=60))
    wang, li = world.actors["wang"].id, world.actors["li"].id
    mine = inbox(world, "wang")
    assert mine and notifications.unread_count(world.uow(), wang) == len(mine)
    li_before = notifications.unread_count(world.uow(), li)
    assert notifications.mark_read(world.uow(), wang, [mine[0]["id"]]) == 1
    assert notifications.unread_count(world.uow(), wang) == len(mine) - 1
    from engine.errors import NotFound

    with pytest.raises(NotFound):  # someone else's notification
        notifications.mark_read(world.uow(), li, [mine[1]["id"]])
    assert notifications.mark_read(world.uow(), wang) == len(mine) - 1
    assert notifications.unread_count(world.uow(), wang) == 0
    assert notifications.unread_count(world.uow(), li) == li_before
    unread = notifications.list_for_user(world.uow(), wang, unread_only=True)
    assert unread == []
