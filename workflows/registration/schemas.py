"""Input schemas of the registration steps. Messages name the rule a field serves."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from engine.vocabulary import CreditCode

NonNegative = validate.Range(min=0, error="REG-2: must be a whole number ≥ 0")
Text = validate.Length(min=1, max=500)


class ApplicationSchema(Schema):
    """REG-4: the authority vets founders and proposed leaders, so the application names them."""

    applied_on = fields.Date(required=True)
    founders = fields.List(
        fields.String(validate=Text), required=True, validate=validate.Length(min=1)
    )
    proposed_leaders = fields.List(fields.String(validate=Text), load_default=list)


class MemberSurveySchema(Schema):
    """REG-2 (附件2 社会组织党员情况调查表)."""

    full_members = fields.Integer(
        required=True,
        strict=True,
        validate=NonNegative,
        metadata={"description": "full members among the staff"},
    )
    full_time_full_members = fields.Integer(
        required=True,
        strict=True,
        validate=NonNegative,
        metadata={"description": "of which full-time staff (the ≥3 test)"},
    )
    probationary_members = fields.Integer(required=True, strict=True, validate=NonNegative)
    members_elsewhere = fields.Integer(
        required=True,
        strict=True,
        validate=NonNegative,
        metadata={"description": "members whose organizational relation is elsewhere"},
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


class DocumentsSchema(Schema):
    """REG-1: record receipt of the commitment letter (附件1) and/or the member survey (附件2)."""

    commitment_letter = fields.Boolean(load_default=False)
    member_survey = fields.Nested(MemberSurveySchema, load_default=None, allow_none=True)

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


class CharterSchema(Schema):
    """REG-3: the charter checklist; every item must be ticked to approve."""

    party_status_in_general_provisions = fields.Boolean(required=True)
    chapter_form = fields.Boolean(required=True)
    chapter_duties = fields.Boolean(required=True)
    chapter_funding = fields.Boolean(required=True)
    chapter_major_matters = fields.Boolean(required=True)
    overall_leadership = fields.Boolean(required=True)
    core_values = fields.Boolean(required=True)
    note = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=2000))


class RegistrationSchema(Schema):
    """REG-4: the registration decision; the credit code is issued here (INF-1)."""

    registered_on = fields.Date(required=True)
    credit_code = CreditCode(required=True)
    registration_mode = fields.String(required=True, validate=validate.OneOf(("direct", "dual")))
    supervisory_unit = fields.String(
        load_default=None, allow_none=True, validate=validate.Length(max=200)
    )
    necessity_checked = fields.Boolean(required=True)
    representativeness_checked = fields.Boolean(required=True)
    founders_vetted = fields.Boolean(required=True)


class ReasonSchema(Schema):
    reason = fields.String(required=True, validate=validate.Length(min=2, max=2000))


class RecipientSchema(Schema):
    kind = fields.String(
        required=True,
        validate=validate.OneOf(("supervisory_unit", "industry_regulator", "local_party_org")),
    )
    name = fields.String(required=True, validate=Text)
    delivered_on = fields.Date(required=True)


class ForwardingSchema(Schema):
    """REG-5: both documents go to every recipient."""

    recipients = fields.List(
        fields.Nested(RecipientSchema), required=True, validate=validate.Length(min=1)
    )


RESPONSIBLE_KINDS = (
    "supervisory_party_org",
    "industry_committee",
    "local_party_org",
    "street_township",
    "comprehensive_committee",
)


class ResponsibleBodySchema(Schema):
    """REG-6: who carries Party building for this organization."""

    kind = fields.String(required=True, validate=validate.OneOf(RESPONSIBLE_KINDS))
    unit_name = fields.String(required=True, validate=Text)
    territorial_relation = fields.Boolean(load_default=False)


class JointBranchSchema(Schema):
    """REG-7: the other organizations the joint branch covers (this one included, at most 5)."""

    partner_organizations = fields.List(
        fields.String(validate=Text), required=True, validate=validate.Length(min=1)
    )


class AffiliatedSchema(Schema):
    host_party_org = fields.String(required=True, validate=Text)


class InstructorSchema(Schema):
    """REG-7 / REG-8: instructor, stationed branch, or a lead organization (1+N)."""

    mode = fields.String(
        required=True,
        validate=validate.OneOf(("instructor", "stationed_branch", "lead_organization")),
    )
    name = fields.String(required=True, validate=Text)
    dispatched_by = fields.String(required=True, validate=Text)
    dispatched_on = fields.Date(required=True)
    reason = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=2000))


class PartyOrgSchema(Schema):
    """REG-7 / REG-8: the Party organization approved by the upper Party organization."""

    name = fields.String(required=True, validate=Text)
    kind = fields.String(
        required=True,
        validate=validate.OneOf(("branch", "general_branch", "committee", "joint_branch")),
    )
    approved_by = fields.String(required=True, validate=Text)
    established_on = fields.Date(required=True)
    county_level_approval = fields.Boolean(load_default=False)


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
}
