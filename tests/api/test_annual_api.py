"""INS-1 and SUP-1 over the API: the yearly opening, the abnormal list and leaving it."""

from __future__ import annotations

from datetime import UTC, datetime

from engine.oversight import abnormal
from tests.inspection_support import REPORT, STATISTICS, case_of, registered, self_check


def test_ins1_sup1_open_the_year_list_and_leave_over_the_api(api, world):
    registered(world, "a", 21, party_org=True)
    opened = api.post("/api/v1/inspections/years", {"unit": "cc-ng", "year": 2025})
    assert opened.status_code == 200, opened.get_json()
    assert opened.get_json()["opened"] == 1
    again = api.post("/api/v1/inspections/years", {"unit": "cc-ng", "year": 2025}).get_json()
    assert (again["opened"], again["already_open"]) == (0, 1)
    bad = api.post("/api/v1/inspections/years", {"unit": "cc-ng", "year": 1900})
    assert bad.status_code == 422 and "year" in str(bad.get_json())
    world.clock.at = datetime(2026, 6, 2, 8, tzinfo=UTC)
    abnormal.run_sweep(world.uow(), world.clock.at)
    body = api.get("/api/v1/abnormal-list?reason=annual_report", user="li").get_json()
    assert body["total"] == 1
    [item] = body["items"]
    assert item["organization_id"] == world.orgs["a"] and item["status"] == "listed"
    assert item["reason_label"]["en"].startswith("File the annual work report in time")
    assert api.get("/api/v1/abnormal-list?status=removed", user="li").get_json()["total"] == 0
    refused = api.post(
        f"/api/v1/abnormal-list/{item['id']}/removal", {"reason": "已联系"}, user="li"
    )
    assert refused.status_code == 409 and "SUP-1" in str(refused.get_json())
    cid = case_of(world, "a")
    world.fire(cid, "record_self_check", self_check(on="2026-06-02"))
    world.fire(cid, "file_statistics", {**STATISTICS, "filed_on": "2026-06-02"})
    world.fire(cid, "file_annual_report", {**REPORT, "filed_on": "2026-06-02"})
    done = api.post(f"/api/v1/abnormal-list/{item['id']}/removal", {"reason": "已补报"}, user="li")
    assert done.status_code == 200 and done.get_json()["status"] == "removed"
    spec = api.get("/api/v1/openapi.json", user=None).get_json()
    assert {"/api/v1/abnormal-list", "/api/v1/inspections/years"} <= set(spec["paths"])


def test_eva1_record_and_list_over_the_api(api, world):
    registered(world, "e", 22, party_org=True)
    body = {
        "organization_id": world.orgs["e"],
        "year": 2025,
        "level": 3,
        "total_score": 800,
        "party_score": 95,
    }
    row = api.post("/api/v1/evaluations", body).get_json()
    assert (row["status"], row["recommended"], row["party_weight_pct"]) == ("rated", True, 20)
    bad = api.post("/api/v1/evaluations", {**body, "party_score": 101})
    assert bad.status_code == 422 and "party_score" in str(bad.get_json())
    items = api.get("/api/v1/evaluations?year=2025", user="li").get_json()["items"]
    assert [i["organization_id"] for i in items] == [world.orgs["e"]]
