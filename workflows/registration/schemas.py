"""Input schemas of the registration steps. Messages name the rule a field serves."""

from __future__ import annotations

from typing import Any

from marshmallow import ValidationError, fields, validate, validates_schema

from engine.inputs import InputSchema
from engine.vocabulary import CreditCode
from workflows.common import Earlier, FactDate, label
from workflows.routing_schemas import (
    AffiliationSchema,
    Id,
    JoinJointBranchSchema,
    JointPartnersSchema,
    MemberSurveySchema,
    PartyOrgSchema,
)

Text = validate.Length(min=1, max=500)


class ApplicationSchema(InputSchema):
    """REG-4: the authority vets founders and proposed leaders, so the application names them."""

    applied_on = fields.Date(required=True, metadata=label("申请日期", "Application date"))
    founders = fields.List(
        fields.String(validate=Text),
        required=True,
        validate=validate.Length(min=1),
        metadata=label("发起人（每行一人）", "Founders (one per line)"),
    )
    proposed_leaders = fields.List(
        fields.String(validate=Text),
        load_default=list,
        metadata=label("拟任负责人（每行一人）", "Proposed leaders (one per line)"),
    )


class DocumentsSchema(InputSchema):
    """REG-1: record receipt of the commitment letter (附件1) and/or the member survey (附件2)."""

    commitment_letter = fields.Boolean(
        load_default=False, metadata=label("已收到党建工作承诺书", "Commitment letter received")
    )
    member_survey = fields.Nested(
        MemberSurveySchema,
        load_default=None,
        allow_none=True,
        metadata=label("社会组织党员情况调查表", "Party-member survey"),
    )

    @validates_schema
    def _something(self, data: dict, **_: Any) -> None:
        if not data.get("commitment_letter") and data.get("member_survey") is None:
            raise ValidationError("REG-1: record the commitment letter, the member survey, or both")


CHARTER_ITEMS = (
    "party_status_in_general_provisions",
    "chapter_form",
    "chapter_duties",
    "chapter_funding",
    "chapter_major_matters",
    "overall_leadership",
    "core_values",
)


class CharterSchema(InputSchema):
    """REG-3: the charter checklist; every item must be ticked to approve."""

    party_status_in_general_provisions = fields.Boolean(
        required=True,
        metadata=label(
            "总则载明党组织法律地位和作用",
            "General provisions state the Party organization's status and role",
        ),
    )
    chapter_form = fields.Boolean(
        required=True, metadata=label("党建专章：党组织设置形式", "Party-building chapter: form")
    )
    chapter_duties = fields.Boolean(
        required=True,
        metadata=label("党建专章：职责权限", "Party-building chapter: duties and powers"),
    )
    chapter_funding = fields.Boolean(
        required=True, metadata=label("党建专章：经费保障", "Party-building chapter: funding")
    )
    chapter_major_matters = fields.Boolean(
        required=True,
        metadata=label(
            "党建专章：参与讨论重大事项", "Party-building chapter: role in major matters"
        ),
    )
    overall_leadership = fields.Boolean(
        required=True,
        metadata=label("载明坚持党的全面领导", "States the Party's overall leadership"),
    )
    core_values = fields.Boolean(
        required=True, metadata=label("载明社会主义核心价值观", "Carries the socialist core values")
    )
    note = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.Length(max=2000),
        metadata=label("备注", "Note"),
    )


class RegistrationSchema(InputSchema):
    """REG-4: the registration decision; the credit code is issued here (INF-1)."""

    registered_on = fields.Date(required=True, metadata=label("登记日期", "Registration date"))
    credit_code = CreditCode(
        required=True, metadata=label("统一社会信用代码", "Unified social credit code")
    )
    registration_mode = fields.String(
        required=True,
        validate=validate.OneOf(("direct", "dual")),
        metadata=label(
            "登记方式",
            "Registration mode",
            choices={
                "direct": ("直接登记", "Direct registration"),
                "dual": ("双重管理（经业务主管单位）", "Dual management (supervisory unit)"),
            },
        ),
    )
    supervisory_unit = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.Length(max=200),
        metadata=label("业务主管单位", "Business supervisory unit"),
    )
    necessity_checked = fields.Boolean(
        required=True, metadata=label("已审查成立必要性", "Necessity checked")
    )
    representativeness_checked = fields.Boolean(
        required=True,
        metadata=label(
            "已审查发起人代表性和会员广泛性", "Founders' representativeness and membership checked"
        ),
    )
    founders_vetted = fields.Boolean(
        required=True,
        metadata=label("已审查发起人和拟任负责人", "Founders and proposed leaders vetted"),
    )


class ReasonSchema(InputSchema):
    reason = fields.String(
        required=True, validate=validate.Length(min=2, max=2000), metadata=label("理由", "Reason")
    )


class RecipientSchema(InputSchema):
    kind = fields.String(
        required=True,
        validate=validate.OneOf(("supervisory_unit", "industry_regulator", "local_party_org")),
        metadata=label("接收单位类别", "Kind of recipient"),
    )
    name = fields.String(required=True, validate=Text, metadata=label("接收单位名称", "Recipient"))
    delivered_on = fields.Date(required=True, metadata=label("送达日期", "Delivered on"))


class ForwardingSchema(InputSchema):
    """REG-5: both documents go to every recipient."""

    recipients = fields.List(
        fields.Nested(RecipientSchema),
        required=True,
        validate=validate.Length(min=1),
        metadata=label("接收单位", "Recipients"),
    )


RESPONSIBLE_KINDS = (
    "supervisory_party_org",
    "industry_committee",
    "local_party_org",
    "street_township",
    "comprehensive_committee",
)


class ResponsibleBodySchema(InputSchema):
    """REG-6: who carries Party building for this organization."""

    kind = fields.String(
        required=True,
        validate=validate.OneOf(RESPONSIBLE_KINDS),
        metadata=label("责任主体类别", "Kind of responsible body"),
    )
    unit_name = fields.String(required=True, validate=Text, metadata=label("单位名称", "Unit name"))
    territorial_relation = fields.Boolean(
        load_default=False, metadata=label("有属地关系", "Territorial relation")
    )


class JointBranchSchema(InputSchema):
    """REG-7: the other organizations the joint branch covers (this one included, at most 5)."""

    partner_organizations = fields.List(
        fields.String(validate=Text),
        required=True,
        validate=validate.Length(min=1),
        metadata=label("联合的其他社会组织（每行一个）", "Partner organizations (one per line)"),
    )


class AffiliatedSchema(InputSchema):
    host_party_org = fields.String(
        required=True, validate=Text, metadata=label("挂靠的党组织", "Host Party organization")
    )


class InstructorSchema(InputSchema):
    """REG-7 / REG-8: instructor, stationed branch, or a lead organization (1+N)."""

    mode = fields.String(
        required=True,
        validate=validate.OneOf(("instructor", "stationed_branch", "lead_organization")),
        metadata=label("方式", "Mode"),
    )
    name = fields.String(required=True, validate=Text, metadata=label("名称 / 姓名", "Name"))
    dispatched_by = fields.String(
        required=True, validate=Text, metadata=label("选派单位", "Dispatched by")
    )
    dispatched_on = fields.Date(required=True, metadata=label("选派日期", "Dispatched on"))
    reason = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.Length(max=2000),
        metadata=label("理由", "Reason"),
    )


# ---------------------------------------------------------------- version 2 (issue 13)
# registration.v2.yaml names the records a step refers to by their number: the engine refuses a
# number that names nothing (422 on the field, `ref` in the metadata) and hands the guards a
# lookup of what it names (the unit's kind, the Party organization's kind and status).


#: REG-6: the kind of unit (engine.vocabulary.UNIT_KINDS) each kind of responsible body is.
RESPONSIBLE_UNIT_KINDS = {
    "supervisory_party_org": "supervisory_unit",
    "industry_committee": "industry_committee",
    "local_party_org": "local_party_org",
    "street_township": "street_township",
    "comprehensive_committee": "comprehensive_committee",
}


class ResponsibleUnitSchema(InputSchema):
    """REG-6: who carries Party building for this organization — a unit of the unit tree, to
    which the case (and its REG-8 deadline) is handed."""

    kind = fields.String(
        required=True,
        validate=validate.OneOf(RESPONSIBLE_KINDS),
        metadata=label("责任主体类别", "Kind of responsible body"),
    )
    unit_id = fields.Integer(
        required=True,
        strict=True,
        validate=Id,
        metadata=label(
            "责任单位",
            "Responsible unit",
            ref="unit",
            help={
                "zh": "按名称选择；案件随之移交该单位办理",
                "en": "Chosen by name; the case is handed to this unit",
            },
        ),
    )
    territorial_relation = fields.Boolean(
        load_default=False, metadata=label("有属地关系", "Territorial relation")
    )


SCHEMAS = {
    "registration.application": ApplicationSchema,
    "registration.documents": DocumentsSchema,
    "registration.charter": CharterSchema,
    "registration.decision": RegistrationSchema,
    "registration.reason": ReasonSchema,
    "registration.forwarding": ForwardingSchema,
    "registration.responsible_body": ResponsibleBodySchema,
    "registration.joint_branch": JointBranchSchema,
    "registration.affiliated": AffiliatedSchema,
    "registration.instructor": InstructorSchema,
    "registration.party_org": PartyOrgSchema,
    "registration.responsible_unit": ResponsibleUnitSchema,
    "registration.joint_partners": JointPartnersSchema,
    "registration.join_joint_branch": JoinJointBranchSchema,
    "registration.affiliation": AffiliationSchema,
}

APPLIED = Earlier("data.application.applied_on", "申请日期", "the application date")
REGISTERED = Earlier("data.registered_on", "登记日期", "the registration date")

#: Every date a P1 step records, and the facts it may not precede (checked by
#: `workflows.common.dated` on the step's action; never after today either).
FACT_DATES: dict[str, tuple[FactDate, ...]] = {
    "registration.application": (
        FactDate("applied_on", "REG-1", "申请日期", "The application date"),
    ),
    "registration.decision": (
        FactDate("registered_on", "REG-4", "登记日期", "The registration date", (APPLIED,)),
    ),
    "registration.forwarding": (
        FactDate(
            "recipients[].delivered_on", "REG-5", "送达日期", "The delivery date", (REGISTERED,)
        ),
    ),
    "registration.instructor": (
        FactDate("dispatched_on", "REG-8", "选派日期", "The dispatch date", (REGISTERED,)),
    ),
    "registration.party_org": (
        FactDate(
            "established_on", "REG-8", "党组织成立日期", "The establishment date", (REGISTERED,)
        ),
    ),
    "registration.join_joint_branch": (
        FactDate("joined_on", "REG-8", "加入日期", "The date of joining", (REGISTERED,)),
    ),
    "registration.affiliation": (
        FactDate("affiliated_on", "REG-8", "挂靠日期", "The affiliation date", (REGISTERED,)),
    ),
}
