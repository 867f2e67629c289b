"""Input schemas of P4. Messages name the rule a field serves."""

from __future__ import annotations

from typing import Any

from marshmallow import ValidationError, fields, validate, validates_schema

from engine.inputs import InputSchema
from engine.vocabulary import CADRE_STATUSES, OFFICER_ORIGINS
from workflows.common import label
from workflows.secretary.vocabulary import (
    EVALUATIONS,
    POSITION_CHANGE_LABELS,
    POSITION_CHANGES,
    SOURCE_LABELS,
    SOURCES,
    STIPEND_PAYER_LABELS,
    STIPEND_PAYERS,
    VACANCIES,
    WORKER_POSITION_LABELS,
    WORKER_POSITIONS,
)

Text = validate.Length(min=1, max=200)
LongText = validate.Length(min=2, max=2000)
Yuan = validate.Range(min=0, error="SEC-4/SEC-6: yuan per month, a whole number ≥ 0")


class PositionChangeSchema(InputSchema):
    """SEC-8: a change of a Party-affairs worker's position, as reported to the upper body."""

    officer_id = fields.Integer(
        load_default=None,
        allow_none=True,
        strict=True,
        validate=validate.Range(min=1),
        metadata=label("党务工作者", "Party-affairs worker", pick="officer"),
    )
    name = fields.String(required=True, validate=Text, metadata=label("姓名", "Name"))
    change = fields.String(
        required=True,
        validate=validate.OneOf(POSITION_CHANGES),
        metadata=label(
            "变动情况",
            "Change",
            choices=POSITION_CHANGE_LABELS,
        ),
    )
    changed_on = fields.Date(required=True, metadata=label("变动日期", "Changed on"))
    reported_on = fields.Date(required=True, metadata=label("报告日期", "Reported on"))
    reported_to = fields.String(
        required=True, validate=Text, metadata=label("报告对象", "Reported to")
    )

    @validates_schema
    def _order(self, data: dict, **_: Any) -> None:
        if data["reported_on"] < data["changed_on"]:
            raise ValidationError("SEC-8: the report cannot come before the change", "reported_on")


class VacancySchema(InputSchema):
    """The post is vacant: a new Party organization, a term renewal (SEC-9) or a reported
    position change (SEC-8)."""

    party_organization_id = fields.Integer(
        required=True,
        strict=True,
        validate=validate.Range(min=1),
        metadata=label("党组织", "Party organization", pick="party_organization"),
    )
    vacancy = fields.String(
        required=True,
        validate=validate.OneOf(VACANCIES),
        metadata=label(
            "空缺原因",
            "Vacancy",
            choices={
                "new_organization": ("新成立", "New organization"),
                "term_renewal": ("换届", "Term renewal"),
                "position_change": ("岗位变动", "Position change"),
            },
        ),
    )
    position_change = fields.Nested(
        PositionChangeSchema,
        load_default=None,
        allow_none=True,
        metadata=label("党务工作者岗位变动", "Position change"),
    )

    @validates_schema
    def _report(self, data: dict, **_: Any) -> None:
        if data["vacancy"] == "position_change" and data.get("position_change") is None:
            raise ValidationError(
                "SEC-8: a vacancy from a position change needs the report to the upper "
                "Party organization",
                "position_change",
            )


class CompensationSchema(InputSchema):
    """SEC-4: what the social organization itself pays, in yuan per month."""

    salary = fields.Integer(
        load_default=0,
        strict=True,
        validate=Yuan,
        metadata=label("工资（元/月）", "Salary (yuan/month)"),
    )
    bonus = fields.Integer(
        load_default=0,
        strict=True,
        validate=Yuan,
        metadata=label("奖金（元/月）", "Bonus (yuan/month)"),
    )
    allowance = fields.Integer(
        load_default=0,
        strict=True,
        validate=Yuan,
        metadata=label("津贴（元/月）", "Allowance (yuan/month)"),
    )
    other = fields.Integer(
        load_default=0,
        strict=True,
        validate=Yuan,
        metadata=label("其他待遇（元/月）", "Other benefits (yuan/month)"),
    )


class DispatchedCandidateSchema(InputSchema):
    """SEC-2 (last source) and SEC-4: a candidate the upper Party organization dispatches."""

    name = fields.String(required=True, validate=Text, metadata=label("姓名", "Name"))
    from_unit = fields.String(
        required=True, validate=Text, metadata=label("派出单位", "Dispatched from")
    )
    cadre_status = fields.String(
        required=True,
        validate=validate.OneOf(CADRE_STATUSES),
        metadata=label("干部身份", "Cadre status"),
    )
    compensation = fields.Nested(
        CompensationSchema,
        load_default=dict,
        metadata=label("从社会组织领取的报酬", "Compensation from the organization"),
    )


class AssessmentSchema(InputSchema):
    """SEC-1: the standard — firm conviction, dedication, capability, good conduct; politically
    strong and able to do mass work — each judged and recorded."""

    conviction = fields.Boolean(required=True, metadata=label("信念坚定", "Firm conviction"))
    dedication = fields.Boolean(required=True, metadata=label("为民服务", "Dedication"))
    capability = fields.Boolean(required=True, metadata=label("勤政务实", "Capability"))
    conduct = fields.Boolean(required=True, metadata=label("敢于担当、清正廉洁", "Good conduct"))
    political_strength = fields.Boolean(
        required=True, metadata=label("政治素质好", "Politically strong")
    )
    mass_work = fields.Boolean(required=True, metadata=label("善做群众工作", "Good at mass work"))
    assessed_by = fields.String(
        required=True, validate=Text, metadata=label("考察人", "Assessed by")
    )
    assessed_on = fields.Date(required=True, metadata=label("考察日期", "Assessed on"))
    note = fields.String(
        load_default=None, allow_none=True, validate=LongText, metadata=label("备注", "Note")
    )


class NominationSchema(InputSchema):
    """SEC-1/SEC-2: the candidate, the source, why each higher source is unavailable, and the
    standard assessment."""

    source = fields.String(
        required=True,
        validate=validate.OneOf(SOURCES),
        metadata=label(
            "人选来源",
            "Source of the candidate",
            choices=SOURCE_LABELS,
        ),
    )
    member_id = fields.Integer(
        load_default=None,
        allow_none=True,
        strict=True,
        validate=validate.Range(min=1),
        metadata=label("党员", "Member", pick="member"),
    )
    dispatched = fields.Nested(
        DispatchedCandidateSchema,
        load_default=None,
        allow_none=True,
        metadata=label("上级选派的人选", "Dispatched candidate"),
    )
    unavailable = fields.Dict(
        keys=fields.String(validate=validate.OneOf(SOURCES[:-1])),
        values=fields.String(validate=validate.Length(min=2, max=500)),
        load_default=dict,
        metadata=label(
            "前序来源无合适人选的理由",
            "Why no suitable person in each higher source",
            choices=SOURCE_LABELS,
            description="SEC-2: source -> why no suitable person there",
        ),
    )
    assessment = fields.Nested(
        AssessmentSchema,
        required=True,
        error_messages={"required": "SEC-1: record the standard assessment of the candidate"},
        metadata=label("人选考察", "Assessment of the candidate"),
    )

    @validates_schema
    def _who(self, data: dict, **_: Any) -> None:
        if data["source"] == "dispatched":
            if data.get("dispatched") is None:
                raise ValidationError("SEC-2: describe the dispatched candidate", "dispatched")
            if data.get("member_id") is not None:
                raise ValidationError(
                    "SEC-2: a dispatched candidate is not one of the members", "member_id"
                )
        elif data.get("member_id") is None:
            raise ValidationError(
                "SEC-2: a candidate from inside is one of the members", "member_id"
            )


class ElectionSchema(InputSchema):
    """SEC-3: the members' election, which the upper Party body then approves."""

    elected_on = fields.Date(required=True, metadata=label("选举日期", "Elected on"))
    eligible_voters = fields.Integer(
        required=True,
        strict=True,
        validate=validate.Range(min=1),
        metadata=label("应到会党员", "Eligible voters"),
    )
    votes_cast = fields.Integer(
        required=True,
        strict=True,
        validate=validate.Range(min=0),
        metadata=label("实到会投票", "Votes cast"),
    )
    votes_for = fields.Integer(
        required=True,
        strict=True,
        validate=validate.Range(min=0),
        metadata=label("赞成票", "Votes for"),
    )

    @validates_schema
    def _counts(self, data: dict, **_: Any) -> None:
        if data["votes_cast"] > data["eligible_voters"]:
            raise ValidationError("more votes cast than voters", "votes_cast")
        if data["votes_for"] > data["votes_cast"]:
            raise ValidationError("more votes for than votes cast", "votes_for")


class DispatchSchema(InputSchema):
    """SEC-2: the upper Party organization dispatches the candidate, per Party rules."""

    dispatched_on = fields.Date(required=True, metadata=label("选派日期", "Dispatched on"))
    dispatched_by = fields.String(
        required=True, validate=Text, metadata=label("选派单位", "Dispatched by")
    )
    order_no = fields.String(
        required=True, validate=Text, metadata=label("选派文号", "Order number")
    )


class ApprovalSchema(InputSchema):
    """SEC-3/SEC-4/SEC-6: the upper Party body's approval, and what the post is paid."""

    approved_by = fields.String(
        required=True,
        validate=Text,
        error_messages={"required": "SEC-3: the upper Party body that approves"},
        metadata=label("批准的上级党组织", "Approved by"),
    )
    approved_on = fields.Date(required=True, metadata=label("批准日期", "Approved on"))
    approval_no = fields.String(
        required=True, validate=Text, metadata=label("批复文号", "Approval number")
    )
    stipend_yuan_per_month = fields.Integer(
        required=True,
        strict=True,
        validate=Yuan,
        error_messages={"required": "SEC-6: the secretary's Party-work stipend, yuan/month"},
        metadata=label("工作补贴（元/月）", "Stipend (yuan/month)"),
    )
    stipend_paid_by = fields.String(
        required=True,
        validate=validate.OneOf(STIPEND_PAYERS),
        metadata=label(
            "补贴来源",
            "Stipend paid by",
            choices=STIPEND_PAYER_LABELS,
        ),
    )
    full_time = fields.Boolean(load_default=False, metadata=label("专职", "Full-time"))


class AnnualReportSchema(InputSchema):
    """SEC-7: the secretary's yearly report to the upper Party organization and the members."""

    reported_on = fields.Date(required=True, metadata=label("报告日期", "Reported on"))
    reported_to = fields.String(
        required=True, validate=Text, metadata=label("报告对象", "Reported to")
    )
    members_present = fields.Integer(
        required=True,
        strict=True,
        validate=validate.Range(
            min=1, error="SEC-7: the report is made to the members — at least one present"
        ),
        metadata=label("到会党员", "Members present"),
    )
    evaluation = fields.String(
        required=True,
        validate=validate.OneOf(EVALUATIONS),
        metadata=label(
            "评议结果",
            "Evaluation",
            choices={
                "excellent": ("优秀", "Excellent"),
                "good": ("良好", "Good"),
                "fair": ("一般", "Fair"),
                "poor": ("较差", "Poor"),
            },
        ),
    )
    summary = fields.String(required=True, validate=LongText, metadata=label("情况说明", "Summary"))


class DeputySchema(InputSchema):
    """SEC-3/SEC-4/SEC-5/SEC-6: a deputy secretary, elected and approved by the upper body, or
    another Party-affairs worker (SEC-6 sets a full-time one's stipend floor, SEC-8 has their
    position changes reported)."""

    position = fields.String(
        load_default="deputy_secretary",
        validate=validate.OneOf(WORKER_POSITIONS),
        metadata=label("职务", "Position", choices=WORKER_POSITION_LABELS),
    )
    name = fields.String(required=True, validate=Text, metadata=label("姓名", "Name"))
    member_id = fields.Integer(
        load_default=None,
        allow_none=True,
        strict=True,
        validate=validate.Range(min=1),
        metadata=label("党员", "Member", pick="member"),
    )
    origin = fields.String(
        required=True, validate=validate.OneOf(OFFICER_ORIGINS), metadata=label("来源", "Origin")
    )
    cadre_status = fields.String(
        load_default="none",
        validate=validate.OneOf(CADRE_STATUSES),
        metadata=label("干部身份", "Cadre status"),
    )
    dispatched_from = fields.String(
        load_default=None,
        allow_none=True,
        validate=Text,
        metadata=label("派出单位", "Dispatched from"),
    )
    full_time = fields.Boolean(required=True, metadata=label("专职", "Full-time"))
    elected_on = fields.Date(
        load_default=None, allow_none=True, metadata=label("选举日期", "Elected on")
    )
    approved_by = fields.String(
        required=True, validate=Text, metadata=label("批准的上级党组织", "Approved by")
    )
    approved_on = fields.Date(required=True, metadata=label("批准日期", "Approved on"))
    stipend_yuan_per_month = fields.Integer(
        load_default=0,
        strict=True,
        validate=Yuan,
        metadata=label("工作补贴（元/月）", "Stipend (yuan/month)"),
    )
    stipend_paid_by = fields.String(
        load_default="party_funds",
        validate=validate.OneOf(STIPEND_PAYERS),
        metadata=label(
            "补贴来源",
            "Stipend paid by",
            choices=STIPEND_PAYER_LABELS,
        ),
    )
    compensation = fields.Nested(
        CompensationSchema,
        load_default=dict,
        metadata=label("从社会组织领取的报酬", "Compensation from the organization"),
    )

    @validates_schema
    def _who(self, data: dict, **_: Any) -> None:
        if data["origin"] == "internal" and data.get("member_id") is None:
            raise ValidationError("SEC-2: an internal deputy is one of the members", "member_id")
        if data["origin"] == "dispatched" and not data.get("dispatched_from"):
            raise ValidationError(
                "SEC-2: say where the deputy is dispatched from", "dispatched_from"
            )


class SecretaryChangeSchema(InputSchema):
    """SEC-8: the secretary's position changes, reported to the upper Party organization."""

    change = fields.String(
        required=True,
        validate=validate.OneOf(POSITION_CHANGES),
        metadata=label(
            "变动情况",
            "Change",
            choices=POSITION_CHANGE_LABELS,
        ),
    )
    changed_on = fields.Date(required=True, metadata=label("变动日期", "Changed on"))
    reported_on = fields.Date(required=True, metadata=label("报告日期", "Reported on"))
    reported_to = fields.String(
        required=True, validate=Text, metadata=label("报告对象", "Reported to")
    )

    @validates_schema
    def _order(self, data: dict, **_: Any) -> None:
        if data["reported_on"] < data["changed_on"]:
            raise ValidationError("SEC-8: the report cannot come before the change", "reported_on")


class DeputyChangeSchema(SecretaryChangeSchema):
    """SEC-8: a deputy's or another Party-affairs worker's position change, reported."""

    officer_id = fields.Integer(
        required=True,
        strict=True,
        validate=validate.Range(min=1),
        metadata=label("党务工作者", "Party-affairs worker", pick="officer"),
    )


class TermRenewalSchema(InputSchema):
    """SEC-9: the term-renewal election starts."""

    started_on = fields.Date(required=True, metadata=label("开始日期", "Started on"))
    note = fields.String(
        load_default=None, allow_none=True, validate=LongText, metadata=label("备注", "Note")
    )


class ClosingSchema(InputSchema):
    """TRF-4: the post ends with its revoked Party organization — closed by hand, or by the P2
    revocation itself (adjustment v3's reaction passes the decision's date, reason and number)."""

    closed_on = fields.Date(required=True, metadata=label("办结日期", "Closed on"))
    reason = fields.String(required=True, validate=LongText, metadata=label("理由", "Reason"))
    decision_no = fields.String(
        load_default=None,
        allow_none=True,
        validate=Text,
        metadata=label("撤销决定文号", "Revocation decision number"),
    )


class ReasonSchema(InputSchema):
    reason = fields.String(required=True, validate=LongText, metadata=label("理由", "Reason"))


SCHEMAS = {
    "secretary.vacancy": VacancySchema,
    "secretary.nomination": NominationSchema,
    "secretary.election": ElectionSchema,
    "secretary.dispatch": DispatchSchema,
    "secretary.approval": ApprovalSchema,
    "secretary.annual_report": AnnualReportSchema,
    "secretary.deputy": DeputySchema,
    "secretary.secretary_change": SecretaryChangeSchema,
    "secretary.deputy_change": DeputyChangeSchema,
    "secretary.term_renewal": TermRenewalSchema,
    "secretary.closing": ClosingSchema,
    "secretary.reason": ReasonSchema,
}
