"""Issue 16: the coverage procedure (COV-1), the 60-day drive (REG-10), instructors (INS-2), on
SQLite and PostgreSQL. Each test names the rule it checks."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select, update

from engine.access.actor import SYSTEM
from engine.cases import campaigns, maturity
from engine.directory import instructors
from engine.errors import Forbidden, TransitionRefused
from engine.store import bulk
from engine.store.tables import Case, Deadline, Organization
from engine.store.tables_coverage import CampaignCase
from tests.world import make_world

orgs_t = Organization.__table__


@pytest.fixture
def w(db_url, clock):
    clock.at = datetime(2026, 8, 1, 2, 0, tzinfo=UTC)
    return make_world(db_url, clock)


def _set(w, key: str, **values) -> None:
    with w.uow() as u:
        u.conn.execute(
            update(orgs_t).where(orgs_t.c.id == w.orgs[key]).values(status="registered", **values)
        )
        u.commit()


def _stock(w) -> None:
    """logistics: 3 full members among the full-time staff (in); health: 3 full members, 2
    full-time (out); community: covered (out); chaoyang: 4, another district."""
    _set(w, "logistics", full_members=3, full_time_full_members=3, coverage="none")
    _set(w, "health", full_members=3, full_time_full_members=2, coverage="none")
    _set(w, "community", full_members=5, full_time_full_members=5, coverage="party_org")
    _set(w, "chaoyang", full_members=4, full_time_full_members=4, coverage="none")


def _kind(w, name: str = "formation_drive"):
    return campaigns.campaign_kinds(w.rt.definitions)[name]


def _run(w, unit: str = "cc-ng", by: str = "li", starts_on: date = date(2026, 8, 1)):
    unit_id = w.actors[by].unit_id if unit is None else _unit_id(w, unit)
    return campaigns.open_campaign(
        w.uow(),
        w.rt.definitions,
        _kind(w),
        unit_id=unit_id,
        starts_on=starts_on,
        title="奋战60天",
        actor=w.actors[by],
    )


def _unit_id(w, code: str) -> int:
    from engine.store.tables import Unit

    with w.uow().reader() as r:
        return r.conn.execute(
            select(Unit.__table__.c.id).where(Unit.__table__.c.code == code)
        ).scalar_one()


def _cases(w) -> list:
    t = Case.__table__
    with w.uow().reader() as r:
        return r.conn.execute(
            select(t.c.id, t.c.organization_id, t.c.procedure).where(t.c.procedure == "coverage")
        ).all()


def test_reg10_drive_ends_sixty_days_after_its_first_day_by_the_legal_calendar(w):
    _stock(w)
    result = _run(w)
    assert (result.starts_on, result.ends_on) == (date(2026, 8, 1), date(2026, 9, 30))
    d = Deadline.__table__
    with w.uow().reader() as r:
        due = r.conn.execute(select(d.c.key, d.c.due_date, d.c.rule)).all()
    assert ("campaign", date(2026, 9, 30), "REG-10") in due


def test_reg10_drive_opens_uncovered_organizations_with_three_full_time_members_in_its_tree(w):
    _stock(w)
    result = _run(w)
    assert result.opened == 1
    assert [c.organization_id for c in _cases(w)] == [w.orgs["logistics"]]
    # The city's tree holds Chaoyang too.
    wider = _run(w, unit="cc-zh", by="chen")
    assert wider.opened == 1 and wider.already == 0 and wider.joined == 1
    assert sorted(c.organization_id for c in _cases(w)) == sorted(
        [w.orgs["logistics"], w.orgs["chaoyang"]]
    )


def test_reg10_running_twice_opens_nothing_twice_and_joins_a_running_case(w):
    _stock(w)
    running = w.open("logistics", "coverage", {})
    first = _run(w)
    assert (first.opened, first.joined) == (0, 1)
    second = _run(w)
    assert (second.opened, second.joined, second.already) == (0, 0, 1)
    assert [c.id for c in _cases(w)] == [running]
    d = Deadline.__table__
    with w.uow().reader() as r:
        keys = sorted(r.conn.execute(select(d.c.key).where(d.c.case_id == running)).scalars())
    assert keys == ["campaign", "formation"]


def test_reg10_only_a_supervisor_opens_a_drive(w):
    _stock(w)
    with pytest.raises(Forbidden):
        _run(w, by="wang")
    with pytest.raises(Forbidden):  # a supervisor of Nanguan does not reach Chaoyang
        _run(w, unit="cc-cy", by="li")


def test_reg10_drive_over_many_organizations_opens_in_one_pass(w):
    unit = _unit_id(w, "cc-ng")
    now = w.clock.now()
    with w.uow() as u:
        bulk.insert_rows(
            u.conn,
            orgs_t,
            [
                {
                    "name": f"存量社会组织{i}",
                    "org_type": "social_group",
                    "category": "health",
                    "unit_id": unit,
                    "status": "registered",
                    "full_members": 3,
                    "full_time_full_members": 3,
                    "coverage": "none",
                    "coverage_reminder": False,
                    "created_at": now,
                }
                for i in range(400)
            ],
        )
        u.commit()
    assert _run(w).opened == 400
    again = _run(w)
    assert (again.opened, again.joined, again.already) == (0, 0, 400)
    assert len(_cases(w)) == 400
    ledger = CampaignCase.__table__
    with w.uow().reader() as r:
        assert (
            r.conn.execute(select(ledger.c.case_id).where(ledger.c.case_id.is_(None))).all() == []
        )


def _instructor(w, name="刘老师", ends=date(2027, 7, 31), by="wang") -> int:
    return instructors.register_instructor(
        w.uow(),
        {
            "name": name,
            "source": "cadre_left_post",
            "unit_id": _unit_id(w, "cc-ng"),
            "term_starts_on": "2026-08-01",
            "term_ends_on": ends.isoformat(),
        },
        actor=w.actors[by],
    )


def test_reg7_coverage_routes_by_the_survey_with_p1s_rules(w):
    _set(w, "health", full_members=2, full_time_full_members=2, coverage="none")
    case = w.open("health", "coverage", {})
    w.fire(case, "record_survey", {**_survey(2), "surveyed_on": "2026-08-01"})
    with pytest.raises(TransitionRefused) as refused:
        w.fire(case, "route_standalone")
    assert refused.value.refusal.rule == "REG-7"
    with pytest.raises(TransitionRefused) as no_instructor:
        w.fire(
            case,
            "appoint_instructor",
            {"instructor_id": _instructor(w), "appointed_on": "2026-08-01"},
        )
    assert no_instructor.value.refusal.rule == "REG-7"


def _survey(full: int) -> dict:
    return {
        "full_members": full,
        "full_time_full_members": full,
        "probationary_members": 0,
        "members_elsewhere": 0,
    }


def test_ins2_appointed_instructor_covers_until_the_term_ends_then_uncovered_again(w):
    _set(w, "health", full_members=0, full_time_full_members=0, coverage="none")
    iid = _instructor(w, ends=date(2026, 8, 20))
    case = w.open("health", "coverage", {})
    w.fire(case, "record_survey", {**_survey(0), "surveyed_on": "2026-08-01"})
    w.fire(case, "appoint_instructor", {"instructor_id": iid, "appointed_on": "2026-08-01"})
    assert w.case(case)["state"] == "instructor_covered"
    assert _coverage(w, "health") == "instructor"
    reminded = instructors.end_terms(w.uow(), date(2026, 8, 1))
    assert [r["id"] for r in reminded["reminded"]] == [iid] and reminded["ended"] == []
    assert instructors.end_terms(w.uow(), date(2026, 8, 2))["reminded"] == []
    ended = instructors.end_terms(w.uow(), date(2026, 8, 21))
    assert ended["ended"] == [iid] and ended["uncovered"] == [w.orgs["health"]]
    assert _coverage(w, "health") == "none"
    # An ended instructor cannot be appointed again.
    w.clock.at = datetime(2026, 8, 21, 2, 0, tzinfo=UTC)
    other = w.open("health", "coverage", {})
    w.fire(other, "record_survey", {**_survey(0), "surveyed_on": "2026-08-21"})
    with pytest.raises(TransitionRefused) as refused:
        w.fire(other, "appoint_instructor", {"instructor_id": iid, "appointed_on": "2026-08-21"})
    assert refused.value.refusal.rule == "INS-2"


def test_ins2_an_instructor_dispatched_in_registration_still_covers_when_a_term_ends(w):
    """One answer to "is an instructor covering it": an organization that also has the
    instructor P1 dispatched (REG-7) stays covered when a register instructor's term ends,
    as the coverage history counts it (engine.directory.coverage.instructed)."""
    from engine.store.tables import Instructor

    _set(w, "health", full_members=0, full_time_full_members=0, coverage="none")
    iid = _instructor(w, ends=date(2026, 8, 20))
    case = w.open("health", "coverage", {})
    w.fire(case, "record_survey", {**_survey(0), "surveyed_on": "2026-08-01"})
    w.fire(case, "appoint_instructor", {"instructor_id": iid, "appointed_on": "2026-08-01"})
    with w.uow() as u:
        u.conn.execute(
            Instructor.__table__.insert().values(
                name="赵老师",
                mode="dispatched",
                organization_id=w.orgs["health"],
                dispatched_by="南关区社会组织党委",
                dispatched_on=date(2026, 7, 1),
            )
        )
        u.commit()
    ended = instructors.end_terms(w.uow(), date(2026, 8, 21))
    assert ended["ended"] == [iid] and ended["uncovered"] == []
    assert _coverage(w, "health") == "instructor"


def _coverage(w, key: str) -> str:
    with w.uow().reader() as r:
        return r.conn.execute(
            select(orgs_t.c.coverage).where(orgs_t.c.id == w.orgs[key])
        ).scalar_one()


def test_ins2_instructor_organization_reaching_three_members_opens_a_case_once(w):
    _set(w, "health", full_members=0, full_time_full_members=0, coverage="none")
    iid = _instructor(w)
    case = w.open("health", "coverage", {})
    w.fire(case, "record_survey", {**_survey(0), "surveyed_on": "2026-08-01"})
    w.fire(case, "appoint_instructor", {"instructor_id": iid, "appointed_on": "2026-08-01"})
    kind = _kind(w, "conditions_matured")
    assert maturity.open_matured(w.uow(), w.rt.definitions, kind, actor=SYSTEM)["opened"] == 0
    _set(w, "health", full_members=3, full_time_full_members=3)
    assert maturity.open_matured(w.uow(), w.rt.definitions, kind, actor=SYSTEM)["opened"] == 1
    assert maturity.open_matured(w.uow(), w.rt.definitions, kind, actor=SYSTEM)["opened"] == 0
    assert len([c for c in _cases(w) if c.organization_id == w.orgs["health"]]) == 2


def test_reg10_board_counts_opened_covered_and_overdue_per_unit_and_burns_down(w):
    from engine.oversight import campaigns as board

    _stock(w)
    _set(w, "health", full_members=3, full_time_full_members=3)
    result = _run(w)
    iid = _instructor(w)
    case = next(c.id for c in _cases(w) if c.organization_id == w.orgs["health"])
    w.clock.at = datetime(2026, 8, 3, 2, 0, tzinfo=UTC)
    w.fire(case, "record_survey", {**_survey(0), "surveyed_on": "2026-08-02"})
    w.fire(case, "appoint_instructor", {"instructor_id": iid, "appointed_on": "2026-08-03"})
    with w.uow().reader() as r:
        now = board.board(r, result.campaign_id, w.clock.now())
        late = board.board(r, result.campaign_id, datetime(2026, 10, 1, 2, 0, tzinfo=UTC))
        year = board.campaigns_in_year(r, _unit_id(w, "cc-zh"), 2026, w.clock.now())
    assert now["totals"] == {"opened": 2, "covered": 1, "overdue": 0}
    assert [n for _, n in now["burndown"]] == [2, 2, 1]
    assert late["totals"]["overdue"] == 1
    assert [(c["id"], c["opened"], c["covered"]) for c in year] == [(result.campaign_id, 2, 1)]
