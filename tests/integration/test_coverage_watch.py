"""The scheduler's coverage watch (INS-2): conditions matured, end of term, reports due — run by
the tick, exactly once however many schedulers tick, on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest
from sqlalchemy import select, update

from engine.cases import coverage_watch
from engine.clock import FixedClock
from engine.directory import instructors
from engine.oversight import notifications
from engine.oversight.scheduler import SchedulerSettings, Ticker
from engine.store.tables import Case, Organization
from engine.store.tables_oversight import Notification
from tests.world import make_world

orgs_t = Organization.__table__
cases_t = Case.__table__
notes_t = Notification.__table__


@pytest.fixture
def w(db_url, clock):
    clock.at = datetime(2026, 8, 1, 2, 0, tzinfo=UTC)
    return make_world(db_url, clock)


def _ticker(w, at: datetime) -> Ticker:
    """A scheduler process of its own (its own day memory), with the watch wired as
    `tongbu scheduler` wires it."""
    return Ticker(
        w.rt.engine,
        w.rt.definitions,
        SchedulerSettings(),
        clock=FixedClock(at),
        calendar=w.rt.calendar,
        watchers=coverage_watch.watchers(w.rt.engine, w.rt.calendar, w.rt.definitions, None),
    )


def _set(w, key: str, **values) -> None:
    with w.uow() as u:
        u.conn.execute(
            update(orgs_t).where(orgs_t.c.id == w.orgs[key]).values(status="registered", **values)
        )
        u.commit()


def _survey(full: int, on: str) -> dict:
    return {
        "full_members": full,
        "full_time_full_members": full,
        "probationary_members": 0,
        "members_elsewhere": 0,
        "surveyed_on": on,
    }


def _instructor_covers(w, key: str, ends: str = "2027-07-31") -> int:
    _set(w, key, full_members=0, full_time_full_members=0, coverage="none")
    iid = instructors.register_instructor(
        w.uow(),
        {
            "name": "刘老师",
            "source": "cadre_left_post",
            "unit_id": w.actors["wang"].unit_id,
            "term_starts_on": "2026-08-01",
            "term_ends_on": ends,
        },
        actor=w.actors["wang"],
    )
    case = w.open(key, "coverage", {})
    w.fire(case, "record_survey", _survey(0, "2026-08-01"))
    w.fire(case, "appoint_instructor", {"instructor_id": iid, "appointed_on": "2026-08-01"})
    return iid


def _coverage_cases(w, key: str) -> list:
    with w.uow().reader() as r:
        return r.conn.execute(
            select(cases_t.c.id, cases_t.c.status).where(
                cases_t.c.procedure == "coverage", cases_t.c.organization_id == w.orgs[key]
            )
        ).all()


def _notes(w, user: str, prefix: str) -> list[dict]:
    return [
        n
        for n in notifications.list_for_user(w.uow(), w.actors[user].id)
        if n["dedupe_key"].startswith(prefix)
    ]


def test_ins2_matured_conditions_open_a_case_on_the_schedulers_tick_once(w):
    _instructor_covers(w, "health")
    at = datetime(2026, 8, 10, 2, 0, tzinfo=UTC)
    _ticker(w, at).sweep()
    assert [c.status for c in _coverage_cases(w, "health")] == ["closed"]  # the tick ran
    _set(w, "health", full_members=3, full_time_full_members=3)
    _ticker(w, at).sweep()
    _ticker(w, at).sweep()  # another process
    assert sorted(c.status for c in _coverage_cases(w, "health")) == ["closed", "open"]


def test_ins2_end_of_term_uncovers_and_tells_the_units_caseworkers_once(w):
    _instructor_covers(w, "health", ends="2026-08-20")
    _ticker(w, datetime(2026, 8, 1, 2, 0, tzinfo=UTC)).sweep()
    [soon] = _notes(w, "wang", "ins2:term:")
    assert "2026-08-20" in soon["subject_zh"] and "恢复为未覆盖" in soon["body_zh"]
    assert "uncovered again" in soon["body_en"]
    first = _ticker(w, datetime(2026, 8, 21, 2, 0, tzinfo=UTC))
    first.sweep()
    first.sweep()  # the same day again: the daily part is not repeated
    _ticker(w, datetime(2026, 8, 21, 3, 0, tzinfo=UTC)).sweep()  # another process
    with w.uow().reader() as r:
        coverage = r.conn.execute(
            select(orgs_t.c.coverage).where(orgs_t.c.id == w.orgs["health"])
        ).scalar_one()
    assert coverage == "none"
    [ended] = _notes(w, "wang", "ins2:ended:")
    assert "恢复为未覆盖" in ended["subject_zh"] and ended["kind"] == "reminder"
    assert _notes(w, "zhao", "ins2:") == []  # Chaoyang's caseworker: not their organization


def test_ins2_report_due_reminds_before_and_after_the_day_once_each(w):
    iid = _instructor_covers(w, "health")
    _ticker(w, datetime(2026, 10, 20, 2, 0, tzinfo=UTC)).sweep()
    assert _notes(w, "wang", "ins2:report:") == []  # the first is due 2026-11-01: not yet
    _ticker(w, datetime(2026, 10, 26, 2, 0, tzinfo=UTC)).sweep()
    _ticker(w, datetime(2026, 10, 27, 2, 0, tzinfo=UTC)).sweep()
    assert [n["subject_en"] for n in _notes(w, "wang", "ins2:report:")] == [
        "INS-2: 刘老师's work report is due (2026-11-01)"
    ]
    _ticker(w, datetime(2026, 11, 2, 2, 0, tzinfo=UTC)).sweep()
    assert len(_notes(w, "wang", "ins2:report:")) == 2
    w.clock.at = datetime(2026, 11, 3, 2, 0, tzinfo=UTC)
    instructors.file_report(
        w.uow(),
        iid,
        {"period_starts_on": "2026-08-01", "summary": "已报告"},
        actor=w.actors["wang"],
    )
    _ticker(w, datetime(2026, 11, 4, 2, 0, tzinfo=UTC)).sweep()
    assert len(_notes(w, "wang", "ins2:report:")) == 2


def test_ins2_watch_is_exactly_once_with_concurrent_schedulers(w):
    _instructor_covers(w, "health", ends="2026-08-20")
    _set(w, "health", full_members=3, full_time_full_members=3)
    at = datetime(2026, 8, 21, 2, 0, tzinfo=UTC)
    start = threading.Barrier(3)
    errors: list[BaseException] = []

    def run() -> None:
        try:
            start.wait()
            coverage_watch.watch(w.rt.engine, w.rt.calendar, w.rt.definitions, at)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []
    with w.uow().reader() as r:
        keys = r.conn.execute(select(notes_t.c.dedupe_key)).scalars().all()
    assert len([k for k in keys if k.startswith("ins2:ended:")]) == 1
    # The pass looks at matured conditions before terms: one case, whoever opened it.
    assert len([c for c in _coverage_cases(w, "health") if c.status == "open"]) == 1
