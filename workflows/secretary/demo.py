"""P4 demo: a secretary case in every state, some deadlines overdue today.

Each case gets its own social organization with a Party branch; the post fell vacant on the
case's start day, and every step runs on its own day. The "closed" case also runs the P2
revocation, which closes the post itself (TRF-4: the post ends with its Party organization;
adjustment v3 fires close_post on the P4 case in the revocation's transaction). The approval
(SEC-3) and the annual reports (SEC-7) come with their steps as documents (secretary v4), sample
PDFs of `samples.py`; the revocation with the decision P2 v4 requires.
"""

from __future__ import annotations

from datetime import date, timedelta

from engine.registry import DemoCase, DemoContext
from workflows.demo_support import DemoRecords, person, sample

ORGANIZATIONS = {
    "vacancy": "心理咨询师协会",
    "nominated": "律师协会",
    "awaiting_approval": "注册税务师协会",
    "in_office_report_overdue": "摄影家协会",
    "in_office_large": "民营企业家商会",
    "in_office_renewal_soon": "围棋协会",
    "vacancy_after_change": "钢琴协会",
    "closed": "社区养老服务中心",
    "withdrawn": "书法家协会",
}
ASSESSED = dict.fromkeys(
    ("conviction", "dedication", "capability", "conduct", "political_strength", "mass_work"), True
)


def load(ctx: DemoContext) -> None:
    """One case per target state, the districts taken in turn."""
    rec = DemoRecords(ctx)
    for n, target in enumerate(ORGANIZATIONS):
        _case(rec, target, ctx.districts[n % len(ctx.districts)][0])


def _case(rec: DemoRecords, target: str, unit: str) -> None:
    district = rec.district[unit]
    suffix = ORGANIZATIONS[target]
    closing = target == "closed"
    org = rec.organization(
        unit,
        suffix,
        "social_service" if closing else "social_group",
        "community_service" if closing else "other",
    )
    upper = f"{district}南湖街道党工委"
    start = {
        "in_office_report_overdue": rec.ago(420),
        "in_office_renewal_soon": rec.ago(3 * 365 - 50),
        "closed": rec.ago(200),
    }.get(target, rec.ago(30))
    po = rec.party_org(org, f"{district}{suffix}党支部", upper, start - timedelta(days=20))
    roles = ["head", "management", "backbone", "staff"]
    if target == "in_office_large":
        roles += ["staff"] * int(rec.ctx.parameters["sec_full_time_deputy_min_members"])
    members = rec.members(org, po, roles)
    case = rec.open(
        "secretary", org, {"party_organization_id": po, "vacancy": "new_organization"}, start
    )
    if target == "vacancy":
        return
    if target == "withdrawn":
        rec.step(
            case,
            "withdraw",
            {"reason": "该支部书记已在任，误开案件"},
            start + timedelta(days=2),
            "supervisor",
        )
        return
    assessed = {
        **ASSESSED,
        "assessed_by": f"{upper}组织委员",
        "assessed_on": (start + timedelta(days=3)).isoformat(),
    }
    rec.step(
        case,
        "nominate",
        {"source": "head", "member_id": members[0], "assessment": assessed},
        start + timedelta(days=3),
    )
    if target == "nominated":
        return
    voters = len(members)
    elected = start + timedelta(days=10)
    rec.step(
        case,
        "elect",
        {
            "elected_on": elected.isoformat(),
            "eligible_voters": voters,
            "votes_cast": voters,
            "votes_for": voters - 1,
        },
        elected,
    )
    if target == "awaiting_approval":
        return
    approved = elected + timedelta(days=7)
    approval_no = f"党组〔{approved.year}〕{rec.serial}号"
    rec.step(
        case,
        "approve",
        {
            "approved_by": upper,
            "approved_on": approved.isoformat(),
            "approval_no": approval_no,
            "stipend_yuan_per_month": 300,
            "stipend_paid_by": "party_funds",
        },
        approved,
        "supervisor",
        [sample(__package__, "appointment_approval", "appointment_approval", f"{approval_no}.pdf")],
    )
    if target == "in_office_renewal_soon":
        _annual_report(rec, case, rec.ago(300), upper, len(members), "excellent")
    elif target == "vacancy_after_change":
        changed = approved + timedelta(days=5)
        rec.step(
            case,
            "report_secretary_change",
            {
                "change": "left_organization",
                "changed_on": changed.isoformat(),
                "reported_on": changed.isoformat(),
                "reported_to": upper,
            },
            changed,
        )
    elif closing:
        report = approved + timedelta(days=100)
        _annual_report(rec, case, report, upper, len(members), "good")
        _revoke(rec, org, po, members, upper, report)  # closes this case too (TRF-4)


def _annual_report(
    rec: DemoRecords, case: DemoCase, day: date, upper: str, present: int, evaluation: str
) -> None:
    rec.step(
        case,
        "file_annual_report",
        {
            "reported_on": day.isoformat(),
            "reported_to": upper,
            "members_present": present,
            "evaluation": evaluation,
            "summary": "年度抓党建工作述职",
        },
        day,
        documents=[
            sample(__package__, "annual_report", "annual_report", f"{day.year}年度述职报告.pdf")
        ],
    )


def _revoke(
    rec: DemoRecords, org: int, po: int, members: list[int], upper: str, report: date
) -> date:
    """The organization deregisters: the P2 case that revokes its branch, and with it closes
    the branch's secretary post; returns the day of the decision."""
    p2 = rec.open(
        "adjustment",
        org,
        {
            "party_organization_id": po,
            "change_kind": "deregistration",
            "change_on": (report + timedelta(days=5)).isoformat(),
            "reported_on": (report + timedelta(days=7)).isoformat(),
            "reported_to": upper,
            "summary": "养老服务中心停办注销",
        },
        report + timedelta(days=7),
    )
    day = report + timedelta(days=9)
    rec.step(p2, "accept_report", None, day)
    rec.step(
        p2,
        "assign_receiving",
        {
            "assigned_person": person(950),
            "assigned_on": day.isoformat(),
            "receiving_party_orgs": [{"name": upper, "contacted_on": day.isoformat()}],
        },
        day,
    )
    destinations = [
        {
            "member_id": m,
            "kind": "transfer",
            "to_party_org": upper,
            "transferred_on": day.isoformat(),
        }
        for m in members
    ]
    rec.step(p2, "record_destinations", {"destinations": destinations}, day)
    rec.step(p2, "complete_transfers", {"completed_on": day.isoformat()}, day)
    decided = day + timedelta(days=6)
    decision_no = f"党发〔{decided.year}〕{rec.serial}号"
    rec.step(
        p2,
        "decide_revocation",
        {
            "decided_on": decided.isoformat(),
            "decision_no": decision_no,
            "reason": "社会组织注销",
        },
        decided,
        "supervisor",
        [
            sample(
                "workflows.adjustment",
                "party_decision",
                "decision_revocation",
                f"{decision_no}.pdf",
            )
        ],
    )
    return decided
