"""P2 demo: an adjustment case in every state, some deadlines overdue today.

Each case gets its own social organization with a Party branch of four members; the change,
merger, split or deregistration happened `days` ago, and every step runs on its own day. The
revoked branch was renewing its secretary (a P4 case, candidate nominated): the revocation
closes that post too (TRF-4, adjustment v3). The upper Party organization's decision comes with
its step as a document (TRF-4, adjustment v4: required), a sample PDF of `samples.py`.
"""

from __future__ import annotations

from datetime import date, timedelta

from engine.registry import DemoContext, DemoDocument
from workflows.demo_support import DemoRecords, person, sample

TALENT_CENTRE = "长春市人才服务中心党委"

PLAN = {
    # target: (change kind, days since the change)
    "reported": ("change", 6),
    "contacting": ("merger", 50),  # contact deadline overdue
    "transferring": ("split", 30),
    "transferring_overdue": ("deregistration", 75),
    "deciding": ("merger", 40),
    "changed": ("change", 90),
    "revoked": ("deregistration", 120),
    "withdrawn": ("split", 60),
}
ORGANIZATIONS = {
    "reported": ("汽车维修行业协会", "social_group", "industry_association"),
    "contacting": ("家政服务业协会", "social_group", "industry_association"),
    "transferring": ("电子商务协会", "social_group", "industry_association"),
    "transferring_overdue": ("老年大学校友会", "social_group", "other"),
    "deciding": ("会计学会", "social_group", "science_technology"),
    "changed": ("环保科技促进会", "social_group", "science_technology"),
    "revoked": ("青年志愿者服务中心", "social_service", "charity"),
    "withdrawn": ("文化创意产业协会", "social_group", "industry_association"),
}
SUMMARIES = {
    "change": "社会组织名称及住所变更，党支部向上级党组织报告",
    "merger": "经会员大会决议与同业协会合并",
    "split": "拟分立为两个社会组织",
    "deregistration": "经会员大会决议注销",
}


def load(ctx: DemoContext) -> None:
    """One case per target state, the districts taken in turn."""
    rec = DemoRecords(ctx)
    for n, target in enumerate(PLAN):
        _case(rec, target, ctx.districts[n % len(ctx.districts)][0])


def _case(rec: DemoRecords, target: str, unit: str) -> None:
    kind, days = PLAN[target]
    suffix, org_type, category = ORGANIZATIONS[target]
    org = rec.organization(unit, suffix, org_type, category)
    district = rec.district[unit]
    upper = f"{district}南湖街道党工委"
    po = rec.party_org(org, f"{district}{suffix}党支部", upper, rec.ago(days + 900))
    members = rec.members(org, po, ["head", "management", "staff", "staff"])
    change = rec.ago(days)
    case = rec.open(
        "adjustment",
        org,
        {
            "party_organization_id": po,
            "change_kind": kind,
            "change_on": change.isoformat(),
            "reported_on": (change + timedelta(days=3)).isoformat(),
            "reported_to": upper,
            "summary": SUMMARIES[kind],
        },
        change + timedelta(days=3),
    )
    if target == "revoked":
        _renewing_secretary(rec, org, po, members[0], upper, change)
    if target == "reported":
        return
    rec.step(case, "accept_report", None, change + timedelta(days=5))
    if target == "contacting":
        return
    receiving = {
        "assigned_person": person(900 + rec.serial),
        "assigned_on": (change + timedelta(days=12)).isoformat(),
        "receiving_party_orgs": [
            {"name": TALENT_CENTRE, "contacted_on": (change + timedelta(days=10)).isoformat()}
        ],
    }
    rec.step(case, "assign_receiving", receiving, change + timedelta(days=12))
    if target == "withdrawn":
        rec.step(
            case,
            "withdraw",
            {"reason": "分立方案经会员大会否决，变更事项撤回"},
            change + timedelta(days=20),
            "supervisor",
        )
        return
    moved = change + timedelta(days=18)
    if kind in ("change", "merger"):
        destinations = [{"member_id": m, "kind": "remain"} for m in members]
    else:
        destinations = [
            {
                "member_id": m,
                "kind": "transfer",
                "to_party_org": TALENT_CENTRE,
                "transferred_on": moved.isoformat(),
            }
            for m in members[:-1]
        ] + [
            {
                "member_id": members[-1],
                "kind": "keep_elsewhere",
                "relation_kept_at": "吉林大学党委",
                "life_at": TALENT_CENTRE,
            }
        ]
    if target.startswith("transferring"):
        rec.step(case, "record_destinations", {"destinations": destinations[:1]}, moved)
        return
    rec.step(case, "record_destinations", {"destinations": destinations}, moved)
    rec.step(
        case,
        "complete_transfers",
        {"completed_on": (moved + timedelta(days=2)).isoformat()},
        moved + timedelta(days=2),
    )
    if target == "deciding":
        return
    decided = moved + timedelta(days=15)
    decision_no = f"党发〔{decided.year}〕{rec.serial}号"
    if target == "changed":
        rec.step(
            case,
            "decide_change",
            {
                "decided_on": decided.isoformat(),
                "decision_no": decision_no,
                "new_name": f"{district}环保科技促进会联合党支部",
            },
            decided,
            "supervisor",
            [_decision("decision_change", decision_no)],
        )
        return
    rec.step(
        case,
        "decide_revocation",
        {
            "decided_on": decided.isoformat(),
            "decision_no": decision_no,
            "reason": "社会组织注销，党支部按规定撤销",
        },
        decided,
        "supervisor",
        [_decision("decision_revocation", decision_no)],
    )
    rec.ctx.deregister(org, on=decided)


def _decision(stem: str, decision_no: str) -> DemoDocument:
    """TRF-4: the upper Party organization's written decision, named by its number."""
    return sample(__package__, "party_decision", stem, f"{decision_no}.pdf")


def _renewing_secretary(
    rec: DemoRecords, org: int, po: int, head: int, upper: str, change: date
) -> None:
    """The branch's term was being renewed when the organization decided to deregister: the
    head is nominated, and the revocation ends the post at that stage (secretary v3)."""
    opened = change - timedelta(days=12)
    post = rec.open(
        "secretary", org, {"party_organization_id": po, "vacancy": "term_renewal"}, opened
    )
    assessed = opened + timedelta(days=4)
    rec.step(
        post,
        "nominate",
        {
            "source": "head",
            "member_id": head,
            "assessment": {
                **dict.fromkeys(
                    (
                        "conviction",
                        "dedication",
                        "capability",
                        "conduct",
                        "political_strength",
                        "mass_work",
                    ),
                    True,
                ),
                "assessed_by": f"{upper}组织委员",
                "assessed_on": assessed.isoformat(),
            },
        },
        assessed,
    )
