"""SUP-1's page and export: the abnormal-activities list, filterable, in zh and en, and its XLSX
opened with openpyxl and checked cell by cell; leaving through the page is the audited step."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import pytest
from openpyxl import load_workbook

from engine.oversight import abnormal
from tests.e2e.ui_support import app_for, csrf_token, login, ui_world
from tests.inspection_support import REPORT, STATISTICS, case_of, open_year, registered, self_check


@pytest.fixture
def world(db_url, clock):
    w = ui_world(db_url, clock)
    registered(w, "late", 11, party_org=True)
    registered(w, "filed", 12, party_org=True)
    open_year(w)
    cid = case_of(w, "filed")
    w.fire(cid, "record_self_check", self_check())
    w.fire(cid, "file_statistics", STATISTICS)
    w.fire(cid, "file_annual_report", REPORT)
    w.clock.at = datetime(2026, 6, 2, 8, tzinfo=UTC)
    abnormal.run_sweep(w.uow(), w.clock.at)
    return w


@pytest.fixture
def li(world):
    c = app_for(world).test_client()
    login(c, "li")
    return c


def test_sup1_the_list_page_filters_and_leaving_is_refused_until_the_report(world, li):
    page = li.get("/abnormal").get_data(as_text=True)
    assert "南关区第11社会组织" in page and "南关区第12社会组织" not in page
    assert "按期报送年度工作报告" in page and "SUP-1" in page
    assert "南关区第11社会组织" not in li.get("/abnormal?reason=rectification").get_data(True)
    assert "南关区第11社会组织" not in li.get("/abnormal?status=removed").get_data(True)
    assert "南关区第11社会组织" in li.get("/abnormal?unit=cc-ng&year=2026").get_data(True)
    assert li.get("/abnormal?reason=nonsense").status_code == 422
    li.set_cookie("tongbu_lang", "en")
    assert "File the annual work report in time" in li.get("/abnormal").get_data(True)
    li.set_cookie("tongbu_lang", "zh")
    [entry] = abnormal.list_entries(
        world.rt.reader(), world.rt.definitions, world.actors["li"], abnormal.EntryFilter()
    ).rows
    token = csrf_token(page)
    refused = li.post(
        f"/abnormal/{entry['id']}/remove",
        data={"reason": "已联系", "csrf_token": token},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "SUP-1" in refused and "列入原因仍未消除" in refused
    cid = case_of(world, "late")
    world.fire(cid, "record_self_check", self_check(on="2026-06-02"))
    world.fire(cid, "file_statistics", {**STATISTICS, "filed_on": "2026-06-02"})
    world.fire(cid, "file_annual_report", {**REPORT, "filed_on": "2026-06-02"})
    done = li.post(
        f"/abnormal/{entry['id']}/remove",
        data={"reason": "年度工作报告已补报", "csrf_token": token},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "年度工作报告已补报" in done and "李强" in done


def test_sup1_the_xlsx_export_cell_by_cell(world, li):
    resp = li.get("/abnormal?format=xlsx")
    assert resp.status_code == 200
    ws = load_workbook(io.BytesIO(resp.data)).worksheets[0]
    rows = [[c.value for c in r] for r in ws.iter_rows()]
    assert rows[0] == [
        "编号",
        "社会组织",
        "统一社会信用代码",
        "单位",
        "列入原因",
        "年检年度",
        "到期日",
        "列入日期",
        "状态",
        "移出日期",
        "移出人",
        "移出理由",
    ]
    assert len(rows) == 2
    row = rows[1]
    assert row[1] == "南关区第11社会组织"
    assert row[2] and len(row[2]) == 18
    assert row[3] == "南关区民政局"
    assert row[4] == "按期报送年度工作报告（逾期列入活动异常名录）"
    assert row[5] == "2025"
    assert (row[6].date().isoformat(), row[7].date().isoformat()) == ("2026-06-01", "2026-06-02")
    assert row[8] == "在名录中"
    assert row[9:] == [None, None, None]
