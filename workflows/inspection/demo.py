"""Inspection demo: one completed inspection year and one in progress (INS-1, SUP-1, EVA-1).

Five organizations of one district, each opened through the yearly bulk opening (one per
year). The completed year — its annual reports were due months before the demo's today —
has a clean qualified organization, one qualified after a rectification, one rated
unqualified because it set up no Party organization (the rule's reason recorded), one whose
rectification is still open past its date, and one that never filed its annual report: the
scheduler's first sweep puts the last two on the abnormal-activities list (SUP-1). In the year
in progress the first self-check is recorded and the rest wait for their dates.
"""

from __future__ import annotations

from datetime import date, timedelta

from engine.registry import DemoCase, DemoContext
from workflows.demo_support import DemoRecords
from workflows.inspection.checklist import checklist

ORGANIZATIONS = {
    "clean": ("养老服务业协会", True),
    "rectified": ("家政服务行业协会", True),
    "no_party_org": ("广场舞爱好者协会", False),
    "rectifying": ("餐饮行业商会", True),
    "late_report": ("汽车维修行业协会", True),
    "dormant": ("收藏品鉴赏协会", True),
    "withdrawn": ("旧货业商会", True),
}


def _answers(day: date, **not_met: str) -> dict:
    return {**dict.fromkeys(checklist().ids, "met"), **not_met, "checked_on": day.isoformat()}


def load(ctx: DemoContext) -> None:
    rec = DemoRecords(ctx)
    unit, district = ctx.districts[-1]
    completed = (ctx.today - timedelta(days=200)).year - 1
    start = date(completed + 1, 1, 1)
    orgs: dict[str, int] = {}
    pos: dict[str, int] = {}
    for key, (suffix, with_po) in ORGANIZATIONS.items():
        org = rec.organization(unit, suffix, "social_group", "other")
        if with_po:
            po = rec.party_org(
                org, f"{district}{suffix}党支部", f"{district}南湖街道党工委", date(completed, 3, 1)
            )
            rec.members(org, po, ["head", "management", "backbone"])
            pos[key] = po
        orgs[key] = org
    cases = ctx.open_series(
        "inspection", unit, str(completed), list(orgs.values()), {"year": completed},
        on=start + timedelta(days=4),
    )  # fmt: skip
    case = {key: cases[org] for key, org in orgs.items()}
    for key in ("clean", "rectified", "no_party_org", "rectifying"):
        _file(rec, case[key], start, rectify=key in ("rectified", "rectifying"))
    rec.step(case["clean"], "pass_inspection", {"concluded_on": _d(start, 75)}, _day(start, 75),
             "supervisor")  # fmt: skip
    for key in ("rectified", "rectifying"):
        rec.step(
            case[key],
            "demand_rectification",
            {
                "demanded_on": _d(start, 70),
                "item": "party_work_carried_out",
                "problem": "全年仅召开一次支部委员会，“三会一课”未按期落实，须补开并报送记录。",
            },
            _day(start, 70),
        )
    rec.step(
        case["rectified"],
        "complete_rectification",
        {"completed_on": _d(start, 90), "summary": "已补开支部党员大会和党课，记录已报送。"},
        _day(start, 90),
    )
    rec.step(case["rectified"], "pass_inspection", {"concluded_on": _d(start, 95)},
             _day(start, 95), "supervisor")  # fmt: skip
    rec.step(
        case["no_party_org"],
        "fail_inspection",
        {
            "concluded_on": _d(start, 80),
            "reason": "有正式党员但未按要求建立党组织，亦未选派党建工作指导员。",
        },
        _day(start, 80),
        "supervisor",
    )
    # late_report: the self-check only; its annual report was never filed.
    rec.step(case["late_report"], "record_self_check", _answers(_day(start, 40)), _day(start, 40))
    rec.step(
        case["dormant"],
        "refer_for_deregistration",
        {
            "inactive_since": date(completed - 2, 6, 1).isoformat(),
            "unreachable_at_address": True,
            "unreachable_responsible_person": True,
            "unreachable_supervisory_unit": True,
            "decided_on": _d(start, 100),
            "party_organization_id": pos["dormant"],
            "reported_to": f"{district}南湖街道党工委",
            "reason": "连续多年未开展活动，登记住所、负责人和业务主管单位均无法取得联系。",
        },
        _day(start, 100),
        "supervisor",
    )
    rec.step(
        case["withdrawn"],
        "withdraw",
        {"reason": "该会已于上年办理注销登记，年检案件误开。"},
        _day(start, 10),
        "supervisor",
    )
    _year_in_progress(ctx, rec, unit, orgs, completed + 1)


def _year_in_progress(
    ctx: DemoContext, rec: DemoRecords, unit: str, orgs: dict[str, int], year: int
) -> None:
    opened_on = min(ctx.today, date(year + 1, 1, 4))
    going = [orgs[k] for k in ("clean", "rectified", "no_party_org", "rectifying")]
    cases = ctx.open_series("inspection", unit, str(year), going, {"year": year}, on=opened_on)
    day = ctx.today
    rec.step(cases[orgs["clean"]], "record_self_check", _answers(day), day)
    rectified = cases[orgs["rectified"]]
    rec.step(rectified, "record_self_check", _answers(day), day)
    rec.step(rectified, "file_statistics", _statistics(day), day)
    _file(rec, cases[orgs["no_party_org"]], day - timedelta(days=60), rectify=False)


def _file(rec: DemoRecords, case: DemoCase, start: date, *, rectify: bool) -> None:
    answers = _answers(_day(start, 30), party_work_carried_out="not_met") if rectify else None
    rec.step(case, "record_self_check", answers or _answers(_day(start, 30)), _day(start, 30))
    rec.step(case, "file_statistics", _statistics(_day(start, 45)), _day(start, 45))
    rec.step(
        case,
        "file_annual_report",
        {"filed_on": _d(start, 60), "party_work_summary": "全年开展主题党日活动，按期收缴党费。"},
        _day(start, 60),
    )


def _statistics(day: date) -> dict:
    return {
        "filed_on": day.isoformat(),
        "party_organizations": 1,
        "full_members": 3,
        "probationary_members": 0,
        "dues_collected_yuan": 960,
    }


def _day(start: date, days: int) -> date:
    return start + timedelta(days=days)


def _d(start: date, days: int) -> str:
    return _day(start, days).isoformat()
