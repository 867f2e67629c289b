"""Input schemas of P2. Messages name the rule a field serves."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from engine.vocabulary import PARTY_ORG_KINDS

Text = validate.Length(min=1, max=200)
LongText = validate.Length(min=2, max=2000)
CHANGE_KINDS = ("change", "merger", "split", "deregistration")
DESTINATION_KINDS = ("transfer", "keep_elsewhere", "remain")


class ReportSchema(Schema):
    """TRF-1: the Party organization reports the organization's change to the upper Party
    organization; the report opens the case."""

    party_organization_id = fields.Integer(
        required=True, strict=True, validate=validate.Range(min=1)
    )
    change_kind = fields.String(required=True, validate=validate.OneOf(CHANGE_KINDS))
    change_on = fields.Date(
        required=True, metadata={"description": "day the organization's change was decided"}
    )
    reported_on = fields.Date(required=True)
    reported_to = fields.String(
        required=True, validate=Text, metadata={"description": "the upper Party organization"}
    )
    summary = fields.String(required=True, validate=LongText)

    @validates_schema
    def _order(self, data: dict, **_: Any) -> None:
        if data["reported_on"] < data["change_on"]:
            raise ValidationError("TRF-1: the report cannot come before the change", "reported_on")


class ReceivingPartyOrgSchema(Schema):
    name = fields.String(required=True, validate=Text)
    contacted_on = fields.Date(required=True)
    contact_person = fields.String(load_default=None, allow_none=True, validate=Text)


class ReceivingSchema(Schema):
    """TRF-2: the receiving Party organizations contacted and a named person assigned."""

    assigned_person = fields.String(
        required=True,
        validate=Text,
        error_messages={"required": "TRF-2: name the person who supervises the transfers"},
        metadata={"description": "TRF-2: the person who supervises and assists the transfers"},
    )
    assigned_on = fields.Date(required=True)
    receiving_party_orgs = fields.List(
        fields.Nested(ReceivingPartyOrgSchema),
        required=True,
        error_messages={"required": "TRF-2: name the receiving Party organization(s) contacted"},
        validate=validate.Length(
            min=1, error="TRF-2: name at least one receiving Party organization"
        ),
    )


class DestinationSchema(Schema):
    """TRF-3: where one member's organizational relation goes."""

    member_id = fields.Integer(required=True, strict=True, validate=validate.Range(min=1))
    kind = fields.String(required=True, validate=validate.OneOf(DESTINATION_KINDS))
    to_party_org = fields.String(load_default=None, allow_none=True, validate=Text)
    transferred_on = fields.Date(load_default=None, allow_none=True)
    relation_kept_at = fields.String(load_default=None, allow_none=True, validate=Text)
    life_at = fields.String(load_default=None, allow_none=True, validate=Text)
    note = fields.String(load_default=None, allow_none=True, validate=LongText)

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


class DestinationsSchema(Schema):
    destinations = fields.List(
        fields.Nested(DestinationSchema),
        required=True,
        validate=validate.Length(min=1),
        error_messages={"required": "TRF-3: give at least one member's destination"},
    )

    @validates_schema
    def _once(self, data: dict, **_: Any) -> None:
        ids = [d["member_id"] for d in data.get("destinations", [])]
        if len(ids) != len(set(ids)):
            raise ValidationError("TRF-3: one destination per member", "destinations")


class CompletionSchema(Schema):
    completed_on = fields.Date(required=True)


class ChangeDecisionSchema(Schema):
    """TRF-4: the upper Party organization adjusts the Party organization."""

    decided_on = fields.Date(required=True)
    decision_no = fields.String(required=True, validate=Text)
    new_name = fields.String(load_default=None, allow_none=True, validate=Text)
    new_kind = fields.String(
        load_default=None, allow_none=True, validate=validate.OneOf(PARTY_ORG_KINDS)
    )
    new_upper_party_org = fields.String(load_default=None, allow_none=True, validate=Text)
    note = fields.String(load_default=None, allow_none=True, validate=LongText)


class RevocationSchema(Schema):
    """TRF-4: the upper Party organization revokes the Party organization per regulations."""

    decided_on = fields.Date(required=True)
    decision_no = fields.String(required=True, validate=Text)
    reason = fields.String(required=True, validate=LongText)


class ReasonSchema(Schema):
    reason = fields.String(required=True, validate=LongText)


SCHEMAS = {
    "adjustment.report": ReportSchema,
    "adjustment.receiving": ReceivingSchema,
    "adjustment.destinations": DestinationsSchema,
    "adjustment.completion": CompletionSchema,
    "adjustment.change_decision": ChangeDecisionSchema,
    "adjustment.revocation": RevocationSchema,
    "adjustment.reason": ReasonSchema,
}
