"""The read-side figures (engine/oversight/figures.py) against a brute-force count of the same rows.

Every number on the inbox tabs and the dashboard must equal the list it links to and what
the deadlines table says, on SQLite and PostgreSQL (ACC-1, REG-7).
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from engine.calendar import SHANGHAI
from engine.cases import listing as case_lists
from engine.oversight import dashboard as dashboards
from engine.oversight import figures
from engine.store.tables import Case, Deadline
from tests.world import P1_DOCUMENTS, make_world, registration_steps

STALLED_DAYS = 30


@pytest.fixture
def world(db_url, clock):
    w = make_world(db_url, clock)
    # Cases registered on different days: their REG-5 (1 month) and REG-8 (3 months)
    # deadlines are overdue by different ages, due soon, or still far away.
    registered = ["2025-06-02", "2025-11-10", "2026-01-26", "2026-02-06", "2026-02-20"]
    for i, day in enumerate(registered):
        org = ("logistics", "health", "community")[i % 3]
        application = {
            "applied_on": day,
            "founders": ["张伟", "刘洋"],
            "proposed_leaders": ["张伟"],
        }
        cid = w.open(org, payload=application)
        w.attach(cid, *P1_DOCUMENTS)
        mode = {"mode": "dual", "supervisory_unit": "南关区卫生健康局"} if org == "health" else {}
        for trigger, payload, user in registration_steps(credit_code=_code(i), **mode)[:4]:
            if trigger == "register":
                payload = {**payload, "registered_on": day}
            w.fire(cid, trigger, payload, by=user)
    w.open("logistics")  # a case with no deadline yet
    w.open("chaoyang", by="zhao")  # another district
    with w.rt.uow() as u:  # the scheduler escalated one overdue deadline
        first = u.conn.execute(
            select(Deadline.__table__.c.id).order_by(Deadline.__table__.c.due_at).limit(1)
        ).scalar_one()
        u.conn.execute(
            update(Deadline.__table__)
            .where(Deadline.__table__.c.id == first)
            .values(escalation_level=2)
        )
        u.commit()
    w.clock.advance(days=3)
    return w


def _code(i: int) -> str:
    from stdnum.cn import uscc

    base = f"51220102MJY12345{i}"
    return base + uscc.calc_check_digit(base)


def _brute(world, actor, at):
    """Expected figures from plain rows: per unit, and per tab."""
    with world.rt.reader() as r:
        cases = [dict(x) for x in r.conn.execute(select(Case.__table__)).mappings()]
        dls = [
            dict(x)
            for x in r.conn.execute(
                select(Deadline.__table__).where(Deadline.__table__.c.status == "open")
            ).mappings()
        ]
        scope = None
        if not actor.is_admin:
            from engine.store.tables import Unit

            scope = {
                u.id
                for u in r.conn.execute(select(Unit.__table__))
                if u.path.startswith(actor.unit_path)
            }
    mine = [c for c in cases if c["status"] == "open" and (scope is None or c["unit_id"] in scope)]
    by_case: dict[int, list[dict]] = {}
    for d in dls:
        by_case.setdefault(d["case_id"], []).append(d)
    out = {"tabs": {"open": 0, "due_soon": 0, "overdue": 0, "stalled": 0, "mine": 0}}
    units: dict[int, dict] = {}
    for c in mine:
        u = units.setdefault(
            c["unit_id"],
            {"open": 0, "overdue": 0, "due_soon": 0, "escalated": 0, "stalled": 0, "ages": {}},
        )
        u["open"] += 1
        out["tabs"]["open"] += 1
        if c["updated_at"] <= at.stall_cutoff:
            u["stalled"] += 1
            out["tabs"]["stalled"] += 1
        if c["assignee_id"] == actor.id:
            out["tabs"]["mine"] += 1
        ds = by_case.get(c["id"], [])
        overdue = [d for d in ds if d["due_at"] <= at.now]
        soon = [
            d for d in ds if d["due_at"] > at.now and d["remind_at"] and d["remind_at"] <= at.now
        ]
        if soon:
            u["due_soon"] += 1
            out["tabs"]["due_soon"] += 1
        if overdue:
            u["overdue"] += 1
            out["tabs"]["overdue"] += 1
            days = (at.now - min(d["due_at"] for d in overdue)).days
            age = next(
                i
                for i, (low, high) in enumerate(figures.AGE_BUCKETS)
                if days >= low and (high is None or days < high)
            )
            u["ages"][age] = u["ages"].get(age, 0) + 1
            if max(d["escalation_level"] for d in overdue) >= 1:
                u["escalated"] += 1
            first = min(overdue, key=lambda d: (d["due_at"], c["id"]))
            if "oldest" not in u or (first["due_at"], c["id"]) < u["oldest"]:
                u["oldest"] = (first["due_at"], c["id"])
    out["units"] = units
    return out


@pytest.mark.parametrize("who", ["wang", "li", "chen", "admin", "zhao"])
def test_tab_counts_equal_their_lists_and_the_rows(world, who):
    actor = world.actors[who]
    at = figures.Moment(world.clock.now(), STALLED_DAYS)
    expected = _brute(world, actor, at)
    counts = case_lists.counts_by_view(world.rt.reader(), actor, at)
    assert counts == expected["tabs"]
    for view, n in counts.items():
        page = case_lists.list_cases(
            world.rt.reader(), actor, case_lists.CaseFilter(view=view), at, per_page=1000
        )
        assert page.total == n == len(page.rows), view
    assert expected["tabs"]["overdue"] > 0 or who == "zhao"


@pytest.mark.parametrize("who", ["li", "chen", "admin"])
def test_acc1_dashboard_equals_the_rows(world, who):
    actor = world.actors[who]
    at = figures.Moment(world.clock.now(), STALLED_DAYS)
    expected = _brute(world, actor, at)["units"]
    board = dashboards.dashboard(world.rt.reader(), actor, at)
    got = {u["unit_id"]: u for u in board.units}
    assert set(got) == set(expected)
    for unit_id, e in expected.items():
        u = got[unit_id]
        assert (u["open"], u["overdue"], u["due_soon"], u["escalated"], u["stalled"]) == (
            e["open"],
            e["overdue"],
            e["due_soon"],
            e["escalated"],
            e["stalled"],
        )
        assert {i: n for i, n in enumerate(u["by_age"]) if n} == e["ages"]
        oldest = u["oldest_overdue"]
        if "oldest" in e:
            assert oldest["case_id"] == e["oldest"][1]
            due_day = (e["oldest"][0] - timedelta(microseconds=1)).astimezone(SHANGHAI).date()
            assert oldest["due_date"] == due_day
        else:
            assert oldest is None
    assert sum(u["overdue"] for u in board.units) == board.totals["overdue"]
    assert board.totals["escalated"] == 1


def test_overdue_age_filter_lists_exactly_the_bucket(world):
    actor = world.actors["chen"]
    at = figures.Moment(world.clock.now(), STALLED_DAYS)
    board = dashboards.dashboard(world.rt.reader(), actor, at)
    for age, n in enumerate(board.by_age):
        page = case_lists.list_cases(
            world.rt.reader(),
            actor,
            case_lists.CaseFilter(view="overdue", age=age),
            at,
            per_page=1000,
        )
        assert page.total == n


def test_reg7_coverage_counts_registered_organizations_in_scope(world):
    from engine.store.tables import Organization

    orgs = Organization.__table__
    with world.rt.uow() as u:
        u.conn.execute(
            update(orgs).where(orgs.c.id == world.orgs["health"]).values(coverage="instructor")
        )
        u.commit()
    li = dashboards.coverage(world.rt.reader(), world.actors["li"])
    assert li == {"registered": 3, "party_org": 0, "instructor": 1, "none": 2}
    zhao = dashboards.coverage(world.rt.reader(), world.actors["zhao"])
    assert zhao["registered"] == 0
