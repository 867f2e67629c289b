"""Input schemas of P3. Messages name the rule a field serves."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from engine.vocabulary import MEETING_KINDS

Text = validate.Length(min=1, max=200)
LongText = validate.Length(min=2, max=2000)
BODY_KINDS = ("comprehensive_committee", "industry_committee", "local_party_org")


class DecouplingSchema(Schema):
    """DEC-1: decoupling starts with the inventory of Party-building archives to hand over."""

    party_organization_id = fields.Integer(
        required=True, strict=True, validate=validate.Range(min=1)
    )
    original_supervisory_party_org = fields.String(
        required=True,
        validate=Text,
        metadata={"description": "the original supervisory unit's Party organization"},
    )
    receiving_party_org = fields.String(
        required=True,
        validate=Text,
        metadata={"description": "the Party organization that takes the decoupled one over"},
    )
    decoupling_approved_on = fields.Date(required=True)
    archive_items = fields.List(
        fields.String(validate=Text),
        required=True,
        validate=validate.Length(min=1, error="DEC-1: list the archives to hand over"),
        error_messages={"required": "DEC-1: list the archives to hand over"},
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


class ReceiptSchema(Schema):
    """DEC-1: who handed over and who received which archive, and when."""

    item = fields.String(required=True, validate=Text)
    handed_over_by = fields.String(required=True, validate=Text)
    received_by = fields.String(required=True, validate=Text)
    received_on = fields.Date(required=True)


class ReceiptsSchema(Schema):
    items = fields.List(
        fields.Nested(ReceiptSchema), required=True, validate=validate.Length(min=1)
    )


class HandoverSchema(Schema):
    handover_on = fields.Date(required=True)


class TransferSchema(Schema):
    """DEC-1: the Party organization's relation and its members' relations transferred."""

    transferred_on = fields.Date(required=True)
    member_ids = fields.List(
        fields.Integer(strict=True, validate=validate.Range(min=1)), load_default=list
    )


class LeadershipSchema(Schema):
    """DEC-2/DEC-4: the receiving Party organization states the leadership relation."""

    body_kind = fields.String(
        required=True,
        validate=validate.OneOf(BODY_KINDS),
        error_messages={"required": "DEC-4: which kind of body leads after decoupling"},
    )
    body_name = fields.String(
        required=True,
        validate=Text,
        error_messages={"required": "DEC-2: name the body that states the leadership relation"},
    )
    stated_on = fields.Date(required=True)
    local_rule = fields.String(
        load_default=None,
        allow_none=True,
        validate=LongText,
        metadata={"description": "DEC-4: the local decoupling rule, for a non-default body"},
    )
    contact_person = fields.String(load_default=None, allow_none=True, validate=Text)


class MeetingSchema(Schema):
    """DEC-3: an organizational-life meeting held under the new body."""

    held_on = fields.Date(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(MEETING_KINDS))
    topic = fields.String(required=True, validate=validate.Length(min=2, max=300))
    attendees = fields.Integer(
        load_default=None, allow_none=True, strict=True, validate=validate.Range(min=1)
    )


class ConfirmationSchema(Schema):
    confirmed_on = fields.Date(required=True)
    confirmed_by = fields.String(required=True, validate=Text)
    note = fields.String(load_default=None, allow_none=True, validate=LongText)


class ReasonSchema(Schema):
    reason = fields.String(required=True, validate=LongText)


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
