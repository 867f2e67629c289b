"""INS-1: the annual inspection with its Party-building checklist, on SQLite and PostgreSQL.

The year's cases open for a whole unit in one idempotent pass; each walks the self-check, the
statistics form and the annual report (each with its deadline) to the registration
authority's review; problems get a rectification demand with its own deadline; the result
follows the rule (no Party organization or Party work as required: unqualified, with reason).
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from engine.errors import TransitionRefused
from engine.oversight import series
from engine.store.tables import Case, Deadline, Event
from engine.store.tables_annual import CaseKey
from tests.inspection_support import case_of, open_year, registered, through_to_review
from tests.world import make_world


@pytest.fixture
def world(db_url, clock):
    w = make_world(db_url, clock)
    registered(w, "with_po", 1, party_org=True)
    registered(w, "bare", 2, party_org=False)
    registered(w, "other_district", 3, unit="cc-cy", party_org=True)
    return w


def count(world, table) -> int:
    with world.rt.reader() as r:
        return r.conn.execute(select(func.count()).select_from(table)).scalar_one()


def test_ins1_the_years_cases_open_once_per_unit_in_one_pass(world):
    first = open_year(world)
    # the two registered organizations of 南关区; not the applying ones, not 朝阳区's
    assert (first.opened, first.already) == (2, 0)
    cases, events, deadlines = (
        count(world, Case.__table__),
        count(world, Event.__table__),
        count(world, Deadline.__table__),
    )
    assert (cases, events, deadlines) == (2, 2, 6)
    again = open_year(world)
    assert (again.opened, again.already) == (0, 2)
    assert (
        count(world, Case.__table__),
        count(world, Event.__table__),
        count(world, Deadline.__table__),
        count(world, CaseKey.__table__),
    ) == (2, 2, 6, 2)
    # another year is another series
    assert open_year(world, 2026).opened == 2
    case = world.case(case_of(world, "bare"))
    assert case["state"] == "self_check" and case["data"]["year"] == 2025
    due = {d["key"]: str(d["due_date"]) for d in case["deadlines"]}
    # periods count from 1 January of the next year (local defaults P3M, P3M, P5M)
    assert due == {
        "self_check": "2026-04-01",
        "statistics": "2026-04-01",
        "annual_report": "2026-06-01",
    }


def test_ins1_caseworker_of_another_unit_cannot_open_the_unit(world):
    from engine.errors import Forbidden

    with pytest.raises(Forbidden):
        open_year(world, unit="cc-ng", by="zhao")


def test_ins1_no_party_organization_is_unqualified_with_the_reason(world):
    open_year(world)
    cid = case_of(world, "bare")
    through_to_review(world, cid)  # the self-check says "met", the facts say otherwise
    with pytest.raises(TransitionRefused) as exc:
        world.fire(cid, "pass_inspection", {"concluded_on": "2026-03-02"}, by="li")
    assert exc.value.refusal.rule == "INS-1"
    assert "party_org_set_up" in exc.value.refusal.details["unmet"]
    assert "年检结果一般认定为不合格" in exc.value.refusal.zh
    done = world.fire(
        cid,
        "fail_inspection",
        {"concluded_on": "2026-03-02", "reason": "未按要求建立党组织，亦未选派党建工作指导员"},
        by="li",
    )
    assert done["state"] == "unqualified"
    result = world.case(cid)["data"]["result"]
    assert result["result"] == "unqualified"
    assert result["unmet"] == ["party_org_set_up"]
    assert result["reason"].startswith("未按要求建立党组织")


def test_ins1_problem_gets_a_rectification_demand_with_its_own_deadline(world):
    open_year(world)
    cid = case_of(world, "with_po")
    through_to_review(world, cid, party_work_carried_out="not_met")
    # a decisive item not met: not qualified until it is rectified
    with pytest.raises(TransitionRefused) as exc:
        world.fire(cid, "pass_inspection", {"concluded_on": "2026-03-02"}, by="li")
    assert exc.value.refusal.details["unmet"] == ["party_work_carried_out"]
    world.fire(
        cid,
        "demand_rectification",
        {
            "demanded_on": "2026-03-02",
            "item": "party_work_carried_out",
            "problem": "全年未召开组织生活会，须于一个月内补开并报送记录。",
        },
    )
    case = world.case(cid)
    assert case["state"] == "rectification"
    rect = next(d for d in case["deadlines"] if d["key"] == "rectification")
    assert (rect["status"], str(rect["due_date"]), rect["rule"]) == ("open", "2026-04-02", "SUP-1")
    world.fire(
        cid,
        "complete_rectification",
        {"completed_on": "2026-03-02", "summary": "已补开组织生活会，记录已报送。"},
    )
    assert (
        world.fire(cid, "pass_inspection", {"concluded_on": "2026-03-02"}, by="li")["state"]
        == "qualified"
    )
    with world.rt.reader() as r:
        tally = series.tally(r.conn, procedure="inspection", series="2025", unit_path="/")
    assert tally.opened == 2 and tally.completed == 1
    assert tally.by_state == {"qualified": 1, "self_check": 1}
    assert tally.steps["demand_rectification"] == 1


def test_ins1_concurrent_openings_of_one_year_open_each_case_once(world):
    """Two openers at once (threads, each its own connection, as two hosts would): the
    ledger's unique key decides, so the cases are opened once between them."""
    from concurrent.futures import ThreadPoolExecutor

    for n in range(4, 12):
        registered(world, f"more{n}", n, party_org=False)
    with ThreadPoolExecutor(max_workers=3) as pool:
        results = list(pool.map(lambda _: open_year(world), range(3)))
    assert sum(r.opened for r in results) == 10
    assert count(world, Case.__table__) == 10 and count(world, CaseKey.__table__) == 10
    assert count(world, Deadline.__table__) == 30
