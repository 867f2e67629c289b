"""REG-7's routing, shared by every procedure that covers an organization (P1 registration,
the coverage of an existing organization): how many full members the survey found decides
standalone (≥3), joint or affiliated (1–2, a joint branch covering at most
`joint_branch_max_units` units) or an instructor (0), and the steps that carry the route out.

One copy: the registration and coverage packages register these same functions under their
own names, so a change to REG-7 changes both. Pure over `CaseView` like every guard and action;
the coverage links themselves are written by the engine (`Cover` intents →
engine/directory/coverage.py). The survey is read from `case.data["member_survey"]`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from marshmallow import ValidationError

from engine.rules import Refusal
from engine.snapshot import (
    CaseView,
    Cover,
    CreateRecord,
    Guard,
    Intent,
    SetData,
    UpdateOrganization,
    UpdateRecord,
)

Payload = Mapping[str, Any] | None


# ---------------------------------------------------------------- the survey's count (REG-2/7)

SURVEY_FIGURES = (
    "full_members",
    "full_time_full_members",
    "probationary_members",
    "members_elsewhere",
)


def survey_intents(survey: Mapping[str, Any]) -> Iterable[Intent]:
    """REG-2: the survey's figures go on the case (REG-7's routing reads them) and on the
    organization (a drive's condition and the coverage figures read those) — P1's documents
    step and the coverage procedure's survey alike."""
    yield SetData("member_survey", dict(survey))
    yield UpdateOrganization({k: survey[k] for k in SURVEY_FIGURES})


def full_members(case: CaseView) -> int | None:
    survey = case.data.get("member_survey")
    return None if survey is None else int(survey["full_members"])


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


def instructor_route(forming_rule: str) -> Guard:
    """REG-7: 0 full members → an instructor. From the formation state the instructor comes
    meanwhile, with a reason, under `forming_rule` (REG-8 for a new organization, COV-1 for an
    existing one): no new blank spot."""

    def guard(case: CaseView, payload: Payload) -> Refusal | None:
        if case.state == "forming_party_org":
            if payload is not None and not payload.get("reason"):
                return Refusal(
                    forming_rule,
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
                en=f"{n} full member(s): form a Party organization (standalone, joint or "
                "affiliated)",
                details={"full_members": n},
            )
        return None

    guard.__doc__ = (
        f"REG-7: 0 full members → instructor; {forming_rule}: where formation fails, an "
        "instructor meanwhile."
    )
    return guard


# ---------------------------------------------------------------- the records a step names


def joint_partners_fit(case: CaseView, payload: Payload) -> Refusal | None:
    """REG-7: a joint branch covers this organization and its partners — other registered
    organizations not yet covered by a Party organization — at most `joint_branch_max_units`
    units in all, counted as the engine counts them (this one and each partner once)."""
    if payload is None:
        return None
    own = case.organization.get("id")
    partners = list(dict.fromkeys(payload["partner_organization_ids"]))
    if own in partners:
        return Refusal(
            "REG-7",
            zh="联合的其他社会组织不能包括本组织",
            en="The partners are other organizations, not this one",
            details={"organization_id": own},
        )
    limit = int(case.params.get("joint_branch_max_units", 5))
    units = 1 + len(partners)
    if units > limit:
        return Refusal(
            "REG-7",
            zh=f"联合党支部覆盖单位一般不超过{limit}个（本组织和联合的{len(partners)}个，共{units}个；"
            "地方参数 joint_branch_max_units）",
            en=f"A joint branch covers at most {limit} units (this one and {len(partners)} "
            f"partners make {units}; local parameter joint_branch_max_units)",
            details={"units": units, "limit": limit},
        )
    for pid in partners:
        org = case.lookup("organization", pid)
        if org is None:
            continue
        if org["status"] == "deregistered":
            return Refusal(
                "REG-7",
                zh=f"“{org['name']}”已注销，不能联合组建",
                en=f"'{org['name']}' is deregistered: it cannot be a partner",
                details={"organization_id": pid},
            )
        if org["coverage"] == "party_org":
            return Refusal(
                "REG-7",
                zh=f"“{org['name']}”已有党组织覆盖，无需联合组建",
                en=f"'{org['name']}' is already covered by a Party organization",
                details={"organization_id": pid},
            )
    return None


def joint_partners_still_fit(case: CaseView, payload: Payload) -> Refusal | None:
    """REG-7: when the joint branch is established, its partners are judged again (one may
    have been covered, or deregistered, since the route was chosen)."""
    if payload is None:
        return None
    partners = case.data.get("coverage_route", {}).get("partner_organization_ids")
    if not partners:
        return None
    return joint_partners_fit(case, {"partner_organization_ids": partners})


def joint_branch_joinable(case: CaseView, payload: Payload) -> Refusal | None:
    """REG-7: the branch joined is an active joint branch with room for one more unit (at
    most `joint_branch_max_units`; the engine counts again when the organization is added)."""
    if payload is None:
        return None
    branch = case.lookup("party_organization", payload["joint_branch_id"])
    if branch is None:
        return None
    if branch["kind"] != "joint_branch":
        return Refusal(
            "REG-7",
            zh=f"“{branch['name']}”不是联合党支部，不能联合加入（可挂靠组建）",
            en=f"'{branch['name']}' is not a joint branch: it cannot be joined "
            "(affiliate to it instead)",
            details={"party_organization_id": branch["id"], "kind": branch["kind"]},
        )
    if branch["status"] != "active":
        return Refusal(
            "REG-7",
            zh=f"联合党支部“{branch['name']}”已撤销",
            en=f"The joint branch '{branch['name']}' has been revoked",
            details={"party_organization_id": branch["id"]},
        )
    limit = int(case.params.get("joint_branch_max_units", 5))
    covered = int(branch.get("covered_count") or 0)
    if covered >= limit:
        return Refusal(
            "REG-7",
            zh=f"联合党支部“{branch['name']}”已覆盖{covered}个单位，覆盖单位一般不超过{limit}个"
            "（地方参数 joint_branch_max_units）",
            en=f"The joint branch '{branch['name']}' covers {covered} units already: at most "
            f"{limit} (local parameter joint_branch_max_units)",
            details={"party_organization_id": branch["id"], "covered": covered, "limit": limit},
        )
    return None


def host_party_org_fits(case: CaseView, payload: Payload) -> Refusal | None:
    """REG-7 (挂靠): the host is an active Party organization other than the organization's own,
    and not a joint branch (an organization joins a joint branch instead)."""
    if payload is None:
        return None
    host = case.lookup("party_organization", payload["host_party_organization_id"])
    if host is None:
        return None
    if host["status"] != "active":
        return Refusal(
            "REG-7",
            zh=f"党组织“{host['name']}”已撤销，不能挂靠",
            en=f"The Party organization '{host['name']}' has been revoked: nothing can be "
            "affiliated to it",
            details={"party_organization_id": host["id"]},
        )
    if host["organization_id"] is not None and host["organization_id"] == case.organization.get(
        "id"
    ):
        return Refusal(
            "REG-7",
            zh="挂靠组建须挂靠其他单位的党组织，不能挂靠本组织自己的党组织",
            en="Affiliation attaches the organization to another body's Party organization, "
            "not to its own",
            details={"party_organization_id": host["id"]},
        )
    if host["kind"] == "joint_branch":
        return Refusal(
            "REG-7",
            zh=f"“{host['name']}”是联合党支部：应联合加入，而非挂靠",
            en=f"'{host['name']}' is a joint branch: join it instead of affiliating to it",
            details={"party_organization_id": host["id"]},
        )
    return None


# ---------------------------------------------------------------- actions


def route_standalone(case: CaseView, payload: Mapping[str, Any]) -> Iterable[Intent]:
    yield SetData("coverage_route", {"mode": "standalone"})


def route_joint_partners(case: CaseView, payload: Mapping[str, Any]) -> Iterable[Intent]:
    """REG-7: the partners (organizations, by number) the joint branch will cover."""
    partners = list(dict.fromkeys(payload["partner_organization_ids"]))
    names = [(case.lookup("organization", p) or {}).get("name") for p in partners]
    yield SetData(
        "coverage_route",
        {"mode": "joint", "partner_organization_ids": partners, "partner_organizations": names},
    )


def _moved_members(case: CaseView, payload: Mapping[str, Any], to: int) -> list[Intent]:
    """The members whose organizational relation goes to Party organization `to`: each must be
    a member of this organization (a wrong number is bad input, named on its line)."""
    own = case.organization.get("id")
    ours = {m["id"] for m in case.organization.get("members", ()) if m["organization_id"] == own}
    wanted = list(dict.fromkeys(payload.get("member_ids") or ()))
    bad = {
        i: [f"REG-7: 党员 #{mid} 不是本组织的党员 / member #{mid} is not of this organization"]
        for i, mid in enumerate(wanted)
        if mid not in ours
    }
    if bad:
        raise ValidationError({"member_ids": bad})
    return [
        UpdateRecord("member", mid, {"party_organization_id": to, "relation_location": None})
        for mid in wanted
    ]


def affiliate_to_host(case: CaseView, payload: Mapping[str, Any]) -> Iterable[Intent]:
    """REG-7 (挂靠组建) / REG-8: the organization is covered by the host Party organization from
    the affiliation date; the members whose relation goes there move to it."""
    host_id = payload["host_party_organization_id"]
    host = case.lookup("party_organization", host_id) or {}
    yield from _moved_members(case, payload, host_id)
    yield Cover(host_id, (case.organization["id"],), "affiliated", payload["affiliated_on"])
    yield SetData(
        "coverage_route",
        {
            "mode": "affiliated",
            "host_party_organization_id": host_id,
            "host_party_organization": host.get("name"),
        },
    )
    yield SetData("affiliation", dict(payload))


def join_joint_branch(case: CaseView, payload: Mapping[str, Any]) -> Iterable[Intent]:
    """REG-7 / REG-8: the organization joins an existing joint branch; the engine refuses it
    (REG-7) when the branch already covers `joint_branch_max_units` units."""
    branch_id = payload["joint_branch_id"]
    branch = case.lookup("party_organization", branch_id) or {}
    yield from _moved_members(case, payload, branch_id)
    yield Cover(branch_id, (case.organization["id"],), "joint", payload["joined_on"])
    yield SetData(
        "coverage_route",
        {"mode": "joint", "joint_branch_id": branch_id, "joint_branch": branch.get("name")},
    )
    yield SetData("joined_joint_branch", dict(payload))


def establish_party_organization(case: CaseView, payload: Mapping[str, Any]) -> Iterable[Intent]:
    """REG-7/REG-8: the Party organization approved by the upper Party organization exists from
    here on, placed under the responsible unit (REG-6); it covers its host organization and, a
    joint branch, every partner (the engine holds REG-7's limit). Its id is kept on the case
    (`party_organization_id`) for the secretary post the definition opens with it (P4)."""
    route = case.data.get("coverage_route", {})
    since = payload["established_on"]
    yield CreateRecord(
        "party_organization",
        {
            "name": payload["name"],
            "kind": payload["kind"],
            "formation_mode": route.get("mode", "standalone"),
            "upper_party_org": payload["approved_by"],
            "approved_by": payload["approved_by"],
            "upper_unit_id": case.organization.get("responsible_unit_id"),
            "established_on": since,
            "status": "active",
        },
        store_id_as="party_organization_id",
    )
    yield Cover("party_organization_id", (case.organization["id"],), "host", since)
    partners = tuple(route.get("partner_organization_ids") or ())
    if partners:
        yield Cover("party_organization_id", partners, "joint", since)
    yield SetData("party_organization", dict(payload))


GUARDS: dict[str, Guard] = {
    "standalone_possible": standalone_possible,
    "one_or_two_full_members": one_or_two_full_members,
    "party_org_fits_route": party_org_fits_route,
    "joint_partners_fit": joint_partners_fit,
    "joint_partners_still_fit": joint_partners_still_fit,
    "joint_branch_joinable": joint_branch_joinable,
    "host_party_org_fits": host_party_org_fits,
}
"""The routing guards by their short name; a package registers them as `<procedure>.<name>`."""


def named(procedure: str, table: Mapping[str, Callable[..., Any]]) -> dict[str, Any]:
    """`table` under `<procedure>.<name>`: how a package registers the shared functions."""
    return {f"{procedure}.{k}": v for k, v in table.items()}
