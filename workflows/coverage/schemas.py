"""Input schemas of the coverage procedure (COV-1). The routing steps' schemas are REG-7's,
shared with P1 (workflows/routing_schemas.py)."""

from __future__ import annotations

from marshmallow import fields, validate

from engine.inputs import InputSchema
from workflows.common import Earlier, FactDate, label
from workflows.routing_schemas import (
    AffiliationSchema,
    Id,
    JoinJointBranchSchema,
    JointPartnersSchema,
    MemberSurveySchema,
    PartyOrgSchema,
)


class SurveySchema(MemberSurveySchema):
    """COV-1 / REG-2: what the survey of an existing organization found, and when."""

    surveyed_on = fields.Date(required=True, metadata=label("调查日期", "Surveyed on"))


class ManagedMemberSchema(InputSchema):
    member_id = fields.Integer(
        required=True,
        strict=True,
        validate=Id,
        metadata=label("党员（党员编号）", "Member (member number)"),
    )
    life_party_org = fields.String(
        required=True,
        validate=validate.Length(min=1, max=200),
        metadata=label("参加组织生活的党组织", "Party organization where the member takes part"),
    )


class MemberManagementSchema(InputSchema):
    """COV-1 ("一方隶属、就近就便、多重管理"): members whose organizational relation has not
    been transferred take part in organizational life near where they work."""

    members = fields.List(
        fields.Nested(ManagedMemberSchema),
        required=True,
        validate=validate.Length(min=1, max=200),
        metadata=label("未转接组织关系的党员", "Members whose relation is not transferred"),
    )


class InstructorSchema(InputSchema):
    """INS-2: an instructor or liaison of the register serves the organization from a day."""

    instructor_id = fields.Integer(
        required=True,
        strict=True,
        validate=Id,
        metadata=label(
            "党建工作指导员",
            "Instructor",
            pick="instructor",
            help={
                "zh": "从指导员名册中按姓名选择；任期届满的不能选派",
                "en": "Chosen by name from the instructor register; one whose term ended cannot serve",
            },
        ),
    )
    appointed_on = fields.Date(required=True, metadata=label("选派日期", "Appointed on"))
    reason = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.Length(max=2000),
        metadata=label("暂不具备组建条件的原因", "Why a Party organization cannot be formed yet"),
    )


class ReasonSchema(InputSchema):
    reason = fields.String(
        required=True, validate=validate.Length(min=2, max=2000), metadata=label("理由", "Reason")
    )


SCHEMAS = {
    "coverage.survey": SurveySchema,
    "coverage.member_management": MemberManagementSchema,
    "coverage.joint_partners": JointPartnersSchema,
    "coverage.join_joint_branch": JoinJointBranchSchema,
    "coverage.affiliation": AffiliationSchema,
    "coverage.party_org": PartyOrgSchema,
    "coverage.instructor": InstructorSchema,
    "coverage.reason": ReasonSchema,
}

SURVEYED = Earlier("data.member_survey.surveyed_on", "调查日期", "the survey date")

#: Every date a coverage step records: never after today, never before the survey.
FACT_DATES: dict[str, tuple[FactDate, ...]] = {
    "coverage.survey": (FactDate("surveyed_on", "COV-1", "调查日期", "The survey date"),),
    "coverage.instructor": (
        FactDate("appointed_on", "INS-2", "选派日期", "The appointment date", (SURVEYED,)),
    ),
    "coverage.party_org": (
        FactDate(
            "established_on", "COV-1", "党组织成立日期", "The establishment date", (SURVEYED,)
        ),
    ),
    "coverage.join_joint_branch": (
        FactDate("joined_on", "COV-1", "加入日期", "The date of joining", (SURVEYED,)),
    ),
    "coverage.affiliation": (
        FactDate("affiliated_on", "COV-1", "挂靠日期", "The affiliation date", (SURVEYED,)),
    ),
}
