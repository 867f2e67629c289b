"""P1 demo: registration cases in every state, twice over, some deadlines overdue today.

Each case is a new social organization applying in one of the districts, the districts taken in
turn; the application was filed `days ago`, and each step runs on its own day after it. From
the responsible body on (REG-6) the case is handled by that body's unit — the supervisory
unit's Party organization, the industry Party committee, the street Party working committee or
the comprehensive committee — so an overdue REG-8 deadline is that unit's lateness (ACC-1).
A new organization ends covered (REG-8): a Party organization of its own (standalone or a new
joint branch), an existing joint branch it joins, a host Party organization it is attached to
(挂靠), or an instructor.

The cases carry their documents (registration.v3.yaml's materials), uploaded with the steps
that take them: the commitment letter and the member survey (REG-1), the charter (REG-3), the
registration decision (REG-4), the forwarding letter (REG-5), the approval of the new Party
organization or the instructor's dispatch letter (REG-7). They are the shipped sample PDFs
(`samples.py`, `demo_files/`), uploaded under the organization's name. The second round's
new applications hold part of their file (`_file_in_part`): `accept` is refused there citing
REG-1 (the commitment letter is missing) or REG-2 (the survey's figures are not recorded).
"""

from __future__ import annotations

import functools
import random
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, NamedTuple

from engine.registry import DemoCase, DemoContext, DemoDocument
from workflows import sample_documents
from workflows.demo_support import person
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
    ("中医药健康促进会", "social_group", "health", "长春市卫生健康委员会"),
    ("民营医院协会", "social_group", "health", "长春市卫生健康委员会"),
    ("小额信贷服务中心", "social_service", "financial", "长春市地方金融监督管理局"),
    ("书画研究会", "social_group", "ideology", "长春市文化广电和旅游局"),
]

#: REG-6: the responsible body of each category, as (kind, unit code of web/demo.py, territorial
#: relation); the body is also the upper Party organization that approves a new one (REG-7).
#: Dual management goes to the supervisory unit's Party organization or the industry Party
#: committee; community service to the street; other direct registrations, without a
#: territorial relation, to the comprehensive committee (兜底).
RESPONSIBLE: dict[str, tuple[str, str, bool]] = {
    "health": ("supervisory_party_org", "cc-wjw", False),
    "ideology": ("supervisory_party_org", "cc-wlj", False),
    "financial": ("industry_committee", "cc-jrw", False),
    "community_service": ("street_township", "ng-zq", True),
}
DIRECT_BODY = ("comprehensive_committee", "cc-zh", False)
BODY_NAMES = {
    "cc-wjw": "长春市卫生健康委员会党组",
    "cc-wlj": "长春市文化广电和旅游局党组",
    "cc-jrw": "长春市金融行业党委",
    "ng-zq": "南关区自强街道党工委",
    "cc-zh": "长春市社会组织综合党委",
}
#: The street Party working committee, its community Party committee and the joint branch to
#: join serve one district: the organizations they cover are registered there.
NEAR_HOSTS = "cc-ng"


@dataclass(frozen=True)
class Plan:
    target: str
    full: int
    days_ago: int
    route: str | None = None  # standalone, joint, join or affiliate


PLANS = [
    Plan("applied", 3, 5),
    Plan("applied", 0, 40),
    Plan("charter_review", 4, 12),
    Plan("correction", 2, 25),
    Plan("registration_review", 5, 15),
    Plan("registered", 3, 28),
    Plan("registered", 6, 75),  # REG-5 overdue at the registration authority
    Plan("responsibility", 4, 60),
    Plan("coverage_routing", 0, 50),
    Plan("coverage_routing", 4, 140),  # REG-8 overdue, at the responsible body's unit
    Plan("forming_party_org", 5, 70, "standalone"),
    Plan("forming_party_org", 2, 130, "joint"),  # waiting for approval, REG-8 overdue
    Plan("covered", 7, 120, "standalone"),
    Plan("covered", 2, 160, "joint"),
    Plan("covered", 1, 110, "join"),
    Plan("covered", 2, 95, "affiliate"),
    Plan("instructor_covered", 0, 100),
    Plan("rejected", 3, 45),
    Plan("withdrawn", 1, 35),
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
    "covered": 6,
    "instructor_covered": 6,
    "rejected": 3,
    "withdrawn": 0,
}

CHARTER_OK = dict.fromkeys(CHARTER_ITEMS, True)


class Step(NamedTuple):
    trigger: str
    payload: dict[str, Any]
    role: str
    offset: int
    """Days after the application."""
    documents: tuple[str, ...] | None = None
    """The materials uploaded with the step; None: those `STEP_DOCUMENTS` gives its trigger."""


#: The documents each step uploads (materials of registration.v3.yaml).
STEP_DOCUMENTS: dict[str, tuple[str, ...]] = {
    "record_documents": ("commitment_letter", "member_survey"),
    "approve_charter": ("charter",),
    "return_for_correction": ("charter",),
    "register": ("registration_decision",),
    "forward_documents": ("forwarding_letter",),
    "establish_party_org": ("party_org_approval",),
    "dispatch_instructor": ("instructor_dispatch_letter",),
}
#: How an uploaded file is named, after the organization's name.
FILE_NAMES = {
    "commitment_letter": "社会组织党建工作承诺书",
    "member_survey": "社会组织党员情况调查表",
    "charter": "章程",
    "registration_decision": "准予设立登记决定书",
    "forwarding_letter": "转送函及送达回执",
    "party_org_approval": "成立党组织的批复",
    "instructor_dispatch_letter": "选派党建工作指导员的通知",
}


@functools.cache
def _sample(material: str) -> bytes:
    return sample_documents.read(__package__, material)


def files(org_name: str, materials: tuple[str, ...]) -> list[DemoDocument]:
    """The sample PDFs of `materials`, named after the organization."""
    return [DemoDocument(m, f"{org_name}-{FILE_NAMES[m]}.pdf", _sample(m)) for m in materials]


def documents(org_name: str, step: Step) -> list[DemoDocument]:
    """The sample PDFs a step uploads."""
    materials = STEP_DOCUMENTS.get(step.trigger, ()) if step.documents is None else step.documents
    return files(org_name, materials)


def survey(full: int) -> dict[str, int]:
    """REG-2: the figures of the organization's member survey."""
    return {
        "full_members": full,
        "full_time_full_members": full,
        "probationary_members": 1,
        "members_elsewhere": min(full, 1),
    }


class Hosts:
    """What a case may be attached to: host Party organizations (a community Party committee,
    a supervisory unit's organ Party committee) and an existing joint branch to join."""

    def __init__(self, ctx: DemoContext) -> None:
        since = ctx.today - timedelta(days=3 * 365)
        self.community = ctx.party_organization(
            {
                "organization_id": None,
                "name": "南关区自强街道桃源社区党委",
                "kind": "committee",
                "upper_party_org": "南关区自强街道党工委",
                "upper_unit": "ng-zq",
                "established_on": since.isoformat(),
            }
        )
        self.health = ctx.party_organization(
            {
                "organization_id": None,
                "name": "长春市卫生健康委员会机关党委",
                "kind": "committee",
                "upper_party_org": "长春市卫生健康委员会党组",
                "upper_unit": "cc-wjw",
                "established_on": since.isoformat(),
            }
        )
        unit, district = ctx.districts[0]
        lead, *partners = (
            ctx.organization(
                {
                    "name": f"{district}{suffix}",
                    "org_type": "social_group",
                    "category": "industry_association",
                    "unit": unit,
                    "credit_code": ctx.credit_code(unit, "social_group"),
                    "industry_regulator": f"{district}商务局",
                    "local_party_org": f"{district}自强街道党工委",
                    "district": district,
                }
            )
            for suffix in ("商贸流通协会", "便利店协会", "连锁经营协会")
        )
        # Covers three units: two more may join it (REG-7: at most five).
        self.joint_branch = ctx.party_organization(
            {
                "organization_id": lead,
                "name": f"{district}商贸流通行业联合党支部",
                "kind": "joint_branch",
                "formation_mode": "joint",
                "upper_party_org": "长春市社会组织综合党委",
                "upper_unit": "cc-zh",
                "established_on": since.isoformat(),
                "covers": partners,
            }
        )


def load(ctx: DemoContext) -> None:
    """Every plan twice: first under the city's name, then under a lake's."""
    rng = random.Random(2026)
    hosts = Hosts(ctx)
    for i, plan in enumerate(PLANS * 2):
        unit, district = ctx.districts[i % len(ctx.districts)]
        suffix, org_type, category, sup = ORGANIZATIONS[i % len(ORGANIZATIONS)]
        near = plan.route == "join" or (plan.route == "affiliate" and category != "health")
        if category == "community_service" or near:  # neighbours of the street's bodies
            unit, district = next(d for d in ctx.districts if d[0] == NEAR_HOSTS)
        base = f"长春市{district}" if i < len(PLANS) else f"{district}{rng.choice('东南西北')}湖"
        name = base + suffix
        street = "自强" if category == "community_service" else rng.choice(["桃源", "永吉", "清和"])
        org = {
            "name": name,
            "org_type": org_type,
            "category": category,
            "unit": unit,
            "supervisory_unit": sup,
            "industry_regulator": f"{district}商务局",
            "local_party_org": f"{district}{street}街道党工委",
            "district": district,
        }
        day0 = ctx.today - timedelta(days=plan.days_ago)
        oid = ctx.organization(org)
        case = ctx.open(
            "registration",
            oid,
            {
                "applied_on": str(day0),
                "founders": ["张伟", "刘洋", "陈静"],
                "proposed_leaders": ["张伟"],
            },
            on=day0,
        )
        code = ctx.credit_code(unit, org_type)
        if plan.target == "applied" and i >= len(PLANS):
            _file_in_part(ctx, case, name, plan, day0)
            continue
        steps = _steps(ctx, org, code, day0, plan.full)[: COMMON_UPTO[plan.target]]
        finish = _finish(ctx, hosts, plan, oid, org, base, day0)
        for step in steps + finish:
            ctx.fire(
                case,
                step.trigger,
                step.payload,
                on=day0 + timedelta(days=step.offset),
                role=step.role,
                documents=documents(name, step),
            )


def _file_in_part(ctx: DemoContext, case: DemoCase, name: str, plan: Plan, day0: date) -> None:
    """The second round's new applications hold part of their file. With members: the survey
    is recorded and attached, the commitment letter is missing (`accept` refused, REG-1).
    Without: both documents were handed in at the window, the survey's figures are not
    recorded yet (`accept` refused, REG-2; README's shell example records them)."""
    if plan.full:
        ctx.fire(
            case,
            "record_documents",
            {"member_survey": survey(plan.full)},
            on=day0 + timedelta(days=1),
            documents=files(name, ("member_survey",)),
        )
    else:
        ctx.attach(case, files(name, STEP_DOCUMENTS["record_documents"]), on=day0)


def _unit_id(ctx: DemoContext, code: str) -> int:
    """The id of a unit of the base data (web/demo.py's `ServiceDemoContext.unit_id`)."""
    return ctx.unit_id(code)


def _steps(ctx: DemoContext, org: dict[str, Any], code: str, day0: date, full: int) -> list[Step]:
    """The common P1 path, from the documents to the responsible body (handed over to it)."""
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
    kind, unit, territorial = RESPONSIBLE.get(org["category"], DIRECT_BODY)
    body = {"kind": kind, "unit_id": _unit_id(ctx, unit), "territorial_relation": territorial}
    return [
        Step("record_documents", {"member_survey": survey(full)}, "caseworker", 1),
        Step("accept", {}, "caseworker", 3),
        Step("approve_charter", CHARTER_OK, "caseworker", 10),
        Step(
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
        Step("forward_documents", {"recipients": recipients}, "caseworker", 30),
        Step("assign_responsible_body", body, "caseworker", 35),
    ]


def _partners(ctx: DemoContext, org: dict[str, Any], base: str) -> list[int]:
    """Two registered neighbours of the same district, not yet covered, for a joint branch."""
    return [
        ctx.organization(
            {
                "name": base + suffix,
                "org_type": "social_group",
                "category": "industry_association",
                "unit": org["unit"],
                "credit_code": ctx.credit_code(org["unit"], "social_group"),
                "industry_regulator": org["industry_regulator"],
                "local_party_org": org["local_party_org"],
                "district": org["district"],
            }
        )
        for suffix in ("家政服务协会", "美容美发协会")
    ]


def _finish(
    ctx: DemoContext,
    hosts: Hosts,
    plan: Plan,
    oid: int,
    org: dict[str, Any],
    base: str,
    day0: date,
) -> list[Step]:
    """The steps that take a case from the common path to its target state."""
    target = plan.target
    if target == "correction":
        gaps = {**CHARTER_OK, "chapter_funding": False, "note": "党建专章未写明经费保障"}
        return [Step("return_for_correction", gaps, "caseworker", 8)]
    if target == "rejected":
        return [Step("reject", {"reason": "发起人代表性不足，会员覆盖面过窄"}, "supervisor", 14)]
    if target == "withdrawn":
        return [Step("withdraw", {"reason": "发起人决定暂缓成立"}, "caseworker", 6)]
    if target == "instructor_covered":
        instructor = {
            "mode": "instructor",
            "name": "郑国华",
            "dispatched_by": "长春市社会组织综合党委",
            "dispatched_on": str(day0 + timedelta(days=45)),
        }
        return [Step("dispatch_instructor", instructor, "caseworker", 45)]
    if plan.route == "affiliate":
        host = hosts.health if org["category"] == "health" else hosts.community
        members = [
            ctx.member(
                {
                    "organization_id": oid,
                    "name": person(oid * 3 + n),
                    "status": "full",
                    "role": "staff",
                    "relation_location": "原工作单位党支部",
                }
            )
            for n in range(plan.full)
        ]
        attach = {
            "host_party_organization_id": host,
            "affiliated_on": str(day0 + timedelta(days=45)),
            "member_ids": members,
        }
        return [Step("affiliate_to_host", attach, "caseworker", 45)]
    if plan.route == "join":
        joining = {
            "joint_branch_id": hosts.joint_branch,
            "joined_on": str(day0 + timedelta(days=45)),
        }
        return [Step("join_joint_branch", joining, "caseworker", 45)]
    if plan.route == "joint":
        route = Step(
            "route_joint",
            {"partner_organization_ids": _partners(ctx, org, base)},
            "caseworker",
            40,
        )
    elif plan.route == "standalone":
        route = Step("route_standalone", {}, "caseworker", 40)
    else:
        return []
    if target == "forming_party_org":
        return [route]
    standalone = plan.route == "standalone"
    _kind, body, _territorial = RESPONSIBLE.get(org["category"], DIRECT_BODY)
    party_org = {
        "name": f"{org['name']}党支部" if standalone else f"{org['name']}等联合党支部",
        "kind": "branch" if standalone else "joint_branch",
        "approved_by": BODY_NAMES[body],
        "established_on": str(day0 + timedelta(days=70)),
    }
    return [route, Step("establish_party_org", party_org, "caseworker", 70)]
