"""Guards of P3. Each returns why not (a Refusal citing its rule), or None when allowed."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from engine.rules import Refusal
from engine.snapshot import CaseView
from workflows.common import as_date

Payload = Mapping[str, Any] | None
NAMES_SHOWN = 20


def members_to_transfer(case: CaseView) -> list[Mapping[str, Any]]:
    """DEC-1: the Party organization's members, and the organization's members whose relation
    still sits with the original supervisory unit's Party organization."""
    pid = case.data.get("party_organization_id")
    original = case.data.get("decoupling", {}).get("original_supervisory_party_org")
    return [
        m
        for m in case.organization.get("members", ())
        if m["party_organization_id"] == pid
        or (
            m["organization_id"] == case.organization.get("id")
            and m["party_organization_id"] is None
            and m["relation_location"] == original
        )
    ]


def missing_archives(case: CaseView) -> list[str]:
    return [a["item"] for a in case.data.get("archives", []) if not a.get("received_on")]


def receipts_valid(case: CaseView, payload: Payload) -> Refusal | None:
    """DEC-1: a receipt is recorded once the archive has been received. Its date is judged,
    with the field named, by the step's fact-date table (`decoupling.schemas.FACT_DATES`,
    checked by `workflows.common.dated`); this guard stays because the definitions name it."""
    return None


def all_archives_received(case: CaseView, payload: Payload) -> Refusal | None:
    """DEC-1: the archives are sorted out and handed over — every item, with who received it."""
    missing = missing_archives(case)
    if missing:
        shown = missing[:NAMES_SHOWN]
        return Refusal(
            "DEC-1",
            zh=f"尚有{len(missing)}项党建档案未移交接收：" + "、".join(shown),
            en=f"{len(missing)} archive item(s) not yet handed over: " + ", ".join(shown),
            details={"missing": missing},
        )
    return None


def members_transferred(case: CaseView, payload: Payload) -> Refusal | None:
    """DEC-1: the Party organization and every one of its members are transferred — name who is
    missing; ids that are not among them are refused."""
    required = {m["id"]: m for m in members_to_transfer(case)}
    if payload is None:
        return None
    given = set(payload["member_ids"])
    unknown = sorted(given - set(required))
    if unknown:
        return Refusal(
            "DEC-1",
            zh="以下编号不是本党组织（或原业务主管单位党组织）的党员："
            + "、".join(f"#{i}" for i in unknown),
            en="Not members to transfer with this Party organization: "
            + ", ".join(f"#{i}" for i in unknown),
            details={"member_ids": unknown},
        )
    missing = [m for mid, m in required.items() if mid not in given]
    if missing:
        shown = [f"{m['name']}(#{m['id']})" for m in missing[:NAMES_SHOWN]]
        return Refusal(
            "DEC-1",
            zh=f"尚有{len(missing)}名党员未办理移转手续：" + "、".join(shown),
            en=f"{len(missing)} member(s) not yet transferred: " + ", ".join(shown),
            details={"member_ids": [m["id"] for m in missing]},
        )
    return None


def leadership_is_new_body(case: CaseView, payload: Payload) -> Refusal | None:
    """DEC-2: decoupled, not unmanaged — a new body (not the original supervisory unit's Party
    organization) states the leadership relation."""
    if payload is None:
        return None
    original = case.data.get("decoupling", {}).get("original_supervisory_party_org")
    if payload["body_name"] == original:
        return Refusal(
            "DEC-2",
            zh="脱钩后党建工作领导关系不能仍在原业务主管单位党组织",
            en="After decoupling the leadership relation cannot stay with the original "
            "supervisory unit's Party organization",
        )
    return None


def responsible_body_default(case: CaseView, payload: Payload) -> Refusal | None:
    """DEC-4: by default the comprehensive committee (local parameter); another body only under
    a local decoupling rule, which must be cited."""
    if payload is None:
        return None
    default = case.params.get("dec_default_responsible_kind", "comprehensive_committee")
    if payload["body_kind"] != default and not payload.get("local_rule"):
        return Refusal(
            "DEC-4",
            zh=f"脱钩后默认由{KIND_NAMES.get(default, (default,))[0]}负责；"
            "改由其他党组织负责的，须注明当地脱钩规定",
            en=f"After decoupling the default body is the {KIND_NAMES.get(default, ('', default))[1]}; "
            "another body needs the local decoupling rule cited",
            details={"default": default},
        )
    return None


KIND_NAMES = {
    "comprehensive_committee": ("社会组织综合党委", "comprehensive committee"),
    "industry_committee": ("行业党委", "industry Party committee"),
    "local_party_org": ("驻地党组织", "local Party organization"),
}


def meeting_held(case: CaseView, payload: Payload) -> Refusal | None:
    """DEC-3: a meeting is recorded once held. Its date is judged, with the field named, by the
    step's fact-date table (`decoupling.schemas.FACT_DATES`, checked by
    `workflows.common.dated`); this guard stays because the definitions name it."""
    return None


def qualifying_meetings(case: CaseView) -> list[Mapping[str, Any]]:
    """DEC-3 evidence: meetings of the Party organization held after the handover under the body
    that stated the leadership relation."""
    pid = case.data.get("party_organization_id")
    handover = as_date(case.data.get("handover_on"))
    body = case.data.get("leadership", {}).get("body_name")
    return [
        m
        for m in case.organization.get("meetings", ())
        if m["party_organization_id"] == pid
        and handover is not None
        and as_date(m["held_on"]) >= handover
        and m["under_body"] == body
    ]


def party_work_normal(case: CaseView, payload: Payload) -> Refusal | None:
    """DEC-3: Party work runs normally under the new system — evidenced by at least
    `dec_min_meetings` organizational-life meetings held under the new body since the handover."""
    need = int(case.params.get("dec_min_meetings", 1))
    have = len(qualifying_meetings(case))
    if have < need:
        body = case.data.get("leadership", {}).get("body_name", "?")
        return Refusal(
            "DEC-3",
            zh=f"移交后在{body}领导下召开并记录的组织生活会议{have}次，至少需要{need}次（地方默认值）",
            en=f"{have} organizational-life meeting(s) recorded under {body} since the handover; "
            f"at least {need} needed (local default)",
            details={"meetings": have, "needed": need},
        )
    return None


GUARDS = {
    "decoupling.receipts_valid": receipts_valid,
    "decoupling.all_archives_received": all_archives_received,
    "decoupling.members_transferred": members_transferred,
    "decoupling.leadership_is_new_body": leadership_is_new_body,
    "decoupling.responsible_body_default": responsible_body_default,
    "decoupling.meeting_held": meeting_held,
    "decoupling.party_work_normal": party_work_normal,
}
