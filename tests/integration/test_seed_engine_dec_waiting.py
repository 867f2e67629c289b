"""Issue 13 for P3: after the leadership relation is stated, the decoupled Party organization
runs under the new body for the 3 months of DEC-3 (`monitoring`, waiting since decoupling v2).
While that deadline is open the quiet case is not stalled; a case with work to do, quiet as
long, is (the proof the scan ran). SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

from engine.oversight import sweep as escalation
from tests.integration.test_p3_flow import RECEIVING, hand_over, start, world  # noqa: F401


def test_dec_monitoring_decoupling_is_not_stalled_while_a_deadline_is_open(world):  # noqa: F811
    monitored = start(world)
    hand_over(world, monitored)
    world.fire(
        monitored,
        "transfer_party_org",
        {"transferred_on": "2026-02-20", "member_ids": [world.inside, world.seconded]},
    )
    world.fire(
        monitored,
        "state_leadership",
        {"body_kind": "comprehensive_committee", "body_name": RECEIVING, "stated_on": "2026-02-25"},
    )
    case = world.case(monitored)
    newest = world.rt.definitions.get("decoupling").version  # waiting since v2, kept in v3
    assert (case["definition_version"], case["state"]) == (newest, "monitoring")
    assert {d["key"] for d in case["deadlines"] if d["status"] == "open"} == {"normal_operation"}
    quiet = world.open("health")  # a P1 case with work to do, as quiet as the other
    days = world.rt.definitions.parameters["stalled_after_days"]
    at = world.clock.now() + timedelta(days=days + 1)
    world.clock.at = at
    flagged = escalation.sweep(world.uow(), world.rt.definitions, now=at, full_stall_scan=True)
    assert [s["case_id"] for s in flagged.stalled] == [quiet]
