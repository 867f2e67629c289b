"""The year-end report (RPT-1) and the secretaries' yearly reports (SEC-7) on SQLite and
PostgreSQL: the engine's figures, the page, the workbook cell by cell and the PDF rendered."""

from __future__ import annotations

import io
import os
import re
from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook

from engine.errors import Forbidden
from engine.oversight import year_end
from tests.e2e.ui_support import app_for, login
from tests.yearly_support import DATABASES, YEAR, module_world


@pytest.fixture(scope="module", params=DATABASES)
def world(request, tmp_path_factory):
    yield from module_world(request, tmp_path_factory)


def report(world, who="li", unit=None, year=YEAR):
    w = world.w
    return year_end.year_end_report(
        w.rt.reader(), w.actors[who], w.rt.definitions, unit, year, w.clock.now()
    )


def test_rpt1_accountability_over_the_year(world):
    rep = report(world, who="admin")
    by = {u["unit_code"]: u for u in rep.accountability}
    # Nanguan: a met late (due 1 Apr, met 10 May), b still open; Chaoyang: c met late,
    # the secretary's SEC-7 report still open
    assert {k: by["cc-ng"][k] for k in ("fell_due", "met_on_time", "met_late", "open_at_end")} == {
        "fell_due": 2, "met_on_time": 0, "met_late": 1, "open_at_end": 1}  # fmt: skip
    assert {k: by["cc-cy"][k] for k in ("fell_due", "met_late", "open_at_end")} == {
        "fell_due": 2, "met_late": 1, "open_at_end": 1}  # fmt: skip
    assert rep.accountability_totals["fell_due"] == 4
    assert rep.coverage_start == {"registered": 2, "party_org": 2, "instructor": 0, "none": 0}
    assert rep.coverage_end == {"registered": 4, "party_org": 4, "instructor": 0, "none": 0}
    assert [d.day for d in rep.trends.overdue][-1] == date(2025, 12, 31)
    assert len(rep.trends.overdue) == 12


def test_rpt1_report_stays_in_the_actors_units(world):
    li = report(world)
    assert [u["unit_code"] for u in li.accountability] == ["cc-ng"]
    with pytest.raises(Forbidden):
        report(world, who="li", unit=world.w.actors["zhao"].unit_id)


def test_sec7_reports_made_per_party_organization(world):
    rep = report(world, who="admin")
    by = {p["name"]: p for p in rep.secretaries}
    logistics = by["长春市南关区物流行业协会党支部"]
    assert (logistics["standing"], logistics["reports"], logistics["secretary"]) == (
        "reported",
        [date(2025, 6, 10)],
        "刘书记",
    )
    chaoyang = by["朝阳区青少年科技创新协会党支部"]
    assert (chaoyang["standing"], chaoyang["due"]) == ("overdue", date(2025, 4, 30))
    assert by["南关区健康养生促进会联合党支部"]["standing"] == "no_secretary"
    # the year before, the report of June 2025 had not been made yet, and nothing was due
    before = {p["name"]: p for p in report(world, who="admin", year=YEAR - 1).secretaries}
    assert before["长春市南关区物流行业协会党支部"]["standing"] == "not_due"


def test_rpt1_sup1_and_drives_sections(world):
    rep = report(world)
    assert [(e["organization_name"], e["status"]) for e in rep.abnormal] == [
        ("南关区健康养生促进会", "listed")]  # fmt: skip
    assert rep.campaigns == []


def test_rpt1_the_years_inspections_by_result(world):
    li = {(x["state"], x["status"]): x["cases"] for x in report(world).series}
    assert li == {("qualified", "closed"): 1, ("rectification", "open"): 1}  # not 2024's
    everyone = {x["state"]: x["cases"] for x in report(world, who="admin").series}
    assert everyone == {"qualified": 1, "rectification": 1, "unqualified": 1}


def _client(world, who="li", lang="en"):
    c = app_for(world.w).test_client()
    c.environ_base["HTTP_ACCEPT_LANGUAGE"] = lang
    login(c, who)
    return c


def test_rpt1_page_with_charts_and_sec7_table(world):
    html = _client(world, "admin").get(f"/year-end?year={YEAR}").get_data(as_text=True)
    assert 'id="ye-coverage"' in html and 'id="ye-overdue"' in html
    assert 'data-standing="reported"' in html and 'data-standing="overdue"' in html
    assert "overdue since 2025-04-30" in html
    table = html[html.index('data-table="series-inspection"') :]
    assert re.search(
        r'data-state="unqualified"><th scope="row">Unqualified</th><td>1</td><td>concluded</td>',
        table,
    )
    assert re.search(
        r'data-state="rectification"><th scope="row">Rectifying</th><td>1</td><td>under way</td>',
        table,
    )
    assert '<tr data-state="applied" class="slowest">' in html


def test_rpt1_workbook_cell_by_cell(world):
    resp = _client(world).get(f"/year-end?year={YEAR}&format=xlsx")
    wb = load_workbook(io.BytesIO(resp.data))
    assert wb.sheetnames[:3] == ["Year-end report", "Accountability", "Coverage"]
    ws = wb["Year-end report"]
    assert (ws["B2"].value, ws["B3"].value) == ("Nanguan District Civil Affairs", YEAR)
    acc = wb["Accountability"]
    assert [c.value for c in acc[1]] == ["Responsible unit", "Deadlines due in the year",
        "Met on time", "Met late", "Cancelled", "Still open at year end", "Escalations",
        "Stalls flagged"]  # fmt: skip
    assert [c.value for c in acc[2]] == ["Nanguan District Civil Affairs", 2, 0, 1, 0, 1, 0, 0]
    assert acc["A3"].value == "Total"
    cov = wb["Coverage"]
    assert [c.value for c in cov[2]] == ["Registered organizations", 1, 3]
    sec = wb["Secretaries"]
    rows = {
        sec.cell(row=r, column=1).value: [c.value for c in sec[r]]
        for r in range(2, sec.max_row + 1)
    }
    assert rows["长春市南关区物流行业协会党支部"][1:4] == ["刘书记", 1, "reported"]
    assert rows["南关区健康养生促进会联合党支部"][3] == "no secretary on record"
    yearly = wb["Yearly cases"]
    assert [c.value for c in yearly[1]] == ["Procedure", "Step", "Cases", "Standing"]
    assert sorted(tuple(c.value for c in row)[1:] for row in yearly.iter_rows(min_row=2)) == [
        ("Qualified", 1, "concluded"), ("Rectifying", 1, "under way")]  # fmt: skip
    steps = wb["Time in each step"]
    assert [c.value for c in steps[2]] == [
        "Registration with synchronized Party-building review", "Charter review", 2, 20.0, 30.0, "yes"]  # fmt: skip


def test_rpt1_pdf_renders_in_chinese(world, tmp_path):
    """The PDF opens, its text holds the report's Chinese, and each page renders to a PNG
    with text drawn on it (pypdfium2: pdftoppm is not on every machine that runs the tests)."""
    import pypdfium2 as pdfium

    resp = _client(world, lang="zh-CN").get(f"/year-end?year={YEAR}&format=pdf")
    assert resp.status_code == 200 and resp.data.startswith(b"%PDF")
    doc = pdfium.PdfDocument(resp.data)
    text = "".join(doc[i].get_textpage().get_text_range() for i in range(len(doc)))
    assert "年终述职报告" in text and "刘书记" in text and "SEC-7" in text
    assert "南关区健康养生促进会" in text  # the abnormal list
    shots = tmp_path
    if os.environ.get("TONGBU_SCREENSHOTS") and world.w.rt.engine.dialect.name == "sqlite":
        shots = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
    for i in range(len(doc)):
        page = doc[i].render(scale=1.3).to_pil()
        page.save(shots / f"year-end-pdf-{i + 1}.png")
        image = page.convert("L")
        assert sum(image.histogram()[:128]) > 2000, f"page {i + 1} is blank"
