"""Units, users and organizations: the who and the what that cases hang on.

Validation here is the one place a credit code (INF-1, GB 32100-2015) or an organization's
type is checked, for the CLI, the UI and the API alike.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates
from sqlalchemy import insert, select, update

from engine.errors import NotFound
from engine.models import Organization, Unit, User
from engine.unit_of_work import UnitOfWork
from engine.vocabulary import CATEGORIES, ORG_TYPES, ROLES, UNIT_KINDS, CreditCode


class OrganizationSchema(Schema):
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


class UnitSchema(Schema):
    code = fields.String(required=True, validate=validate.Regexp(r"^[a-z0-9][a-z0-9_.-]{0,63}$"))
    name_zh = fields.String(required=True, validate=validate.Length(min=1, max=200))
    name_en = fields.String(required=True, validate=validate.Length(min=1, max=200))
    kind = fields.String(required=True, validate=validate.OneOf(UNIT_KINDS))
    parent = fields.String(load_default=None, allow_none=True)
    district = fields.String(load_default=None, allow_none=True)


class UserSchema(Schema):
    username = fields.String(required=True, validate=validate.Regexp(r"^[a-z0-9_.-]{2,80}$"))
    display_name = fields.String(required=True, validate=validate.Length(min=1, max=120))
    role = fields.String(required=True, validate=validate.OneOf(ROLES))
    unit = fields.String(required=True)
    email = fields.Email(load_default=None, allow_none=True)
    password_hash = fields.String(load_default=None, allow_none=True)

    @validates("username")
    def _not_system(self, value: str, **_: Any) -> None:
        if value == "system":
            raise ValidationError("'system' is reserved for the scheduler")


def unit_by_code(uow: UnitOfWork, code: str) -> Any:
    row = uow.conn.execute(select(Unit.__table__).where(Unit.__table__.c.code == code)).first()
    if row is None:
        raise NotFound("unit", code)
    return row


def create_unit(uow: UnitOfWork, payload: Mapping[str, Any]) -> int:
    data = UnitSchema().load(dict(payload))
    units = Unit.__table__
    with uow:
        parent_path = "/"
        parent_id = None
        if data["parent"]:
            parent = unit_by_code(uow, data["parent"])
            parent_id, parent_path = parent.id, parent.path
        uid = uow.conn.execute(
            insert(units)
            .values(
                code=data["code"],
                name_zh=data["name_zh"],
                name_en=data["name_en"],
                kind=data["kind"],
                parent_id=parent_id,
                path="?",
                district=data["district"],
            )
            .returning(units.c.id)
        ).scalar_one()
        uow.conn.execute(update(units).where(units.c.id == uid).values(path=f"{parent_path}{uid}/"))
        uow.commit()
        return uid


def create_user(uow: UnitOfWork, payload: Mapping[str, Any]) -> int:
    data = UserSchema().load(dict(payload))
    users = User.__table__
    with uow:
        unit = unit_by_code(uow, data.pop("unit"))
        if uow.conn.execute(select(users.c.id).where(users.c.username == data["username"])).first():
            raise ValidationError({"username": [f"user {data['username']!r} already exists"]})
        uid = uow.conn.execute(
            insert(users).values(**data, unit_id=unit.id, active=True).returning(users.c.id)
        ).scalar_one()
        uow.commit()
        return uid


def create_organization(uow: UnitOfWork, payload: Mapping[str, Any]) -> int:
    data = OrganizationSchema().load(dict(payload))
    orgs = Organization.__table__
    with uow:
        unit = unit_by_code(uow, data.pop("unit"))
        if (
            data["credit_code"]
            and uow.conn.execute(
                select(orgs.c.id).where(orgs.c.credit_code == data["credit_code"])
            ).first()
        ):
            raise ValidationError(
                {"credit_code": ["INF-1: this credit code is already registered"]}
            )
        oid = uow.conn.execute(
            insert(orgs)
            .values(
                **data,
                unit_id=unit.id,
                status="registered" if data["credit_code"] else "applying",
                coverage="none",
                coverage_reminder=False,
                created_at=uow.clock.now(),
            )
            .returning(orgs.c.id)
        ).scalar_one()
        uow.commit()
        return oid


def list_organizations(
    uow: UnitOfWork, *, search: str | None = None, limit: int = 50
) -> list[dict]:
    orgs = Organization.__table__
    with uow.reader() as r:
        q = select(orgs).order_by(orgs.c.id).limit(limit)
        if search:
            q = q.where(orgs.c.name.contains(search) | (orgs.c.credit_code == search.upper()))
        return [dict(x) for x in r.conn.execute(q).mappings()]
