"""Words of the domain shared by every layer: categories, kinds, and the credit-code check.

Pure (no database), so procedure packages can use it without touching persistence.
"""

from __future__ import annotations

from typing import Any

from marshmallow import ValidationError, fields
from stdnum.cn import uscc
from stdnum.exceptions import ValidationError as StdnumError

ORG_TYPES = ("social_group", "social_service", "foundation")
# REG-4: the categories that register directly, and those that need a supervisory unit first.
DIRECT_CATEGORIES = ("industry_association", "science_technology", "charity", "community_service")
SUPERVISED_CATEGORIES = ("ideology", "financial", "health")
CATEGORIES = (*DIRECT_CATEGORIES, *SUPERVISED_CATEGORIES, "other")
UNIT_KINDS = (
    "organization_department",
    "comprehensive_committee",
    "registration_authority",
    "supervisory_unit",
    "industry_committee",
    "industry_regulator",
    "local_party_org",
    "street_township",
)
ROLES = ("caseworker", "supervisor", "admin")
PARTY_ORG_KINDS = ("committee", "general_branch", "branch", "joint_branch")


# The words of the records guards see in `CaseView.organization` (party_organizations,
# members, officers, meetings); shared by the directory's input schemas and the workflows.
MEMBER_STATUSES = ("full", "probationary")
MEMBER_ROLES = ("head", "management", "backbone", "staff")
OFFICER_ORIGINS = ("internal", "dispatched")
CADRE_STATUSES = ("serving", "retired", "none")
MEETING_KINDS = (
    "party_members_meeting",
    "committee_meeting",
    "party_group_meeting",
    "party_lecture",
    "theme_day",
    "org_life_meeting",
)


def check_credit_code(value: str) -> str:
    """INF-1: 18 characters with the GB 32100-2015 check character; returns the compact form."""
    try:
        return uscc.validate(value)
    except StdnumError as exc:
        raise ValidationError(
            f"INF-1: not a valid unified social credit code (GB 32100-2015): {exc}"
        ) from exc


class CreditCode(fields.String):
    """A marshmallow field that accepts only a valid unified social credit code."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        return check_credit_code(super()._deserialize(value, attr, data, **kwargs))
