"""In a real browser: a caseworker drives a registration case, a supervisor sees it overdue
after the sweep, and a user of another district cannot open it.

The three tests are one story in order (the case of the first is the one the others look
at). Screenshots of the pages go to docs/screenshots when TONGBU_SCREENSHOTS=1.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.ui_support import PASSWORD
from tests.world import survey

TIMEOUT_MS = 15_000
#: The demo's sample documents (real PDFs), uploaded through the step forms' file inputs.
SAMPLES = {
    m: Path(__file__).resolve().parents[2] / "workflows/registration/demo_files" / f"{m}.pdf"
    for m in ("commitment_letter", "member_survey", "charter")
}


def _page(chromium: Any, locale: str = "zh-CN") -> Any:
    context = chromium.new_context(locale=locale, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(TIMEOUT_MS)
    return context.new_page()


def _sign_in(page: Any, live: Any, username: str, shots: Any = None) -> None:
    page.goto(f"{live.url}/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    if shots is not None:
        page.screenshot(path=str(shots / "01-login.png"))
    page.click("form button[type=submit]")
    page.wait_for_load_state()


def _open_step(page: Any, trigger: str) -> Any:
    step = page.locator(f"details#step-{trigger}")
    if step.get_attribute("open") is None:
        step.locator("summary").click()
    return step


def _submit(step: Any) -> None:
    step.locator("button.primary[type=submit]").click()
    step.page.wait_for_load_state()


def test_caseworker_drives_a_registration_case(chromium, live, shots):
    page = _page(chromium)
    _sign_in(page, live, "wang", shots)
    assert page.url.endswith("/cases")
    org_id = live.world.orgs["logistics"]

    # open a case for the organization from its page
    page.goto(f"{live.url}/organizations")
    page.click(f"a[href='/organizations/{org_id}']")
    page.click(f"a[href='/organizations/{org_id}/cases/new']")
    form = page.locator("details#open-registration")
    if form.get_attribute("open") is None:
        form.locator("summary").click()
    form.locator("input[name=applied_on]").fill("2026-03-01")
    form.locator("textarea[name=founders]").fill("张伟\n刘洋")
    form.locator("textarea[name=proposed_leaders]").fill("张伟")
    form.locator("button.primary").click()
    page.wait_for_load_state()
    m = re.search(r"/cases/(\d+)", page.url)
    assert m, page.url
    case_id = int(m.group(1))
    live.story["case_id"] = case_id
    assert "已申请" in page.locator(".current-state").inner_text()

    # a step refused for its missing documents says so with the rule (REG-1)
    accept = page.locator(".action[data-trigger=accept]")
    assert "needs-documents" in accept.get_attribute("class")
    assert "REG-1" in accept.locator("summary .why").inner_text()

    # a field error, shown beside the field, the input kept (REG-2)
    step = _open_step(page, "record_documents")
    step.locator("input[name='member_survey.full_members']").fill("2")
    step.locator("input[name='member_survey.full_time_full_members']").fill("5")
    step.locator("input[name='member_survey.probationary_members']").fill("0")
    step.locator("input[name='member_survey.members_elsewhere']").fill("0")
    _submit(step)
    bad = page.locator("details#step-record_documents .field.has-error")
    assert bad.count() == 1
    assert "REG-2" in bad.inner_text()
    assert bad.locator("input").input_value() == "5"
    page.screenshot(path=str(shots / "03-case-field-error.png"), full_page=True)
    assert live.world.case(case_id)["version"] == 1  # nothing was saved

    # corrected, with the two documents REG-1 asks for, then the steps in order
    step = _open_step(page, "record_documents")
    step.locator("input[name='member_survey.full_members']").fill("4")
    step.locator("input[name='member_survey.full_time_full_members']").fill("4")
    for material in ("commitment_letter", "member_survey"):
        step.locator(f"#f-record_documents-doc-{material}").set_input_files(str(SAMPLES[material]))
    _submit(step)
    assert page.locator(".flash.success").count() == 1
    assert [d.material for d in live.world.case_documents(case_id)] == [
        "commitment_letter",
        "member_survey",
    ]

    _submit(_open_step(page, "accept"))
    step = _open_step(page, "approve_charter")  # REG-3: the charter comes with the step
    step.locator("#f-approve_charter-doc-charter").set_input_files(str(SAMPLES["charter"]))
    for box in step.locator("input[type=checkbox]").all():
        box.check()
    _submit(step)

    step = _open_step(page, "register")
    step.locator("input[name=registered_on]").fill("2026-03-02")
    step.locator("input[name=credit_code]").fill("51220102MJY1234563")
    step.locator("select[name=registration_mode]").select_option("direct")
    for name in ("necessity_checked", "representativeness_checked", "founders_vetted"):
        step.locator(f"input[name={name}]").check()
    _submit(step)

    assert "已登记" in page.locator(".current-state").inner_text()
    deadlines = page.locator("section.deadlines tr.deadline")
    assert deadlines.count() == 2
    assert "REG-5" in deadlines.first.inner_text()
    assert "还剩" in deadlines.first.inner_text()
    assert live.world.case(case_id)["state"] == "registered"
    page.screenshot(path=str(shots / "04-case-registered.png"), full_page=True)

    page.goto(f"{live.url}/cases")
    assert page.locator(f"a[href='/cases/{case_id}']").count() >= 1
    page.screenshot(path=str(shots / "02-inbox.png"), full_page=True)
    page.goto(f"{live.url}/procedures/registration")
    page.screenshot(path=str(shots / "08-procedure.png"), full_page=True)
    page.goto(f"{live.url}/organizations/{org_id}")
    page.screenshot(path=str(shots / "09-organization.png"), full_page=True)
    page.context.close()


def test_supervisor_sees_it_overdue_after_a_sweep(chromium, live, shots):
    case_id = live.story.get("case_id")
    if case_id is None:
        pytest.fail("the caseworker's case was not created (see the test before)")
    from engine.oversight.sweep import sweep

    # REG-5: the documents are due within 1 month of 2026-03-02; it is now 2026-04-20.
    live.clock.at = datetime(2026, 4, 20, 2, 0, tzinfo=UTC)
    result = sweep(live.world.rt.uow(), live.world.rt.definitions, now=live.clock.now())
    assert result.escalations, result.summary()

    page = _page(chromium)
    _sign_in(page, live, "li")
    assert page.url.endswith("/dashboard")
    assert page.locator("[data-figure=overdue]").inner_text() == "1"
    escalations = page.locator("section.escalations")
    assert f"#{case_id}" in escalations.inner_text()
    page.screenshot(path=str(shots / "05-dashboard.png"), full_page=True)

    page.click("a.card.figure.bad")
    page.wait_for_load_state()
    row = page.locator("table.list tbody tr", has=page.locator(f"a[href='/cases/{case_id}']"))
    assert row.count() == 1
    assert "逾期" in row.inner_text()
    page.screenshot(path=str(shots / "06-overdue-list.png"), full_page=True)

    page.click(f"a[href='/cases/{case_id}'] >> nth=0")
    page.wait_for_load_state()
    overdue = page.locator("section.deadlines tr.row-overdue")
    assert overdue.count() == 1  # REG-5 ran out; REG-8 (3 months) still runs
    assert "REG-5" in overdue.inner_text() and "逾期" in overdue.inner_text()
    page.context.close()

    english = _page(chromium, locale="en-US")
    _sign_in(english, live, "li")
    english.goto(f"{live.url}/cases/{case_id}")
    assert "days overdue" in english.locator("section.deadlines").inner_text()
    english.screenshot(path=str(shots / "10-case-english.png"), full_page=True)
    english.context.close()


def test_user_of_another_district_cannot_open_it(chromium, live, shots):
    case_id = live.story.get("case_id")
    if case_id is None:
        pytest.fail("the caseworker's case was not created (see the test before)")
    page = _page(chromium)
    _sign_in(page, live, "zhao")
    response = page.goto(f"{live.url}/cases/{case_id}")
    assert response is not None and response.status == 403
    assert "无权办理" in page.locator("h1").inner_text()
    assert "长春市南关区物流行业协会" not in page.content()
    page.screenshot(path=str(shots / "07-forbidden.png"), full_page=True)
    page.goto(f"{live.url}/cases?view=all")
    assert page.locator(f"a[href='/cases/{case_id}']").count() == 0
    page.context.close()


def test_every_action_works_without_javascript(chromium, live):
    """With JavaScript off a caseworker still signs in, opens a case and adds a form row."""
    context = chromium.new_context(java_script_enabled=False, locale="zh-CN")
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    _sign_in(page, live, "wang")
    case_id = live.world.open("health")
    page.goto(f"{live.url}/cases/{case_id}")
    step = _open_step(page, "record_documents")
    for name, value in survey(3).items():
        step.locator(f"input[name='member_survey.{name}']").fill(str(value))
    _submit(step)
    assert live.world.case(case_id)["data"]["member_survey"] == survey(3)
    page.goto(f"{live.url}/lang/en?next=/cases/{case_id}")
    assert "Next steps" in page.content()
    context.close()
