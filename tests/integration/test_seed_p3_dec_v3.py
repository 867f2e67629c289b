"""P3, decoupling v3 (issue 13): when its periods run, on SQLite and PostgreSQL.

- DEC-3: "确保党组织移交后3个月内……正常开展党建工作" (Jilin, 吉组通字〔2017〕66号, art. 15):
  the 3 months count from the transfer of the Party organization (`transfer_party_org`, its
  transfer date), not from the archives handover (versions 1 and 2).
- DEC-1: the archives are sorted out and handed over "promptly" — a local period
  (`dec_handover_period`) from the start of the decoupling, open from the case's opening,
  escalated like any other when nobody completes the handover.
"""

from __future__ import annotations

from datetime import date

from engine.oversight import sweep as escalation
from tests.integration.test_p3_flow import RECEIVING, hand_over, start, world  # noqa: F401


def deadlines(world, cid: int) -> dict[str, dict]:  # noqa: F811
    return {d["key"]: d for d in world.case(cid)["deadlines"]}


def test_dec1_the_archives_handover_period_opens_with_the_case_from_the_decoupling_approval(
    world,  # noqa: F811
):
    cid = start(world)  # decoupling approved 2026-01-15
    case = world.case(cid)
    assert case["definition_version"] == world.rt.definitions.get("decoupling").version >= 3
    spec = world.rt.definitions.get("decoupling").deadline("archives_handover")
    assert (spec.rule, spec.parameter, spec.opens_on) == (
        "DEC-1",
        "dec_handover_period",
        ("@open",),
    )
    d = deadlines(world, cid)["archives_handover"]
    opened = next(e for e in world.history(cid) if e["kind"] == "opened")
    assert (d["status"], d["rule"], str(d["anchor_date"])) == ("open", "DEC-1", "2026-01-15")
    # 1 month (local default) from 2026-01-15 ends on Sunday 02-15, inside the Spring Festival
    # holiday (02-15 to 02-23): the next working day.
    assert d["due_date"] == date(2026, 2, 24)
    assert d["opened_by_event_id"] == opened["id"]
    assert set(deadlines(world, cid)) == {"archives_handover"}

    # Today (2026-03-02) the handover is overdue: the sweep escalates it, nobody has to ask.
    swept = escalation.sweep(world.uow(), world.rt.definitions, now=world.clock.now())
    assert (cid, "archives_handover") in {(e["case_id"], e["deadline"]) for e in swept.escalations}

    hand_over(world, cid)  # complete_handover meets it
    assert deadlines(world, cid)["archives_handover"]["status"] == "met"


def test_dec3_the_three_months_count_from_the_party_org_transfer_not_the_handover(
    world,  # noqa: F811
):
    cid = start(world)
    hand_over(world, cid)  # archives handed over 2026-02-12
    after_handover = deadlines(world, cid)
    assert "normal_operation" not in after_handover  # v2 opened it here, from 02-12
    assert {k for k, d in after_handover.items() if d["status"] == "open"} == {
        "party_org_transfer",
        "leadership_relation",
    }
    world.fire(
        cid,
        "transfer_party_org",
        {"transferred_on": "2026-02-20", "member_ids": [world.inside, world.seconded]},
    )
    d = deadlines(world, cid)["normal_operation"]
    assert (d["status"], d["rule"], str(d["anchor_date"])) == ("open", "DEC-3", "2026-02-20")
    assert d["due_date"] == date(2026, 5, 20)  # 3 months from the transfer, a Wednesday
    world.fire(
        cid,
        "state_leadership",
        {"body_kind": "comprehensive_committee", "body_name": RECEIVING, "stated_on": "2026-02-25"},
    )
    case = world.case(cid)
    definition = world.rt.definitions.get("decoupling", case["definition_version"])
    assert case["state"] == "monitoring" and definition.states["monitoring"].waiting
    assert [k for k, d in deadlines(world, cid).items() if d["status"] == "open"] == [
        "normal_operation"
    ]
