"""The case page's owner card and supervisor corrections, and the inbox's owner tabs (issue 15,
item 4), through the Flask test client on SQLite and PostgreSQL: forms drawn only for those
the engine would let act, refusals shown beside their field in the page's language, the
suspension beside the legal due dates, nothing changed by a refused post."""

from __future__ import annotations

import re

import pytest

from engine.cases import handover
from tests.control import control_of, drill_ui_world, events, open_drill
from tests.e2e.ui_support import app_for, csrf_token, login


@pytest.fixture
def world(db_url):
    w = drill_ui_world(db_url)
    yield w
    w.rt.engine.dispose()


@pytest.fixture
def app(world):
    return app_for(world)


def client_for(app, user: str, lang: str = "zh"):
    c = app.test_client()
    c.set_cookie("tongbu_lang", lang)
    assert login(c, user).status_code in (302, 303)
    return c


def page(client, cid: int) -> str:
    r = client.get(f"/cases/{cid}")
    assert r.status_code == 200
    return r.get_data(as_text=True)


def post(client, cid: int, action: str, version: int | None = None, **form: str):
    data = {"csrf_token": csrf_token(page(client, cid)), **form}
    if version is not None:
        data["_version"] = str(version)
    return client.post(f"/cases/{cid}/control/{action}", data=data)


def unassigned(world) -> int:
    cid = open_drill(world, "chaoyang", by="zhao")
    handover.hand_over(
        world.uow(),
        cid,
        {"unit": "cc-ng", "reason": "属地移交", "expected_version": 1},
        actor=world.actors["chen"],
    )
    return cid


def inbox_ids(client, **query: str) -> list[int]:
    html = client.get("/cases", query_string=query).get_data(as_text=True)
    return sorted(int(x) for x in re.findall(r'data-case="(\d+)"', html))


def test_a_caseworker_claims_an_unassigned_case_from_its_page_and_finds_it_under_mine(app, world):
    cid = unassigned(world)
    wang = client_for(app, "wang")
    html = page(wang, cid)
    assert "南关区民政局 未分派" in html and "认领此案件" in html
    assert cid not in inbox_ids(wang, owner="mine") and cid in inbox_ids(wang, owner="unassigned")
    r = post(wang, cid, "claim")
    assert r.status_code == 303 and r.headers["Location"].endswith(f"/cases/{cid}#owner")
    html = page(wang, cid)
    assert 'data-user="wang"' in html and "认领此案件" not in html
    assert "认领" in html  # the history names the event
    assert inbox_ids(wang, owner="mine") == [cid]


def test_the_owner_tabs_and_their_counts(app, world):
    mine, loose = open_drill(world), unassigned(world)
    open_drill(world, "health", by="sun")
    wang = client_for(app, "wang")
    html = wang.get("/cases").get_data(as_text=True)
    counts = dict(re.findall(r'data-count="owner-(\w+)">(\d+)<', html))
    assert counts == {"mine": "1", "unassigned": "1", "unit": "3", "all": "3"}
    assert inbox_ids(wang, owner="mine") == [mine]
    assert inbox_ids(wang, owner="unassigned") == [loose]
    assert len(inbox_ids(wang, owner="unit")) == 3 == len(inbox_ids(wang))
    assert wang.get("/cases", query_string={"owner": "theirs"}).status_code == 422


def test_a_supervisor_reassigns_with_a_reason_and_the_refusal_is_shown_beside_the_field(app, world):
    cid = open_drill(world)
    li = client_for(app, "li")
    r = post(li, cid, "assign", user="sun")
    assert r.status_code == 422
    html = r.get_data(as_text=True)
    assert 'id="control-assign" data-control="assign" open' in html
    assert "改派须说明理由" in html and "a reassignment needs a reason" not in html
    assert control_of(world, cid).owner.username == "wang" and events(world, cid, "assigned") == []
    r = post(li, cid, "assign", user="sun", reason="分工调整")
    assert r.status_code == 303
    assert control_of(world, cid).owner.username == "sun"
    wang = client_for(app, "wang")
    assert 'id="control-assign"' not in page(wang, cid)  # caseworkers do not assign
    assert post(wang, cid, "assign", user="wang", reason="我来").status_code == 403


def test_the_owner_delegates_until_a_day_and_the_delegate_sees_it(app, world):
    cid = open_drill(world)
    wang = client_for(app, "wang", lang="en")
    r = post(wang, cid, "delegate", user="sun", until="2026-03-01", reason="away")
    assert r.status_code == 422 and "must be today (2026-03-02) or later" in r.get_data(
        as_text=True
    )
    r = post(wang, cid, "delegate", user="sun", until="2026-03-06", reason="away for a week")
    assert r.status_code == 303
    html = page(wang, cid)
    assert "Delegated to" in html and "until 2026-03-06 (inclusive)" in html
    assert inbox_ids(client_for(app, "sun"), owner="mine") == [cid]


def test_a_supervisor_steps_back_with_a_reason_and_a_confirmation_and_the_history_shows_it(
    app, world
):
    cid = open_drill(world)
    world.fire(cid, "review")
    li = client_for(app, "li")
    html = page(li, cid)
    assert 'id="control-step_back"' in html and "主管纠正" in html
    r = post(li, cid, "step-back", version=2, to_state="filed", reason="审查有误")
    assert r.status_code == 422 and "请勾选确认此项纠正" in r.get_data(as_text=True)
    r = post(li, cid, "step-back", version=2, to_state="filed", reason="", confirm="y")
    assert r.status_code == 422 and world.case(cid)["state"] == "reviewed"
    r = post(li, cid, "step-back", version=2, to_state="filed", reason="审查有误", confirm="y")
    assert r.status_code == 303 and r.headers["Location"].endswith("#history")
    html = page(li, cid)
    assert "退回（主管纠正）" in html and "审查有误" in html
    assert "撤回的步骤" in html and "取消的期限" in html and "恢复计算的期限" in html
    stale = post(li, cid, "suspend", version=2, reason="等待", confirm="y")
    assert stale.status_code == 409 and "其他人已修改了本案件" in stale.get_data(as_text=True)


def test_a_suspended_case_shows_the_suspension_beside_its_due_dates_and_offers_no_step(app, world):
    cid = open_drill(world)
    li = client_for(app, "li", lang="en")
    assert (
        post(li, cid, "suspend", version=1, reason="awaiting a ruling", confirm="y").status_code
        == 303
    )
    wang = client_for(app, "wang", lang="en")
    html = page(wang, cid)
    assert 'class="suspension-note alert"' in html and "awaiting a ruling" in html
    assert "The legal due dates below do not move." in html
    assert "2026-03-12" in html and "suspended</span>" in html
    assert "suspended by a supervisor since 2026-03-02" in html  # the step's refusal
    assert 'data-control="suspend"' not in html  # no correction form for a caseworker
    assert post(wang, cid, "resume", version=2, reason="我来恢复", confirm="y").status_code == 403
    assert (
        post(li, cid, "resume", version=2, reason="the ruling came", confirm="y").status_code == 303
    )
    assert "suspension-note" not in page(wang, cid)


def test_an_unknown_control_is_not_found_and_a_post_without_the_token_changes_nothing(app, world):
    cid = open_drill(world)
    li = client_for(app, "li")
    assert post(li, cid, "rewrite").status_code == 404
    r = li.post(
        f"/cases/{cid}/control/cancel", data={"_version": "1", "reason": "x", "confirm": "y"}
    )
    assert r.status_code == 400 and world.case(cid)["status"] == "open"
