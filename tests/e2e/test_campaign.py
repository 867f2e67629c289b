"""The 60-day drive in Chromium (issue 16, Done when): a supervisor opens a drive over the
district from the form, a caseworker enters an instructor in the register and covers one
organization of the drive by appointing them in its coverage case (COV-1: meanwhile, while the
branch awaits approval), and the drive's board and its burndown chart move. With
TONGBU_SCREENSHOTS=1: campaigns.png, campaign-board.png, instructors.png in docs/screenshots.
"""

from __future__ import annotations

import re

from sqlalchemy import update

from engine.store.tables import Organization
from tests.e2e.test_browser import _open_step, _page, _sign_in, _submit

orgs_t = Organization.__table__


def _eligible(world, *keys: str) -> None:
    """Uncovered, three full members among the full-time staff (REG-10's condition)."""
    with world.uow() as u:
        u.conn.execute(
            update(orgs_t)
            .where(orgs_t.c.id.in_([world.orgs[k] for k in keys]))
            .values(status="registered", full_members=3, full_time_full_members=3, coverage="none")
        )
        u.commit()


def _last_point(page) -> str:
    """The burndown's last point as the chart itself says it (its circle's tooltip title)."""
    return page.locator("svg.line-chart g.series").first.locator("circle title").last.text_content()


def test_reg10_a_drive_is_opened_and_its_board_moves_when_an_instructor_covers(
    chromium, live, shots
):
    from playwright.sync_api import expect

    world = live.world
    _eligible(world, "logistics", "health")
    page = _page(chromium)
    _sign_in(page, live, "li")
    page.get_by_role("link", name="年度工作").click()  # the menu's one entry for the year
    page.get_by_role("link", name="覆盖攻坚").click()
    form = page.locator("form.campaign-form")
    assert form.locator("select[name=kind]").input_value() == "formation_drive"
    form.locator("input[name=starts_on]").fill("2026-03-01")
    form.locator("input[name=title]").fill("南关区“奋战60天”集中抓组建")
    page.screenshot(path=str(shots / "campaigns.png"), full_page=True)
    form.locator("button[type=submit]").click()
    page.wait_for_load_state()
    assert "2026-03-01至2026-04-30" in page.locator("main").inner_text()
    board_url = page.url
    assert page.locator("[data-figure=opened]").first.inner_text() == "2"
    assert page.locator("[data-figure=covered]").first.inner_text() == "0"
    before = _last_point(page)
    assert before.endswith(": 2"), before
    svg = page.locator("svg.line-chart")
    assert svg.locator("title").first.text_content() == "攻坚进度燃尽图"
    assert "尚未办结的案件" in svg.text_content() and "日期" in svg.text_content()
    case_link = page.locator("tr[data-org] a[href*='/cases/']").first
    case_url = case_link.get_attribute("href")
    org_name = page.locator("tr[data-org] td").first.inner_text()
    page.context.close()

    page = _page(chromium)
    _sign_in(page, live, "wang")
    page.goto(f"{live.url}/instructors")
    form = page.locator("form.instructor-form")
    form.locator("input[name=name]").fill("刘文华")
    form.locator("select[name=source]").select_option("cadre_left_post")
    form.locator("input[name=term_starts_on]").fill("2026-03-01")
    form.locator("input[name=term_ends_on]").fill("2028-02-29")
    form.locator("button[type=submit]").click()
    page.wait_for_load_state()
    row = page.locator("tr[data-instructor]").first
    instructor_id = row.get_attribute("data-instructor")
    assert row.get_attribute("data-stage") == "unassigned"

    page.goto(f"{live.url}{case_url}")
    step = _open_step(page, "record_survey")
    for name, value in (
        ("full_members", "3"),
        ("full_time_full_members", "3"),
        ("probationary_members", "0"),
        ("members_elsewhere", "0"),
        ("surveyed_on", "2026-03-02"),
    ):
        step.locator(f"[name={name}]").fill(value)
    _submit(step)
    _submit(_open_step(page, "route_standalone"))
    step = _open_step(page, "appoint_instructor")
    box = step.locator(".picker input.pick-input").first  # the instructor, by name
    box.click()
    box.press_sequentially("刘文")
    found = step.locator(".pick-list:not([hidden]) li[role=option]")
    expect(found.first).to_contain_text("刘文华")
    box.press("ArrowDown")
    box.press("Enter")
    assert step.locator("select[name=instructor_id]").input_value() == instructor_id
    step.locator("[name=appointed_on]").fill("2026-03-02")
    step.locator("[name=reason]").fill("上级党组织尚未批复，先行选派党建工作指导员")
    _submit(step)
    errs = page.locator(".field-error, .error-summary, .refusal").all_inner_texts()
    assert errs == [], errs
    assert "已选派指导员" in page.locator("main").inner_text()
    page.goto(f"{live.url}/instructors")
    row = page.locator(f"tr[data-instructor='{instructor_id}']")
    assert row.get_attribute("data-stage") == "appointed" and org_name in row.inner_text()
    page.screenshot(path=str(shots / "instructors.png"), full_page=True)
    page.context.close()

    page = _page(chromium)
    _sign_in(page, live, "li")
    page.goto(board_url)
    assert page.locator("[data-figure=covered]").first.inner_text() == "1"
    after = _last_point(page)
    assert after.endswith(": 1") and after != before, (before, after)
    covered = page.locator(f"tr[data-org] >> text={org_name}").locator("xpath=..")
    assert covered.get_attribute("data-coverage") == "instructor"
    table = page.locator("table[data-table=burndown] tr[data-day='2026-03-02'] td")
    assert table.text_content() == "1"  # the table under the chart (a closed <details>)
    page.screenshot(path=str(shots / "campaign-board.png"), full_page=True)
    en = _page(chromium, "en-US")
    _sign_in(en, live, "li")
    en.goto(board_url)
    assert re.search(
        r"Burndown of the drive", en.locator("svg.line-chart title").first.text_content()
    )
    en.context.close()
    page.context.close()
