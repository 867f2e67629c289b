"""The year-end page and the dashboard in Chromium (issue 17 items 4 and 6): the charts are
drawn, titled and labelled in Chinese, their numbers are in the table fallback, the slowest
step is marked on the diagram, and the statistics page with its funds form works. With
TONGBU_SCREENSHOTS=1 the pages are saved as docs/screenshots/year-end.png, dashboard-charts.png,
statistics.png and funds.png."""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from werkzeug.serving import make_server

from engine.clock import FixedClock
from tests.e2e.test_browser import _page, _sign_in
from tests.e2e.ui_support import app_for
from tests.yearly_support import YEAR, ui_year_world


@pytest.fixture(scope="module")
def year_live(tmp_path_factory, sqlite_template) -> Iterator[Any]:
    path = tmp_path_factory.mktemp("e2e-year") / "tongbu.db"
    shutil.copy(sqlite_template, path)
    yw = ui_year_world(f"sqlite:///{path}", FixedClock(datetime(2026, 3, 2, 2, 0, tzinfo=UTC)))
    server = make_server("127.0.0.1", 0, app_for(yw.w), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()

    class Live:
        pass

    live = Live()
    live.yw = yw
    live.url = f"http://127.0.0.1:{server.server_port}"
    try:
        yield live
    finally:
        server.shutdown()
        thread.join(timeout=10)
        yw.w.rt.engine.dispose()


def _chart_texts(page: Any, chart_id: str) -> list[str]:
    return page.locator(f"svg#{chart_id} text").all_text_contents()


def test_rpt1_year_end_page_charts_readable(chromium, year_live, shots):
    page = _page(chromium)
    _sign_in(page, year_live, "chen")  # the comprehensive committee: both districts
    page.goto(f"{year_live.url}/year-end?year={YEAR}")
    assert page.locator("h1").inner_text().startswith("年终述职报告")
    cov = page.locator("svg#ye-coverage")
    assert cov.get_attribute("role") == "img"
    assert cov.locator("title#ye-coverage-title").text_content() == "覆盖情况变化（REG-7）"
    assert "2025-01" in (cov.locator("desc").text_content() or "")
    texts = _chart_texts(page, "ye-coverage")
    assert "月末" in texts and "社会组织" in texts  # the axis titles, drawn as text
    assert any(t.startswith("已建党组织") for t in texts)  # the legend
    box = cov.bounding_box()
    assert box is not None and box["width"] > 300 and box["height"] > 100
    # the table fallback holds the chart's numbers, one click away
    page.locator("details.chart-data summary").first.click()
    table = page.locator("table[data-table='ye-trends']")
    assert table.is_visible()
    assert table.locator("tr[data-day='2025-12-31'] td").all_inner_texts() == [
        "4",
        "4",
        "0",
        "0",
        "2",
    ]
    assert table.locator("tr[data-day='2025-04-30'] td[data-overdue]").inner_text() == "2"
    # SEC-7 per Party organization
    standings = page.locator("table[data-table='secretaries'] tr[data-standing]")
    assert sorted(standings.evaluate_all("rs => rs.map(r => r.dataset.standing)")) == [
        "no_secretary", "overdue", "reported"]  # fmt: skip
    # the slowest step: in the table, and on the diagram once opened
    section = page.locator("section.procedure-steps[data-procedure='registration']")
    assert "最慢环节" in section.locator("tr.slowest").inner_text()
    section.locator("details summary").click()
    slow = section.locator("svg.diagram g.state.slowest")
    assert slow.count() == 1 and slow.get_attribute("data-state") == "applied"
    page.screenshot(path=str(shots / "year-end.png"), full_page=True)
    page.context.close()


def test_acc1_dashboard_charts_readable(chromium, year_live, shots):
    page = _page(chromium)
    _sign_in(page, year_live, "li")
    page.goto(f"{year_live.url}/dashboard")
    over = page.locator("svg#dash-overdue")
    assert over.locator("title").first.text_content() == "逾期案件变化（ACC-1）"
    assert "案件" in _chart_texts(page, "dash-overdue")
    assert over.locator("circle").count() == 12  # twelve points: eleven month ends and today
    assert page.locator("table[data-table='dash-trends'] tr[data-day]").count() == 12
    steps = page.locator("svg#dash-steps-registration")
    assert steps.locator("g.bar.slowest").count() == 1
    page.locator("section[aria-labelledby='dash-h']").first.scroll_into_view_if_needed()
    page.screenshot(path=str(shots / "dashboard-charts.png"), full_page=True)
    page.context.close()


def test_fund1_statistics_and_funds_form(chromium, year_live, shots):
    page = _page(chromium)
    _sign_in(page, year_live, "wang")
    page.goto(f"{year_live.url}/statistics?year={YEAR}")
    assert page.locator("[data-figure='below_floor']").inner_text() == "1"
    page.screenshot(path=str(shots / "statistics.png"), full_page=True)
    po = year_live.yw.party_orgs["health"]
    page.goto(f"{year_live.url}/party-organizations/{po}/funds?year={YEAR}")
    page.fill("input[name='funding_received']", "450")
    page.click("form.step-form button[type=submit]")
    page.wait_for_load_state()
    assert page.locator(".field-error, .error-summary").count() > 0  # a correction needs its reason
    page.fill("textarea[name='reason'], input[name='reason']", "补拨经费")
    page.click("form.step-form button[type=submit]")
    page.wait_for_load_state()
    assert "补拨经费" in page.locator("main").inner_text()
    page.screenshot(path=str(shots / "funds.png"), full_page=True)
    page.goto(f"{year_live.url}/statistics?year={YEAR}")
    assert page.locator("[data-figure='below_floor']").inner_text() == "0"  # 225 yuan each now
    page.context.close()
