"""Handing a case to another unit (REG-6) through the case page and `tongbu case hand-over`,
on SQLite and PostgreSQL.

The form posts to `engine.cases.handover.hand_over`, which decides role, scope, version and
unit; these tests show the page offers the form to supervisors only, keeps what was typed on
a refusal, changes nothing when it refuses, and tells the history of a hand-over, a reaction
and a notice in both languages.
"""

from __future__ import annotations

import re

import pytest
from click.testing import CliRunner
from sqlalchemy import insert, select

from engine.store.tables import Case, Event, Unit
from tests.e2e.ui_support import app_for, csrf_token, event_count, login, ui_world
from tests.world import survey
from web.cli.core import main

REASON = "党建责任主体为朝阳区民政局（REG-6）"


@pytest.fixture
def world(db_url, clock):
    return ui_world(db_url, clock)


@pytest.fixture
def app(world):
    return app_for(world)


def _client(app, username):
    c = app.test_client()
    login(c, username)
    return c


def _unit_id(world, code: str) -> int:
    with world.rt.reader() as r:
        return r.conn.execute(
            select(Unit.__table__.c.id).where(Unit.__table__.c.code == code)
        ).scalar_one()


def _where(world, case_id: int) -> tuple[int, int, int, int | None]:
    """What a refused hand-over must leave alone: unit, version, events, assignee."""
    with world.rt.reader() as r:
        row = r.conn.execute(
            select(
                Case.__table__.c.unit_id, Case.__table__.c.version, Case.__table__.c.assignee_id
            ).where(Case.__table__.c.id == case_id)
        ).one()
    return (row.unit_id, row.version, event_count(world, case_id), row.assignee_id)


def _hand_over_form(html: str) -> str | None:
    m = re.search(r'<details class="action hand-over".*?</details>', html, re.S)
    return m.group(0) if m else None


def _post(client, case_id, *, unit="cc-cy", reason=REASON, version, token=None):
    if token is None:
        token = csrf_token(client.get(f"/cases/{case_id}").get_data(as_text=True))
    data = {"csrf_token": token, "_version": str(version), "unit": unit, "reason": reason}
    return client.post(f"/cases/{case_id}/hand-over", data=data)


def _handed_over_events(world, case_id):
    return [e for e in world.history(case_id) if e["kind"] == "handed_over"]


# ---------------------------------------------------------------- the page


def test_reg6_supervisor_hands_a_case_to_the_responsible_unit(app, world):
    cid = world.open("logistics")
    li = _client(app, "li")  # supervisor of 南关区民政局
    form = _hand_over_form(li.get(f"/cases/{cid}").get_data(as_text=True))
    assert form is not None, "a supervisor is offered the hand-over form"
    options = dict(re.findall(r'<option value="([^"]+)"\s*>([^<]+)</option>', form))
    # Every unit of the tree but the case's own, also those outside the supervisor's units.
    assert set(options) == {"jl-org", "cc-zh", "cc-mz", "cc-cy"}
    assert options["cc-cy"] == "朝阳区民政局"
    assert "南关区民政局" in form  # where the case is now

    resp = _post(li, cid, version=world.case(cid)["version"])
    # 朝阳区 is outside 南关区's units: back to the inbox, told where the case went.
    assert resp.status_code == 303 and resp.headers["Location"].endswith("/cases")
    inbox = li.get(resp.headers["Location"]).get_data(as_text=True)
    assert f"案件 {cid} 已移交朝阳区民政局" in inbox
    case = world.case(cid)
    assert case["unit_id"] == _unit_id(world, "cc-cy") and case["version"] == 2
    (event,) = _handed_over_events(world, cid)
    assert event["comment"] == REASON and event["actor_name"] == "李强"
    # 朝阳区's caseworker now has it; the history reads "from → to" with both names.
    zhao = _client(app, "zhao")
    page = zhao.get(f"/cases/{cid}").get_data(as_text=True)
    row = re.search(r'<tr class="event kind-handed_over">.*?</tr>', page, re.S).group(0)
    assert "移交" in row and "南关区民政局 → 朝阳区民政局" in row and REASON in row
    assert _hand_over_form(page) is None  # a caseworker gets no form


def test_reg6_hand_over_inside_the_supervisors_units_returns_to_the_case_in_english(app, world):
    cid = world.open("logistics")
    chen = _client(app, "chen")  # supervisor of the comprehensive committee, above both
    chen.get("/lang/en")
    resp = _post(chen, cid, version=1)
    assert resp.status_code == 303 and f"/cases/{cid}" in resp.headers["Location"]
    page = chen.get(f"/cases/{cid}").get_data(as_text=True)
    assert f"Case {cid} handed over to Chaoyang District Civil Affairs." in page
    row = re.search(r'<tr class="event kind-handed_over">.*?</tr>', page, re.S).group(0)
    assert "Handed over" in row
    assert "Nanguan District Civil Affairs → Chaoyang District Civil Affairs" in row
    form = _hand_over_form(page)
    assert "Hand over to another unit" in form and "Reason for the hand-over" in form
    assert 'value="cc-cy"' not in form  # the case is there now: no longer a target


def test_reg6_caseworker_gets_no_form_and_a_post_is_forbidden(app, world):
    cid = world.open("logistics")
    wang = _client(app, "wang")
    page = wang.get(f"/cases/{cid}").get_data(as_text=True)
    assert _hand_over_form(page) is None
    before = _where(world, cid)
    resp = _post(wang, cid, version=1, token=csrf_token(page))
    assert resp.status_code == 403
    assert _where(world, cid) == before and not _handed_over_events(world, cid)
    # The same post from the supervisor goes through: the caseworker's was refused for the role.
    assert _post(_client(app, "li"), cid, version=1).status_code == 303
    assert _where(world, cid)[0] == _unit_id(world, "cc-cy")


def test_reg6_stale_form_is_a_conflict_and_changes_nothing(app, world):
    cid = world.open("logistics")
    li = _client(app, "li")
    token = csrf_token(li.get(f"/cases/{cid}").get_data(as_text=True))
    world.fire(cid, "record_documents", {"member_survey": survey(4)})  # someone moves the case
    before = _where(world, cid)
    resp = _post(li, cid, version=1, token=token)
    html = resp.get_data(as_text=True)
    assert resp.status_code == 409
    assert 'id="conflict"' in html and "案件已被他人办理" in html
    form = _hand_over_form(html)
    assert form is not None and " open" in form.split(">", 1)[0]
    assert REASON in form  # what was typed is kept
    assert 'name="_version" value="2"' in form  # ready to send again on the current version
    assert _where(world, cid) == before and not _handed_over_events(world, cid)


def _field(form: str, kind: str) -> str | None:
    m = re.search(rf'<div class="field kind-{kind} has-error">.*?</div>\s*</div>', form, re.S)
    return m.group(0) if m else None


def test_reg6_unknown_unit_and_missing_reason_are_named_beside_their_fields(app, world):
    cid = world.open("logistics")
    li = _client(app, "li")
    before = _where(world, cid)
    resp = _post(li, cid, unit="no-such-unit", version=1)
    assert resp.status_code == 422
    form = _hand_over_form(resp.get_data(as_text=True))
    unit = _field(form, "select")
    assert unit and "no-such-unit" in unit and "单位不存在" in unit
    assert REASON in form  # the reason typed is kept
    resp = _post(li, cid, reason="   ", version=1)
    assert resp.status_code == 422
    form = _hand_over_form(resp.get_data(as_text=True))
    reason = _field(form, "textarea")
    assert reason and "必填项" in reason
    assert _field(form, "select") is None
    assert 'value="cc-cy" selected' in form  # the unit chosen is kept
    # The case's own unit is refused too, by name.
    resp = _post(li, cid, unit="cc-ng", version=1)
    assert resp.status_code == 422 and "案件已在该单位" in resp.get_data(as_text=True)
    assert _where(world, cid) == before and not _handed_over_events(world, cid)


def test_history_tells_reactions_and_notices_with_links(app, world):
    """The engine's `reaction` and `notice` events (a linked procedure's step), as the page shows
    them: the kind's label, and the other cases as links."""
    cid, other = world.open("logistics"), world.open("health")
    at = world.clock.now()
    common = {"actor_id": None, "actor_name": "系统 / system", "at": at, "rules": ["REG-9"]}
    with world.rt.uow() as u:
        u.conn.execute(
            insert(Event.__table__),
            [
                {
                    **common,
                    "case_id": cid,
                    "kind": "reaction",
                    "trigger": "record_documents",
                    "case_version": 1,
                    "comment": "联动",
                    "payload": {
                        "do": "fire",
                        "procedure": "registration",
                        "trigger": "accept",
                        "cases": [{"case_id": other, "outcome": "notified"}],
                    },
                },
                {
                    **common,
                    "case_id": other,
                    "kind": "notice",
                    "trigger": "accept",
                    "case_version": 1,
                    "comment": "未能自动办理",
                    "payload": {"from_case": cid, "from_trigger": "record_documents"},
                },
            ],
        )
        u.commit()
    admin = _client(app, "admin")
    page = admin.get(f"/cases/{cid}").get_data(as_text=True)
    row = re.search(r'<tr class="event kind-reaction">.*?</tr>', page, re.S).group(0)
    assert "<strong>联动</strong>" in row and f'href="/cases/{other}"' in row
    assert "已提示，需手工办理" in row
    page = admin.get(f"/cases/{other}").get_data(as_text=True)
    row = re.search(r'<tr class="event kind-notice">.*?</tr>', page, re.S).group(0)
    assert "<strong>联动提示</strong>" in row and f'href="/cases/{cid}"' in row
    admin.get("/lang/en")
    page = admin.get(f"/cases/{cid}").get_data(as_text=True)
    row = re.search(r'<tr class="event kind-reaction">.*?</tr>', page, re.S).group(0)
    assert "<strong>Linked step</strong>" in row and "notified, to be done by hand" in row
    page = admin.get(f"/cases/{other}").get_data(as_text=True)
    assert "Notice from a linked case" in page and "Set off by case" in page


# ---------------------------------------------------------------- the CLI


@pytest.fixture
def tongbu(world, db_url, monkeypatch):
    monkeypatch.setenv("TONGBU_DATABASE_URL", db_url)
    runner = CliRunner()

    def run(*args: str, code: int = 0) -> str:
        result = runner.invoke(main, list(args))
        assert result.exit_code == code, f"{args}: exit {result.exit_code}\n{result.output}"
        return result.output

    return run


def test_reg6_cli_hands_a_case_over(world, tongbu):
    cid = world.open("logistics")
    before = _where(world, cid)
    # A caseworker may not (exit 5), a stale version is a conflict (4), an unknown unit is
    # invalid input naming --to's field (2): each leaves the case where it was.
    out = tongbu(
        "case", "hand-over", str(cid), "--to", "cc-cy", "--reason", REASON, "--as", "wang", code=5
    )
    assert "forbidden" in out
    world.fire(cid, "record_documents", {"member_survey": survey(4)})
    before = _where(world, cid)
    args = ("case", "hand-over", str(cid), "--reason", REASON, "--as", "li")
    assert "conflict" in tongbu(*args, "--to", "cc-cy", "--version", "1", code=4)
    assert "unit:" in tongbu(*args, "--to", "no-such-unit", code=2)
    assert _where(world, cid) == before
    out = tongbu(*args, "--to", "cc-cy")  # the current version, read when --version is omitted
    assert f"case {cid}: handed over to cc-cy (version 3)" in out
    assert _where(world, cid)[0:2] == (_unit_id(world, "cc-cy"), 3)
    (event,) = _handed_over_events(world, cid)
    assert event["payload"]["from_unit"] == "南关区民政局"
    assert event["payload"]["to_unit"] == "朝阳区民政局"
    assert event["comment"] == REASON
