"""POST /api/v1/cases/{id}/hand-over (REG-6) on SQLite and PostgreSQL: a supervisor hands a
case to another unit; a caseworker, a stale version, an unknown unit or a missing reason are
refused as problems, and nothing changes."""

from __future__ import annotations

from tests.world import survey

PROBLEM = "application/problem+json"
REASON = "党建责任主体为朝阳区民政局（REG-6）"


def _hand_over(api, case_id, user="li", headers=None, **body):
    body = {"unit": "cc-cy", "reason": REASON, "expected_version": 1, **body}
    return api.post(f"/api/v1/cases/{case_id}/hand-over", body, user=user, headers=headers)


def _as_admin(api, case_id):
    case = api.get(f"/api/v1/cases/{case_id}", user="admin").get_json()
    events = api.get(f"/api/v1/cases/{case_id}/history", user="admin").get_json()["events"]
    return case["unit_id"], case["version"], len(events)


def _unit_ids(world):
    from engine.directory import read as directory_read

    units = directory_read.units_in_scope(world.rt.reader(), world.actors["admin"])
    return {u["code"]: u["id"] for u in units}


def test_reg6_supervisor_hands_a_case_over_through_the_api(api, world):
    cid = world.open("logistics")
    r = _hand_over(api, cid, headers={"Idempotency-Key": "hand-over-1"})
    assert r.status_code == 200, r.get_json()
    body = r.get_json()
    assert body["id"] == cid and body["unit"] == "cc-cy" and body["version"] == 2
    assert body["href"] == f"/api/v1/cases/{cid}"
    assert r.headers["ETag"] == '"2"'
    # A retry with the same key is answered from the first run: no second hand-over.
    again = _hand_over(api, cid, headers={"Idempotency-Key": "hand-over-1"})
    assert again.status_code == 200 and again.headers["Idempotent-Replayed"] == "true"
    assert again.get_json() == body
    unit_id, version, _ = _as_admin(api, cid)
    assert (unit_id, version) == (_unit_ids(world)["cc-cy"], 2)
    events = api.get(f"/api/v1/cases/{cid}/history", user="admin").get_json()["events"]
    (event,) = [e for e in events if e["kind"] == "handed_over"]
    assert event["id"] == body["event_id"] and event["comment"] == REASON
    assert event["payload"]["from_unit"] == "南关区民政局"
    assert event["payload"]["to_unit"] == "朝阳区民政局"
    # The case left 李强's units (南关区); 朝阳区's caseworker reads it now.
    assert api.get(f"/api/v1/cases/{cid}", user="li").status_code == 403
    assert api.get(f"/api/v1/cases/{cid}", user="zhao").status_code == 200


def test_reg6_caseworker_is_forbidden_and_nothing_changes(api, world):
    cid = world.open("logistics")
    before = _as_admin(api, cid)
    r = _hand_over(api, cid, user="wang")
    assert r.status_code == 403 and r.content_type == PROBLEM
    assert r.get_json()["type"].endswith("#problem-forbidden")
    assert _as_admin(api, cid) == before
    # The same body from the supervisor goes through: only the role was wrong.
    assert _hand_over(api, cid).status_code == 200


def test_reg6_stale_version_is_a_409_conflict_and_nothing_changes(api, world):
    cid = world.open("logistics")
    world.fire(cid, "record_documents", {"member_survey": survey(4)})
    before = _as_admin(api, cid)
    r = _hand_over(api, cid, expected_version=1)
    assert r.status_code == 409 and r.content_type == PROBLEM
    problem = r.get_json()
    assert problem["type"].endswith("#problem-version-conflict")
    assert problem["current_version"] == 2 and problem["current_state"]
    assert r.headers["ETag"] == '"2"'
    assert _as_admin(api, cid) == before


def test_reg6_invalid_input_is_a_422_naming_the_field(api, world):
    cid = world.open("logistics")
    before = _as_admin(api, cid)
    r = _hand_over(api, cid, unit="no-such-unit")
    assert r.status_code == 422 and r.content_type == PROBLEM
    assert list(r.get_json()["errors"]) == ["unit"]
    r = api.post(f"/api/v1/cases/{cid}/hand-over", {"unit": "cc-cy"}, user="li")
    assert r.status_code == 422
    assert set(r.get_json()["errors"]) == {"reason", "expected_version"}
    r = api.post(f"/api/v1/cases/{cid}/hand-over", ["cc-cy"], user="li")
    assert r.status_code == 422 and r.get_json()["errors"]
    r = _hand_over(api, cid, unit="cc-ng")  # where it already is
    assert r.status_code == 422 and list(r.get_json()["errors"]) == ["unit"]
    assert _as_admin(api, cid) == before


def test_hand_over_of_a_missing_case_is_404(api):
    r = _hand_over(api, 999_999)
    assert r.status_code == 404 and r.content_type == PROBLEM


def test_hand_over_is_described_in_openapi(api):
    spec = api.get("/api/v1/openapi.json", user=None).get_json()
    op = spec["paths"]["/api/v1/cases/{case_id}/hand-over"]["post"]
    body = op["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    schema = spec["components"]["schemas"][body.rsplit("/", 1)[-1]]
    assert set(schema["required"]) == {"unit", "reason", "expected_version"}
    assert {"200", "403", "404", "409", "422"} <= set(op["responses"])
    assert "#problem-version-conflict" in op["responses"]["409"]["description"]
    assert op["responses"]["200"]["headers"]["ETag"]["required"] is True
