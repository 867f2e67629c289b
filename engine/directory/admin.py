"""What an administrator changes: users, units and API tokens — each change audited (issue 15).

Every function here is one transaction that makes the change and writes its `admin_audit` row
together, so there is no change without its row and no row without its change. The writes
themselves are the directory's and the token store's (`service.*_in`, `tokens.*_in`); this
module adds who may do it (administrators only), the reason, the audit, and the rule that
keeps someone able to administer: no change may leave the system without an active
administrator. The CLI, which acts as `SYSTEM`, is the way back in if that ever happens.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from marshmallow import ValidationError, fields, validate
from sqlalchemy import insert, select, update

from engine.access import tokens
from engine.access.actor import Actor
from engine.directory import service
from engine.errors import Forbidden, NotFound
from engine.inputs import InputSchema
from engine.store.tables import Unit, User
from engine.store.tables_access import ApiToken
from engine.store.tables_admin import AdminAuditEntry
from engine.store.unit_of_work import UnitOfWork
from engine.vocabulary import ROLES

audit_t = AdminAuditEntry.__table__
users_t = User.__table__
units_t = Unit.__table__
tokens_t = ApiToken.__table__

#: What an audit row can say happened, by the kind of record it happened to.
ACTIONS = {
    "user": (
        "user_created",
        "user_deactivated",
        "user_reactivated",
        "password_reset",
        "user_changed",
    ),
    "unit": ("unit_created", "unit_renamed"),
    "api_token": ("token_issued", "token_revoked"),
}

REASON_MAX = 500


def require_admin(actor: Actor) -> None:
    """Administration is for the `admin` role (the pages check it too; this is the rule)."""
    if not actor.is_admin:
        raise Forbidden("administration is for administrators / 管理功能仅限管理员使用")


class ReasonSchema(InputSchema):
    """Why a user loses or changes something: kept in the audit row, so it is required."""

    reason = fields.String(required=True, validate=validate.Length(min=1, max=REASON_MAX))


class OptionalReasonSchema(InputSchema):
    """A note for the audit where adding something needs no justification."""

    reason = fields.String(
        load_default=None, allow_none=True, validate=validate.Length(max=REASON_MAX)
    )


class UserChangeSchema(ReasonSchema):
    role = fields.String(required=True, validate=validate.OneOf(ROLES))
    unit = fields.String(required=True, validate=validate.Length(min=1, max=64))


class UnitNamesSchema(OptionalReasonSchema):
    name_zh = fields.String(required=True, validate=validate.Length(min=1, max=200))
    name_en = fields.String(required=True, validate=validate.Length(min=1, max=200))


class TokenNameSchema(OptionalReasonSchema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=80))


def _present(payload: Mapping[str, Any]) -> dict[str, Any]:
    """Blank text counts as absent: a form sends "" for an input left empty."""
    cleaned = {k: v.strip() if isinstance(v, str) else v for k, v in payload.items()}
    return {k: v for k, v in cleaned.items() if v not in (None, "")}


def _load(schema: InputSchema, payload: Mapping[str, Any]) -> dict[str, Any]:
    return schema.load(_present(payload))


def _audit(
    uow: UnitOfWork,
    actor: Actor,
    action: str,
    target: tuple[str, int, str],
    reason: str | None,
    details: dict[str, Any] | None = None,
) -> None:
    kind, target_id, label = target
    assert action in ACTIONS[kind], action
    uow.conn.execute(
        insert(audit_t).values(
            at=uow.clock.now(),
            actor_id=actor.id,
            actor_name=actor.display_name,
            action=action,
            target_kind=kind,
            target_id=target_id,
            target_label=label,
            reason=reason,
            details=details,
        )
    )


def _user(uow: UnitOfWork, user_id: int) -> Any:
    row = uow.conn.execute(
        select(users_t.c.id, users_t.c.username, users_t.c.role, users_t.c.active,
               units_t.c.code.label("unit_code"))
        .join(units_t, units_t.c.id == users_t.c.unit_id)
        .where(users_t.c.id == user_id)
    ).first()  # fmt: skip
    if row is None:
        raise NotFound("user", user_id)
    return row


def _no_unit(exc: NotFound, field: str) -> ValidationError:
    """A unit code a form named that does not exist: the form's error beside that field."""
    return ValidationError({field: [f"no unit with code '{exc.key}'"]})


def _unit_field(uow: UnitOfWork, field: str, code: str) -> Any:
    try:
        return service.unit_by_code(uow, code)
    except NotFound as exc:
        raise _no_unit(exc, field) from None


def _keep_an_administrator(uow: UnitOfWork, user: Any, field: str) -> None:
    """Refuse to take the last active administrator's role or access away.

    The active administrators' rows are locked (PostgreSQL `FOR UPDATE`; SQLite's write
    transaction is `BEGIN IMMEDIATE`), so two administrators demoting each other at the same
    moment cannot both succeed."""
    if user.role != "admin" or not user.active:
        return
    admins = uow.conn.execute(
        select(users_t.c.id)
        .where(users_t.c.role == "admin", users_t.c.active.is_(True))
        .order_by(users_t.c.id)
        .with_for_update()
    ).scalars().all()  # fmt: skip
    if set(admins) <= {user.id}:
        raise ValidationError(
            {
                field: [
                    "this would leave no active administrator; make someone else an "
                    "administrator first / 这样将没有可用的管理员：请先将另一名用户设为管理员"
                ]
            }
        )


# ---------------------------------------------------------------- users


def create_user(
    uow: UnitOfWork,
    actor: Actor,
    payload: Mapping[str, Any],
    *,
    password_hash: str,
    reason: str | None = None,
) -> int:
    """Add a user who can sign in with the password the web layer hashed (the engine never
    sees a password); audited as `user_created`."""
    require_admin(actor)
    note = _load(OptionalReasonSchema(), {"reason": reason})["reason"]
    data = _present(payload)
    with uow:
        try:
            user_id = service.create_user_in(
                uow, {**data, "password_hash": password_hash}, must_change_password=True
            )
        except NotFound as exc:
            raise _no_unit(exc, "unit") from None
        user = _user(uow, user_id)
        details = {"role": user.role, "unit": user.unit_code}
        _audit(uow, actor, "user_created", ("user", user_id, user.username), note, details)
        uow.commit()
        return user_id


def new_user_problems(payload: Mapping[str, Any]) -> dict[str, Any]:
    """What is wrong with a new user's fields, without writing (a form that must refuse for
    another reason, e.g. a short password, names these problems in the same answer)."""
    return service.UserSchema().validate(_present(payload))


def set_active(uow: UnitOfWork, actor: Actor, user_id: int, active: bool, reason: str) -> bool:
    """Deactivate a user — every session ends and every API token is revoked in this
    transaction, so their next request fails (`service.set_active_in`) — or reactivate one.
    Returns False when the user already was so (nothing written)."""
    require_admin(actor)
    note = _load(ReasonSchema(), {"reason": reason})["reason"]
    with uow:
        user = _user(uow, user_id)
        if user.active == active:
            return False
        if not active:
            _keep_an_administrator(uow, user, "reason")
        service.set_active_in(uow, user.username, active)
        action = "user_reactivated" if active else "user_deactivated"
        _audit(uow, actor, action, ("user", user.id, user.username), note)
        uow.commit()
        return True


def reset_password(
    uow: UnitOfWork,
    actor: Actor,
    user_id: int,
    *,
    password_hash: str,
    generated: bool,
    reason: str,
) -> None:
    """Replace a user's password; their sessions end with it (`set_password_hash_in`).
    `generated`: the page made up a password and showed it once (recorded, never the password)."""
    require_admin(actor)
    note = _load(ReasonSchema(), {"reason": reason})["reason"]
    with uow:
        user = _user(uow, user_id)
        service.set_password_hash_in(uow, user.username, password_hash, must_change=True)
        details = {"generated": generated}
        _audit(uow, actor, "password_reset", ("user", user.id, user.username), note, details)
        uow.commit()


def change_user(uow: UnitOfWork, actor: Actor, user_id: int, payload: Mapping[str, Any]) -> bool:
    """Change a user's role and unit (what they may do and which cases they see: the next
    request reads both afresh). Returns False when nothing changed (nothing written)."""
    require_admin(actor)
    data = _load(UserChangeSchema(), payload)
    with uow:
        user = _user(uow, user_id)
        unit = _unit_field(uow, "unit", data["unit"])
        changes: dict[str, Any] = {}
        if data["role"] != user.role:
            if user.role == "admin":
                _keep_an_administrator(uow, user, "role")
            changes["role"] = [user.role, data["role"]]
        if unit.code != user.unit_code:
            changes["unit"] = [user.unit_code, unit.code]
        if not changes:
            return False
        uow.conn.execute(
            update(users_t)
            .where(users_t.c.id == user.id)
            .values(role=data["role"], unit_id=unit.id)
        )
        _audit(
            uow, actor, "user_changed", ("user", user.id, user.username), data["reason"], changes
        )
        uow.commit()
        return True


# ---------------------------------------------------------------- units


def create_unit(uow: UnitOfWork, actor: Actor, payload: Mapping[str, Any]) -> int:
    """Add a unit under a parent (`service.create_unit_in`: the path follows the parent's)."""
    require_admin(actor)
    raw = dict(payload)
    note = _load(OptionalReasonSchema(), {"reason": raw.pop("reason", None)})["reason"]
    data = _present(raw)
    with uow:
        try:
            unit_id = service.create_unit_in(uow, data)
        except NotFound as exc:
            raise _no_unit(exc, "parent") from None
        details = {"parent": data.get("parent"), "kind": data.get("kind")}
        _audit(uow, actor, "unit_created", ("unit", unit_id, data["code"]), note, details)
        uow.commit()
        return unit_id


def rename_unit(uow: UnitOfWork, actor: Actor, unit_id: int, payload: Mapping[str, Any]) -> bool:
    """Give a unit new Chinese and English names (its code, place in the tree and cases stay).
    Returns False when the names are the same (nothing written)."""
    require_admin(actor)
    data = _load(UnitNamesSchema(), payload)
    with uow:
        row = uow.conn.execute(
            select(units_t.c.code, units_t.c.name_zh, units_t.c.name_en).where(
                units_t.c.id == unit_id
            )
        ).first()
        if row is None:
            raise NotFound("unit", unit_id)
        before = {"name_zh": row.name_zh, "name_en": row.name_en}
        changes = {k: [before[k], data[k]] for k in before if data[k] != before[k]}
        if not changes:
            return False
        uow.conn.execute(
            update(units_t)
            .where(units_t.c.id == unit_id)
            .values(name_zh=data["name_zh"], name_en=data["name_en"])
        )
        _audit(uow, actor, "unit_renamed", ("unit", unit_id, row.code), data["reason"], changes)
        uow.commit()
        return True


# ---------------------------------------------------------------- API tokens


def issue_token(
    uow: UnitOfWork, actor: Actor, user_id: int, payload: Mapping[str, Any]
) -> tokens.IssuedToken:
    """Issue a token that acts as the user (their role and units); the secret is in the
    result only — the caller shows it once."""
    require_admin(actor)
    data = _load(TokenNameSchema(), payload)
    with uow:
        user = _user(uow, user_id)
        if not user.active:
            raise ValidationError(
                {
                    "name": [
                        "the user is deactivated; reactivate them first / 该用户已停用，请先启用"
                    ]
                }
            )
        issued = tokens.create_token_in(uow, user.username, data["name"])
        details = {"user": user.username, "name": issued.name, "prefix": issued.prefix}
        target = ("api_token", issued.id, issued.prefix)
        _audit(uow, actor, "token_issued", target, data["reason"], details)
        uow.commit()
        return issued


def revoke_token(
    uow: UnitOfWork, actor: Actor, token_id: int, reason: str, *, user_id: int | None = None
) -> bool:
    """Revoke a token: its next request gets 401. False if it was revoked already.
    `user_id`: the token must be that user's (the page revokes from the user's list)."""
    require_admin(actor)
    note = _load(ReasonSchema(), {"reason": reason})["reason"]
    with uow:
        row = uow.conn.execute(
            select(tokens_t.c.prefix, tokens_t.c.name, tokens_t.c.user_id, users_t.c.username)
            .join(users_t, users_t.c.id == tokens_t.c.user_id)
            .where(tokens_t.c.id == token_id)
        ).first()
        if row is None or user_id not in (None, row.user_id):
            raise NotFound("API token", token_id)
        if not tokens.revoke_token_in(uow, token_id):
            return False
        details = {"user": row.username, "name": row.name, "prefix": row.prefix}
        _audit(uow, actor, "token_revoked", ("api_token", token_id, row.prefix), note, details)
        uow.commit()
        return True
