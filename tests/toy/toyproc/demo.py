"""Demo cases: one activity room in each state, in the first district, through the services.

`tongbu demo` calls `load` after the base data (units, users) is in place; the context opens
and fires through the engine's services with a clock on the day given, so the "inspected" room
decided on by nobody is overdue today (TOY-3).
"""

from __future__ import annotations

from datetime import timedelta

from engine.registry import DemoContext

#: target state -> (days ago the room was requested, the community it serves)
PLAN = {
    "requested": (3, "桃源"),
    "inspected": (40, "永吉"),
    "approved": (60, "清和"),
    "refused": (30, "自强"),
}


def load(ctx: DemoContext) -> None:
    unit, district = ctx.districts[0]
    for target, (days, community) in PLAN.items():
        asked = ctx.today - timedelta(days=days)
        org = ctx.organization(
            {
                "name": f"{district}{community}社区志愿者协会",
                "org_type": "social_group",
                "category": "community_service",
                "unit": unit,
                "credit_code": ctx.credit_code(unit, "social_group"),
                "district": district,
            }
        )
        room = {"room_name": "党员活动室", "area_m2": 45, "requested_on": asked.isoformat()}
        case = ctx.open("activity_room", org, room, on=asked)
        if target == "requested":
            continue
        if target == "refused":
            ctx.fire(
                case,
                "refuse",
                {"ground": "withdrawn_by_applicant"},
                on=asked + timedelta(days=2),
                role="supervisor",
            )
            continue
        inspected = asked + timedelta(days=5)
        found = {
            "inspected_on": inspected.isoformat(),
            "measured_area_m2": 42,
            "sign_displayed": True,
        }
        ctx.fire(case, "inspect", found, on=inspected)
        if target == "approved":
            approved = inspected + timedelta(days=7)
            decision = {
                "approved_on": approved.isoformat(),
                "approval_no": f"党建〔{approved.year}〕7号",
            }
            ctx.fire(case, "approve", decision, on=approved, role="supervisor")
