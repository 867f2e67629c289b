"""In a real browser (issue 15, "Done when"): a supervisor assigns an unassigned case to a
caseworker, who finds it under "Mine" and gets its reminder from the sweep run at a fixed
instant; the supervisor steps a case back with a reason and the history shows the
compensation.

The app serves the test world with the `drill` procedure (tests/control: a deadline from the
opening, with a reminder), so the story does not move when the shipped procedures do. With
TONGBU_SCREENSHOTS=1: docs/screenshots/case-owner.png (the owner card after the assignment)
and case-step-back.png (the history with the step back).
"""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from werkzeug.serving import make_server

from engine.cases import handover
from tests.control import drill_ui_world, open_drill, reminder_instant, sweep_at
from tests.e2e.test_browser import _page, _sign_in
from tests.e2e.ui_support import app_for


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> Iterator[Any]:
    """The app served for real over the drill world (as tests/e2e/conftest.py's `live`)."""
    path = tmp_path_factory.mktemp("e2e-control") / "tongbu.db"
    shutil.copy(sqlite_template, path)
    world = drill_ui_world(f"sqlite:///{path}")
    server = make_server("127.0.0.1", 0, app_for(world), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()

    class Live:
        pass

    live = Live()
    live.world = world
    live.url = f"http://127.0.0.1:{server.server_port}"
    try:
        yield live
    finally:
        server.shutdown()
        thread.join(timeout=10)
        world.rt.engine.dispose()


def _open_form(page: Any, action: str) -> Any:
    form = page.locator(f"details#control-{action}")
    if form.get_attribute("open") is None:
        form.locator("summary").click()
    return form


def test_a_supervisor_assigns_an_unassigned_case_and_the_caseworker_finds_it_and_is_reminded(
    chromium, live, shots
):
    w = live.world
    case_id = open_drill(w, "chaoyang", by="zhao")
    handover.hand_over(  # REG-6: it arrives in Nanguan unassigned
        w.uow(),
        case_id,
        {"unit": "cc-ng", "reason": "属地管理，移交南关区", "expected_version": 1},
        actor=w.actors["chen"],
    )

    page = _page(chromium)
    _sign_in(page, live, "li")
    page.goto(f"{live.url}/cases")
    page.click(".owner-tabs a[data-owner=unassigned]")
    page.wait_for_load_state()
    page.click(f"tr[data-case='{case_id}'] a >> nth=0")
    page.wait_for_load_state()
    assert "未分派" in page.locator("#owner .owner").inner_text()
    form = _open_form(page, "assign")
    form.locator("select[name=user]").select_option("wang")
    form.locator("textarea[name=reason]").fill("由王芳承办")
    form.locator("button[type=submit]").click()
    page.wait_for_load_state()
    assert page.locator(".flash.success").count() == 1
    owner = page.locator("#owner")
    assert "王芳" in owner.locator(".owner").inner_text()
    delegating = _open_form(page, "delegate")  # the next thing an owner may need, shown open
    assert delegating.locator("select[name=user] option[value=sun]").count() == 1
    owner.screenshot(path=str(shots / "case-owner.png"))
    page.context.close()

    # The caseworker finds it under "Mine".
    page = _page(chromium)
    _sign_in(page, live, "wang")
    page.goto(f"{live.url}/cases")
    page.click(".owner-tabs a[data-owner=mine]")
    page.wait_for_load_state()
    assert page.locator(f"tr[data-case='{case_id}']").count() == 1
    assert page.locator(".owner-tabs a[data-owner=mine]").get_attribute("aria-current") == "page"

    # The scheduler's sweep at the reminder's instant reminds her, and only her.
    result = sweep_at(w, reminder_instant(w, case_id))
    (reminder,) = [r for r in result.reminders if r["case_id"] == case_id]
    assert reminder["recipients"] == [w.actors["wang"].id]
    page.goto(f"{live.url}/notifications")
    assert f"#{case_id}" in page.locator("main").inner_text()
    page.context.close()


def test_a_supervisor_steps_a_case_back_with_a_reason_and_the_history_shows_it(
    chromium, live, shots
):
    w = live.world
    case_id = open_drill(w)
    w.fire(case_id, "review")

    page = _page(chromium)
    _sign_in(page, live, "li")
    page.goto(f"{live.url}/cases/{case_id}")
    form = _open_form(page, "step_back")
    form.locator("select[name=to_state]").select_option("filed")
    form.locator("textarea[name=reason]").fill("审查记录有误，退回重新审查")
    form.locator("input[name=confirm]").check()
    form.locator("button[type=submit]").click()
    page.wait_for_load_state()
    assert page.locator(".flash.success").count() == 1
    assert "已立案" in page.locator(".current-state").inner_text()
    back = page.locator("#history tr.kind-stepped_back")
    assert back.count() == 1
    text = back.inner_text()
    assert "退回（主管纠正）" in text and "审查记录有误" in text and "李强" in text
    back.locator("details.payload-box summary").click()
    shown = back.inner_text()
    assert "撤回的步骤" in shown and "审查" in shown and "恢复计算的期限" in shown
    # The step it undid is still there, below it: compensated, not erased.
    assert page.locator("#history tr.kind-transition").count() == 1
    page.locator("#history").screenshot(path=str(shots / "case-step-back.png"))
    page.context.close()
