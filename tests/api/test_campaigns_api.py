"""REG-10 / INS-2 over the API: open a drive (refused citing REG-10 for a caseworker, 422 naming
the field), its board, the register with a report and an early end; SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import update

from engine.store.tables import Organization

orgs_t = Organization.__table__


def _eligible(world, key: str) -> None:
    with world.uow() as u:
        u.conn.execute(
            update(orgs_t)
            .where(orgs_t.c.id == world.orgs[key])
            .values(status="registered", full_members=3, full_time_full_members=3, coverage="none")
        )
        u.commit()


def test_reg10_api_opens_a_drive_once_and_shows_its_board(api, world):
    world.clock.at = datetime(2026, 8, 3, 2, 0, tzinfo=UTC)
    _eligible(world, "logistics")
    body = {
        "unit_id": world.actors["li"].unit_id,
        "kind": "formation_drive",
        "starts_on": "2026-08-01",
        "title": "奋战60天",
    }
    refused = api.post("/api/v1/campaigns", body, user="wang")
    assert refused.status_code == 403 and "REG-10" in refused.get_data(True)
    bad = api.post("/api/v1/campaigns", {**body, "kind": "conditions_matured"}, user="li")
    assert bad.status_code == 422 and "kind" in bad.get_json()["errors"]
    done = api.post("/api/v1/campaigns", body, user="li").get_json()
    assert (done["ends_on"], done["opened"], done["joined"]) == ("2026-09-30", 1, 0)
    again = api.post("/api/v1/campaigns", body, user="li").get_json()
    assert (again["campaign_id"], again["opened"], again["already"]) == (done["campaign_id"], 0, 1)
    [row] = api.get("/api/v1/campaigns", user="li").get_json()["items"]
    assert (row["opened"], row["covered"], row["overdue"]) == (1, 0, 0)
    board = api.get(f"/api/v1/campaigns/{done['campaign_id']}", user="li").get_json()
    assert board["totals"] == {"opened": 1, "covered": 0, "overdue": 0}
    assert board["burndown"][-1] == {"day": "2026-08-03", "open": 1}
    assert board["organizations"][0]["state"] == "surveying"
    assert api.get(f"/api/v1/campaigns/{done['campaign_id']}", user="zhao").status_code == 403


def test_ins2_api_register_report_and_end(api, world):
    world.clock.at = datetime(2026, 8, 3, 2, 0, tzinfo=UTC)
    made = api.post(
        "/api/v1/instructors",
        {
            "name": "刘老师",
            "source": "retired_cadre",
            "unit_id": world.actors["wang"].unit_id,
            "term_starts_on": "2026-05-01",
            "term_ends_on": "2028-04-30",
        },
    )
    assert made.status_code == 201
    iid = made.get_json()["id"]
    [row] = api.get("/api/v1/instructors").get_json()["items"]
    assert row["stage"] == "report_overdue" and row["reports"][0]["due_on"] == "2026-08-01"
    report = {"period_starts_on": "2026-05-01", "summary": "已报告"}
    assert api.post(f"/api/v1/instructors/{iid}/reports", report).status_code == 200
    assert api.post(f"/api/v1/instructors/{iid}/reports", report).status_code == 422
    end = {"ended_on": "2026-08-02", "reason": "replaced"}
    assert api.post(f"/api/v1/instructors/{iid}/end", end).get_json() == {
        "id": iid,
        "uncovered": [],
    }
    again = api.post(f"/api/v1/instructors/{iid}/end", end)
    assert again.status_code == 409 and again.get_json()["refusal"]["rule"] == "INS-2"
    assert api.get("/api/v1/instructors", user="zhao").get_json()["items"] == []
