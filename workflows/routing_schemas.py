"""Input schemas of REG-7's routing steps, shared by P1 and the coverage procedure: the
partners of a new joint branch, the joint branch joined, the host of an affiliation, the
Party organization approved (workflows/routing.py holds the guards and actions)."""

from __future__ import annotations

from typing import Any

from marshmallow import ValidationError, fields, validate, validates_schema

from engine.inputs import InputSchema
from workflows.common import label

Text = validate.Length(min=1, max=500)
NonNegative = validate.Range(min=0, error="REG-2: must be a whole number ≥ 0")


class MemberSurveySchema(InputSchema):
    """REG-2 (附件2 社会组织党员情况调查表)."""

    full_members = fields.Integer(
        required=True,
        strict=True,
        validate=NonNegative,
        metadata=label("正式党员人数", "Full members", description="full members among the staff"),
    )
    full_time_full_members = fields.Integer(
        required=True,
        strict=True,
        validate=NonNegative,
        metadata=label(
            "其中专职工作人员中的正式党员",
            "Of which full-time staff",
            description="of which full-time staff (the ≥3 test)",
        ),
    )
    probationary_members = fields.Integer(
        required=True,
        strict=True,
        validate=NonNegative,
        metadata=label("预备党员人数", "Probationary members"),
    )
    members_elsewhere = fields.Integer(
        required=True,
        strict=True,
        validate=NonNegative,
        metadata=label(
            "组织关系在外的党员人数",
            "Members whose relation is elsewhere",
            description="members whose organizational relation is elsewhere",
        ),
    )

    @validates_schema
    def _consistent(self, data: dict, **_: Any) -> None:
        if data.get("full_time_full_members", 0) > data.get("full_members", 0):
            raise ValidationError(
                "REG-2: full-time full members cannot exceed full members", "full_time_full_members"
            )
        if data.get("members_elsewhere", 0) > data.get("full_members", 0) + data.get(
            "probationary_members", 0
        ):
            raise ValidationError(
                "REG-2: members with their relation elsewhere cannot exceed all members",
                "members_elsewhere",
            )


Id = validate.Range(min=1, max=2**31 - 1)


def _member_ids() -> fields.List:
    return fields.List(
        fields.Integer(strict=True, validate=Id, metadata={"pick": "member"}),
        load_default=list,
        metadata=label("组织关系随之转入的党员", "Members whose relation moves there"),
    )


class JointPartnersSchema(InputSchema):
    """REG-7: the other organizations the joint branch will cover (this one included, at most
    `joint_branch_max_units`), chosen by name in the form, by id in the API."""

    partner_organization_ids = fields.List(
        fields.Integer(strict=True, validate=Id, metadata={"ref": "organization"}),
        required=True,
        validate=validate.Length(min=1),
        metadata=label("联合的其他社会组织", "Partner organizations"),
    )


class JoinJointBranchSchema(InputSchema):
    """REG-7: the organization joins a joint branch that already exists (while it covers fewer
    than `joint_branch_max_units` units)."""

    joint_branch_id = fields.Integer(
        required=True,
        strict=True,
        validate=Id,
        metadata=label("加入的联合党支部", "Joint branch to join", ref="party_organization"),
    )
    joined_on = fields.Date(required=True, metadata=label("加入日期", "Joined on"))
    member_ids = _member_ids()


class AffiliationSchema(InputSchema):
    """REG-7 (挂靠组建): the organization is attached to an existing host Party organization
    (a community Party committee, a supervisory unit's Party organization, another
    organization's), and the members whose relation goes there move to it."""

    host_party_organization_id = fields.Integer(
        required=True,
        strict=True,
        validate=Id,
        metadata=label("挂靠的党组织", "Host Party organization", ref="party_organization"),
    )
    affiliated_on = fields.Date(required=True, metadata=label("挂靠日期", "Affiliated on"))
    member_ids = _member_ids()


class PartyOrgSchema(InputSchema):
    """REG-7 / REG-8: the Party organization approved by the upper Party organization."""

    name = fields.String(
        required=True, validate=Text, metadata=label("党组织名称", "Name of the Party organization")
    )
    kind = fields.String(
        required=True,
        validate=validate.OneOf(("branch", "general_branch", "committee", "joint_branch")),
        metadata=label("组织形式", "Kind of Party organization"),
    )
    approved_by = fields.String(
        required=True, validate=Text, metadata=label("批准的上级党组织", "Approved by")
    )
    established_on = fields.Date(required=True, metadata=label("成立日期", "Established on"))
    county_level_approval = fields.Boolean(
        load_default=False, metadata=label("经县级以上党组织批准", "County-level approval")
    )
