"""Issue 13 on the demo data (`tongbu demo`): a secretary in office (SEC-7, SEC-9) waits by
design, so no in-office P4 case is flagged stalled — by the stall scan or by the figure —
although several have had no step for far longer than `stalled_after_days` (ACC-1)."""

from __future__ import annotations

from datetime import date, datetime, time

from sqlalchemy import select

from engine.access.actor import SYSTEM
from engine.calendar import SHANGHAI
from engine.config import Config
from engine.oversight import accountability, stalls
from engine.oversight.figures import Moment
from engine.store.tables import Case
from web.demo import load_demo
from web.runtime import build_runtime


def test_sec_no_in_office_demo_case_is_flagged_stalled(db_url, clock):
    rt = build_runtime(Config(database_url=db_url, scheduler=False, testing=True), clock=clock)
    today = date(2026, 11, 25)
    load_demo(rt, today)
    now = datetime.combine(today, time(12), SHANGHAI)
    at = Moment.of(rt.definitions, now)
    cases = Case.__table__
    with rt.reader() as r:
        in_office = r.conn.execute(
            select(cases.c.id, cases.c.definition_version, cases.c.updated_at).where(
                cases.c.procedure == "secretary",
                cases.c.state == "in_office",
                cases.c.status == "open",
            )
        ).all()
    # The proof something could have happened: in-office cases quiet past the threshold.
    quiet = {c.id for c in in_office if c.updated_at <= at.stall_cutoff}
    assert quiet, "the demo should hold in-office cases quiet for longer than the threshold"
    assert {c.definition_version for c in in_office} == {rt.definitions.get("secretary").version}

    flagged = stalls.sweep_stalled(rt.uow(), rt.definitions, now=now, full_scan=True)
    stalled_list = accountability.stalled_cases(rt.uow(), SYSTEM, at, limit=1000)
    assert flagged.stalled, "the scan ran and flags the demo's other quiet cases"
    assert not quiet & {s["case_id"] for s in flagged.stalled}
    assert not quiet & {s["case_id"] for s in stalled_list}
    rt.engine.dispose()
