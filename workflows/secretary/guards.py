"""Guards of P4. Each returns why not (a Refusal citing its rule), or None when allowed.

With payload=None (listing actions before a form is filled in) a guard judges only what the
case already knows.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from engine.rules import Refusal
from engine.snapshot import CaseView
from workflows.common import party_org
from workflows.secretary.schemas import SOURCES

Payload = Mapping[str, Any] | None

SOURCE_NAMES = {
    "head": ("社会组织负责人", "the organization's head"),
    "management": ("管理层", "management"),
    "backbone": ("业务骨干", "business backbones"),
    "other_member": ("其他内部党员", "other members inside"),
    "dispatched": ("上级党组织选派", "dispatch by the upper Party organization"),
}
# The member role each inside source draws on (SEC-2).
SOURCE_ROLE = {
    "head": "head",
    "management": "management",
    "backbone": "backbone",
    "other_member": "staff",
}
STANDARD = {
    "conviction": ("守信念（信念坚定）", "firm conviction"),
    "dedication": ("讲奉献", "dedication"),
    "capability": ("有本领", "capability"),
    "conduct": ("重品行", "good conduct"),
    "political_strength": ("政治素质强", "politically strong"),
    "mass_work": ("善于做群众工作", "able to do mass work"),
}
CADRES = ("serving", "retired")


def member(case: CaseView, member_id: Any) -> Mapping[str, Any] | None:
    return next((m for m in case.organization.get("members", ()) if m["id"] == member_id), None)


def inside_members(case: CaseView) -> list[Mapping[str, Any]]:
    """Members "from inside the organization" (SEC-2): those it employs."""
    oid = case.organization.get("id")
    return [m for m in case.organization.get("members", ()) if m["organization_id"] == oid]


def active_officers(case: CaseView, position: str | None = None) -> list[Mapping[str, Any]]:
    pid = case.data.get("party_organization_id")
    return [
        o
        for o in case.organization.get("officers", ())
        if o["party_organization_id"] == pid
        and o["status"] == "active"
        and (position is None or o["position"] == position)
    ]


def upper_body(case: CaseView) -> str | None:
    return (party_org(case) or {}).get("upper_party_org")


def _not_full_member(m: Mapping[str, Any] | None, member_id: Any, case: CaseView) -> Refusal | None:
    oid = case.organization.get("id")
    pid = case.data.get("party_organization_id")
    if m is None or (m["organization_id"] != oid and m["party_organization_id"] != pid):
        return Refusal(
            "SEC-2",
            zh=f"编号#{member_id}不是本组织的党员",
            en=f"#{member_id} is not a Party member of this organization",
        )
    if m["status"] != "full":
        return Refusal(
            "SEC-2",
            zh=f"{m['name']}是预备党员，书记（副书记）人选须为正式党员",
            en=f"{m['name']} is a probationary member: the candidate must be a full member",
            details={"member_id": m["id"]},
        )
    return None


def candidate_full_member(case: CaseView, payload: Payload) -> Refusal | None:
    """SEC-2: an inside candidate is a full Party member of this organization."""
    if payload is None or payload.get("member_id") is None:
        return None
    return _not_full_member(member(case, payload["member_id"]), payload["member_id"], case)


def source_order(case: CaseView, payload: Payload) -> Refusal | None:
    """SEC-2: the head first, then management, backbones, other members, and only then dispatch.
    Choosing a lower source needs a recorded reason for each higher one that has full members;
    the candidate's role must be the source's."""
    if payload is None:
        return None
    source = payload["source"]
    if source in SOURCE_ROLE:
        m = member(case, payload["member_id"]) or {}
        role = m.get("role") or "staff"
        if role != SOURCE_ROLE[source]:
            return Refusal(
                "SEC-2",
                zh=f"{m.get('name', '该党员')}的岗位不属于“{SOURCE_NAMES[source][0]}”",
                en=f"{m.get('name', 'The member')} is not among {SOURCE_NAMES[source][1]} "
                f"(role: {role})",
                details={"role": role, "source": source},
            )
    unavailable = payload.get("unavailable") or {}
    missing = []
    for higher in SOURCES[: SOURCES.index(source)]:
        people = [
            m
            for m in inside_members(case)
            if m["status"] == "full"
            and (m.get("role") or "staff") == SOURCE_ROLE[higher]
            and m["id"] != payload.get("member_id")
        ]
        if people and not unavailable.get(higher):
            missing.append((higher, people))
    if missing:
        return Refusal(
            "SEC-2",
            zh="选择较低来源，须逐一说明较高来源为何没有合适人选："
            + "；".join(
                f"{SOURCE_NAMES[s][0]}（{'、'.join(p['name'] for p in people[:5])}）"
                for s, people in missing
            ),
            en="A lower source needs a recorded reason why each higher one is unavailable: "
            + "; ".join(
                f"{SOURCE_NAMES[s][1]} ({', '.join(p['name'] for p in people[:5])})"
                for s, people in missing
            ),
            details={"missing_reasons": [s for s, _ in missing]},
        )
    return None


def standard_assessed(case: CaseView, payload: Payload) -> Refusal | None:
    """SEC-1: the standard assessment is recorded and the candidate meets every part of it."""
    if payload is None:
        return None
    assessment = payload["assessment"]
    failing = [k for k in STANDARD if not assessment.get(k)]
    if failing:
        return Refusal(
            "SEC-1",
            zh="人选不符合书记标准：" + "、".join(STANDARD[k][0] for k in failing),
            en="The candidate does not meet the standard: "
            + ", ".join(STANDARD[k][1] for k in failing),
            details={"failing": failing},
        )
    return None


def _paid_by_organization(compensation: Mapping[str, Any] | None) -> int:
    return sum(int(v or 0) for v in (compensation or {}).values())


def _cadre_refusal(name: str, cadre_status: str, what_zh: str, what_en: str) -> Refusal:
    zh_status = "现职" if cadre_status == "serving" else "退（离）休"
    return Refusal(
        "SEC-4",
        zh=f"{name}是选派的{zh_status}领导干部，不得在社会组织领取{what_zh}",
        en=f"{name} is a dispatched {cadre_status} leading cadre and may receive no {what_en} "
        "from the organization",
        details={"cadre_status": cadre_status},
    )


def nominee_takes_no_pay(case: CaseView, payload: Payload) -> Refusal | None:
    """SEC-4: a dispatched serving or retired leading cadre is nominated without any salary,
    bonus, allowance or other benefit from the organization."""
    cand = (payload or {}).get("dispatched")
    if cand and cand["cadre_status"] in CADRES and _paid_by_organization(cand["compensation"]):
        return _cadre_refusal(
            cand["name"], cand["cadre_status"], "薪酬、奖金、津贴等报酬", "pay or benefit"
        )
    return None


def appointee_takes_no_pay(case: CaseView, payload: Payload) -> Refusal | None:
    """SEC-4: at approval, the stipend of a dispatched serving or retired cadre cannot come from
    the organization (SEC-6's stipend is paid from Party or public funds)."""
    if payload is None:
        return None
    cand = (case.data.get("nomination") or {}).get("dispatched")
    if (
        cand
        and cand["cadre_status"] in CADRES
        and payload["stipend_paid_by"] == "organization"
        and payload["stipend_yuan_per_month"]
    ):
        return _cadre_refusal(cand["name"], cand["cadre_status"], "由其支付的补贴", "stipend")
    return None


def deputy_takes_no_pay(case: CaseView, payload: Payload) -> Refusal | None:
    """SEC-4: the same for a dispatched deputy secretary."""
    if (
        payload is None
        or payload["origin"] != "dispatched"
        or payload["cadre_status"] not in CADRES
    ):
        return None
    paid = _paid_by_organization(payload["compensation"]) or (
        payload["stipend_paid_by"] == "organization" and payload["stipend_yuan_per_month"]
    )
    if paid:
        return _cadre_refusal(
            payload["name"], payload["cadre_status"], "薪酬、奖金、津贴等报酬", "pay or benefit"
        )
    return None


def only_dispatched_candidates(case: CaseView, payload: Payload) -> Refusal | None:
    """SEC-2: the upper Party organization dispatches only when no suitable person is inside —
    that is, for a candidate nominated from the dispatch source."""
    if (case.data.get("nomination") or {}).get("source") != "dispatched":
        return Refusal(
            "SEC-2",
            zh="人选来自本组织内部，应由党员选举产生，不能由上级选派",
            en="The candidate comes from inside: elect, do not dispatch",
        )
    return None


def approved_by_upper_body(case: CaseView, payload: Payload) -> Refusal | None:
    """SEC-3: an elected secretary or deputy is approved by the upper Party body — the one the
    Party organization belongs to."""
    if payload is None:
        return None
    upper = upper_body(case)
    if not upper or payload["approved_by"].strip() != upper.strip():
        return Refusal(
            "SEC-3",
            zh=f"应由上级党组织（{upper or '未登记'}）审批，而不是“{payload['approved_by']}”",
            en=f"Approval is by the upper Party body ({upper or 'not recorded'}), "
            f"not '{payload['approved_by']}'",
            details={"upper_party_org": upper},
        )
    return None


def _below_floor(
    case: CaseView, stipend: int, floor: int, who_zh: str, who_en: str
) -> Refusal | None:
    if stipend >= floor or case.params.get("sec_stipend_below_floor", "refuse") == "flag":
        return None
    return Refusal(
        "SEC-6",
        zh=f"{who_zh}工作补贴{stipend}元/月，低于{floor}元/月的标准（地方默认值）",
        en=f"The {who_en}'s stipend of {stipend} yuan/month is below the floor of {floor} "
        "yuan/month (local default)",
        details={"floor": floor, "stipend": stipend},
    )


def stipend_floor(case: CaseView, payload: Payload) -> Refusal | None:
    """SEC-6: the secretary's stipend is at least the floor (local parameter); below it, the
    approval is refused, or — with `sec_stipend_below_floor: flag` — flagged by the action."""
    if payload is None:
        return None
    floor = int(case.params["sec_stipend_floor_secretary"])
    return _below_floor(case, payload["stipend_yuan_per_month"], floor, "党组织书记", "secretary")


#: SEC-6: the floor parameter and the words for each full-time post below the secretary.
WORKER_FLOORS = {
    "deputy_secretary": (
        "sec_stipend_floor_full_time_deputy",
        "专职副书记",
        "full-time deputy secretary",
    ),
    "party_affairs_worker": (
        "sec_stipend_floor_party_affairs_worker",
        "专职党务工作者",
        "full-time Party-affairs worker",
    ),
}


def worker_floor(case: CaseView, position: str) -> tuple[int, str, str]:
    """SEC-6: (floor in yuan/month, who in zh, who in en) for a full-time deputy secretary or
    Party-affairs worker — local parameters (Jilin: 200 and 100)."""
    param, zh, en = WORKER_FLOORS[position]
    return int(case.params[param]), zh, en


def deputy_stipend_floor(case: CaseView, payload: Payload) -> Refusal | None:
    """SEC-6: a full-time deputy's stipend is at least its floor, a full-time Party-affairs
    worker's at least theirs; part-time ones have none."""
    if payload is None or not payload["full_time"]:
        return None
    floor, zh, en = worker_floor(case, payload.get("position", "deputy_secretary"))
    return _below_floor(case, payload["stipend_yuan_per_month"], floor, zh, en)


def deputy_full_member(case: CaseView, payload: Payload) -> Refusal | None:
    """SEC-2: an internal deputy is a full member of this organization."""
    if payload is None or payload["origin"] != "internal":
        return None
    return _not_full_member(member(case, payload["member_id"]), payload["member_id"], case)


def reported_to_upper_body(case: CaseView, payload: Payload) -> Refusal | None:
    """SEC-8: a position change is reported to the upper Party organization; a change of a
    Party-affairs worker other than the secretary names one of the active deputies or
    Party-affairs workers."""
    if payload is None:
        return None
    if "officer_id" in payload:
        workers = {o["id"] for o in active_officers(case) if o["position"] != "secretary"}
        if payload["officer_id"] not in workers:
            return Refusal(
                "SEC-8",
                zh=f"编号#{payload['officer_id']}不是本党组织在任的副书记或党务工作者",
                en=f"#{payload['officer_id']} is not an active deputy secretary or "
                "Party-affairs worker here",
            )
    upper = upper_body(case)
    if not upper or payload["reported_to"].strip() != upper.strip():
        return Refusal(
            "SEC-8",
            zh=f"岗位变动应报上级党组织（{upper or '未登记'}）",
            en=f"A position change is reported to the upper Party organization ({upper or 'not recorded'})",
            details={"upper_party_org": upper},
        )
    return None


def annual_report_to_upper_body(case: CaseView, payload: Payload) -> Refusal | None:
    """SEC-7: the secretary reports to the upper Party organization (and the members)."""
    if payload is None:
        return None
    upper = upper_body(case)
    if not upper or payload["reported_to"].strip() != upper.strip():
        return Refusal(
            "SEC-7",
            zh=f"述职应向上级党组织（{upper or '未登记'}）和本单位党员进行",
            en=f"The report is made to the upper Party organization ({upper or 'not recorded'}) "
            "and the members",
        )
    return None


def party_org_revoked(case: CaseView, payload: Payload) -> Refusal | None:
    """TRF-4: the post ends only with its Party organization, revoked by the upper body."""
    po = party_org(case)
    if po is not None and po["status"] == "active":
        return Refusal(
            "TRF-4",
            zh="党组织仍然存在，书记岗位不能撤销；党组织撤销须经上级党组织决定",
            en="The Party organization still exists, so its secretary post does too; revocation "
            "is the upper Party organization's decision",
        )
    return None


def nobody_appointed_yet(case: CaseView, payload: Payload) -> Refusal | None:
    """SEC-7/SEC-9: once a secretary was appointed the case carries the post's duties (annual
    report, term renewal); it cannot be withdrawn."""
    if case.data.get("appointments"):
        return Refusal(
            "SEC-7",
            zh="本案已任命过书记，承载述职和换届期限，不能撤回",
            en="A secretary was appointed in this case, which carries the annual report and "
            "term renewal: it cannot be withdrawn",
        )
    return None


GUARDS = {
    "secretary.candidate_full_member": candidate_full_member,
    "secretary.source_order": source_order,
    "secretary.standard_assessed": standard_assessed,
    "secretary.nominee_takes_no_pay": nominee_takes_no_pay,
    "secretary.appointee_takes_no_pay": appointee_takes_no_pay,
    "secretary.deputy_takes_no_pay": deputy_takes_no_pay,
    "secretary.only_dispatched_candidates": only_dispatched_candidates,
    "secretary.approved_by_upper_body": approved_by_upper_body,
    "secretary.stipend_floor": stipend_floor,
    "secretary.deputy_stipend_floor": deputy_stipend_floor,
    "secretary.deputy_full_member": deputy_full_member,
    "secretary.reported_to_upper_body": reported_to_upper_body,
    "secretary.annual_report_to_upper_body": annual_report_to_upper_body,
    "secretary.party_org_revoked": party_org_revoked,
    "secretary.nobody_appointed_yet": nobody_appointed_yet,
}
