"""Guards of P1 version 2 over the records a step names by number (issue 13): the responsible
unit (REG-6), joint-branch partners and the branch joined, the host of an affiliation (REG-7).

The engine refused any id that names nothing before a guard runs; these judge what the record
is, through `case.lookup`. Kept apart from guards.py, which judges the case's own facts.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from engine.rules import Refusal
from engine.snapshot import CaseView
from workflows.registration.guards import KIND_NAMES
from workflows.registration.schemas import RESPONSIBLE_UNIT_KINDS

Payload = Mapping[str, Any] | None


# ---------------------------------------------------------------- version 2 (issue 13)
# The records a v2 step names by number exist (the engine refused any that does not before a
# guard runs); these judge what they are, through `case.lookup`.

UNIT_KIND_NAMES = {
    "supervisory_unit": ("业务主管单位", "a supervisory unit"),
    "industry_committee": ("行业党委", "an industry Party committee"),
    "local_party_org": ("驻地党组织", "a local Party organization"),
    "street_township": ("街道（乡镇）党组织", "a street/township Party organization"),
    "comprehensive_committee": ("社会组织综合党委", "a comprehensive Party committee"),
    "organization_department": ("组织部", "an organization department"),
    "registration_authority": ("登记管理机关", "a registration authority"),
    "industry_regulator": ("行业管理部门", "an industry regulator"),
}


def _unit_kind_name(kind: str) -> tuple[str, str]:
    return UNIT_KIND_NAMES.get(kind, (kind, kind))


def responsible_unit_fits(case: CaseView, payload: Payload) -> Refusal | None:
    """REG-6: the unit chosen is of the kind the responsible body is — the supervisory unit's
    Party organization is a supervisory unit of the unit tree, and so on."""
    if payload is None:
        return None
    unit = case.lookup("unit", payload["unit_id"])
    if unit is None:  # the engine refuses a number that names nothing before this runs
        return None
    wanted = RESPONSIBLE_UNIT_KINDS[payload["kind"]]
    if unit["kind"] != wanted:
        got_zh, got_en = _unit_kind_name(unit["kind"])
        want_zh, want_en = _unit_kind_name(wanted)
        return Refusal(
            "REG-6",
            zh=f"“{unit['name_zh']}”是{got_zh}，{KIND_NAMES[payload['kind']][0]}应选{want_zh}",
            en=f"'{unit['name_en']}' is {got_en}: {KIND_NAMES[payload['kind']][1]} is "
            f"{want_en} of the unit tree",
            details={"unit_id": unit["id"], "unit_kind": unit["kind"], "expected": wanted},
        )
    return None


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


REFERENCE_GUARDS = {
    "registration.responsible_unit_fits": responsible_unit_fits,
    "registration.joint_partners_fit": joint_partners_fit,
    "registration.joint_partners_still_fit": joint_partners_still_fit,
    "registration.joint_branch_joinable": joint_branch_joinable,
    "registration.host_party_org_fits": host_party_org_fits,
}
