"""The charts' history (coverage and overdue over time, ACC-1 and REG-7) and the time cases
spend in each step, derived from the dated records, on SQLite and PostgreSQL; the dashboard
draws them as SVG with table fallbacks and marks the slowest step on the diagram."""

from __future__ import annotations

import re
from datetime import date

import pytest

from engine.oversight import dashboard as dashboards
from engine.oversight import figures, history
from engine.oversight.figures import Moment
from tests.e2e.ui_support import app_for, login
from tests.yearly_support import DATABASES, module_world

DAYS = [date(2025, 3, 30), date(2025, 3, 31), date(2025, 4, 30), date(2025, 5, 31), date(2025, 6, 29),
        date(2025, 6, 30), date(2025, 8, 31), date(2025, 10, 31), date(2025, 12, 31)]  # fmt: skip


@pytest.fixture(scope="module", params=DATABASES)
def yw(request, tmp_path_factory):
    yield from module_world(request, tmp_path_factory)


def _ids(w, who):
    from engine.access.scope import scope_unit_ids

    with w.rt.reader() as r:
        return scope_unit_ids(r, w.actors[who])


def test_acc1_overdue_over_time_from_deadline_dates(yw):
    w = yw.w
    with w.rt.reader() as r:
        nanguan = history.overdue_series(r, _ids(w, "li"), DAYS, w.clock.now())
        everyone = history.overdue_series(r, None, DAYS, w.clock.now())
    # a: due 1 Apr (the instant 31 March ends: overdue then, as figures.overdue counts), met
    # 10 May; b: due 1 Jul (the end of 30 June), never met
    assert [p.values["overdue"] for p in nanguan] == [0, 1, 1, 0, 0, 1, 1, 1, 1]
    # c (Chaoyang): due 1 Sep (the end of 31 August), met 15 Oct; Chaoyang's secretary owes
    # a report (SEC-7) from 1 May (the end of 30 April), never made
    assert [p.values["overdue"] for p in everyone] == [0, 1, 2, 1, 1, 2, 3, 2, 2]


def test_acc1_overdue_history_today_is_the_dashboards_figure(yw):
    w = yw.w
    now = w.clock.now()
    for who in ("li", "zhao", "admin"):
        board = dashboards.dashboard(w.rt.reader(), w.actors[who], Moment.of(w.rt.definitions, now))
        with w.rt.reader() as r:
            today = history.overdue_series(r, _ids(w, who), [date(2026, 3, 2)], now)
        assert today[0].values["overdue"] == board.totals["overdue"], who


def test_acc1_coverage_over_time_from_coverage_links(yw):
    w = yw.w
    with w.rt.reader() as r:
        ids = _ids(w, "li")
        got = {
            d: history.coverage_on(r, ids, d)
            for d in (date(2024, 12, 31), date(2025, 6, 30), date(2025, 12, 31))
        }
        today = history.coverage_on(r, ids, date(2026, 3, 2))
        live = figures.coverage(r, ids)
    assert got[date(2024, 12, 31)] == {"registered": 1, "party_org": 1, "instructor": 0, "none": 0}
    assert got[date(2025, 6, 30)] == {"registered": 3, "party_org": 1, "instructor": 0, "none": 2}
    assert got[date(2025, 12, 31)] == {"registered": 3, "party_org": 3, "instructor": 0, "none": 0}
    assert today == live  # the derived history ends where the dashboard's figure stands


def test_acc1_time_in_each_step_median_and_p90(yw):
    w = yw.w
    since, until = history.end_of_day(date(2024, 12, 31)), history.end_of_day(date(2025, 12, 31))
    with w.rt.reader() as r:
        every = history.step_times(r, None, "registration", since, until)
        nanguan = history.step_times(r, _ids(w, "li"), "registration", since, until)
    by = {s.state: s for s in every}
    # applied: 10, 20, 40 days; charter review: 30, 10 (c is still in charter review: not counted)
    assert (by["applied"].spells, by["applied"].median_days, by["applied"].p90_days) == (
        3,
        20,
        40,
    )
    assert (
        by["charter_review"].spells,
        by["charter_review"].median_days,
        by["charter_review"].p90_days,
    ) == (2, 20, 30)
    assert history.slowest(every) == "applied"  # equal medians: the longer 90th percentile
    assert history.slowest(nanguan) == "charter_review"  # 15 against 20 days
    assert "registered" not in by  # never left


def test_acc1_dashboard_charts_svg_with_tables_and_slowest_step(yw):
    c = app_for(yw.w).test_client()
    c.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    login(c, "li")
    html = c.get("/dashboard").get_data(as_text=True)
    assert re.search(
        r'<svg class="chart line-chart" id="dash-coverage"[^>]*role="img"[^>]*aria-labelledby="dash-coverage-title dash-coverage-desc"',
        html,
    )
    assert '<title id="dash-overdue-title">Overdue cases over time (ACC-1)</title>' in html
    assert ">Month end</text>" in html and ">Organizations</text>" in html
    # the table fallback: twelve points, the last one today with case b overdue
    days = re.findall(r'<tr data-day="([0-9-]+)">', html)
    assert len(days) == 12 and days[-1] == "2026-03-02" and days[0] == "2025-04-30"
    assert re.search(r'<tr data-day="2026-03-02">.*?data-overdue="1"', html, re.S)
    # last 365 days: b applied (20 days) and in charter review (10): "applied" is the slowest
    block = html[html.index('data-procedure="registration"') :]
    assert re.search(r'<tr data-state="applied" class="slowest">', block)
    assert '<g class="state slowest" data-state="applied"' in block
    assert '<g class="bar slowest"' in block


def test_acc1_dashboard_charts_in_chinese(yw):
    c = app_for(yw.w).test_client()
    c.environ_base["HTTP_ACCEPT_LANGUAGE"] = "zh-CN"
    login(c, "li")
    html = c.get("/dashboard").get_data(as_text=True)
    assert '<title id="dash-coverage-title">覆盖情况变化（REG-7）</title>' in html
    assert "最慢环节" in html


def test_acc1_coverage_history_counts_dateless_registrations_and_assigned_instructors(yw):
    """An organization recorded as registered without a date counts from before the records
    begin; one an instructor of the register serves counts as instructor-covered from the
    assignment's first day (INS-2) — so the derived history still ends on the live figure."""
    from sqlalchemy import insert

    from engine.directory import coverage as coverage_links
    from engine.directory import service as directory
    from engine.store.tables_coverage import InstructorRecord

    w = yw.w
    oid = directory.create_organization(
        w.uow(),
        {"name": "朝阳区社区书画协会", "org_type": "social_group", "category": "other",
         "unit": "cc-cy", "credit_code": "51220104MJY000001W", "district": "朝阳区"},
    )  # fmt: skip
    with w.uow() as u:
        iid = u.conn.execute(
            insert(InstructorRecord.__table__)
            .values(
                name="吴指导员", role="instructor", source="retired_cadre",
                unit_id=w.actors["zhao"].unit_id, term_starts_on=date(2025, 9, 1),
                term_ends_on=date(2027, 8, 31), report_every_months=3, status="active",
                created_at=w.clock.now(),
            )
            .returning(InstructorRecord.__table__.c.id)
        ).scalar_one()  # fmt: skip
        coverage_links.appoint_instructor(u.conn, iid, [oid], since=date(2025, 10, 1))
        u.commit()
    ids = _ids(w, "zhao")
    with w.rt.reader() as r:
        sept = history.coverage_on(r, ids, date(2025, 9, 30))
        dec = history.coverage_on(r, ids, date(2025, 12, 31))
        today = history.coverage_on(r, ids, date(2026, 3, 2))
        live = figures.coverage(r, ids)
    assert sept == {"registered": 2, "party_org": 1, "instructor": 0, "none": 1}
    assert dec == {"registered": 2, "party_org": 1, "instructor": 1, "none": 0}
    assert today == live
