"""Deadlines (due, overdue), notifications, the ACC-1 report and definitions, via the API."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, datetime

from engine.oversight import notifications
from tests.world import P1_DOCUMENTS, registration_steps

SVG = "{http://www.w3.org/2000/svg}"


def _registered_case(world) -> int:
    """A case registered on 2026-03-02: REG-5 (1 month) and REG-8 (3 months) are running."""
    case_id = world.open("logistics")
    world.attach(case_id, *P1_DOCUMENTS)
    for trigger, payload, user in registration_steps()[:4]:
        world.fire(case_id, trigger, payload, by=user)
    return case_id


def test_reg5_deadline_is_due_in_its_reminder_window_then_overdue(api, world):
    case_id = _registered_case(world)
    assert api.get("/api/v1/deadlines/due").get_json()["items"] == []  # not in the window yet
    by_date = api.get("/api/v1/deadlines/due?until=2026-04-30").get_json()["items"]
    assert [(d["case_id"], d["key"], d["rule"]) for d in by_date] == [
        (case_id, "forward_documents", "REG-5")
    ]
    assert by_date[0]["due_date"] == "2026-04-02"
    assert by_date[0]["label"]["en"].startswith("Forward the documents")

    world.clock.at = datetime(2026, 3, 28, 2, tzinfo=UTC)  # inside the 7-day reminder window
    due = api.get("/api/v1/deadlines/due").get_json()["items"]
    assert [d["key"] for d in due] == ["forward_documents"]
    assert api.get("/api/v1/deadlines/overdue").get_json()["items"] == []

    world.clock.at = datetime(2026, 4, 10, 2, tzinfo=UTC)
    overdue = api.get("/api/v1/deadlines/overdue").get_json()["items"]
    assert [(d["case_id"], d["rule"]) for d in overdue] == [(case_id, "REG-5")]
    assert api.get("/api/v1/deadlines/overdue", user="zhao").get_json()["items"] == []


def test_acc1_report_names_the_late_unit(api, world):
    case_id = _registered_case(world)
    world.clock.at = datetime(2026, 4, 10, 2, tzinfo=UTC)
    report = api.get("/api/v1/reports/accountability", user="li").get_json()
    rows = {r["unit_code"]: r for r in report["rows"]}
    assert rows["cc-ng"]["overdue"] == 1
    assert rows["cc-ng"]["oldest_overdue"]["case_id"] == case_id
    assert report["totals"]["overdue"] == 1
    behind = api.get("/api/v1/reports/accountability/cases?measure=overdue", user="li")
    assert [c["case_id"] for c in behind.get_json()["items"]] == [case_id]
    # A caseworker's cases are in their lists; the report is the supervisors' (as the dashboard).
    assert api.get("/api/v1/reports/accountability", user="zhao").status_code == 403


def test_notifications_are_the_token_users_own(api, world):
    wang = world.actors["wang"].id
    with world.rt.engine.begin() as conn:
        notifications.notify(
            conn,
            [
                (
                    f"test:{n}:{wang}",
                    wang,
                    notifications.Message(
                        kind="reminder",
                        subject_zh=f"提醒 {n}",
                        subject_en=f"Reminder {n}",
                        body_zh="请转交材料",
                        body_en="Forward the documents",
                    ),
                )
                for n in (1, 2)
            ],
            world.clock.now(),
            None,
        )
    mine = api.get("/api/v1/notifications").get_json()
    assert mine["unread_count"] == 2
    assert [n["subject_en"] for n in mine["items"]] == ["Reminder 2", "Reminder 1"]
    assert api.get("/api/v1/notifications", user="li").get_json()["items"] == []
    first = mine["items"][1]["id"]
    assert api.post("/api/v1/notifications/read", {"ids": [first]}, user="li").status_code == 404
    marked = api.post("/api/v1/notifications/read", {"ids": [first]}).get_json()
    assert marked == {"marked": 1, "unread_count": 1}
    unread = api.get("/api/v1/notifications?unread=true").get_json()["items"]
    assert [n["subject_en"] for n in unread] == ["Reminder 2"]


def test_definitions_list_read_and_diagram(api, world):
    listed = api.get("/api/v1/definitions").get_json()["items"]
    versions = [d for d in listed if d["procedure"] == "registration"]
    assert [d["version"] for d in versions if d["latest"]] == [3]  # P1 v3 (issue 14)
    registration = next(d for d in versions if d["latest"])
    d = api.get(registration["href"]).get_json()
    definition = world.rt.definitions.get("registration")
    assert [s["id"] for s in d["states"]] == list(definition.states)
    assert {t["trigger"] for t in d["transitions"]} == {t.trigger for t in definition.transitions}
    assert {r["id"] for r in d["rules"]} >= {"REG-1", "REG-5", "REG-8"}
    forward = next(x for x in d["deadlines"] if x["id"] == "forward_documents")
    assert (forward["period"], forward["remind_before"]) == ("P1M", "P7D")
    assert api.get("/api/v1/definitions/nope").status_code == 404

    svg = api.get(d["diagram"])
    assert svg.status_code == 200 and svg.mimetype == "image/svg+xml"
    root = ET.fromstring(svg.data)
    state_ids = {g.get("id") for g in root.iter(f"{SVG}g") if g.get("class") == "state"}
    assert state_ids == {f"state-{s}" for s in definition.states}
    drawn = {t.text for t in root.iter(f"{SVG}text")}
    assert {t.trigger for t in definition.transitions} <= drawn
    assert {s.label.zh for s in definition.states.values()} <= drawn
