"""P1 demo: registration cases in every state, twice over, some deadlines overdue today.

Each case is a new social organization applying in one of the districts, the districts taken in
turn; the application was filed `days ago`, and each step runs on its own day after it.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

from engine.registry import DemoContext
from workflows.registration.schemas import CHARTER_ITEMS

# (name suffix, org_type, category, supervisory unit or None)
ORGANIZATIONS = [
    ("物流行业协会", "social_group", "industry_association", None),
    ("餐饮行业协会", "social_group", "industry_association", None),
    ("青少年科技创新协会", "social_group", "science_technology", None),
    ("人工智能学会", "social_group", "science_technology", None),
    ("慈善助学基金会", "foundation", "charity", None),
    ("扶老助残志愿服务中心", "social_service", "charity", None),
    ("社区邻里互助服务中心", "social_service", "community_service", None),
    ("社区养老服务中心", "social_service", "community_service", None),
    ("中医药健康促进会", "social_group", "health", "卫生健康局"),
    ("民营医院协会", "social_group", "health", "卫生健康局"),
    ("小额信贷服务中心", "social_service", "financial", "地方金融监督管理局"),
    ("书画研究会", "social_group", "ideology", "文化广电和旅游局"),
]

PLANS: list[tuple[str, int, int]] = [
    # (target state, full members, days ago the application was filed)
    ("applied", 3, 5),
    ("applied", 0, 40),
    ("charter_review", 4, 12),
    ("correction", 2, 25),
    ("registration_review", 5, 15),
    ("registered", 3, 28),
    ("registered", 6, 75),  # the second: REG-5 overdue
    ("responsibility", 4, 60),
    ("coverage_routing", 0, 50),
    ("coverage_routing", 4, 140),  # the second: REG-8 overdue
    ("forming_party_org", 5, 70),
    ("forming_party_org", 2, 130),
    ("awaiting_coverage", 0, 90),
    ("covered", 7, 120),
    ("covered", 2, 160),
    ("instructor_covered", 0, 100),
    ("rejected", 3, 45),
    ("withdrawn", 1, 35),
]

#: How many steps of the common path (`_steps`) each target state takes before its own.
COMMON_UPTO = {
    "applied": 0,
    "charter_review": 2,
    "correction": 2,
    "registration_review": 3,
    "registered": 4,
    "responsibility": 5,
    "coverage_routing": 6,
    "forming_party_org": 6,
    "awaiting_coverage": 6,
    "covered": 6,
    "instructor_covered": 6,
    "rejected": 3,
    "withdrawn": 0,
}

CHARTER_OK = dict.fromkeys(CHARTER_ITEMS, True)

Step = tuple[str, dict[str, Any], str, int]  # trigger, payload, role, day offset


def load(ctx: DemoContext) -> None:
    """Every plan twice: first under the city's name, then under a lake's."""
    rng = random.Random(2026)
    for i, (target, full, days_ago) in enumerate(PLANS * 2):
        unit, district = ctx.districts[i % len(ctx.districts)]
        suffix, org_type, category, sup = ORGANIZATIONS[i % len(ORGANIZATIONS)]
        name = (
            f"长春市{district}{suffix}"
            if i < len(PLANS)
            else f"{district}{rng.choice('东南西北')}湖{suffix}"
        )
        org = {
            "name": name,
            "org_type": org_type,
            "category": category,
            "unit": unit,
            "supervisory_unit": f"{district}{sup}" if sup else None,
            "industry_regulator": f"{district}商务局",
            "local_party_org": f"{district}{rng.choice(['自强', '桃源', '永吉', '清和'])}街道党工委",
            "district": district,
        }
        if target in ("covered", "forming_party_org") and full < 3:
            org["category"] = "industry_association"
        day0 = ctx.today - timedelta(days=days_ago)
        case = ctx.open(
            "registration",
            ctx.organization(org),
            {
                "applied_on": str(day0),
                "founders": ["张伟", "刘洋", "陈静"],
                "proposed_leaders": ["张伟"],
            },
            on=day0,
        )
        code = ctx.credit_code(unit, org_type)
        plan = _steps(org, code, day0, full)[: COMMON_UPTO[target]] + _finish(
            target, full, org, day0
        )
        for trigger, payload, role, offset in plan:
            ctx.fire(case, trigger, payload, on=day0 + timedelta(days=offset), role=role)


def _steps(org: dict[str, Any], code: str, day0: date, full: int) -> list[Step]:
    """The common P1 path, from the documents to the responsible body."""
    mode = "dual" if org["supervisory_unit"] else "direct"
    delivered = str(day0 + timedelta(days=30))
    if mode == "dual":
        recipients = [
            {"kind": "supervisory_unit", "name": org["supervisory_unit"], "delivered_on": delivered}
        ]
    else:
        recipients = [
            {
                "kind": "industry_regulator",
                "name": org["industry_regulator"],
                "delivered_on": delivered,
            },
            {"kind": "local_party_org", "name": org["local_party_org"], "delivered_on": delivered},
        ]
    if org["category"] == "community_service":
        body = {
            "kind": "street_township",
            "unit_name": org["local_party_org"],
            "territorial_relation": True,
        }
    elif mode == "dual":
        body = {"kind": "supervisory_party_org", "unit_name": f"{org['supervisory_unit']}机关党委"}
    else:
        body = {
            "kind": "local_party_org",
            "unit_name": org["local_party_org"],
            "territorial_relation": True,
        }
    survey = {
        "full_members": full,
        "full_time_full_members": full,
        "probationary_members": 1,
        "members_elsewhere": min(full, 1),
    }
    return [
        ("record_documents", {"commitment_letter": True, "member_survey": survey}, "caseworker", 1),
        ("accept", {}, "caseworker", 3),
        ("approve_charter", CHARTER_OK, "caseworker", 10),
        (
            "register",
            {
                "registered_on": str(day0 + timedelta(days=20)),
                "credit_code": code,
                "registration_mode": mode,
                "supervisory_unit": org["supervisory_unit"],
                "necessity_checked": True,
                "representativeness_checked": True,
                "founders_vetted": True,
            },
            "supervisor",
            20,
        ),
        ("forward_documents", {"recipients": recipients}, "caseworker", 30),
        ("assign_responsible_body", body, "caseworker", 35),
    ]


def _finish(target: str, full: int, org: dict[str, Any], day0: date) -> list[Step]:
    """The steps that take a case from the common path to its target state."""
    if target == "correction":
        gaps = {**CHARTER_OK, "chapter_funding": False, "note": "党建专章未写明经费保障"}
        return [("return_for_correction", gaps, "caseworker", 8)]
    if target == "rejected":
        return [("reject", {"reason": "发起人代表性不足，会员覆盖面过窄"}, "supervisor", 14)]
    if target == "withdrawn":
        return [("withdraw", {"reason": "发起人决定暂缓成立"}, "caseworker", 6)]
    if target == "awaiting_coverage":
        return [("defer_coverage", {"reason": "暂无党员，附近无可派指导员"}, "supervisor", 40)]
    if target == "instructor_covered":
        instructor = {
            "mode": "instructor",
            "name": "郑国华",
            "dispatched_by": "长春市社会组织综合党委",
            "dispatched_on": str(day0 + timedelta(days=45)),
        }
        return [("dispatch_instructor", instructor, "supervisor", 45)]
    standalone = full >= 3
    route: Step = (
        ("route_standalone", {}, "caseworker", 40)
        if standalone
        else (
            "route_joint",
            {"partner_organizations": ["南关区家政服务协会", "南关区美容美发协会"]},
            "caseworker",
            40,
        )
    )
    if target == "forming_party_org":
        return [route]
    if target == "covered":
        party_org = {
            "name": f"{org['name']}党支部" if standalone else f"{org['name']}等联合党支部",
            "kind": "branch" if standalone else "joint_branch",
            "approved_by": org["local_party_org"],
            "established_on": str(day0 + timedelta(days=70)),
        }
        return [route, ("establish_party_org", party_org, "caseworker", 70)]
    return []
