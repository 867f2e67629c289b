"""The statistics page, its fixed-layout workbook, the funds form, the API and the CLI
(INF-1, FUND-1), on SQLite and PostgreSQL: one world per database for the module."""

from __future__ import annotations

import io
import json
import re

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from engine.access import tokens
from tests.e2e.ui_support import app_for, csrf_token, login
from tests.yearly_support import DATABASES, YEAR, module_world
from web.cli import main
from web.cli.base import Ctx


@pytest.fixture(scope="module", params=DATABASES)
def world(request, tmp_path_factory):
    yield from module_world(request, tmp_path_factory)


def client_for(yw, who: str, lang: str = "en"):
    c = app_for(yw.w).test_client()
    c.environ_base["HTTP_ACCEPT_LANGUAGE"] = lang
    login(c, who)
    return c


def test_inf1_statistics_page_shows_the_year(world):
    html = client_for(world, "li").get(f"/statistics?year={YEAR}").get_data(as_text=True)
    assert re.search(r'data-figure="party-organizations">2<', html)
    assert re.search(r'data-figure="dues_collected">1800.50<', html)
    assert re.search(r'data-figure="below_floor">1<', html)
    assert 'data-per-member="150.00"' in html and "below the floor" in html
    assert "朝阳区青少年科技创新协会党支部" not in html  # another district's


def test_inf1_statistics_workbook_fixed_layout_cell_by_cell(world):
    resp = client_for(world, "li").get(f"/statistics?year={YEAR}&format=xlsx")
    assert resp.status_code == 200
    wb = load_workbook(io.BytesIO(resp.data))
    ws = wb.worksheets[0]
    assert ws["A1"].value == "Party-building statistics of social organizations"
    assert (ws["A2"].value, ws["B2"].value) == ("Unit", "Nanguan District Civil Affairs")
    assert ws["B3"].value == YEAR
    assert ws["B4"].value.date().isoformat() == "2025-12-31"
    assert [c.value for c in ws[6]][:5] == [
        "Party organization kind", "Party organizations", "Formed this year", "Full members",
        "Probationary members",
    ]  # fmt: skip
    # rows 7-10: committee, general branch, branch, joint branch; row 11 the total
    assert [ws.cell(row=r, column=2).value for r in range(7, 12)] == [0, 0, 1, 1, 2]
    assert [ws.cell(row=9, column=c).value for c in (3, 4, 5)] == [0, 3, 1]
    assert [ws.cell(row=10, column=c).value for c in (3, 4, 5)] == [1, 2, 0]
    assert [ws.cell(row=r, column=2).value for r in range(15, 19)] == [3, 3, 0, 0]
    assert ws["B22"].value == 1800.5 and ws["B23"].value == 1600 and ws["B24"].value == 1300
    assert ws["B22"].number_format == "#,##0.00"
    assert ws["B26"].value == pytest.approx(216.67)  # 1,300 yuan for 6 members
    assert (ws["B27"].value, ws["B28"].value, ws["B29"].value) == (200, 1, 2)
    lines = wb.worksheets[1]
    assert lines["A1"].value == "Party organization"
    rows = {lines.cell(row=r, column=1).value: r for r in range(2, lines.max_row + 1)}
    assert set(rows) == {"长春市南关区物流行业协会党支部", "南关区健康养生促进会联合党支部"}
    health = rows["南关区健康养生促进会联合党支部"]
    assert lines.cell(row=health, column=10).value == 150
    assert lines.cell(row=health, column=11).value == "yes"
    assert lines.cell(row=health, column=1).fill.fgColor.rgb.endswith("FDE2E1")


def test_fund1_form_records_corrects_with_reason_and_names_fields(world):
    c = client_for(world, "wang")
    po = world.party_orgs["logistics"]
    page = c.get(f"/party-organizations/{po}/funds?year={YEAR}").get_data(as_text=True)
    assert 'value="1200.00"' in page and "version 1" in page
    form = {
        "csrf_token": csrf_token(page), "version": "1", "dues_collected": "1200.00",
        "dues_returned": "1200.00", "funding_received": "1250", "startup_support": "0",
    }  # fmt: skip
    refused = c.post(f"/party-organizations/{po}/funds?year={YEAR}", data=form)
    assert refused.status_code == 422 and "needs its reason" in refused.get_data(as_text=True)
    bad = c.post(
        f"/party-organizations/{po}/funds?year={YEAR}",
        data={**form, "dues_returned": "12.345", "reason": "x"},
    )
    assert bad.status_code == 422 and "at most two decimals" in bad.get_data(as_text=True)
    done = c.post(
        f"/party-organizations/{po}/funds?year={YEAR}", data={**form, "reason": "补录拨款"}
    )
    assert done.status_code == 303
    after = c.get(f"/party-organizations/{po}/funds?year={YEAR}").get_data(as_text=True)
    assert "补录拨款" in after and "1000.00 → 1250.00" in after and "version 2" in after
    # Chaoyang's caseworker cannot open Nanguan's figures
    assert client_for(world, "zhao").get(f"/party-organizations/{po}/funds").status_code == 403


def test_fund1_api_put_and_statistics(world):
    w = world.w
    token = tokens.create_token(w.uow(), "zhao", "test").token
    c = app_for(w).test_client()
    h = {"Authorization": f"Bearer {token}"}
    po = world.party_orgs["chaoyang"]
    got = c.get(f"/api/v1/party-organizations/{po}/funds/{YEAR}", headers=h).get_json()
    assert got["version"] == 1 and got["funding_received"] == "900.00"
    body = {"version": 1, "dues_collected": "900", "dues_returned": "900",
            "funding_received": "960", "startup_support": "0", "reason": "年底补拨"}  # fmt: skip
    put = c.put(f"/api/v1/party-organizations/{po}/funds/{YEAR}", json=body, headers=h)
    assert put.status_code == 200 and put.get_json()["version"] == 2
    stale = c.put(
        f"/api/v1/party-organizations/{po}/funds/{YEAR}",
        json={**body, "funding_received": "1"},
        headers=h,
    )
    assert stale.status_code == 422 and "version" in json.dumps(stale.get_json())
    s = c.get(f"/api/v1/reports/statistics?year={YEAR}", headers=h).get_json()
    assert s["money"]["funding_received"] == "960.00"
    assert [p["per_member"] for p in s["party_organizations"]] == ["320.00"]


def test_fund1_cli_records_and_inf1_cli_statistics(world, tmp_path):
    w = world.w
    runner = CliRunner()
    obj = Ctx()
    obj._runtime = w.rt
    po = world.party_orgs["health"]
    args = ["funds", "record", str(po), "--year", str(YEAR), "--dues-collected", "600.50",
            "--dues-returned", "600.50", "--funding", "300", "--version", "1",
            "--reason", "党费补足下拨", "--as", "wang"]  # fmt: skip
    r = runner.invoke(main, args, obj=obj)
    assert r.exit_code == 0, r.output
    assert "version 2" in r.output
    again = runner.invoke(main, args, obj=obj)
    assert "unchanged" in again.output
    bad = runner.invoke(main, [*args[:6], "-5", *args[7:]], obj=obj)
    assert bad.exit_code == 2 and "dues_collected" in bad.output
    out = tmp_path / "s.xlsx"
    r = runner.invoke(main, ["report", "statistics", "--year", str(YEAR), "--unit", "cc-ng",
                             "--xlsx", str(out), "--lang", "en"], obj=obj)  # fmt: skip
    assert r.exit_code == 0, r.output
    ws = load_workbook(out).worksheets[0]
    assert ws["B23"].value == 1800.5  # dues returned now in full
    r = runner.invoke(main, ["report", "statistics", "--year", "1999"], obj=obj)
    assert r.exit_code == 2 and "--year" in r.output
