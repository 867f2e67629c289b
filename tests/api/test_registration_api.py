"""A whole P1 registration case driven through the JSON API only, on SQLite and PostgreSQL.

Along the way: a 422 with field errors, a 409 naming the rule, a 403, a 428 without
If-Match, a 412 on a stale If-Match, and an idempotent retry that does not fire twice.
"""

from __future__ import annotations

import io

import pytest

from tests.world import (
    P1_DOCUMENTS,
    SAMPLE_PDF,
    add_responsible_units,
    make_world,
    registration_steps,
    survey,
)

PROBLEM = "application/problem+json"


@pytest.fixture
def world(db_url, clock):
    """The API world with REG-6's responsible units (P1 hands the case to one)."""
    w = make_world(db_url, clock)
    add_responsible_units(w)
    return w


def _fire(api, case_id, trigger, data=None, version=None, user="wang", **headers):
    if version is not None:
        headers["If-Match"] = f'"{version}"'
    body = {"data": data} if data is not None else None
    return api.post(f"/api/v1/cases/{case_id}/fire/{trigger}", body, user=user, headers=headers)


def _case(api, case_id, user="wang"):
    r = api.get(f"/api/v1/cases/{case_id}", user=user)
    assert r.status_code == 200, r.get_json()
    return r


def test_registration_case_through_the_api_only(api, world):
    # An applicant organization, added through the API (INF-1 code comes at registration).
    r = api.post(
        "/api/v1/organizations",
        {
            "name": "长春市南关区快递物流协会",
            "org_type": "social_group",
            "category": "industry_association",
            "unit": "cc-ng",
            "industry_regulator": "南关区商务局",
            "local_party_org": "南关区自强街道党工委",
            "district": "南关区",
        },
    )
    assert r.status_code == 201, r.get_json()
    org_id = r.get_json()["id"]
    assert r.headers["Location"] == f"/api/v1/organizations/{org_id}"

    # Open the case with an Idempotency-Key; the retry is answered from the first run.
    opening = {
        "procedure": "registration",
        "organization_id": org_id,
        "data": {"applied_on": "2026-03-01", "founders": ["张伟", "刘洋"]},
        "comment": "窗口受理",
    }
    first = api.post("/api/v1/cases", opening, headers={"Idempotency-Key": "open-1"})
    assert first.status_code == 201, first.get_json()
    assert first.headers["ETag"] == '"1"'
    case_id = first.get_json()["id"]
    assert first.headers["Location"] == f"/api/v1/cases/{case_id}"
    again = api.post("/api/v1/cases", opening, headers={"Idempotency-Key": "open-1"})
    assert again.status_code == 201
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.get_json() == first.get_json()
    assert again.headers["ETag"] == '"1"'
    listed = api.get("/api/v1/cases?procedure=registration&status=all").get_json()["items"]
    assert [c["id"] for c in listed if c["organization"] == "长春市南关区快递物流协会"] == [case_id]

    # The same key for a different request is refused, not replayed.
    other = api.post(
        "/api/v1/cases", {**opening, "comment": "另一个"}, headers={"Idempotency-Key": "open-1"}
    )
    assert other.status_code == 422
    assert other.get_json()["type"].endswith("#problem-idempotency-key-reused")

    # REG-1: accepting before both documents are attached is refused with the rule (409).
    refused = _fire(api, case_id, "accept", version=1)
    assert refused.status_code == 409
    assert refused.content_type == PROBLEM
    problem = refused.get_json()
    assert problem["refusal"]["rule"] == "REG-1"
    assert problem["refusal"]["zh"] and problem["refusal"]["en"]
    assert (
        problem["status"] == 409 and problem["instance"] == f"/api/v1/cases/{case_id}/fire/accept"
    )
    assert _case(api, case_id).get_json()["version"] == 1  # unchanged

    # The read shows the same verdict before anyone tries.
    actions = {a["trigger"]: a for a in _case(api, case_id).get_json()["actions"]}
    assert actions["accept"]["allowed"] is False
    assert actions["accept"]["refusal"]["rule"] == "REG-1"

    # 422: the survey's numbers are checked field by field (REG-2).
    bad = _fire(
        api,
        case_id,
        "record_documents",
        {"member_survey": {**survey(4), "full_members": -1}},
        version=1,
    )
    assert bad.status_code == 422
    errors = bad.get_json()["errors"]
    assert "REG-2" in errors["data"]["member_survey"]["full_members"][0]

    # 428: firing needs If-Match.
    unconditional = _fire(api, case_id, "record_documents", {"member_survey": survey(4)})
    assert unconditional.status_code == 428
    assert unconditional.get_json()["type"].endswith("#problem-precondition-required")

    ok = _fire(api, case_id, "record_documents", {"member_survey": survey(4)}, version=1)
    assert ok.status_code == 200, ok.get_json()
    assert ok.headers["ETag"] == '"2"'
    # The applicant's documents (REG-1's two, REG-3's charter) go into the case file as
    # multipart uploads: a `document` event each, which leaves the case's version as it is.
    for material in P1_DOCUMENTS:
        attached = api.client.post(
            f"/api/v1/cases/{case_id}/documents",
            data={"file": (io.BytesIO(SAMPLE_PDF), f"{material}.pdf"), "material": material},
            content_type="multipart/form-data",
            headers={"Authorization": f"Bearer {api.tokens['wang']}"},
        )
        assert attached.status_code == 201, attached.get_json()
    assert _case(api, case_id).get_json()["version"] == 2

    # 412: someone who still holds version 1 cannot accept; they learn where the case is.
    stale = _fire(api, case_id, "accept", version=1)
    assert stale.status_code == 412
    assert stale.headers["ETag"] == '"2"'
    assert stale.get_json()["current_version"] == 2
    assert stale.get_json()["current_state"] == "applied"

    # An idempotent fire: the retry is replayed and nothing fires twice.
    accepted = _fire(api, case_id, "accept", version=2, **{"Idempotency-Key": "accept-1"})
    assert accepted.status_code == 200
    assert accepted.get_json()["state"] == "charter_review"
    retry = _fire(api, case_id, "accept", version=2, **{"Idempotency-Key": "accept-1"})
    assert retry.status_code == 200
    assert retry.headers["Idempotent-Replayed"] == "true"
    assert retry.get_json() == accepted.get_json()
    history = api.get(f"/api/v1/cases/{case_id}/history").get_json()["events"]
    assert [e["trigger"] for e in history].count("accept") == 1

    # 403: a caseworker of another district cannot see the case; rejecting needs a supervisor.
    assert api.get(f"/api/v1/cases/{case_id}", user="zhao").status_code == 403
    forbidden = _fire(api, case_id, "reject", {"reason": "不符合条件"}, version=3)
    assert forbidden.status_code == 403
    assert forbidden.content_type == PROBLEM

    # The rest of the way, as caseworker wang and supervisor li; the comprehensive committee's
    # supervisor chen determines the responsible body (REG-6), and from then on the case is
    # that body's unit's: caseworker lu and supervisor zheng.
    version = 3
    steps = [
        *registration_steps()[2:],  # approve_charter, register, forward_documents
        (
            "assign_responsible_body",
            {
                "kind": "local_party_org",
                "unit_id": world.units["ng-nh"],
                "territorial_relation": True,
            },
            "chen",
        ),
        ("route_standalone", None, "lu"),
        (
            "establish_party_org",
            {
                "name": "长春市南关区快递物流协会党支部",
                "kind": "branch",
                "approved_by": "南关区南湖园区党委",
                "established_on": "2026-03-02",
            },
            "zheng",
        ),
    ]
    for trigger, data, user in steps:
        r = _fire(api, case_id, trigger, data, version=version, user=user)
        assert r.status_code == 200, (trigger, r.get_json())
        version += 1
        assert r.headers["ETag"] == f'"{version}"'

        if trigger == "assign_responsible_body":
            assert api.get(f"/api/v1/cases/{case_id}", user="wang").status_code == 403

    final = _case(api, case_id, user="lu").get_json()
    assert final["state"] == "covered" and final["status"] == "closed"
    assert final["organization"]["credit_code"] == "51220102MJY1234563"
    assert final["organization"]["coverage"] == "party_org"
    assert {d["key"]: d["status"] for d in final["deadlines"]} == {
        "forward_documents": "met",
        "party_org_formation": "met",
    }
    assert final["actions"] == []
    history = api.get(f"/api/v1/cases/{case_id}/history", user="lu").get_json()["events"]
    assert [e["kind"] for e in history if e["kind"] not in ("opened", "transition")] == [
        *["document"] * len(P1_DOCUMENTS),
        "handed_over",
        "reaction",  # the new Party organization's secretary post opened (P4)
    ]
    history = [e for e in history if e["kind"] in ("opened", "transition")]
    assert [e["trigger"] for e in history] == [
        None,
        "record_documents",
        "accept",
        "approve_charter",
        "register",
        "forward_documents",
        "assign_responsible_body",
        "route_standalone",
        "establish_party_org",
    ]
    assert [e["case_version"] for e in history] == list(range(1, 10))
