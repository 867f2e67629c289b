"""REG-10 / INS-2 pages: the drives of a supervisor's units, the form that opens one (marshmallow,
CSRF, refusals in zh/en citing REG-10), the board with its burndown as server-side SVG and its
table, the XLSX checked cell by cell, and the instructor register; SQLite and PostgreSQL."""

from __future__ import annotations

import io
import re
from datetime import UTC, date, datetime

import pytest
from openpyxl import load_workbook
from sqlalchemy import update

from engine.directory import instructors
from engine.store.tables import Organization
from tests.e2e.ui_support import app_for, csrf_token, login, ui_world

orgs_t = Organization.__table__


@pytest.fixture
def w(db_url, clock):
    """Nanguan: logistics (3 full members among the full-time staff, uncovered) and health (3,
    of them 2 full-time: out); Chaoyang: chaoyang (4, uncovered)."""
    clock.at = datetime(2026, 8, 3, 2, 0, tzinfo=UTC)
    w = ui_world(db_url, clock)
    for key, full, full_time in (("logistics", 3, 3), ("health", 3, 2), ("chaoyang", 4, 4)):
        with w.uow() as u:
            u.conn.execute(
                update(orgs_t)
                .where(orgs_t.c.id == w.orgs[key])
                .values(
                    status="registered",
                    full_members=full,
                    full_time_full_members=full_time,
                    coverage="none",
                )
            )
            u.commit()
    return w


def _client(w, user: str, lang: str = "zh"):
    c = app_for(w).test_client()
    login(c, user)
    c.set_cookie("tongbu_lang", lang)
    return c


def _open(c, w, **changes) -> object:
    page = c.get("/campaigns").get_data(as_text=True)
    form = {
        "csrf_token": csrf_token(page),
        "unit_id": str(w.actors["li"].unit_id),
        "kind": "formation_drive",
        "starts_on": "2026-08-01",
        "title": "南关区奋战60天",
        **changes,
    }
    return c.post("/campaigns", data=form)


def test_reg10_supervisor_opens_a_drive_from_the_form_and_its_board_shows_it(w):
    li = _client(w, "li")
    page = li.get("/campaigns").get_data(as_text=True)
    # under the menu's one entry for the year (年度工作), which the page marks as current
    assert 'href="/annual" aria-current="page"' in page and "覆盖攻坚" in page
    assert re.search(r'<option value="formation_drive" selected>', page)  # the default
    done = _open(li, w)
    assert done.status_code == 303
    board = li.get(done.headers["Location"]).get_data(as_text=True)
    assert "2026-08-01至2026-09-30" in board
    assert re.search(r'data-figure="opened">1<', board)
    assert re.search(r'data-figure="covered">0<', board)
    svg = re.search(r"<svg .*?</svg>", board, re.S).group(0)
    assert 'role="img"' in svg and "<title" in svg and "<desc" in svg
    assert "攻坚进度燃尽图" in svg and "尚未办结的案件" in svg and ">日期<" in svg
    assert re.search(
        r'<tr data-day="2026-08-0[13]"><th scope="row">2026-08-0[13]</th><td>1<', board
    )
    again = _open(li, w)  # the same drive again opens nothing twice
    assert again.headers["Location"] == done.headers["Location"]
    assert "新开立0件" in li.get("/campaigns").get_data(as_text=True)
    en = _client(w, "li", "en").get(done.headers["Location"]).get_data(as_text=True)
    assert "Burndown of the drive" in en and "Cases still open" in en
    assert "南关区奋战60天" in _client(w, "li").get("/campaigns").get_data(as_text=True)


def test_reg10_form_refusals_name_the_field_and_the_rule_in_zh_and_en(w):
    wang = _client(w, "wang")
    assert "/campaigns" not in wang.get("/cases").get_data(as_text=True).split("<main")[0]
    refused = _open(wang, w)
    assert refused.status_code == 403 and "集中攻坚由主管人员发起" in refused.get_data(True)
    wang.set_cookie("tongbu_lang", "en")
    assert "only supervisors open campaigns" in _open(wang, w).get_data(True)
    li = _client(w, "li")
    bad_kind = _open(li, w, kind="conditions_matured")
    assert bad_kind.status_code == 422
    assert 'id="c-kind-err"' in bad_kind.get_data(True) and "REG-10" in bad_kind.get_data(True)
    bad_day = _open(li, w, starts_on="2026-02-30")
    assert bad_day.status_code == 422 and 'id="c-starts_on-err"' in bad_day.get_data(True)
    other = _open(li, w, unit_id=str(w.actors["zhao"].unit_id))
    assert other.status_code == 403 and "不是本单位或下级单位" in other.get_data(True)
    no_token = li.post("/campaigns", data={"unit_id": "1", "kind": "formation_drive"})
    assert no_token.status_code == 400
    assert li.get("/campaigns").get_data(True).count("data-campaign=") == 0


def test_reg10_board_xlsx_holds_the_pages_numbers_cell_by_cell(w):
    li = _client(w, "li")
    board_url = _open(li, w).headers["Location"]
    w.clock.at = datetime(2026, 8, 5, 2, 0, tzinfo=UTC)
    li = _client(w, "li")  # two days on: a new session
    got = li.get(f"{board_url}?format=xlsx")
    assert got.status_code == 200, got.get_data(True)[-1500:]
    wb = load_workbook(io.BytesIO(got.data))
    assert wb.sheetnames == ["各单位进度", "燃尽图", "社会组织"]
    units = [[c.value for c in row] for row in wb["各单位进度"].iter_rows()]
    assert units == [
        ["单位", "纳入", "已覆盖", "已逾期"],
        ["南关区民政局", 1, 0, 0],
        ["合计", 1, 0, 0],
    ]
    burndown = [[c.value for c in row] for row in wb["燃尽图"].iter_rows()]
    assert burndown[0] == ["日期", "尚未办结的案件"]
    assert [(r[0].date() if isinstance(r[0], datetime) else r[0], r[1]) for r in burndown[1:]] == [
        (date(2026, 8, 1), 0),
        (date(2026, 8, 2), 0),
        (date(2026, 8, 3), 1),
        (date(2026, 8, 4), 1),
        (date(2026, 8, 5), 1),
    ]
    orgs = [[c.value for c in row] for row in wb["社会组织"].iter_rows()]
    assert orgs[1][0] == "长春市南关区物流行业协会" and orgs[1][2:] == ["摸底调查", "未覆盖", "否"]


def test_ins2_register_page_enters_reports_and_ends_a_term(w):
    wang = _client(w, "wang")
    page = wang.get("/instructors").get_data(as_text=True)
    form = {
        "csrf_token": csrf_token(page),
        "name": "刘老师",
        "role": "instructor",
        "source": "young_cadre",
        "unit_id": str(w.actors["wang"].unit_id),
        "term_starts_on": "2026-05-01",
        "term_ends_on": "2026-04-01",
    }
    bad = wang.post("/instructors", data=form)
    assert bad.status_code == 422 and "任期结束日期应晚于开始日期" in bad.get_data(True)
    assert wang.post("/instructors", data={**form, "term_ends_on": "2028-04-30"}).status_code == 303
    page = wang.get("/instructors").get_data(as_text=True)
    assert re.search(r'data-stage="report_overdue"', page)  # 2026-05-01 + 3 months: due 08-01
    iid = int(re.search(r'data-instructor="(\d+)"', page).group(1))
    token = csrf_token(page)
    wang.post(
        f"/instructors/{iid}/reports",
        data={"csrf_token": token, "period_starts_on": "2026-05-01", "summary": "走访三次"},
    )
    page = wang.get("/instructors").get_data(as_text=True)
    assert 'data-stage="unassigned"' in page and "已报送1期" in page
    wang.post(
        f"/instructors/{iid}/end",
        data={"csrf_token": token, "ended_on": "2026-08-02", "reason": "withdrawn"},
    )
    assert 'data-stage="ended"' in wang.get("/instructors").get_data(as_text=True)
    refused = wang.post(
        f"/instructors/{iid}/end",
        data={"csrf_token": token, "ended_on": "2026-08-02", "reason": "withdrawn"},
        follow_redirects=True,
    )
    assert "INS-2" in refused.get_data(True) and "任期已于2026-08-02结束" in refused.get_data(True)
    zhao = _client(w, "zhao")  # Chaoyang does not see Nanguan's register
    assert 'data-instructor="' not in zhao.get("/instructors").get_data(as_text=True)
    with pytest.raises(Exception) as other_unit:
        instructors.end_term(
            w.uow(), iid, {"ended_on": "2026-08-02", "reason": "withdrawn"}, actor=w.actors["zhao"]
        )
    assert "another unit" in str(other_unit.value)
