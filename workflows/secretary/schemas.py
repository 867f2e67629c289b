"""Input schemas of P4. Messages name the rule a field serves."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from engine.vocabulary import CADRE_STATUSES, OFFICER_ORIGINS

Text = validate.Length(min=1, max=200)
LongText = validate.Length(min=2, max=2000)
Yuan = validate.Range(min=0, error="SEC-4/SEC-6: yuan per month, a whole number ≥ 0")

VACANCIES = ("new_organization", "term_renewal", "position_change")
# SEC-2, in order: the head (if a Party member), management, business backbones, another
# member from inside, and only then one dispatched by the upper Party organization.
SOURCES = ("head", "management", "backbone", "other_member", "dispatched")
POSITION_CHANGES = (
    "left_organization",
    "transferred",
    "resigned",
    "dismissed",
    "deceased",
    "other",
)
STIPEND_PAYERS = ("party_funds", "public_finance", "organization")
EVALUATIONS = ("excellent", "good", "fair", "poor")


class PositionChangeSchema(Schema):
    """SEC-8: a change of a Party-affairs worker's position, as reported to the upper body."""

    officer_id = fields.Integer(
        load_default=None, allow_none=True, strict=True, validate=validate.Range(min=1)
    )
    name = fields.String(required=True, validate=Text)
    change = fields.String(required=True, validate=validate.OneOf(POSITION_CHANGES))
    changed_on = fields.Date(required=True)
    reported_on = fields.Date(required=True)
    reported_to = fields.String(required=True, validate=Text)

    @validates_schema
    def _order(self, data: dict, **_: Any) -> None:
        if data["reported_on"] < data["changed_on"]:
            raise ValidationError("SEC-8: the report cannot come before the change", "reported_on")


class VacancySchema(Schema):
    """The post is vacant: a new Party organization, a term renewal (SEC-9) or a reported
    position change (SEC-8)."""

    party_organization_id = fields.Integer(
        required=True, strict=True, validate=validate.Range(min=1)
    )
    vacancy = fields.String(required=True, validate=validate.OneOf(VACANCIES))
    position_change = fields.Nested(PositionChangeSchema, load_default=None, allow_none=True)

    @validates_schema
    def _report(self, data: dict, **_: Any) -> None:
        if data["vacancy"] == "position_change" and data.get("position_change") is None:
            raise ValidationError(
                "SEC-8: a vacancy from a position change needs the report to the upper "
                "Party organization",
                "position_change",
            )


class CompensationSchema(Schema):
    """SEC-4: what the social organization itself pays, in yuan per month."""

    salary = fields.Integer(load_default=0, strict=True, validate=Yuan)
    bonus = fields.Integer(load_default=0, strict=True, validate=Yuan)
    allowance = fields.Integer(load_default=0, strict=True, validate=Yuan)
    other = fields.Integer(load_default=0, strict=True, validate=Yuan)


class DispatchedCandidateSchema(Schema):
    """SEC-2 (last source) and SEC-4: a candidate the upper Party organization dispatches."""

    name = fields.String(required=True, validate=Text)
    from_unit = fields.String(required=True, validate=Text)
    cadre_status = fields.String(required=True, validate=validate.OneOf(CADRE_STATUSES))
    compensation = fields.Nested(CompensationSchema, load_default=dict)


class AssessmentSchema(Schema):
    """SEC-1: the standard — firm conviction, dedication, capability, good conduct; politically
    strong and able to do mass work — each judged and recorded."""

    conviction = fields.Boolean(required=True)
    dedication = fields.Boolean(required=True)
    capability = fields.Boolean(required=True)
    conduct = fields.Boolean(required=True)
    political_strength = fields.Boolean(required=True)
    mass_work = fields.Boolean(required=True)
    assessed_by = fields.String(required=True, validate=Text)
    assessed_on = fields.Date(required=True)
    note = fields.String(load_default=None, allow_none=True, validate=LongText)


class NominationSchema(Schema):
    """SEC-1/SEC-2: the candidate, the source, why each higher source is unavailable, and the
    standard assessment."""

    source = fields.String(required=True, validate=validate.OneOf(SOURCES))
    member_id = fields.Integer(
        load_default=None, allow_none=True, strict=True, validate=validate.Range(min=1)
    )
    dispatched = fields.Nested(DispatchedCandidateSchema, load_default=None, allow_none=True)
    unavailable = fields.Dict(
        keys=fields.String(validate=validate.OneOf(SOURCES[:-1])),
        values=fields.String(validate=validate.Length(min=2, max=500)),
        load_default=dict,
        metadata={"description": "SEC-2: source -> why no suitable person there"},
    )
    assessment = fields.Nested(
        AssessmentSchema,
        required=True,
        error_messages={"required": "SEC-1: record the standard assessment of the candidate"},
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


class ElectionSchema(Schema):
    """SEC-3: the members' election, which the upper Party body then approves."""

    elected_on = fields.Date(required=True)
    eligible_voters = fields.Integer(required=True, strict=True, validate=validate.Range(min=1))
    votes_cast = fields.Integer(required=True, strict=True, validate=validate.Range(min=0))
    votes_for = fields.Integer(required=True, strict=True, validate=validate.Range(min=0))

    @validates_schema
    def _counts(self, data: dict, **_: Any) -> None:
        if data["votes_cast"] > data["eligible_voters"]:
            raise ValidationError("more votes cast than voters", "votes_cast")
        if data["votes_for"] > data["votes_cast"]:
            raise ValidationError("more votes for than votes cast", "votes_for")


class DispatchSchema(Schema):
    """SEC-2: the upper Party organization dispatches the candidate, per Party rules."""

    dispatched_on = fields.Date(required=True)
    dispatched_by = fields.String(required=True, validate=Text)
    order_no = fields.String(required=True, validate=Text)


class ApprovalSchema(Schema):
    """SEC-3/SEC-4/SEC-6: the upper Party body's approval, and what the post is paid."""

    approved_by = fields.String(
        required=True,
        validate=Text,
        error_messages={"required": "SEC-3: the upper Party body that approves"},
    )
    approved_on = fields.Date(required=True)
    approval_no = fields.String(required=True, validate=Text)
    stipend_yuan_per_month = fields.Integer(
        required=True,
        strict=True,
        validate=Yuan,
        error_messages={"required": "SEC-6: the secretary's Party-work stipend, yuan/month"},
    )
    stipend_paid_by = fields.String(required=True, validate=validate.OneOf(STIPEND_PAYERS))
    full_time = fields.Boolean(load_default=False)


class AnnualReportSchema(Schema):
    """SEC-7: the secretary's yearly report to the upper Party organization and the members."""

    reported_on = fields.Date(required=True)
    reported_to = fields.String(required=True, validate=Text)
    members_present = fields.Integer(required=True, strict=True, validate=validate.Range(min=0))
    evaluation = fields.String(required=True, validate=validate.OneOf(EVALUATIONS))
    summary = fields.String(required=True, validate=LongText)


class DeputySchema(Schema):
    """SEC-3/SEC-4/SEC-5/SEC-6: a deputy secretary, elected and approved by the upper body."""

    name = fields.String(required=True, validate=Text)
    member_id = fields.Integer(
        load_default=None, allow_none=True, strict=True, validate=validate.Range(min=1)
    )
    origin = fields.String(required=True, validate=validate.OneOf(OFFICER_ORIGINS))
    cadre_status = fields.String(load_default="none", validate=validate.OneOf(CADRE_STATUSES))
    dispatched_from = fields.String(load_default=None, allow_none=True, validate=Text)
    full_time = fields.Boolean(required=True)
    elected_on = fields.Date(load_default=None, allow_none=True)
    approved_by = fields.String(required=True, validate=Text)
    approved_on = fields.Date(required=True)
    stipend_yuan_per_month = fields.Integer(load_default=0, strict=True, validate=Yuan)
    stipend_paid_by = fields.String(
        load_default="party_funds", validate=validate.OneOf(STIPEND_PAYERS)
    )
    compensation = fields.Nested(CompensationSchema, load_default=dict)

    @validates_schema
    def _who(self, data: dict, **_: Any) -> None:
        if data["origin"] == "internal" and data.get("member_id") is None:
            raise ValidationError("SEC-2: an internal deputy is one of the members", "member_id")
        if data["origin"] == "dispatched" and not data.get("dispatched_from"):
            raise ValidationError(
                "SEC-2: say where the deputy is dispatched from", "dispatched_from"
            )


class SecretaryChangeSchema(Schema):
    """SEC-8: the secretary's position changes, reported to the upper Party organization."""

    change = fields.String(required=True, validate=validate.OneOf(POSITION_CHANGES))
    changed_on = fields.Date(required=True)
    reported_on = fields.Date(required=True)
    reported_to = fields.String(required=True, validate=Text)

    @validates_schema
    def _order(self, data: dict, **_: Any) -> None:
        if data["reported_on"] < data["changed_on"]:
            raise ValidationError("SEC-8: the report cannot come before the change", "reported_on")


class DeputyChangeSchema(SecretaryChangeSchema):
    officer_id = fields.Integer(required=True, strict=True, validate=validate.Range(min=1))


class TermRenewalSchema(Schema):
    """SEC-9: the term-renewal election starts."""

    started_on = fields.Date(required=True)
    note = fields.String(load_default=None, allow_none=True, validate=LongText)


class ClosingSchema(Schema):
    closed_on = fields.Date(required=True)
    reason = fields.String(required=True, validate=LongText)


class ReasonSchema(Schema):
    reason = fields.String(required=True, validate=LongText)


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
