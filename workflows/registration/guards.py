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


def full_members(case: CaseView) -> int | None:
    survey = case.data.get("member_survey")
    return None if survey is None else int(survey["full_members"])


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


def _survey_needed(case: CaseView) -> Refusal | None:
    if full_members(case) is None:
        return Refusal(
            "REG-2", zh="缺少党员情况调查表", en="The member survey has not been recorded"
        )
    return None


#: REG-7: from this many full members (counted as `reg_standalone_count` says) a standalone
#: Party organization is formed — the figure the policies fix (三名以上).
STANDALONE_MIN = 3

COUNT_NAMES = {
    "full_time_full_members": (
        "专职工作人员中的正式党员",
        "full members among the full-time staff",
    ),
    "all_full_members": ("正式党员", "full members"),
}


def standalone_count(case: CaseView) -> tuple[int, str] | None:
    """REG-2/REG-7: the count the ≥3 test reads, and which one it is. The local parameter
    `reg_standalone_count` chooses between the full members among the full-time staff (the
    survey's column for the test, as Jilin and Ningbo count) and all full members (as the
    national text counts). None before the survey is recorded."""
    survey = case.data.get("member_survey")
    if survey is None:
        return None
    basis = case.params.get("reg_standalone_count", "full_time_full_members")
    key = "full_members" if basis == "all_full_members" else "full_time_full_members"
    return int(survey[key]), basis


def _counted(n: int, basis: str) -> tuple[str, str]:
    """'专职工作人员中的正式党员3名' / '3 full members among the full-time staff'."""
    zh, en = COUNT_NAMES[basis]
    return f"{zh}{n}名", f"{n} {en}"


def standalone_possible(case: CaseView, payload: Payload) -> Refusal | None:
    """REG-7: three or more full members form a standalone Party organization — counted among
    the full-time staff or over all full members, as the local parameter says (REG-2)."""
    if (r := _survey_needed(case)) is not None:
        return r
    n, basis = standalone_count(case)
    if n < STANDALONE_MIN:
        zh, en = _counted(n, basis)
        return Refusal(
            "REG-7",
            zh=f"{zh}，不足{STANDALONE_MIN}名，不能单独组建（按{COUNT_NAMES[basis][0]}计，地方参数）",
            en=f"{en}: a standalone Party organization needs at least {STANDALONE_MIN} "
            f"(counting {COUNT_NAMES[basis][1]}, local parameter)",
            details={"count": n, "counted": basis, "full_members": full_members(case)},
        )
    return None


def one_or_two_full_members(case: CaseView, payload: Payload) -> Refusal | None:
    """REG-7: joint or affiliated formation is for an organization with full members but fewer
    than three by the count the local parameter chooses (REG-2); at three or more it forms a
    standalone Party organization, unless the local parameter `reg_joint_at_three_or_more`
    allows a joint or affiliated one too. With no full member at all, an instructor."""
    if (r := _survey_needed(case)) is not None:
        return r
    everyone = full_members(case)
    if everyone == 0:
        return Refusal(
            "REG-7",
            zh="没有正式党员，应选派党建工作指导员",
            en="No full members: dispatch an instructor",
            details={"full_members": 0},
        )
    n, basis = standalone_count(case)
    allowed = case.params.get("reg_joint_at_three_or_more", "allow") == "allow"
    if n >= STANDALONE_MIN and not allowed:
        zh, en = _counted(n, basis)
        return Refusal(
            "REG-7",
            zh=f"{zh}，应单独组建党组织（地方参数：三名以上不联合或挂靠组建）",
            en=f"{en}: form a standalone Party organization (local parameter: no joint or "
            "affiliated formation from three)",
            details={"count": n, "counted": basis, "full_members": everyone},
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


def instructor_route(case: CaseView, payload: Payload) -> Refusal | None:
    """REG-7: 0 full members → instructor; REG-8: where formation fails, an instructor meanwhile."""
    if case.state == "forming_party_org":
        if payload is not None and not payload.get("reason"):
            return Refusal(
                "REG-8",
                zh="请说明暂不具备组建条件的原因",
                en="State why the conditions for forming a Party organization are not met",
            )
        return None
    if (r := _survey_needed(case)) is not None:
        return r
    n = full_members(case)
    if n > 0:
        return Refusal(
            "REG-7",
            zh=f"有正式党员{n}名，应组建党组织（单独、联合或挂靠）",
            en=f"{n} full member(s): form a Party organization (standalone, joint or affiliated)",
            details={"full_members": n},
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


def party_org_fits_route(case: CaseView, payload: Payload) -> Refusal | None:
    """REG-7: the kind of Party organization follows the route and the number of members."""
    if payload is None:
        return None
    route = case.data.get("coverage_route", {}).get("mode")
    kind = payload["kind"]
    n = full_members(case) or 0
    if route == "joint" and kind != "joint_branch":
        return Refusal(
            "REG-7", zh="联合组建的应成立联合党支部", en="A joint formation forms a joint branch"
        )
    if route != "joint" and kind == "joint_branch":
        return Refusal(
            "REG-7",
            zh="只有联合组建才成立联合党支部",
            en="Only a joint formation forms a joint branch",
        )
    committee_min = int(case.params.get("committee_min_members", 100))
    general_min = int(case.params.get("general_branch_min_members", 50))
    if kind == "committee" and n < committee_min and not payload.get("county_level_approval"):
        return Refusal(
            "REG-7",
            zh=f"正式党员{n}名，不足{committee_min}名，成立党委须经县级以上党组织批准",
            en=f"{n} full members (< {committee_min}): a committee needs county-level approval",
            details={"full_members": n, "threshold": committee_min},
        )
    if kind == "general_branch" and n < general_min:
        return Refusal(
            "REG-7",
            zh=f"正式党员{n}名，不足{general_min}名，应成立党支部",
            en=f"{n} full members (< {general_min}): form a branch",
            details={"full_members": n, "threshold": general_min},
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
