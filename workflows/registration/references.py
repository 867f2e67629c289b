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
from workflows.routing import (  # REG-7's routing, shared with the coverage procedure
    host_party_org_fits,
    joint_branch_joinable,
    joint_partners_fit,
    joint_partners_still_fit,
)

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


REFERENCE_GUARDS = {
    "registration.responsible_unit_fits": responsible_unit_fits,
    "registration.joint_partners_fit": joint_partners_fit,
    "registration.joint_partners_still_fit": joint_partners_still_fit,
    "registration.joint_branch_joinable": joint_branch_joinable,
    "registration.host_party_org_fits": host_party_org_fits,
}
