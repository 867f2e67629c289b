"""P3 demo: a decoupling case in every state, some deadlines overdue today.

Each case gets its own industry association with a Party branch under the original supervisory
unit's Party committee; the decoupling was approved `days` ago. The archives handover runs
from that approval (DEC-1, local period), the 3 months of DEC-3 from the Party organization's
transfer. The archives hand-over list both sides signed comes with the step that completes the
handover (DEC-1, decoupling v4: required), a sample PDF of `samples.py`.
"""

from __future__ import annotations

from datetime import timedelta

from engine.registry import DemoContext
from workflows.demo_support import DemoRecords, person, sample

COMPREHENSIVE = "长春市社会组织综合党委"

PLAN = {
    # target: days since the decoupling was approved
    "handing_over": 12,
    "transferring": 25,
    "leadership_overdue": 70,
    "monitoring_overdue": 130,
    "monitoring": 60,
    "normal": 150,
    "withdrawn": 40,
    "handing_over_overdue": 50,  # archives still incomplete past the handover period (v3)
}
ORGANIZATIONS = {
    "handing_over": "建筑业协会",
    "transferring": "物流与采购协会",
    "leadership_overdue": "食品工业协会",
    "monitoring_overdue": "旅游饭店协会",
    "monitoring": "软件行业协会",
    "normal": "医疗器械行业协会",
    "withdrawn": "印刷行业协会",
    "handing_over_overdue": "家具行业协会",
}
ARCHIVES = ["党组织成立批复", "历届党组织选举材料", "党员花名册", "党费收缴台账", "“三会一课”记录"]


def load(ctx: DemoContext) -> None:
    """One case per target state, the districts taken in turn."""
    rec = DemoRecords(ctx)
    for n, target in enumerate(PLAN):
        _case(rec, target, ctx.districts[n % len(ctx.districts)][0])


def _case(rec: DemoRecords, target: str, unit: str) -> None:
    days = PLAN[target]
    district = rec.district[unit]
    suffix = ORGANIZATIONS[target]
    org = rec.organization(unit, suffix, "social_group", "industry_association")
    original = f"{district}工业和信息化局机关党委"
    po = rec.party_org(org, f"{district}{suffix}党支部", original, rec.ago(days + 1500))
    members = rec.members(org, po, ["head", "backbone", "staff"], probationary=1)
    approved = rec.ago(days)
    case = rec.open(
        "decoupling",
        org,
        {
            "party_organization_id": po,
            "original_supervisory_party_org": original,
            "receiving_party_org": COMPREHENSIVE,
            "decoupling_approved_on": approved.isoformat(),
            "archive_items": ARCHIVES,
        },
        approved,
    )
    received = approved + timedelta(days=6)

    def receipt(item: str) -> dict:
        return {
            "item": item,
            "handed_over_by": f"{original} {person(700 + rec.serial)}",
            "received_by": f"综合党委 {person(800 + rec.serial)}",
            "received_on": received.isoformat(),
        }

    if target.startswith("handing_over"):
        rec.step(case, "receive_archives", {"items": [receipt(i) for i in ARCHIVES[:2]]}, received)
        return
    rec.step(case, "receive_archives", {"items": [receipt(i) for i in ARCHIVES]}, received)
    if target == "withdrawn":
        rec.step(
            case,
            "withdraw",
            {"reason": "脱钩改革方案调整，暂缓脱钩"},
            received + timedelta(days=3),
            "supervisor",
        )
        return
    handover = received + timedelta(days=2)
    handover_list = sample(
        __package__,
        "archives_handover_list",
        "archives_handover_list",
        f"{district}{suffix}-党建档案移交清单.pdf",
    )
    rec.step(
        case,
        "complete_handover",
        {"handover_on": handover.isoformat()},
        handover,
        documents=[handover_list],
    )
    if target == "transferring":
        return
    moved = handover + timedelta(days=10)
    rec.step(
        case,
        "transfer_party_org",
        {"transferred_on": moved.isoformat(), "member_ids": members},
        moved,
    )
    if target == "leadership_overdue":
        return
    stated = moved + timedelta(days=5)
    rec.step(
        case,
        "state_leadership",
        {
            "body_kind": "comprehensive_committee",
            "body_name": COMPREHENSIVE,
            "stated_on": stated.isoformat(),
        },
        stated,
    )
    if target == "monitoring_overdue":
        return
    held = stated + timedelta(days=12)
    rec.step(
        case,
        "record_meeting",
        {
            "held_on": held.isoformat(),
            "kind": "party_members_meeting",
            "topic": "学习脱钩后党建工作管理体制调整要求",
            "attendees": 3,
        },
        held,
    )
    if target == "monitoring":
        return
    rec.step(
        case,
        "confirm_normal",
        {
            "confirmed_on": (held + timedelta(days=20)).isoformat(),
            "confirmed_by": "长春市社会组织综合党委组织委员",
        },
        held + timedelta(days=20),
        "supervisor",
    )
