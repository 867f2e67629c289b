"""Owners and supervisor correction through the API (issue 15, items 1, 3 and 6), on SQLite and
PostgreSQL: the control of a case, claim / assign / delegate, step back / cancel / suspend /
resume with If-Match, the owner filter of the case list; refusals as problem+json naming the
field, and nothing changed by them."""

from __future__ import annotations

import pytest

from engine.access import tokens
from engine.cases import handover
from tests.api.conftest import Api
from tests.control import drill_world, open_drill
from web import create_app

PROBLEM = "application/problem+json"
API = "/api/v1"


@pytest.fixture
def world(db_url):
    w = drill_world(db_url)
    yield w
    w.rt.engine.dispose()


@pytest.fixture
def api(world) -> Api:
    app = create_app(runtime=world.rt)
    app.config["TESTING"] = True
    issued = {
        u: tokens.create_token(world.rt.uow(), u, "tests").token
        for u in world.actors
        if u != "gone"
    }
    return Api(app.test_client(), issued)


def unassigned(world) -> int:
    cid = open_drill(world, "chaoyang", by="zhao")
    handover.hand_over(
        world.uow(),
        cid,
        {"unit": "cc-ng", "reason": "属地移交 / to the local bureau", "expected_version": 1},
        actor=world.actors["chen"],
    )
    return cid


def control(api, cid: int, user: str = "admin") -> dict:
    r = api.get(f"{API}/cases/{cid}/control", user=user)
    assert r.status_code == 200, r.get_json()
    return r.get_json()


def allowed(body: dict) -> dict[str, bool]:
    return {a["action"]: a["allowed"] for a in body["actions"]}


def test_the_control_says_who_owns_the_case_and_what_you_may_do(api, world):
    cid = open_drill(world)
    mine = control(api, cid, "wang")
    assert mine["owner"]["username"] == "wang" and mine["acting"]["username"] == "wang"
    assert allowed(mine)["delegate"] and not allowed(mine)["step_back"]
    refusal = next(a for a in mine["actions"] if a["action"] == "cancel")
    assert "supervisor" in refusal["reason"] and refusal["href"] == f"{API}/cases/{cid}/cancel"
    assert {p["username"] for p in mine["colleagues"]} == {"wang", "sun", "li"}
    assert api.get(f"{API}/cases/{cid}/control", user="zhao").status_code == 403


def test_claim_assign_and_delegate_through_the_api_without_moving_the_version(api, world):
    cid = unassigned(world)
    version = control(api, cid)["version"]
    r = api.post(f"{API}/cases/{cid}/claim", {"reason": "我来办"}, user="sun")
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["owner"]["username"] == "sun" and r.headers["ETag"] == f'"{version}"'
    again = api.post(f"{API}/cases/{cid}/claim", {}, user="wang")
    assert again.status_code == 422 and again.content_type == PROBLEM
    assert "case" in again.get_json()["errors"]
    r = api.post(f"{API}/cases/{cid}/assign", {"user": "wang"}, user="li")
    assert r.status_code == 422 and "reason" in r.get_json()["errors"]
    r = api.post(f"{API}/cases/{cid}/assign", {"user": "wang", "reason": "调整分工"}, user="li")
    assert r.status_code == 200 and r.get_json()["owner"]["username"] == "wang"
    r = api.post(
        f"{API}/cases/{cid}/delegate",
        {"user": "sun", "until": "2026-03-09", "reason": "出差 / away"},
        user="wang",
    )
    body = r.get_json()
    assert r.status_code == 200, body
    assert (body["delegate"]["username"], body["delegated_until"]) == ("sun", "2026-03-09")
    assert body["acting"]["username"] == "sun" and body["version"] == version
    r = api.post(f"{API}/cases/{cid}/end-delegation", {}, user="sun")
    assert r.status_code == 200 and r.get_json()["delegate"] is None
    kinds = [e["kind"] for e in api.get(f"{API}/cases/{cid}/history").get_json()["events"]]
    assert kinds[-4:] == ["claimed", "assigned", "delegated", "delegation_ended"]


def test_owner_changes_are_refused_as_problems_naming_the_field(api, world):
    cid = open_drill(world)
    cases = [
        ("assign", {"user": "sun"}, "wang", 403, None),  # a caseworker does not assign
        ("assign", {"user": "zhao", "reason": "xx"}, "li", 422, "user"),  # another unit
        ("assign", {"reason": "xx"}, "li", 422, "user"),  # missing
        ("delegate", {"user": "sun", "until": "2026-03-01", "reason": "xx"}, "wang", 422, "until"),
        ("delegate", {"user": "sun", "until": "2026-03-09"}, "wang", 422, "reason"),
        ("delegate", {"user": "sun", "until": "someday", "reason": "xx"}, "wang", 422, "until"),
        ("claim", {"extra": 1}, "wang", 422, "extra"),
    ]
    before = api.get(f"{API}/cases/{cid}/history").get_json()["events"]
    for action, body, user, status, field in cases:
        r = api.post(f"{API}/cases/{cid}/{action}", body, user=user)
        assert (r.status_code, r.content_type) == (status, PROBLEM), (action, body, r.get_json())
        if field:
            assert field in r.get_json()["errors"], (action, body, r.get_json())
    assert api.get(f"{API}/cases/{cid}/history").get_json()["events"] == before


def test_a_supervisor_steps_a_case_back_with_if_match_and_the_history_shows_it(api, world):
    cid = open_drill(world)
    world.fire(cid, "review")
    path = f"{API}/cases/{cid}/step-back"
    body = {"to_state": "filed", "reason": "审查有误 / wrong review"}
    assert api.post(path, body, user="li").status_code == 428  # no If-Match
    stale = api.post(path, body, user="li", headers={"If-Match": '"1"'})
    assert stale.status_code == 412 and stale.headers["ETag"] == '"2"'
    assert api.post(path, body, user="wang", headers={"If-Match": '"2"'}).status_code == 403
    bad = api.post(path, {**body, "to_state": "decided"}, user="li", headers={"If-Match": '"2"'})
    assert bad.status_code == 422 and "to_state" in bad.get_json()["errors"]
    r = api.post(path, body, user="li", headers={"If-Match": '"2"', "Idempotency-Key": "sb-1"})
    assert r.status_code == 200, r.get_json()
    assert (r.get_json()["state"], r.headers["ETag"]) == ("filed", '"3"')
    replay = api.post(path, body, user="li", headers={"If-Match": '"2"', "Idempotency-Key": "sb-1"})
    assert replay.headers.get("Idempotent-Replayed") == "true"
    events = api.get(f"{API}/cases/{cid}/history").get_json()["events"]
    (back,) = [e for e in events if e["kind"] == "stepped_back"]
    assert (back["from_state"], back["to_state"], back["comment"]) == (
        "reviewed",
        "filed",
        "审查有误 / wrong review",
    )
    case = api.get(f"{API}/cases/{cid}").get_json()
    assert {d["key"]: d["status"] for d in case["deadlines"]} == {
        "review_period": "open",
        "decision_period": "cancelled",
    }


def test_suspend_resume_and_cancel_through_the_api(api, world):
    cid = open_drill(world)

    def post(action: str, version: int, reason: str = "主管决定 / supervisor's call"):
        return api.post(
            f"{API}/cases/{cid}/{action}",
            {"reason": reason},
            user="li",
            headers={"If-Match": f'"{version}"'},
        )

    r = post("suspend", 1)
    assert r.status_code == 200 and r.get_json()["suspended_at"] is not None
    step = api.post(f"{API}/cases/{cid}/fire/review", {}, headers={"If-Match": '"2"'})
    assert step.status_code == 409 and step.get_json()["refusal"]["rule"] == "DRL-1"
    assert post("suspend", 2).status_code == 422
    assert post("resume", 2, reason="").status_code == 422
    r = post("resume", 2)
    assert r.status_code == 200 and r.get_json()["suspended_at"] is None
    r = post("cancel", 3)
    assert r.status_code == 200 and r.get_json()["cancelled"] is True
    assert r.get_json()["status"] == "closed"


def test_the_case_list_filters_by_owner(api, world):
    wangs, loose = open_drill(world), unassigned(world)
    suns = open_drill(world, "health", by="sun")

    def ids(owner: str, user: str = "wang") -> list[int]:
        r = api.get(f"{API}/cases", user=user, query_string={"owner": owner})
        assert r.status_code == 200, r.get_json()
        return sorted(c["id"] for c in r.get_json()["items"])

    assert ids("mine") == [wangs]
    assert ids("unassigned") == [loose]
    assert ids("unit") == ids("all") == sorted([wangs, loose, suns])
    r = api.get(f"{API}/cases", query_string={"owner": "theirs"})
    assert r.status_code == 422 and "owner" in r.get_json()["errors"]
    # each row says who owns it (null: unassigned in its unit)
    rows = {c["id"]: c for c in api.get(f"{API}/cases").get_json()["items"]}
    assert rows[wangs]["owner"]["username"] == "wang" and rows[suns]["owner"]["username"] == "sun"
    assert rows[wangs]["owner"]["id"] == world.actors["wang"].id and rows[loose]["owner"] is None
