"""The annual cycle in a real browser (issue 17, "Done when"; INS-1, SUP-1, RPT-1).

A caseworker completes an organization's inspection of 2025 through the case page: the
self-check against the checklist, the statistics form, the annual work report with its
document attached; the registration authority demands one rectification, the caseworker
completes it and the supervisor rates the inspection qualified. Meanwhile the organization
leaves and re-enters the abnormal-activities list as SUP-1 says: the scheduler's tick after
the report's date lists it; leaving through the list page is refused, citing SUP-1, until the
report is filed, then done with its reason; the rectification's date running out lists it
again. The year-end page of 2025 (the year inspected) shows the inspection, concluded, and
that of 2026 (the year listed) both entries; each with its charts.

The clock is the test world's FixedClock, moved between the steps; the listing is the
scheduler's tick (`Ticker.sweep`) at that instant. With TONGBU_SCREENSHOTS=1:
docs/screenshots/inspection-case.png, inspection-rectification.png, abnormal-list.png,
abnormal-list-en.png, abnormal-list-removed.png, evaluations.png, evaluations-en.png,
year-end-abnormal.png, year-end-inspections.png.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from engine.oversight.scheduler import SchedulerSettings, Ticker
from tests.e2e.test_browser import _open_step, _page, _sign_in, _submit
from tests.e2e.test_case_file import _pdf, _upload
from tests.inspection_support import case_of, open_year, registered
from workflows.inspection.checklist import checklist

REPORT = ("社会组织年度工作报告", "2025年度工作报告.pdf")


def _tick(live: Any, at: datetime) -> None:
    """Move the world's clock to `at` and run one scheduler tick there, as a process would."""
    live.clock.at = at
    world = live.world
    Ticker(world.rt.engine, world.rt.definitions, SchedulerSettings(), clock=live.clock).sweep()


def _fill(step: Any, values: dict[str, str]) -> None:
    for name, value in values.items():
        box = step.locator(f"[name='{name}']")
        if box.evaluate("e => e.tagName") == "SELECT":
            box.select_option(value)
        else:
            box.fill(value)


def _no_errors(page: Any) -> None:
    errs = page.locator(".field-error, .error-summary, .refusal, .flash.error").all_inner_texts()
    assert errs == [], errs


def _entry_row(page: Any, reason: str) -> Any:
    return page.locator(f"table.abnormal tr[data-reason={reason}]")


def _take_off(page: Any, row: Any, reason: str) -> None:
    row.locator("input[name=reason]").fill(reason)
    row.locator("button[type=submit]").click()
    page.wait_for_load_state()


def test_ins1_sup1_an_inspection_with_a_rectification_and_the_abnormal_list(chromium, live, shots):
    world = live.world
    registered(world, "annual", 21, party_org=True)
    opened = open_year(world)  # the unit's inspections of 2025, opened in one pass
    cid = case_of(world, "annual")
    name = "南关区第21社会组织"

    # The self-check against the checklist and the statistics form, on 2 March 2026.
    page = _page(chromium)
    _sign_in(page, live, "wang")
    page.goto(f"{live.url}/cases/{cid}")
    assert "待党组织按年检清单自查" in page.locator(".current-state").inner_text()
    step = _open_step(page, "record_self_check")
    for item in checklist().items:  # each item is a question labelled with its articles
        assert item.zh in step.inner_text()
        step.locator(f"select[name={item.id}]").select_option("met")
    _fill(step, {"checked_on": "2026-02-27", "notes": "对照年检清单逐项自查，均已落实。"})
    _submit(step)
    _no_errors(page)
    step = _open_step(page, "file_statistics")
    _fill(
        step,
        {
            "filed_on": "2026-02-28",
            "party_organizations": "1",
            "full_members": "4",
            "probationary_members": "1",
            "dues_collected_yuan": "1200",
        },
    )
    _submit(step)
    _no_errors(page)
    assert world.case(cid)["state"] == "annual_report"
    page.context.close()

    # SUP-1: the report's date (1 June) passes; the tick of 2 June lists the organization.
    _tick(live, datetime(2026, 6, 2, 1, 0, tzinfo=UTC))
    page = _page(chromium)
    _sign_in(page, live, "li")
    page.goto(f"{live.url}/abnormal")
    row = _entry_row(page, "annual_report")
    assert row.count() == 1 and row.get_attribute("data-status") == "listed"
    text = row.inner_text()
    assert name in text and "按期报送年度工作报告" in text and "2026-06-02" in text
    assert "2026-06-01" in text  # the date it ran out
    _take_off(page, row, "已电话督促报送")
    flash = page.locator(".flash.error").inner_text()
    assert "SUP-1" in flash and "列入原因仍未消除" in flash
    assert _entry_row(page, "annual_report").get_attribute("data-status") == "listed"
    page.set_viewport_size({"width": 1280, "height": 700})
    page.screenshot(path=str(shots / "abnormal-list.png"), full_page=True)
    page.context.close()

    # The caseworker files the annual report, late, with the report attached.
    page = _page(chromium)
    _sign_in(page, live, "wang")
    page.goto(f"{live.url}/cases/{cid}")
    step = _open_step(page, "file_annual_report")
    _fill(
        step,
        {
            "filed_on": "2026-06-02",
            "party_work_summary": "全年开展主题党日12次，三会一课按期落实，书记已向党员述职。",
        },
    )
    report = _pdf(REPORT[0], ["一、党组织建设情况", "二、党建工作开展情况", "三、存在问题"])
    step.locator("input[name='_doc.annual_work_report']").set_input_files(
        files=[_upload(REPORT[1], report)]
    )
    _submit(step)
    _no_errors(page)
    assert world.case(cid)["state"] == "review"
    assert REPORT[1] in page.locator("section#documents").inner_text()
    page.context.close()

    # Now the supervisor takes it off the list, with the reason (the audited step) ...
    page = _page(chromium)
    _sign_in(page, live, "li")
    page.goto(f"{live.url}/abnormal")
    _take_off(page, _entry_row(page, "annual_report"), "年度工作报告已于6月2日补报")
    assert page.locator(".flash.success").count() == 1
    row = _entry_row(page, "annual_report")
    assert row.get_attribute("data-status") == "removed"
    assert "年度工作报告已于6月2日补报" in row.inner_text() and "李强" in row.inner_text()

    # ... and demands a rectification on the case page (its own deadline, SUP-1).
    page.goto(f"{live.url}/cases/{cid}")
    step = _open_step(page, "demand_rectification")
    _fill(
        step,
        {
            "demanded_on": "2026-06-02",
            "item": "secretary_reported",
            "problem": "党组织书记本年度未向上级党组织述职，须于一个月内补述职并报送记录。",
        },
    )
    _submit(step)
    _no_errors(page)
    assert "整改中" in page.locator(".current-state").inner_text()
    rect = [d for d in world.case(cid)["deadlines"] if d["key"] == "rectification"]
    assert [(str(d["due_date"]), d["rule"]) for d in rect] == [("2026-07-02", "SUP-1")]
    page.screenshot(path=str(shots / "inspection-rectification.png"), full_page=True)
    page.context.close()

    # SUP-1 again: the rectification's date passes; the tick lists the organization anew.
    _tick(live, datetime(2026, 7, 6, 1, 0, tzinfo=UTC))
    page = _page(chromium)
    _sign_in(page, live, "li")
    page.goto(f"{live.url}/abnormal?status=listed")
    row = _entry_row(page, "rectification")
    assert row.count() == 1 and "按期完成整改" in row.inner_text()
    assert _entry_row(page, "annual_report").count() == 0  # the first entry stays left
    _take_off(page, row, "已督促整改")
    assert "SUP-1" in page.locator(".flash.error").inner_text()
    page.context.close()

    # The caseworker completes the rectification; the supervisor takes it off and rates.
    page = _page(chromium)
    _sign_in(page, live, "wang")
    page.goto(f"{live.url}/cases/{cid}")
    step = _open_step(page, "complete_rectification")
    _fill(
        step,
        {"completed_on": "2026-07-06", "summary": "书记已于7月3日向上级党组织和全体党员述职。"},
    )
    _submit(step)
    _no_errors(page)
    assert world.case(cid)["state"] == "review"
    page.context.close()

    page = _page(chromium)
    _sign_in(page, live, "li")
    page.goto(f"{live.url}/abnormal?status=listed")
    _take_off(page, _entry_row(page, "rectification"), "整改已完成，述职记录已报送")
    assert page.locator(".flash.success").count() == 1
    page.goto(f"{live.url}/cases/{cid}")
    step = _open_step(page, "pass_inspection")
    _fill(step, {"concluded_on": "2026-07-06", "remarks": "整改到位，认定合格。"})
    _submit(step)
    _no_errors(page)
    assert "年检合格" in page.locator(".current-state").inner_text()
    history = page.locator("#history").inner_text()
    for label in (
        "按年检清单自查",
        "填报党建统计表格",
        "报送年度工作报告",
        "提出整改要求",
        "整改完成",
    ):
        assert label in history, label
    page.screenshot(path=str(shots / "inspection-case.png"), full_page=True)
    assert world.case(cid)["data"]["result"]["result"] == "qualified"

    # The list page: both entries, each left with who and why.
    page.goto(f"{live.url}/abnormal?status=removed")
    rows = page.locator("table.abnormal tbody tr")
    assert rows.count() == 2
    page.set_viewport_size({"width": 1280, "height": 700})
    page.screenshot(path=str(shots / "abnormal-list-removed.png"), full_page=True)

    page.context.close()

    # In English, at 1280 px: no column squeezed into a word per line, nothing off the page.
    page = _page(chromium, locale="en-US")
    _sign_in(page, live, "li")
    page.goto(f"{live.url}/abnormal")
    row = _entry_row(page, "rectification")
    assert "Complete the rectification in time" in row.inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280
    page.set_viewport_size({"width": 1280, "height": 700})
    page.screenshot(path=str(shots / "abnormal-list-en.png"), full_page=True)
    page.context.close()

    # The year-end page of 2026: the list entries, with the charts.
    page = _page(chromium)
    _sign_in(page, live, "li")
    page.goto(f"{live.url}/year-end?year=2026")
    listing = page.locator("table[data-table=abnormal]").inner_text()
    assert listing.count(name) == 2
    assert "按期报送年度工作报告" in listing and "按期完成整改" in listing
    charts = page.locator("svg.chart[role=img]")
    assert charts.count() >= 2
    page.locator("section[aria-labelledby=ye-abn]").screenshot(
        path=str(shots / "year-end-abnormal.png")
    )

    # The year-end page of 2025, the year inspected: the inspection, concluded qualified.
    page.goto(f"{live.url}/year-end?year=2025")
    inspections = page.locator("table[data-table=series-inspection]")
    assert f"{opened.opened} 件" in inspections.locator("caption").inner_text()
    qualified = inspections.locator("tr[data-state=qualified]")
    assert qualified.locator("td").all_inner_texts() == ["1", "已办结"]
    assert "年检合格" in qualified.inner_text()
    assert page.locator("svg.chart[role=img]").count() >= 2
    page.locator("section[aria-labelledby=ye-ins]").screenshot(
        path=str(shots / "year-end-inspections.png")
    )
    page.context.close()


def test_eva1_the_evaluation_page_refuses_citing_the_rule_and_flags_the_recommended(
    chromium, live, shots
):
    from sqlalchemy import update

    from engine.store.tables import Organization

    world = live.world
    registered(world, "rated", 41, party_org=True)
    registered(world, "no_po", 42, party_org=False)
    t = Organization.__table__
    with world.uow() as u:
        for key in ("rated", "no_po"):
            u.conn.execute(
                update(t)
                .where(t.c.id == world.orgs[key])
                .values(full_members=5, full_time_full_members=5)
            )
        u.commit()
    for locale, shot in (("zh-CN", "evaluations.png"), ("en-US", "evaluations-en.png")):
        page = _page(chromium, locale=locale)
        _sign_in(page, live, "wang")
        page.goto(f"{live.url}/evaluations?year=2025")
        if locale == "zh-CN":
            for key, level, party in (("no_po", "4", "70"), ("rated", "4", "92")):
                form = page.locator("form.evaluation-form")
                form.locator("select[name=organization_id]").select_option(str(world.orgs[key]))
                form.locator("select[name=level]").select_option(level)
                form.locator("input[name=total_score]").fill("880")
                form.locator("input[name=party_score]").fill(party)
                form.locator("button[type=submit]").click()
                page.wait_for_load_state()
            refused = page.locator(f"tr[data-org='{world.orgs['no_po']}']")
            assert refused.get_attribute("data-status") == "refused"
            assert "EVA-1" in refused.inner_text()
            rated = page.locator(f"tr[data-org='{world.orgs['rated']}']")
            assert rated.get_attribute("data-status") == "rated"
            assert "是" in rated.inner_text() and "4A" in rated.inner_text()
        assert page.evaluate("document.documentElement.scrollWidth") <= 1280
        page.screenshot(path=str(shots / shot), full_page=True)
        page.context.close()


def test_the_years_work_is_one_menu_entry_that_fits_in_english(chromium, live, shots):
    """The menu keeps one entry for the annual cycle; its page lists the parts. In English at
    1280 px neither the menu nor the page wraps into a second row or overflows."""
    from tests.e2e.test_browser import _page, _sign_in

    for locale, name in (("zh-CN", "annual-work.png"), ("en-US", "annual-work-en.png")):
        page = _page(chromium, locale=locale)
        _sign_in(page, live, "admin")
        page.locator("header nav a[href='/annual']").click()
        page.wait_for_url("**/annual")
        page.screenshot(path=str(shots / name), full_page=True)
        links = page.locator("header nav a")
        tops = {round(links.nth(i).bounding_box()["y"]) for i in range(links.count())}
        assert len(tops) == 1, f"{locale}: the menu wraps into {len(tops)} rows"
        width = "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
        assert page.evaluate(width) == 0
        assert page.locator(".hub section.card").count() == 6
        page.context.close()
