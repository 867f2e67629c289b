"""`tongbu demo`'s P2–P4 part: every state of every procedure, some deadlines overdue."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from engine.store.tables import Case, Deadline, Unit
from tests.world import make_world
from web import demo_procedures


def test_p2_p4_demo_has_cases_in_every_state_and_some_overdue(db_url, clock):
    world = make_world(db_url, clock)
    today = date(2026, 11, 25)
    with world.rt.reader() as r:
        units = {u.code: u.id for u in r.conn.execute(select(Unit.__table__))}
    summary = demo_procedures.load(world.rt, units, list(world.orgs.values()), today)
    assert "adjustment" in summary and "secretary" in summary
    cases, deadlines = Case.__table__, Deadline.__table__
    with world.rt.reader() as r:
        states = {
            (c.procedure, c.state) for c in r.conn.execute(select(cases.c.procedure, cases.c.state))
        }
        overdue = {
            (row.procedure, row.key)
            for row in r.conn.execute(
                select(cases.c.procedure, deadlines.c.key)
                .join(cases, cases.c.id == deadlines.c.case_id)
                .where(deadlines.c.status == "open", deadlines.c.due_date < today)
            )
        }
    for procedure in ("adjustment", "decoupling", "secretary"):
        expected = {(procedure, s) for s in world.rt.definitions.get(procedure).states}
        assert expected <= states, expected - states
    assert {
        ("adjustment", "contact_receiving"),
        ("decoupling", "normal_operation"),
        ("secretary", "annual_report"),
    } <= overdue
