"""Guards of P1. Each returns why not (a Refusal citing its rule), or None when allowed.

Called with payload=None when the UI/CLI lists actions before a form is filled in: a guard
then judges only what the case already knows.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from engine.rules import Refusal
from engine.snapshot import CaseView
from engine.vocabulary import DIRECT_CATEGORIES, SUPERVISED_CATEGORIES
from workflows.registration.schemas import CHARTER_ITEMS
from workflows.routing import (  # noqa: F401 (REG-7's routing, shared with the coverage procedure)
    COUNT_NAMES,
    STANDALONE_MIN,
    _counted,
    _survey_needed,
    full_members,
    one_or_two_full_members,
    party_org_fits_route,
    standalone_count,
    standalone_possible,
)
from workflows.routing import (
    instructor_route as _instructor_route,
)

#: REG-7 / REG-8: in the formation state a new organization gets its instructor meanwhile.
instructor_route = _instructor_route("REG-8")

Payload = Mapping[str, Any] | None

DOC_NAMES = {
    "commitment_letter": ("党建工作承诺书", "commitment letter"),
    "member_survey": ("社会组织党员情况调查表", "member survey"),
}
CHARTER_NAMES = {
    "party_status_in_general_provisions": (
        "总则载明党组织法律地位和作用",
        "general provisions state the Party organization's status and role",
    ),
    "chapter_form": (
        "党建专章：党组织设置形式",
        "Party-building chapter: form of the Party organization",
    ),
    "chapter_duties": ("党建专章：职责权限", "Party-building chapter: duties and powers"),
    "chapter_funding": ("党建专章：经费保障", "Party-building chapter: funding guarantee"),
    "chapter_major_matters": (
        "党建专章：参与讨论重大事项",
        "Party-building chapter: role in major matters",
    ),
    "overall_leadership": (
        "载明坚持党的全面领导",
        "states upholding the Party's overall leadership",
    ),
    "core_values": ("载明社会主义核心价值观", "carries the socialist core values"),
}


def both_documents_received(case: CaseView, payload: Payload) -> Refusal | None:
    """REG-1: an application is accepted only with the commitment letter and the survey."""
    docs = case.data.get("documents", {})
    missing = [k for k in DOC_NAMES if not docs.get(k)]
    if missing:
        return Refusal(
            "REG-1",
            zh="缺少材料：" + "、".join(DOC_NAMES[k][0] for k in missing),
            en="Missing: " + ", ".join(DOC_NAMES[k][1] for k in missing),
            details={"missing": missing},
        )
    return None


def charter_complete(case: CaseView, payload: Payload) -> Refusal | None:
    """REG-3: every charter item present; otherwise the application goes back for correction."""
    if payload is None:
        return None
    missing = [k for k in CHARTER_ITEMS if not payload.get(k)]
    if missing:
        return Refusal(
            "REG-3",
            zh="章程缺少以下内容，应退回补正：" + "；".join(CHARTER_NAMES[k][0] for k in missing),
            en="The charter lacks: "
            + "; ".join(CHARTER_NAMES[k][1] for k in missing)
            + " — return it for correction",
            details={"missing": missing},
        )
    return None


def charter_has_gaps(case: CaseView, payload: Payload) -> Refusal | None:
    """REG-3: a charter is returned only for missing items; name at least one."""
    if payload is None:
        return None
    if all(payload.get(k) for k in CHARTER_ITEMS):
        return Refusal(
            "REG-3",
            zh="章程各项均已具备，无需退回补正，请审核通过",
            en="Every charter item is present: approve it instead of returning it",
        )
    return None


def registration_path_valid(case: CaseView, payload: Payload) -> Refusal | None:
    """REG-4: direct registration only for the four categories; others need a supervisory unit."""
    category = case.organization.get("category")
    if payload is None:
        return None
    mode = payload.get("registration_mode")
    supervisory = payload.get("supervisory_unit") or case.organization.get("supervisory_unit")
    if mode == "direct" and category not in DIRECT_CATEGORIES:
        why = (
            "涉及意识形态、金融安全或生命健康"
            if category in SUPERVISED_CATEGORIES
            else "不属于直接登记范围"
        )
        return Refusal(
            "REG-4",
            zh=f"该组织{why}，须先经业务主管单位审查同意，不能直接登记",
            en="This category cannot register directly: it needs a supervisory unit first",
            details={"category": category},
        )
    if mode == "dual" and not supervisory:
        return Refusal(
            "REG-4",
            zh="双重管理须写明业务主管单位",
            en="Dual management needs the supervisory unit's name",
        )
    return None


def founders_vetted(case: CaseView, payload: Payload) -> Refusal | None:
    """REG-4: necessity, founders' representativeness and the vetting of founders and leaders."""
    if payload is None:
        return None
    names = {
        "necessity_checked": ("成立必要性审查", "necessity"),
        "representativeness_checked": (
            "发起人代表性和会员广泛性审查",
            "founders' representativeness and breadth of membership",
        ),
        "founders_vetted": ("发起人和拟任负责人审查", "vetting of founders and proposed leaders"),
    }
    missing = [k for k in names if not payload.get(k)]
    if missing:
        return Refusal(
            "REG-4",
            zh="尚未完成：" + "、".join(names[k][0] for k in missing),
            en="Not yet checked: " + ", ".join(names[k][1] for k in missing),
            details={"missing": missing},
        )
    return None


def recipients_match_registration(case: CaseView, payload: Payload) -> Refusal | None:
    """REG-5: to the supervisory unit; without one, to the industry regulator AND the local Party org."""
    if payload is None:
        return None
    kinds = {r["kind"] for r in payload.get("recipients", [])}
    if case.organization.get("registration_mode") == "dual":
        if "supervisory_unit" not in kinds:
            return Refusal(
                "REG-5",
                zh="双重管理的社会组织，应将承诺书和调查表转交业务主管单位",
                en="With a supervisory unit, the documents go to the supervisory unit",
            )
        return None
    needed = {
        "industry_regulator": ("同级行业管理部门", "the same-level industry regulator"),
        "local_party_org": ("驻地党组织", "the local Party organization"),
    }
    missing = [k for k in needed if k not in kinds]
    if missing:
        return Refusal(
            "REG-5",
            zh="无业务主管单位的，应同时转交：" + "和".join(needed[k][0] for k in missing),
            en="Without a supervisory unit the documents also go to: "
            + " and ".join(needed[k][1] for k in missing),
            details={"missing": missing},
        )
    return None


def expected_responsible_kinds(case: CaseView, territorial: bool) -> tuple[str, ...]:
    """REG-6, in the order the rule gives."""
    org = case.organization
    if org.get("category") == "community_service":
        return ("street_township",)
    if org.get("registration_mode") == "dual":
        return ("supervisory_party_org", "industry_committee")
    if territorial:
        return ("local_party_org",)
    return ("comprehensive_committee",)


KIND_NAMES = {
    "supervisory_party_org": ("业务主管单位党组织", "the supervisory unit's Party organization"),
    "industry_committee": ("行业党委", "the industry Party committee"),
    "local_party_org": ("驻地党组织", "the local Party organization"),
    "street_township": (
        "街道（乡镇）、社区（村）党组织",
        "the street/township and community Party organizations",
    ),
    "comprehensive_committee": ("社会组织综合党委", "the comprehensive Party committee"),
}


def responsible_body_matches(case: CaseView, payload: Payload) -> Refusal | None:
    """REG-6: the responsible body follows from how the organization is managed."""
    if payload is None:
        return None
    allowed = expected_responsible_kinds(case, bool(payload.get("territorial_relation")))
    if payload["kind"] not in allowed:
        return Refusal(
            "REG-6",
            zh="党建工作责任主体应为：" + "或".join(KIND_NAMES[k][0] for k in allowed),
            en="The responsible body should be " + " or ".join(KIND_NAMES[k][1] for k in allowed),
            details={"allowed": list(allowed)},
        )
    return None


def joint_branch_at_most_five(case: CaseView, payload: Payload) -> Refusal | None:
    """REG-7: a joint branch covers at most 5 units (this organization included)."""
    limit = int(case.params.get("joint_branch_max_units", 5))
    if payload is None:
        return None
    units = 1 + len(set(payload.get("partner_organizations", [])))
    if units > limit:
        return Refusal(
            "REG-7",
            zh=f"联合党支部覆盖单位不超过{limit}个（当前{units}个）",
            en=f"A joint branch covers at most {limit} units ({units} given)",
            details={"units": units, "limit": limit},
        )
    return None


def no_full_members(case: CaseView, payload: Payload) -> Refusal | None:
    """REG-9: only an organization with no member at all is left uncovered for now."""
    if (r := _survey_needed(case)) is not None:
        return r
    n = full_members(case)
    if n > 0:
        return Refusal(
            "REG-9",
            zh=f"有正式党员{n}名，不得暂缓覆盖",
            en=f"{n} full member(s): coverage cannot be deferred",
            details={"full_members": n},
        )
    return None


GUARDS = {
    "registration.both_documents_received": both_documents_received,
    "registration.charter_complete": charter_complete,
    "registration.charter_has_gaps": charter_has_gaps,
    "registration.path_valid": registration_path_valid,
    "registration.founders_vetted": founders_vetted,
    "registration.recipients_match": recipients_match_registration,
    "registration.responsible_body_matches": responsible_body_matches,
    "registration.standalone_possible": standalone_possible,
    "registration.one_or_two_full_members": one_or_two_full_members,
    "registration.joint_branch_at_most_five": joint_branch_at_most_five,
    "registration.instructor_route": instructor_route,
    "registration.no_full_members": no_full_members,
    "registration.party_org_fits_route": party_org_fits_route,
}
