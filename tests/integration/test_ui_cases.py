"""The caseworker's and supervisor's pages through the Flask test client, on SQLite and PostgreSQL.

Forms are posted exactly as the generated pages name their inputs; every step goes through
`engine.cases.service.fire`, so these tests show the UI adds no rule and loses no input.
"""

from __future__ import annotations

import io
import re

import pytest
from openpyxl import load_workbook
from sqlalchemy import event, update

from engine.store.tables import User
from tests.e2e.ui_support import (
    _password_hash,
    app_for,
    csrf_token,
    fire_form,
    login,
    snapshot,
    ui_world,
)
from tests.world import (
    CHARTER_OK,
    P1_DOCUMENTS,
    add_responsible_units,
    registration_steps,
    survey,
)


@pytest.fixture
def world(db_url, clock):
    return ui_world(db_url, clock)


@pytest.fixture
def app(world):
    return app_for(world)


@pytest.fixture
def wang(app):
    c = app.test_client()
    login(c, "wang")
    return c


def _open_by_form(client, world, org="logistics") -> int:
    org_id = world.orgs[org]
    page = client.get(f"/organizations/{org_id}/cases/new")
    assert page.status_code == 200
    resp = client.post(
        f"/organizations/{org_id}/cases/new",
        data={
            "csrf_token": csrf_token(page.get_data(as_text=True)),
            "_procedure": "registration",
            "applied_on": "2026-03-01",
            "founders": "张伟\n刘洋\n",
            "proposed_leaders": "张伟",
            "_comment": "窗口受理",
        },
    )
    assert resp.status_code == 303, resp.get_data(as_text=True)[:500]
    return int(resp.headers["Location"].rstrip("/").split("/")[-1].split("#")[0])


def test_caseworker_drives_registration_to_a_party_organization(app, world, wang):
    """The registration authority's caseworker up to the responsible body, which the
    comprehensive committee's supervisor determines (REG-6); the case then goes to that body's
    unit, whose caseworker forms the Party organization (registration v2)."""
    units = add_responsible_units(world)
    with world.rt.uow() as u:  # the new users sign in too
        u.conn.execute(update(User.__table__).values(password_hash=_password_hash()))
        u.commit()
    cid = _open_by_form(wang, world)
    assert world.case(cid)["data"]["application"]["founders"] == ["张伟", "刘洋"]
    assert world.history(cid)[0]["comment"] == "窗口受理"
    # The applicant's documents (REG-1, REG-3) come through the engine here; this test walks
    # the step forms (the case page's own upload is tested with the case file's pages).
    world.attach(cid, *P1_DOCUMENTS)
    users = {"wang": wang}
    for name in ("li", "chen", "lu"):
        users[name] = app.test_client()
        login(users[name], name)
    for trigger, payload, user in registration_steps(full_members=4):
        version = world.case(cid)["version"]
        resp = fire_form(users[user], cid, trigger, payload, version=version)
        assert resp.status_code == 303, (trigger, resp.get_data(as_text=True)[:800])
        assert world.case(cid)["version"] == version + 1
    for trigger, payload, user in (
        (
            "assign_responsible_body",
            {
                "kind": "local_party_org",
                "unit_id": units["ng-nh"],
                "territorial_relation": True,
            },
            "chen",
        ),
        ("route_standalone", {}, "lu"),
        (
            "establish_party_org",
            {
                "name": "长春市南关区物流行业协会党支部",
                "kind": "branch",
                "approved_by": "南关区南湖园区党委",
                "established_on": "2026-03-02",
            },
            "lu",
        ),
    ):
        client = users[user]
        resp = fire_form(client, cid, trigger, payload, version=world.case(cid)["version"])
        assert resp.status_code == 303, (trigger, resp.get_data(as_text=True)[:800])
    case = world.case(cid)
    assert case["state"] == "covered" and case["status"] == "closed"
    assert case["unit_id"] == units["ng-nh"]
    lu = users["lu"]
    page = lu.get(f"/cases/{cid}").get_data(as_text=True)
    assert 'aria-current="step"' in page and 'data-state="covered"' in page
    org = wang.get(f"/organizations/{world.orgs['logistics']}").get_data(as_text=True)
    assert "长春市南关区物流行业协会党支部" in org


def test_reg1_a_step_waiting_for_its_documents_says_why_and_is_refused_when_posted(world, wang):
    """REG-1: `accept` waits for the two documents; its form stays open to upload them, with
    the rule in its summary, and posting it without them is refused."""
    cid = world.open("logistics")
    page = wang.get(f"/cases/{cid}").get_data(as_text=True)
    waiting = re.search(
        r'<details class="action needs-documents"[^>]*data-trigger="accept".*?</summary>',
        page,
        re.S,
    )
    assert waiting and "REG-1" in waiting.group(0)
    assert 'data-trigger="record_documents"' in page  # offered as a form
    before = snapshot(world, cid)
    resp = fire_form(wang, cid, "accept", {}, version=before[1])
    assert resp.status_code == 409
    assert "REG-1" in resp.get_data(as_text=True)
    assert snapshot(world, cid) == before


def test_reg2_refused_step_is_greyed_with_its_rule_and_refused_when_posted(world, wang):
    """With both documents held, `accept` still waits for the survey's figures (REG-2): a
    refusal no upload can lift, so the step is greyed."""
    cid = world.open("logistics")
    world.attach(cid, "commitment_letter", "member_survey")
    page = wang.get(f"/cases/{cid}").get_data(as_text=True)
    refused = re.search(
        r'<div class="action refused"[^>]*data-trigger="accept".*?</div>', page, re.S
    )
    assert refused and "REG-2" in refused.group(0)
    before = snapshot(world, cid)
    resp = fire_form(wang, cid, "accept", {}, version=before[1])
    assert resp.status_code == 409
    assert "REG-2" in resp.get_data(as_text=True)
    assert snapshot(world, cid) == before


def test_reg2_field_error_shown_beside_the_field_and_input_kept(world, wang):
    cid = world.open("logistics")
    before = snapshot(world, cid)
    resp = fire_form(
        wang,
        cid,
        "record_documents",
        {"member_survey": survey(2, full_time=5)},
        version=before[1],
        comment="我的说明",
    )
    html = resp.get_data(as_text=True)
    assert resp.status_code == 422
    field = re.search(
        r'<div class="field kind-integer has-error">\s*<label for="f-record_documents-member_survey-'
        r'full_time_full_members".*?</div>\s*</div>',
        html,
        re.S,
    )
    assert field, "the error is not beside its field"
    assert "REG-2" in field.group(0)
    assert 'value="5"' in field.group(0)  # what the user typed is kept
    assert "我的说明" in html
    assert snapshot(world, cid) == before


def test_not_a_number_is_a_field_error_not_a_crash(world, wang):
    cid = world.open("logistics")
    resp = fire_form(
        wang,
        cid,
        "record_documents",
        {"member_survey": {**survey(1), "full_members": "three"}},
        version=1,
    )
    assert resp.status_code == 422
    assert 'value="three"' in resp.get_data(as_text=True)


def test_stale_form_shows_what_changed_and_keeps_the_input(world, wang):
    cid = world.open("logistics")
    seen = world.case(cid)["version"]
    world.fire(cid, "record_documents", {"member_survey": survey(4)}, by="wang")
    resp = fire_form(
        wang,
        cid,
        "record_documents",
        {"member_survey": survey(3)},
        version=seen,
        comment="调查表已收到",
    )
    html = resp.get_data(as_text=True)
    assert resp.status_code == 409
    assert 'id="conflict"' in html
    changes = re.search(r'<ol class="changes">(.*?)</ol>', html, re.S).group(1)
    assert "王芳" in changes and changes.count("<li>") == 1
    form = re.search(
        r'<details class="action allowed" id="step-record_documents".*?</details>', html, re.S
    )
    assert form and " open>" in form.group(0)
    assert 'value="3"' in form.group(0) and "调查表已收到" in form.group(0)
    # resubmitting from the refreshed form (it carries the current version) goes through
    assert f'name="_version" value="{seen + 1}"' in form.group(0)


def test_add_row_without_javascript_keeps_input(world, wang):
    cid = world.open("logistics")
    world.attach(cid, *P1_DOCUMENTS)
    for trigger, payload, user in registration_steps()[:4]:
        world.fire(cid, trigger, payload, by=user)
    token = csrf_token(wang.get(f"/cases/{cid}").get_data(as_text=True))
    resp = wang.post(
        f"/cases/{cid}/steps/forward_documents",
        data={
            "csrf_token": token,
            "_version": str(world.case(cid)["version"]),
            "recipients.0.kind": "industry_regulator",
            "recipients.0.name": "南关区商务局",
            "_add": "recipients",
        },
    )
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert 'name="recipients.1.name"' in html and 'value="南关区商务局"' in html
    assert world.case(cid)["state"] == "registered"


def test_every_shipped_step_and_opening_gets_a_generated_form(world, wang):
    """No UI code per procedure: each definition's forms come from its schemas."""
    from web import forms

    defs = world.rt.definitions
    for d in defs:
        names = [t.schema for t in d.transitions if t.schema] + (
            [d.open_schema] if d.open_schema else []
        )
        for name in names:
            fields = forms.describe(d.registry.schema(name))
            assert fields, name
            assert all(
                f.kind
                in (
                    "text",
                    "textarea",
                    "integer",
                    "number",
                    "boolean",
                    "date",
                    "datetime",
                    "select",
                    "email",
                    "json",
                    "lines",
                    "group",
                    "pick",
                    "picks",
                    "rows",
                )
                for f in fields
            )
        page = wang.get(f"/procedures/{d.procedure}/v{d.version}")
        assert page.status_code == 200
    new = wang.get(f"/organizations/{world.orgs['logistics']}/cases/new").get_data(as_text=True)
    for d in defs.latest():
        assert f'value="{d.procedure}"' in new


def test_inbox_is_scoped_searchable_and_exports_xlsx(app, world, wang):
    ours = [world.open("logistics"), world.open("health")]
    theirs = world.open("chaoyang", by="zhao")
    page = wang.get("/cases").get_data(as_text=True)
    for cid in ours:
        assert f'href="/cases/{cid}"' in page
    assert f'href="/cases/{theirs}"' not in page
    found = wang.get("/cases?q=健康").get_data(as_text=True)
    assert f'href="/cases/{ours[1]}"' in found and f'href="/cases/{ours[0]}"' not in found
    export = wang.get("/cases?view=open&format=xlsx")
    assert export.status_code == 200
    assert export.mimetype.endswith("spreadsheetml.sheet")
    ws = load_workbook(io.BytesIO(export.data)).active
    ids = sorted(row[0] for row in ws.iter_rows(min_row=2, values_only=True))
    assert ids == sorted(ours)


def test_supervisor_sees_overdue_case_and_coverage(app, world, clock):
    cid = world.open("logistics")
    world.attach(cid, *P1_DOCUMENTS)
    for trigger, payload, user in registration_steps()[:4]:
        world.fire(cid, trigger, payload, by=user)
    li = app.test_client()
    login(li, "li")
    board = li.get("/dashboard").get_data(as_text=True)
    assert re.search(r'data-figure="overdue">0<', board)
    clock.advance(days=45)  # REG-5: forward within 1 month of 2026-03-02
    login(li, "li")  # 45 days on, the first session has long timed out (issue 18)
    board = li.get("/dashboard").get_data(as_text=True)
    assert re.search(r'data-figure="overdue">1<', board)
    overdue = li.get("/cases?view=overdue").get_data(as_text=True)
    assert f'href="/cases/{cid}"' in overdue
    assert re.search(r'data-figure="registered">1<', board)
    assert re.search(r'data-figure="coverage-none">1<', board)
    export = li.get("/dashboard?format=xlsx")
    wb = load_workbook(io.BytesIO(export.data))
    assert len(wb.sheetnames) == 2


def test_statements_per_list_page_do_not_grow_with_rows(app, world, wang):
    """No query per row: the inbox costs the same number of statements for 10 or 20 cases."""
    counts = []
    for _ in range(2):
        for _ in range(5):
            world.open("logistics")
            world.open("health")
        statements = []

        def count(*_args, _sink=statements, **_kw):
            _sink.append(1)

        event.listen(world.rt.engine, "before_cursor_execute", count)
        try:
            assert wang.get("/cases").status_code == 200
            assert wang.get("/organizations").status_code == 200
        finally:
            event.remove(world.rt.engine, "before_cursor_execute", count)
        counts.append(len(statements))
    assert counts[0] == counts[1]


@pytest.mark.parametrize(
    ("header", "cookie", "expected"),
    [
        ("zh-CN,zh;q=0.9", None, "登录"),
        ("en-US,en;q=0.9", None, "Sign in"),
        (None, None, "登录"),
        ("fr-FR", None, "登录"),
        ("en-US", "zh", "登录"),
        ("zh-CN", "en", "Sign in"),
    ],
)
def test_language_switch_beats_browser_beats_chinese_default(app, header, cookie, expected):
    c = app.test_client()
    if cookie:
        assert c.get(f"/lang/{cookie}?next=/login").status_code == 302
    headers = {"Accept-Language": header} if header else {}
    page = c.get("/login", headers=headers).get_data(as_text=True)
    assert f"<h1>{expected}</h1>" in page


def test_new_organization_form_validates_with_the_directory_schema(world, wang):
    page = wang.get("/organizations/new").get_data(as_text=True)
    token = csrf_token(page)
    bad = wang.post(
        "/organizations/new",
        data={
            "csrf_token": token,
            "name": "南关区新社团",
            "org_type": "social_group",
            "category": "charity",
            "unit": "cc-ng",
            "credit_code": "123",
        },
    )
    assert bad.status_code == 422 and "INF-1" in bad.get_data(as_text=True)
    outside = wang.post(
        "/organizations/new",
        data={
            "csrf_token": token,
            "name": "朝阳区新社团",
            "org_type": "social_group",
            "category": "charity",
            "unit": "cc-cy",
        },
    )
    assert outside.status_code == 403
    ok = wang.post(
        "/organizations/new",
        data={
            "csrf_token": token,
            "name": "南关区新社团",
            "org_type": "social_group",
            "category": "charity",
            "unit": "cc-ng",
        },
    )
    assert ok.status_code == 303
    assert "南关区新社团" in wang.get(ok.headers["Location"]).get_data(as_text=True)


def test_history_shows_who_when_what_comment_and_payload(world, wang):
    cid = world.open("logistics")
    fire_form(
        wang,
        cid,
        "record_documents",
        {"member_survey": survey(4)},
        version=1,
        comment="材料齐全",
    )
    html = wang.get(f"/cases/{cid}").get_data(as_text=True)
    history = re.search(r'<section class="history".*?</section>', html, re.S).group(0)
    assert "王芳" in history and "材料齐全" in history and "2026-03-02 10:00" in history
    assert "正式党员人数" in history  # payload shown with its field labels


def test_charter_checklist_refusal_keeps_ticks(world, wang):
    """REG-3: approving an incomplete charter is refused by rule; the ticks stay as they were."""
    cid = world.open("logistics")
    world.attach(cid, *P1_DOCUMENTS)
    for trigger, payload, user in registration_steps()[:2]:
        world.fire(cid, trigger, payload, by=user)
    ticks = {**CHARTER_OK, "core_values": False}
    resp = fire_form(wang, cid, "approve_charter", ticks, version=world.case(cid)["version"])
    html = resp.get_data(as_text=True)
    assert resp.status_code == 409 and "REG-3" in html
    form = re.search(r'id="step-approve_charter".*?</details>', html, re.S).group(0)
    assert form.count("checked") == len(CHARTER_OK) - 1
