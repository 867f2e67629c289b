"""What the directory accepts: the input schemas of units, users, organizations, Party
organizations and members (the one input policy, `engine.inputs.InputSchema`).

Kept apart from the writes (`engine.directory.service`) so that a form or a workflow can
describe or reuse an input without the write path.
"""

from __future__ import annotations

from typing import Any

from marshmallow import ValidationError, fields, validate, validates, validates_schema

from engine.inputs import InputSchema
from engine.vocabulary import (
    CATEGORIES,
    MEMBER_ROLES,
    MEMBER_STATUSES,
    ORG_TYPES,
    PARTY_ORG_KINDS,
    ROLES,
    UNIT_KINDS,
    CreditCode,
)


class OrganizationSchema(InputSchema):
    name = fields.String(required=True, validate=validate.Length(min=2, max=200))
    credit_code = CreditCode(load_default=None, allow_none=True)
    org_type = fields.String(required=True, validate=validate.OneOf(ORG_TYPES))
    category = fields.String(required=True, validate=validate.OneOf(CATEGORIES))
    supervisory_unit = fields.String(
        load_default=None, allow_none=True, validate=validate.Length(max=200)
    )
    industry_regulator = fields.String(
        load_default=None, allow_none=True, validate=validate.Length(max=200)
    )
    local_party_org = fields.String(
        load_default=None, allow_none=True, validate=validate.Length(max=200)
    )
    district = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=100))
    unit = fields.String(
        required=True, metadata={"description": "code of the registration authority unit"}
    )


class UnitSchema(InputSchema):
    code = fields.String(
        required=True,
        validate=validate.Regexp(
            r"^[a-z0-9][a-z0-9_.-]{0,63}$",
            error="at most 64 lowercase letters, digits, dots, dashes or underscores / "
            "代码为至多64位小写字母、数字、点、短横线或下划线",
        ),
    )
    name_zh = fields.String(required=True, validate=validate.Length(min=1, max=200))
    name_en = fields.String(required=True, validate=validate.Length(min=1, max=200))
    kind = fields.String(required=True, validate=validate.OneOf(UNIT_KINDS))
    parent = fields.String(load_default=None, allow_none=True)
    district = fields.String(load_default=None, allow_none=True)


class UserSchema(InputSchema):
    username = fields.String(
        required=True,
        validate=validate.Regexp(
            r"^[a-z0-9_.-]{2,80}$",
            error="2 to 80 lowercase letters, digits, dots, dashes or underscores / "
            "用户名为2至80位小写字母、数字、点、短横线或下划线",
        ),
    )
    display_name = fields.String(required=True, validate=validate.Length(min=1, max=120))
    role = fields.String(required=True, validate=validate.OneOf(ROLES))
    unit = fields.String(required=True)
    email = fields.Email(load_default=None, allow_none=True)
    password_hash = fields.String(load_default=None, allow_none=True)

    @validates("username")
    def _not_system(self, value: str, **_: Any) -> None:
        if value == "system":
            raise ValidationError("'system' is reserved for the scheduler")


class PartyOrganizationSchema(InputSchema):
    """A Party organization recorded directly (one formed before the system, or outside P1).

    Without `organization_id` it is a body's own Party organization (a community Party
    committee, a supervisory unit's Party group) that social organizations can be affiliated
    to (挂靠, REG-7); it then needs `upper_unit`, the unit whose tree it sits in."""

    organization_id = fields.Integer(
        load_default=None, allow_none=True, strict=True, validate=validate.Range(min=1)
    )
    name = fields.String(required=True, validate=validate.Length(min=2, max=200))
    kind = fields.String(required=True, validate=validate.OneOf(PARTY_ORG_KINDS))
    formation_mode = fields.String(
        load_default="standalone",
        validate=validate.OneOf(("standalone", "joint", "affiliated")),
    )
    upper_party_org = fields.String(
        required=True,
        validate=validate.Length(min=2, max=200),
        metadata={"description": "the upper Party organization (TRF-2, SEC-3)"},
    )
    upper_unit = fields.String(
        load_default=None, allow_none=True, metadata={"description": "unit code of the upper body"}
    )
    established_on = fields.Date(required=True)
    term_started_on = fields.Date(load_default=None, allow_none=True)
    term_years = fields.Integer(
        load_default=None, allow_none=True, strict=True, validate=validate.Range(min=1, max=10)
    )
    covers = fields.List(
        fields.Integer(strict=True, validate=validate.Range(min=1, max=2**31 - 1)),
        load_default=list,
        metadata={
            "description": "organizations it covers besides its host (a joint branch's "
            "partners, REG-7: at most joint_branch_max_units in all)"
        },
    )

    @validates_schema
    def _somewhere(self, data: dict, **_: Any) -> None:
        if data.get("organization_id") is None and not data.get("upper_unit"):
            raise ValidationError(
                "a Party organization of no social organization needs its upper_unit "
                "(the unit whose tree it sits in)",
                "upper_unit",
            )


class MemberSchema(InputSchema):
    """A Party member working in a social organization (REG-2; roles order SEC-2's sources)."""

    organization_id = fields.Integer(required=True, strict=True, validate=validate.Range(min=1))
    name = fields.String(required=True, validate=validate.Length(min=1, max=120))
    status = fields.String(required=True, validate=validate.OneOf(MEMBER_STATUSES))
    role = fields.String(load_default="staff", validate=validate.OneOf(MEMBER_ROLES))
    full_time = fields.Boolean(load_default=True)
    party_organization_id = fields.Integer(
        load_default=None, allow_none=True, strict=True, validate=validate.Range(min=1)
    )
    relation_location = fields.String(
        load_default=None, allow_none=True, validate=validate.Length(min=1, max=200)
    )
    life_party_org = fields.String(
        load_default=None, allow_none=True, validate=validate.Length(min=1, max=200)
    )

    @validates_schema
    def _relation_somewhere(self, data: dict, **_: Any) -> None:
        if data.get("party_organization_id") is None and not data.get("relation_location"):
            raise ValidationError(
                "TRF-3: a member's organizational relation sits somewhere: give the Party "
                "organization or the relation location",
                "relation_location",
            )
