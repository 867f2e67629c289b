"""Issue 13 ("Mechanics"): a deadline computed over a year the holiday calendar did not know is
provisional; once the calendar knows that year, `tongbu calendar refresh` (and the scheduler's
first tick) recompute it, audit the change on the case and tell its assignee. SQLite and
PostgreSQL.

The P1 cases below are registered on 2026-03-02 (REG-5: one month, due Thursday 2026-04-02;
REG-8: three months, due Tuesday 2026-06-02) while the calendar knows no year at all, so both
deadlines are provisional. The calendar that then "learns" 2026 declares 2 and 3 April rest
days: REG-5 moves to Monday 2026-04-06, REG-8 keeps its date and is only confirmed.
"""

from __future__ import annotations

import logging
import threading
from datetime import UTC, date, datetime, timedelta

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select, update

from engine.calendar import SHANGHAI, LegalCalendar, WeekendsOnlyProvider, end_of_day
from engine.oversight import notifications, recalendar
from engine.oversight import sweep as escalation
from engine.oversight.recipients import SYSTEM_ACTOR
from engine.oversight.scheduler import SchedulerSettings, Ticker
from engine.store.tables import Case, Deadline, Event
from engine.store.tables_oversight import Notification
from tests.integration.test_escalation import registered_cases
from tests.world import World, make_world, registration_steps
from web.cli.base import Ctx
from web.cli.core import main

deadlines_t = Deadline.__table__
events_t = Event.__table__

OLD_REG5, NEW_REG5 = date(2026, 4, 2), date(2026, 4, 6)
REG8 = date(2026, 6, 2)


class CalendarThatKnows:
    """A holiday provider that covers `years`: weekends and `holidays` off, nothing else known."""

    def __init__(self, years: set[int], holidays: set[date]) -> None:
        self.years = years
        self.holidays = holidays

    def is_workday(self, day: date) -> bool | None:
        if day.year not in self.years:
            return None
        return day.weekday() < 5 and day not in self.holidays


KNOWS_2026 = LegalCalendar(CalendarThatKnows({2026}, {date(2026, 4, 2), date(2026, 4, 3)}))


@pytest.fixture
def world(db_url, clock):
    return make_world(db_url, clock)


def provisional_cases(world: World, n: int) -> list[int]:
    """n P1 cases registered while the calendar knows no year, then the calendar learns 2026."""
    world.rt.calendar = LegalCalendar(WeekendsOnlyProvider())
    ids = registered_cases(world, n)
    world.rt.calendar = KNOWS_2026
    return ids


def rows(world: World, case_id: int) -> dict[str, dict]:
    with world.rt.reader() as r:
        found = r.conn.execute(select(deadlines_t).where(deadlines_t.c.case_id == case_id))
        return {d["key"]: dict(d) for d in found.mappings()}


def recalendared(world: World, case_id: int | None = None) -> list[dict]:
    q = select(events_t).where(events_t.c.kind == "recalendared").order_by(events_t.c.id)
    if case_id is not None:
        q = q.where(events_t.c.case_id == case_id)
    with world.rt.reader() as r:
        return [dict(e) for e in r.conn.execute(q).mappings()]


def notes(world: World, username: str) -> list[dict]:
    inbox = notifications.list_for_user(world.uow(), world.actors[username].id, limit=1000)
    return [n for n in inbox if n["kind"] == "recalendared"]


def count(world: World, table) -> int:
    with world.rt.reader() as r:
        return r.conn.execute(select(func.count()).select_from(table)).scalar_one()


def refresh(world: World, **kw) -> recalendar.RecalendarResult:
    return recalendar.refresh(world.uow(), world.rt.definitions, now=world.clock.now(), **kw)


def shanghai_midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=SHANGHAI).astimezone(UTC)


def test_provisional_deadline_is_recomputed_when_the_calendar_learns_the_year(world):
    (cid,) = provisional_cases(world, 1)
    before = rows(world, cid)
    assert before["forward_documents"]["provisional"] is True
    assert before["forward_documents"]["due_date"] == OLD_REG5
    assert before["party_org_formation"]["provisional"] is True

    result = refresh(world)

    assert [
        (x["case_id"], x["deadline"], x["old_due_date"], x["new_due_date"]) for x in result.moved
    ] == [(cid, "forward_documents", OLD_REG5, NEW_REG5)]
    after = rows(world, cid)
    reg5 = after["forward_documents"]
    assert reg5["provisional"] is False and reg5["due_date"] == NEW_REG5
    assert reg5["due_at"] == end_of_day(NEW_REG5)
    assert reg5["remind_at"] == shanghai_midnight(NEW_REG5 - timedelta(days=7))  # P7D before
    assert reg5["next_action_at"] == reg5["remind_at"]  # the sweep's next step: the reminder
    assert reg5["escalation_level"] == 0 and reg5["status"] == "open"
    (event,) = recalendared(world, cid)[:1]
    assert event["actor_name"] == SYSTEM_ACTOR == "system" and event["actor_id"] is None
    assert event["rules"] == ["REG-5"]
    assert event["case_version"] == world.case(cid)["version"]  # the case itself does not move
    assert event["payload"] == {
        "deadline_id": reg5["id"],
        "deadline": "forward_documents",
        "rule": "REG-5",
        "old_due_date": "2026-04-02",
        "new_due_date": "2026-04-06",
        "old_due_at": before["forward_documents"]["due_at"].isoformat(),
        "new_due_at": reg5["due_at"].isoformat(),
        "provisional": False,
    }
    (note,) = notes(world, "wang")  # the assignee, who opened the case
    assert note["event_id"] == event["id"] and note["case_id"] == cid
    assert "2026-04-02" in note["subject_zh"] and "2026-04-06" in note["subject_zh"]
    assert "2026-04-06" in note["subject_en"] and "(was 2026-04-02)" in note["subject_en"]
    assert "REG-5" in note["body_zh"] and "REG-5" in note["body_en"]
    assert notes(world, "li") == []


def test_a_due_date_the_calendar_confirms_only_loses_its_provisional_flag(world):
    (cid,) = provisional_cases(world, 1)
    before = rows(world, cid)["party_org_formation"]
    result = refresh(world)
    assert [(x["deadline"], x["old_due_date"]) for x in result.confirmed] == [
        ("party_org_formation", REG8)
    ]
    after = rows(world, cid)["party_org_formation"]
    assert after == {**before, "provisional": False}
    confirmed = [
        e for e in recalendared(world, cid) if e["payload"]["deadline"] == "party_org_formation"
    ]
    assert [(e["payload"]["old_due_date"], e["payload"]["new_due_date"]) for e in confirmed] == [
        ("2026-06-02", "2026-06-02")
    ]
    assert [
        n["subject_en"] for n in notes(world, "wang") if "Party organization" in n["subject_en"]
    ] == []
    assert len(notes(world, "wang")) == 1  # REG-5's move only


def test_a_second_calendar_refresh_changes_nothing(world):
    ids = provisional_cases(world, 2)
    first = refresh(world)
    assert len(first.moved) == 2 and len(first.confirmed) == 2 and first.notifications == 2
    settled = {cid: rows(world, cid) for cid in ids}
    events, sent = count(world, events_t), count(world, Notification.__table__)
    again = refresh(world)
    assert (again.moved, again.confirmed, again.checked, again.notifications) == ([], [], 0, 0)
    assert {cid: rows(world, cid) for cid in ids} == settled
    assert (count(world, events_t), count(world, Notification.__table__)) == (events, sent)


def test_a_deadline_the_calendar_still_does_not_cover_stays_as_it_is(world):
    (cid,) = provisional_cases(world, 1)
    world.rt.calendar = LegalCalendar(WeekendsOnlyProvider())  # no new release yet
    before, events = rows(world, cid), count(world, events_t)
    result = refresh(world)
    assert (result.moved, result.confirmed, result.still_provisional) == ([], [], 2)
    assert rows(world, cid) == before and count(world, events_t) == events


def test_a_closed_deadline_is_not_recalendared(world):
    met, running = provisional_cases(world, 2)
    world.rt.calendar = LegalCalendar(WeekendsOnlyProvider())
    world.fire(met, *registration_steps()[4][:2], by="wang")  # forward_documents: REG-5 met
    world.rt.calendar = KNOWS_2026
    closed = rows(world, met)["forward_documents"]
    assert closed["status"] == "met" and closed["provisional"] is True
    result = refresh(world)
    assert {(x["case_id"], x["deadline"]) for x in result.moved} == {(running, "forward_documents")}
    assert rows(world, met)["forward_documents"] == closed
    assert [e["payload"]["deadline"] for e in recalendared(world, met)] == ["party_org_formation"]


def test_a_recalendared_deadline_keeps_the_escalation_level_it_reached(world):
    (cid,) = provisional_cases(world, 1)
    ran_out = rows(world, cid)["forward_documents"]["due_at"]  # end of the provisional 2 April
    world.clock.at = ran_out + timedelta(hours=9)
    swept = escalation.sweep(world.uow(), world.rt.definitions, now=world.clock.now())
    assert [(x["deadline"], x["level"]) for x in swept.escalations] == [("forward_documents", 1)]
    refresh(world)
    reg5 = rows(world, cid)["forward_documents"]
    assert reg5["due_date"] == NEW_REG5 and reg5["escalation_level"] == 1
    # level 2 (unit supervisor) falls due 7 days after the new end of the period (REG-5 chain)
    assert reg5["next_action_at"] == end_of_day(NEW_REG5) + timedelta(days=7)


def test_a_due_date_moved_earlier_is_due_for_the_sweep_at_once(world):
    """An adjusted working day (调休) can end a period sooner than weekends alone said: a step
    already due under the new date is due now, so the next sweep takes it."""
    world.rt.calendar = LegalCalendar(WeekendsOnlyProvider())
    (cid,) = registered_cases(world, 1)
    # REG-5 counted from Saturday 2026-03-07 ends on Tuesday 2026-04-07 ...
    with world.rt.uow() as u:
        u.conn.execute(
            update(deadlines_t)
            .where(deadlines_t.c.case_id == cid, deadlines_t.c.key == "forward_documents")
            .values(anchor_date=date(2026, 3, 7), due_date=date(2026, 4, 9))
        )
        u.commit()
    world.rt.calendar = KNOWS_2026
    world.clock.at = shanghai_midnight(date(2026, 4, 1))  # past the new reminder day, 31 March
    refresh(world)
    reg5 = rows(world, cid)["forward_documents"]
    assert reg5["due_date"] == date(2026, 4, 7)
    assert reg5["next_action_at"] == reg5["remind_at"] == shanghai_midnight(date(2026, 3, 31))
    swept = escalation.sweep(world.uow(), world.rt.definitions, now=world.clock.now())
    assert [(x["deadline"], x["kind"]) for x in swept.reminders] == [
        ("forward_documents", "reminder")
    ]


def test_a_deadline_its_definition_does_not_name_is_reported_and_left_alone(world):
    (cid,) = provisional_cases(world, 1)
    with world.rt.uow() as u:
        u.conn.execute(
            update(deadlines_t)
            .where(deadlines_t.c.case_id == cid, deadlines_t.c.key == "forward_documents")
            .values(key="withdrawn_deadline")
        )
        u.commit()
    before = rows(world, cid)["withdrawn_deadline"]
    result = refresh(world)
    assert [e for e in result.errors if "withdrawn_deadline" in e] == result.errors != []
    assert rows(world, cid)["withdrawn_deadline"] == before
    assert [x["deadline"] for x in result.confirmed] == ["party_org_formation"]  # the rest runs


def test_without_an_owner_the_units_caseworkers_are_told(world):
    """Issue 15: an unassigned case is its unit's caseworkers' to claim, so they are told."""
    (cid,) = provisional_cases(world, 1)
    with world.rt.uow() as u:
        u.conn.execute(update(Case.__table__).where(Case.id == cid).values(assignee_id=None))
        u.commit()
    result = refresh(world)
    assert result.moved[0]["recipients"] == [world.actors["wang"].id]
    assert [n["case_id"] for n in notes(world, "wang")] == [cid]
    assert notes(world, "li") == []


def test_two_calendar_refreshes_at_once_write_each_change_once(world):
    ids = provisional_cases(world, 6)
    results: list[recalendar.RecalendarResult] = []
    start = threading.Barrier(2)

    def run() -> None:
        start.wait()
        results.append(refresh(world))

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 2
    assert sum(len(r.moved) for r in results) == len(ids)
    assert sum(len(r.confirmed) for r in results) == len(ids)
    assert len(recalendared(world)) == 2 * len(ids)  # one per deadline, whoever wrote it
    assert len(notes(world, "wang")) == len(ids)
    assert all(rows(world, c)["forward_documents"]["due_date"] == NEW_REG5 for c in ids)


def test_the_scheduler_recalendars_once_at_start_up(world):
    (cid,) = provisional_cases(world, 1)
    ticker = Ticker(
        world.rt.engine,
        world.rt.definitions,
        SchedulerSettings(),
        clock=world.clock,
        calendar=KNOWS_2026,
    )
    ticker.sweep()  # the first tick, at start-up
    assert ticker.runs["recalendar"] == 1
    assert rows(world, cid)["forward_documents"]["due_date"] == NEW_REG5
    ticker.sweep()
    assert (ticker.runs["recalendar"], ticker.runs["sweep"]) == (1, 2)
    assert len(notes(world, "wang")) == 1


def test_a_failing_calendar_refresh_never_stops_the_scheduler(world, monkeypatch, caplog):
    (cid,) = provisional_cases(world, 1)

    def broken(*args, **kwargs):
        raise RuntimeError("calendar data unreadable")

    monkeypatch.setattr(recalendar, "refresh", broken)
    ticker = Ticker(
        world.rt.engine,
        world.rt.definitions,
        SchedulerSettings(),
        clock=world.clock,
        calendar=KNOWS_2026,
    )
    with caplog.at_level(logging.ERROR, logger="engine.oversight.scheduler"):
        assert isinstance(ticker.sweep(), escalation.SweepResult)  # the sweep still ran
    assert ticker.runs["sweep"] == 1 and ticker.runs["recalendar"] == 0
    assert "calendar refresh failed" in caplog.text and "calendar data unreadable" in caplog.text
    monkeypatch.undo()
    ticker.sweep()  # tried again at the next tick
    assert ticker.runs["recalendar"] == 1
    assert rows(world, cid)["forward_documents"]["due_date"] == NEW_REG5


def tongbu(world: World, *args: str) -> str:
    ctx = Ctx()
    ctx._runtime = world.rt  # the world's runtime: its fixed clock and its calendar
    result = CliRunner().invoke(main, list(args), obj=ctx)
    assert result.exit_code == 0, result.output
    return result.output


def test_calendar_refresh_cli_lists_what_moved_and_dry_run_writes_nothing(world):
    (cid,) = provisional_cases(world, 1)
    before, events = rows(world, cid), count(world, events_t)
    org = "测试物流行业协会0000"
    line = f"case {cid:>5}  forward_documents [REG-5]  2026-04-02 → 2026-04-06  {org}"

    dry = tongbu(world, "calendar", "refresh", "--dry-run")
    assert "dry run" in dry and line in dry
    assert f"case {cid:>5}  party_org_formation [REG-8]  2026-06-02  {org}" in dry
    assert "would move 1, confirm 1" in dry
    assert rows(world, cid) == before and count(world, events_t) == events

    done = tongbu(world, "calendar", "refresh")
    assert line in done and "moved 1, confirmed 1" in done and "notifications 1" in done
    assert rows(world, cid)["forward_documents"]["due_date"] == NEW_REG5

    again = tongbu(world, "calendar", "refresh")
    assert "moved / 到期日调整: 0" in again and "moved 0, confirmed 0" in again
