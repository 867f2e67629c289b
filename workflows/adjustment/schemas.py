"""Input schemas of P2. Messages name the rule a field serves."""

from __future__ import annotations

from typing import Any

from marshmallow import ValidationError, fields, validate, validates_schema

from engine.inputs import InputSchema
from engine.vocabulary import PARTY_ORG_KINDS
from workflows.common import Earlier, FactDate, label

Text = validate.Length(min=1, max=200)
LongText = validate.Length(min=2, max=2000)
CHANGE_KINDS = ("change", "merger", "split", "deregistration")
DESTINATION_KINDS = ("transfer", "keep_elsewhere", "remain")


class ReportSchema(InputSchema):
    """TRF-1: the Party organization reports the organization's change to the upper Party
    organization; the report opens the case."""

    party_organization_id = fields.Integer(
        required=True,
        strict=True,
        validate=validate.Range(min=1),
        metadata=label("党组织", "Party organization", pick="party_organization"),
    )
    change_kind = fields.String(
        required=True,
        validate=validate.OneOf(CHANGE_KINDS),
        metadata=label(
            "变动类型",
            "Kind of change",
            choices={
                "change": ("变更", "Change"),
                "merger": ("合并", "Merger"),
                "split": ("分立", "Split"),
                "deregistration": ("注销", "Deregistration"),
            },
        ),
    )
    change_on = fields.Date(
        required=True,
        metadata=label(
            "变动日期",
            "Date of the change",
            description="day the organization's change was decided",
        ),
    )
    reported_on = fields.Date(required=True, metadata=label("报告日期", "Reported on"))
    reported_to = fields.String(
        required=True,
        validate=Text,
        metadata=label("报告对象", "Reported to", description="the upper Party organization"),
    )
    summary = fields.String(required=True, validate=LongText, metadata=label("情况说明", "Summary"))

    @validates_schema
    def _order(self, data: dict, **_: Any) -> None:
        if data["reported_on"] < data["change_on"]:
            raise ValidationError("TRF-1: the report cannot come before the change", "reported_on")


class ReceivingPartyOrgSchema(InputSchema):
    name = fields.String(
        required=True,
        validate=Text,
        metadata=label("接收党组织名称", "Receiving Party organization"),
    )
    contacted_on = fields.Date(required=True, metadata=label("联系日期", "Contacted on"))
    contact_person = fields.String(
        load_default=None,
        allow_none=True,
        validate=Text,
        metadata=label("联系人", "Contact person"),
    )


class ReceivingSchema(InputSchema):
    """TRF-2: the receiving Party organizations contacted and a named person assigned."""

    assigned_person = fields.String(
        required=True,
        validate=Text,
        error_messages={"required": "TRF-2: name the person who supervises the transfers"},
        metadata=label(
            "指定的督促协助人",
            "Person assigned to supervise",
            description="TRF-2: the person who supervises and assists the transfers",
        ),
    )
    assigned_on = fields.Date(required=True, metadata=label("指定日期", "Assigned on"))
    receiving_party_orgs = fields.List(
        fields.Nested(ReceivingPartyOrgSchema),
        required=True,
        error_messages={"required": "TRF-2: name the receiving Party organization(s) contacted"},
        validate=validate.Length(
            min=1, error="TRF-2: name at least one receiving Party organization"
        ),
        metadata=label("接收党组织", "Receiving Party organizations"),
    )


class DestinationSchema(InputSchema):
    """TRF-3: where one member's organizational relation goes."""

    member_id = fields.Integer(
        required=True,
        strict=True,
        validate=validate.Range(min=1),
        metadata=label("党员", "Member", pick="member"),
    )
    kind = fields.String(
        required=True,
        validate=validate.OneOf(DESTINATION_KINDS),
        metadata=label(
            "类别",
            "Kind",
            choices={
                "transfer": ("转移组织关系", "Transfer the relation"),
                "keep_elsewhere": (
                    "保留关系、异地参加组织生活",
                    "Keep the relation, organizational life elsewhere",
                ),
                "remain": ("留在原党组织", "Remain"),
            },
        ),
    )
    to_party_org = fields.String(
        load_default=None,
        allow_none=True,
        validate=Text,
        metadata=label("转入党组织", "Transferred to"),
    )
    transferred_on = fields.Date(
        load_default=None, allow_none=True, metadata=label("转移日期", "Transferred on")
    )
    relation_kept_at = fields.String(
        load_default=None,
        allow_none=True,
        validate=Text,
        metadata=label("组织关系保留在", "Relation kept at"),
    )
    life_at = fields.String(
        load_default=None,
        allow_none=True,
        validate=Text,
        metadata=label("参加组织生活的党组织", "Takes part in organizational life at"),
    )
    note = fields.String(
        load_default=None, allow_none=True, validate=LongText, metadata=label("备注", "Note")
    )

    @validates_schema
    def _complete(self, data: dict, **_: Any) -> None:
        needed = {
            "transfer": ("to_party_org", "transferred_on"),
            "keep_elsewhere": ("relation_kept_at", "life_at"),
            "remain": (),
        }[data["kind"]]
        errors = {
            f: [f"TRF-3: required when the destination is {data['kind']}"]
            for f in needed
            if not data.get(f)
        }
        if errors:
            raise ValidationError(errors)


class DestinationsSchema(InputSchema):
    destinations = fields.List(
        fields.Nested(DestinationSchema),
        required=True,
        validate=validate.Length(min=1),
        error_messages={"required": "TRF-3: give at least one member's destination"},
        metadata=label("党员去向", "Members' destinations"),
    )

    @validates_schema
    def _once(self, data: dict, **_: Any) -> None:
        ids = [d["member_id"] for d in data.get("destinations", [])]
        if len(ids) != len(set(ids)):
            raise ValidationError("TRF-3: one destination per member", "destinations")


class CompletionSchema(InputSchema):
    completed_on = fields.Date(required=True, metadata=label("完成日期", "Completed on"))


class ChangeDecisionSchema(InputSchema):
    """TRF-4: the upper Party organization adjusts the Party organization."""

    decided_on = fields.Date(required=True, metadata=label("决定日期", "Decided on"))
    decision_no = fields.String(
        required=True, validate=Text, metadata=label("决定文号", "Decision number")
    )
    new_name = fields.String(
        load_default=None, allow_none=True, validate=Text, metadata=label("新名称", "New name")
    )
    new_kind = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.OneOf(PARTY_ORG_KINDS),
        metadata=label("新的组织形式", "New kind"),
    )
    new_upper_party_org = fields.String(
        load_default=None,
        allow_none=True,
        validate=Text,
        metadata=label("新的上级党组织", "New upper Party organization"),
    )
    note = fields.String(
        load_default=None, allow_none=True, validate=LongText, metadata=label("备注", "Note")
    )


class RevocationSchema(InputSchema):
    """TRF-4: the upper Party organization revokes the Party organization per regulations."""

    decided_on = fields.Date(required=True, metadata=label("决定日期", "Decided on"))
    decision_no = fields.String(
        required=True, validate=Text, metadata=label("决定文号", "Decision number")
    )
    reason = fields.String(required=True, validate=LongText, metadata=label("理由", "Reason"))


class ReasonSchema(InputSchema):
    reason = fields.String(required=True, validate=LongText, metadata=label("理由", "Reason"))


SCHEMAS = {
    "adjustment.report": ReportSchema,
    "adjustment.receiving": ReceivingSchema,
    "adjustment.destinations": DestinationsSchema,
    "adjustment.completion": CompletionSchema,
    "adjustment.change_decision": ChangeDecisionSchema,
    "adjustment.revocation": RevocationSchema,
    "adjustment.reason": ReasonSchema,
}

CHANGE = Earlier("data.report.change_on", "社会组织变动日期", "the organization's change")
REPORTED = Earlier("data.reported_on", "报告日期", "the report")
DECIDE_AFTER = (
    Earlier("data.transfers_completed_on", "组织关系转移完成日期", "the completed transfers"),
)

#: Every date a P2 step records, and the facts it may not precede (checked by
#: `workflows.common.dated` on the step's action; never after today either).
FACT_DATES: dict[str, tuple[FactDate, ...]] = {
    "adjustment.report": (
        FactDate("change_on", "TRF-1", "变动日期", "The date of the change"),
        FactDate(
            "reported_on",
            "TRF-1",
            "报告日期",
            "The report",
            (Earlier("payload.change_on", "变动日期", "the change"),),
        ),
    ),
    "adjustment.receiving": (
        FactDate("assigned_on", "TRF-2", "指定日期", "The assignment", (REPORTED,)),
        FactDate(
            "receiving_party_orgs[].contacted_on", "TRF-2", "联系日期", "The contact", (REPORTED,)
        ),
    ),
    "adjustment.destinations": (
        FactDate("destinations[].transferred_on", "TRF-3", "转移日期", "The transfer", (CHANGE,)),
    ),
    "adjustment.completion": (
        FactDate(
            "completed_on",
            "TRF-3",
            "完成日期",
            "The completion",
            (
                Earlier(
                    "data.receiving.assigned_on", "指定专人日期", "naming the supervising person"
                ),
                Earlier(
                    "data.destinations[].transferred_on",
                    "最后一名党员的转移日期",
                    "the last transfer",
                ),
            ),
        ),
    ),
    "adjustment.change_decision": (
        FactDate("decided_on", "TRF-4", "决定日期", "The decision", DECIDE_AFTER),
    ),
    "adjustment.revocation": (
        FactDate("decided_on", "TRF-4", "决定日期", "The decision", DECIDE_AFTER),
    ),
}
