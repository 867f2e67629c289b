"""`tongbu demo`: a realistic, self-consistent data set for trying the product.

Four districts of Changchun under the city's comprehensive Party committee, a few dozen
social organizations with valid credit codes, and P1 cases in every state — aged with a
past clock so that some deadlines are overdue today. Loading twice does nothing the second
time. Passwords are for a demo on 127.0.0.1 only.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta
from importlib.util import find_spec
from typing import Any

from sqlalchemy import select
from stdnum.cn import uscc
from werkzeug.security import generate_password_hash

from engine.access import actor as access
from engine.cases import service as case_service
from engine.clock import FixedClock
from engine.definitions import sync as definition_sync
from engine.directory import service as directory
from engine.store.tables import Unit
from engine.store.unit_of_work import UnitOfWork
from web.runtime import Runtime

DEMO_PASSWORD = "demo12345"

UNITS = [
    (
        "jl-org",
        "吉林省委组织部",
        "Jilin Provincial Organization Department",
        "organization_department",
        None,
        None,
    ),
    (
        "cc-zh",
        "长春市社会组织综合党委",
        "Changchun Comprehensive Party Committee for Social Organizations",
        "comprehensive_committee",
        "jl-org",
        None,
    ),
    (
        "cc-mz",
        "长春市民政局",
        "Changchun Civil Affairs Bureau",
        "registration_authority",
        "cc-zh",
        None,
    ),
    (
        "cc-ng",
        "南关区民政局",
        "Nanguan District Civil Affairs Bureau",
        "registration_authority",
        "cc-mz",
        "南关区",
    ),
    (
        "cc-cy",
        "朝阳区民政局",
        "Chaoyang District Civil Affairs Bureau",
        "registration_authority",
        "cc-mz",
        "朝阳区",
    ),
    (
        "cc-kc",
        "宽城区民政局",
        "Kuancheng District Civil Affairs Bureau",
        "registration_authority",
        "cc-mz",
        "宽城区",
    ),
    (
        "cc-ly",
        "绿园区民政局",
        "Lvyuan District Civil Affairs Bureau",
        "registration_authority",
        "cc-mz",
        "绿园区",
    ),
]
DIVISION = {"cc-ng": "220102", "cc-kc": "220103", "cc-cy": "220104", "cc-ly": "220106"}
DISTRICT = {"cc-ng": "南关区", "cc-cy": "朝阳区", "cc-kc": "宽城区", "cc-ly": "绿园区"}

USERS = [
    ("wang", "王芳", "caseworker", "cc-ng"),
    ("li", "李强", "supervisor", "cc-ng"),
    ("zhao", "赵敏", "caseworker", "cc-cy"),
    ("sun", "孙丽", "supervisor", "cc-cy"),
    ("zhou", "周杰", "caseworker", "cc-kc"),
    ("wu", "吴静", "caseworker", "cc-ly"),
    ("chen", "陈刚", "supervisor", "cc-zh"),
    ("admin", "系统管理员", "admin", "jl-org"),
]

# (name suffix, org_type, category, supervisory unit or None)
ORG_KINDS = [
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

CHARTER_OK = dict.fromkeys(
    (
        "party_status_in_general_provisions",
        "chapter_form",
        "chapter_duties",
        "chapter_funding",
        "chapter_major_matters",
        "overall_leadership",
        "core_values",
    ),
    True,
)


def credit_code(unit: str, org_type: str, serial: int) -> str:
    """A valid GB 32100-2015 code: 5 (civil affairs) + kind + division + organization code."""
    kind = {"social_group": "1", "social_service": "2", "foundation": "3"}[org_type]
    body = f"5{kind}{DIVISION[unit]}MJ{serial:07d}"
    return body + uscc.calc_check_digit(body)


def _at(day: date) -> FixedClock:
    return FixedClock(datetime.combine(day, time(2, 0), tzinfo=UTC))  # 10:00 Shanghai


def _steps(
    org: dict[str, Any], unit: str, serial: int, day0: date, full: int
) -> list[tuple[str, dict, str, int]]:
    """The P1 path as (trigger, payload, user role, day offset from the application)."""
    mode = "dual" if org["supervisory_unit"] else "direct"
    recipients = (
        [
            {
                "kind": "supervisory_unit",
                "name": org["supervisory_unit"],
                "delivered_on": str(day0 + timedelta(days=30)),
            }
        ]
        if mode == "dual"
        else [
            {
                "kind": "industry_regulator",
                "name": org["industry_regulator"],
                "delivered_on": str(day0 + timedelta(days=30)),
            },
            {
                "kind": "local_party_org",
                "name": org["local_party_org"],
                "delivered_on": str(day0 + timedelta(days=30)),
            },
        ]
    )
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
                "credit_code": credit_code(unit, org["org_type"], serial),
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


# target state -> (steps of the common path to run, extra steps after)
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


def _finish(target: str, full: int, org: dict, day0: date) -> list[tuple[str, dict, str, int]]:
    if target == "correction":
        gaps = {**CHARTER_OK, "chapter_funding": False, "note": "党建专章未写明经费保障"}
        return [("return_for_correction", gaps, "caseworker", 8)]
    if target == "rejected":
        return [("reject", {"reason": "发起人代表性不足，会员覆盖面过窄"}, "supervisor", 14)]
    if target == "withdrawn":
        return [("withdraw", {"reason": "发起人决定暂缓成立"}, "caseworker", 6)]
    if target == "awaiting_coverage":
        return [("defer_coverage", {"reason": "暂无党员，附近无可派指导员"}, "supervisor", 40)]
    route = "route_standalone" if full >= 3 else "route_joint"
    route_payload = (
        {} if full >= 3 else {"partner_organizations": ["南关区家政服务协会", "南关区美容美发协会"]}
    )
    if target == "forming_party_org":
        return [(route, route_payload, "caseworker", 40)]
    if target == "covered":
        kind = "branch" if full >= 3 else "joint_branch"
        return [
            (route, route_payload, "caseworker", 40),
            (
                "establish_party_org",
                {
                    "name": f"{org['name']}党支部" if full >= 3 else f"{org['name']}等联合党支部",
                    "kind": kind,
                    "approved_by": org["local_party_org"],
                    "established_on": str(day0 + timedelta(days=70)),
                },
                "caseworker",
                70,
            ),
        ]
    if target == "instructor_covered":
        return [
            (
                "dispatch_instructor",
                {
                    "mode": "instructor",
                    "name": "郑国华",
                    "dispatched_by": "长春市社会组织综合党委",
                    "dispatched_on": str(day0 + timedelta(days=45)),
                },
                "supervisor",
                45,
            )
        ]
    return []


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


def load_demo(rt: Runtime, today: date | None = None) -> str:
    today = today or date.today()
    definition_sync.sync_definitions(rt.uow(), rt.definitions)
    with rt.reader() as r:
        if r.conn.execute(
            select(Unit.__table__.c.id).where(Unit.__table__.c.code == "jl-org")
        ).first():
            return "demo data already loaded\n" + accounts_text()
    units: dict[str, int] = {}
    for code, zh, en, kind, parent, district in UNITS:
        units[code] = directory.create_unit(
            rt.uow(),
            {
                "code": code,
                "name_zh": zh,
                "name_en": en,
                "kind": kind,
                "parent": parent,
                "district": district,
            },
        )
    pw = generate_password_hash(DEMO_PASSWORD)
    for username, name, role, unit in USERS:
        directory.create_user(
            rt.uow(),
            {
                "username": username,
                "display_name": name,
                "role": role,
                "unit": unit,
                "email": f"{username}@demo.tongbu.invalid",
                "password_hash": pw,
            },
        )
    actors = {u[0]: access.actor_for(rt.uow(), u[0]) for u in USERS}
    by_unit_role = {(u[3], u[2]): u[0] for u in USERS}
    rng = random.Random(2026)
    org_ids: list[int] = []
    serial = 1000
    district_units = ["cc-ng", "cc-cy", "cc-kc", "cc-ly"]
    n_cases = 0
    for i, (target, full, days_ago) in enumerate(PLANS * 2):
        unit = district_units[i % 4]
        suffix, org_type, category, sup = ORG_KINDS[i % len(ORG_KINDS)]
        district = DISTRICT[unit]
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
            category = org["category"] = "industry_association"
        oid = directory.create_organization(rt.uow(), org)
        org_ids.append(oid)
        day0 = today - timedelta(days=days_ago)
        caseworker = actors[by_unit_role.get((unit, "caseworker"), "admin")]
        supervisor = actors[by_unit_role.get((unit, "supervisor"), "chen")]
        clock = _at(day0)
        cid = case_service.open_case(
            UnitOfWork(rt.engine, clock, rt.calendar),
            rt.definitions,
            "registration",
            oid,
            {
                "applied_on": str(day0),
                "founders": ["张伟", "刘洋", "陈静"],
                "proposed_leaders": ["张伟"],
            },
            actor=caseworker,
        )
        serial += 1
        plan = _steps(org, unit, serial, day0, full)[: COMMON_UPTO[target]] + _finish(
            target, full, org, day0
        )
        version = 1
        for trigger, payload, role, offset in plan:
            when = min(day0 + timedelta(days=offset), today)
            actor = caseworker if role == "caseworker" else supervisor
            out = case_service.fire(
                UnitOfWork(rt.engine, _at(when), rt.calendar),
                rt.definitions,
                cid,
                trigger,
                payload,
                actor=actor,
                expected_version=version,
            )
            version = out["version"]
        n_cases += 1
    extra = ""
    if find_spec("web.demo_procedures") is not None:
        from web import demo_procedures

        extra = demo_procedures.load(rt, units, org_ids, today)
    return (
        f"demo data loaded: {len(UNITS)} units, {len(USERS)} users, {len(org_ids)} organizations, "
        f"{n_cases} registration cases\n" + (extra + "\n" if extra else "") + accounts_text()
    )


def accounts_text() -> str:
    lines = [f"demo accounts (password for all: {DEMO_PASSWORD}):"]
    for username, name, role, unit in USERS:
        unit_name = next(u[1] for u in UNITS if u[0] == unit)
        lines.append(f"  {username:<6} {name:<6} {role:<10} {unit_name}")
    return "\n".join(lines)
