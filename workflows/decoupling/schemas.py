"""Input schemas of P3. Messages name the rule a field serves."""

from __future__ import annotations

from typing import Any

from marshmallow import ValidationError, fields, validate, validates_schema

from engine.inputs import InputSchema
from engine.vocabulary import MEETING_KINDS
from workflows.common import Earlier, FactDate, label

Text = validate.Length(min=1, max=200)
LongText = validate.Length(min=2, max=2000)
BODY_KINDS = ("comprehensive_committee", "industry_committee", "local_party_org")


class DecouplingSchema(InputSchema):
    """DEC-1: decoupling starts with the inventory of Party-building archives to hand over."""

    party_organization_id = fields.Integer(
        required=True,
        strict=True,
        validate=validate.Range(min=1),
        metadata=label("党组织", "Party organization", pick="party_organization"),
    )
    original_supervisory_party_org = fields.String(
        required=True,
        validate=Text,
        metadata=label(
            "原业务主管单位党组织",
            "Original supervisory unit's Party organization",
            description="the original supervisory unit's Party organization",
        ),
    )
    receiving_party_org = fields.String(
        required=True,
        validate=Text,
        metadata=label(
            "接收党组织",
            "Receiving Party organization",
            description="the Party organization that takes the decoupled one over",
        ),
    )
    decoupling_approved_on = fields.Date(
        required=True, metadata=label("脱钩批准日期", "Decoupling approved on")
    )
    archive_items = fields.List(
        fields.String(validate=Text),
        required=True,
        validate=validate.Length(min=1, error="DEC-1: list the archives to hand over"),
        error_messages={"required": "DEC-1: list the archives to hand over"},
        metadata=label("移交的党建档案（每行一项）", "Archives to hand over (one per line)"),
    )

    @validates_schema
    def _distinct(self, data: dict, **_: Any) -> None:
        if len(set(data["archive_items"])) != len(data["archive_items"]):
            raise ValidationError("DEC-1: each archive item once", "archive_items")
        if data["receiving_party_org"] == data["original_supervisory_party_org"]:
            raise ValidationError(
                "DEC-2: decoupled means a new body — not the original supervisory unit's",
                "receiving_party_org",
            )


class ReceiptSchema(InputSchema):
    """DEC-1: who handed over and who received which archive, and when."""

    item = fields.String(required=True, validate=Text, metadata=label("档案", "Archive item"))
    handed_over_by = fields.String(
        required=True, validate=Text, metadata=label("移交人", "Handed over by")
    )
    received_by = fields.String(
        required=True, validate=Text, metadata=label("接收人", "Received by")
    )
    received_on = fields.Date(required=True, metadata=label("接收日期", "Received on"))


class ReceiptsSchema(InputSchema):
    items = fields.List(
        fields.Nested(ReceiptSchema),
        required=True,
        validate=validate.Length(min=1),
        metadata=label("档案交接", "Archive receipts"),
    )


class HandoverSchema(InputSchema):
    handover_on = fields.Date(required=True, metadata=label("移交日期", "Handover date"))


class TransferSchema(InputSchema):
    """DEC-1: the Party organization's relation and its members' relations transferred."""

    transferred_on = fields.Date(required=True, metadata=label("转移日期", "Transferred on"))
    member_ids = fields.List(
        fields.Integer(strict=True, validate=validate.Range(min=1), metadata={"pick": "member"}),
        load_default=list,
        metadata=label("随之转移组织关系的党员", "Members whose relations are transferred"),
    )


class LeadershipSchema(InputSchema):
    """DEC-2/DEC-4: the receiving Party organization states the leadership relation."""

    body_kind = fields.String(
        required=True,
        validate=validate.OneOf(BODY_KINDS),
        error_messages={"required": "DEC-4: which kind of body leads after decoupling"},
        metadata=label("领导机关类别", "Kind of leading body"),
    )
    body_name = fields.String(
        required=True,
        validate=Text,
        error_messages={"required": "DEC-2: name the body that states the leadership relation"},
        metadata=label("领导机关名称", "Name of the leading body"),
    )
    stated_on = fields.Date(required=True, metadata=label("明确日期", "Stated on"))
    local_rule = fields.String(
        load_default=None,
        allow_none=True,
        validate=LongText,
        metadata=label(
            "依据的地方规定",
            "Local rule applied",
            description="DEC-4: the local decoupling rule, for a non-default body",
        ),
    )
    contact_person = fields.String(
        load_default=None,
        allow_none=True,
        validate=Text,
        metadata=label("联系人", "Contact person"),
    )


class MeetingSchema(InputSchema):
    """DEC-3: an organizational-life meeting held under the new body."""

    held_on = fields.Date(required=True, metadata=label("召开日期", "Held on"))
    kind = fields.String(
        required=True,
        validate=validate.OneOf(MEETING_KINDS),
        metadata=label("会议类别", "Kind of meeting"),
    )
    topic = fields.String(
        required=True, validate=validate.Length(min=2, max=300), metadata=label("主题", "Topic")
    )
    attendees = fields.Integer(
        load_default=None,
        allow_none=True,
        strict=True,
        validate=validate.Range(min=1),
        metadata=label("参加人数", "Attendees"),
    )


class ConfirmationSchema(InputSchema):
    confirmed_on = fields.Date(required=True, metadata=label("确认日期", "Confirmed on"))
    confirmed_by = fields.String(
        required=True, validate=Text, metadata=label("确认单位", "Confirmed by")
    )
    note = fields.String(
        load_default=None, allow_none=True, validate=LongText, metadata=label("备注", "Note")
    )


class ReasonSchema(InputSchema):
    reason = fields.String(required=True, validate=LongText, metadata=label("理由", "Reason"))


SCHEMAS = {
    "decoupling.start": DecouplingSchema,
    "decoupling.receipts": ReceiptsSchema,
    "decoupling.handover": HandoverSchema,
    "decoupling.transfer": TransferSchema,
    "decoupling.leadership": LeadershipSchema,
    "decoupling.meeting": MeetingSchema,
    "decoupling.confirmation": ConfirmationSchema,
    "decoupling.reason": ReasonSchema,
}

APPROVED = Earlier(
    "data.decoupling.decoupling_approved_on", "脱钩批准日期", "the decoupling approval"
)
HANDOVER = Earlier("data.handover_on", "档案移交日期", "the archives handover")
STATED = Earlier("data.leadership.stated_on", "明确领导关系日期", "the statement of the leadership")

#: Every date a P3 step records, and the facts it may not precede (checked by
#: `workflows.common.dated` on the step's action; never after today either).
FACT_DATES: dict[str, tuple[FactDate, ...]] = {
    "decoupling.start": (
        FactDate("decoupling_approved_on", "DEC-1", "脱钩批准日期", "The decoupling approval"),
    ),
    "decoupling.receipts": (
        FactDate("items[].received_on", "DEC-1", "接收日期", "A receipt", (APPROVED,)),
    ),
    "decoupling.handover": (
        FactDate(
            "handover_on",
            "DEC-1",
            "移交日期",
            "The handover",
            (
                APPROVED,
                Earlier(
                    "data.archives[].received_on", "最后一项档案的接收日期", "the last receipt"
                ),
            ),
        ),
    ),
    "decoupling.transfer": (
        FactDate("transferred_on", "DEC-1", "转接日期", "The transfer", (HANDOVER,)),
    ),
    "decoupling.leadership": (
        FactDate(
            "stated_on",
            "DEC-2",
            "明确领导关系日期",
            "The statement",
            (HANDOVER, Earlier("data.transfer.transferred_on", "转接日期", "the transfer")),
        ),
    ),
    "decoupling.meeting": (
        FactDate("held_on", "DEC-3", "会议日期", "A meeting", (HANDOVER, STATED)),
    ),
    "decoupling.confirmation": (
        FactDate("confirmed_on", "DEC-3", "确认日期", "The confirmation", (STATED,)),
    ),
}
