"""Per-user API tokens: issued once, kept only as a hash, revocable.

A token is `tbk_` followed by 32 random bytes (URL-safe base64, 256 bits of entropy). With
that much entropy a plain SHA-256 is the right hash: a slow password hash protects guessable
secrets, and a random 256-bit secret is not guessable. The token acts as its user: the same
role and unit scope as in the UI (`services.actor_for`), so an inactive user's tokens stop
working at once.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from marshmallow import fields, validate
from sqlalchemy import insert, select, update

from engine.access.actor import Actor, actor_in
from engine.errors import NotFound, TongbuError
from engine.inputs import InputSchema
from engine.store.tables import User
from engine.store.tables_access import ApiToken
from engine.store.unit_of_work import UnitOfWork

TOKEN_PREFIX = "tbk_"
SHOWN_PREFIX_LENGTH = 12
# `last_used_at` is for people auditing tokens; to the hour is enough, and it keeps most
# authenticated requests from writing.
LAST_USED_RESOLUTION = timedelta(hours=1)

tokens_t = ApiToken.__table__
users_t = User.__table__


class InvalidToken(TongbuError):
    """No such token, a revoked one, or one whose user is no longer active."""


@dataclass(frozen=True)
class IssuedToken:
    id: int
    token: str
    prefix: str
    username: str
    name: str


class TokenRequestSchema(InputSchema):
    username = fields.String(required=True, validate=validate.Length(min=1, max=80))
    name = fields.String(
        load_default="api",
        validate=validate.Length(min=1, max=80),
        metadata={"description": "a label to tell tokens apart, e.g. the calling system"},
    )


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_token(uow: UnitOfWork, username: str, name: str | None = None) -> IssuedToken:
    """Issue a token for an active user; the caller shows it once, it is never stored."""
    with uow:
        issued = create_token_in(uow, username, name)
        uow.commit()
    return issued


def create_token_in(uow: UnitOfWork, username: str, name: str | None = None) -> IssuedToken:
    """`create_token` inside the caller's transaction (an audited issue commits both)."""
    data = TokenRequestSchema().load(
        {"username": username, **({"name": name} if name is not None else {})}
    )
    actor = actor_in(uow, data["username"])
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    prefix = token[:SHOWN_PREFIX_LENGTH]
    token_id = uow.conn.execute(
        insert(tokens_t)
        .values(
            user_id=actor.id,
            name=data["name"],
            token_hash=hash_token(token),
            prefix=prefix,
            created_at=uow.clock.now(),
        )
        .returning(tokens_t.c.id)
    ).scalar_one()
    return IssuedToken(token_id, token, prefix, actor.username, data["name"])


def list_tokens(uow: UnitOfWork, username: str | None = None) -> list[dict[str, Any]]:
    """Every token (never its secret), newest first; revoked ones too, for the audit."""
    with uow.reader() as r:
        q = (
            select(
                tokens_t.c.id,
                tokens_t.c.name,
                tokens_t.c.prefix,
                tokens_t.c.created_at,
                tokens_t.c.last_used_at,
                tokens_t.c.revoked_at,
                users_t.c.username,
            )
            .join(users_t, users_t.c.id == tokens_t.c.user_id)
            .order_by(tokens_t.c.id.desc())
        )
        if username:
            q = q.where(users_t.c.username == username)
        return [dict(row) for row in r.conn.execute(q).mappings()]


def revoke_token(uow: UnitOfWork, token_id: int) -> bool:
    """Revoke a token; returns False if it was already revoked (revoking twice is harmless)."""
    with uow:
        revoked = revoke_token_in(uow, token_id)
        uow.commit()
        return revoked


def revoke_token_in(uow: UnitOfWork, token_id: int) -> bool:
    """`revoke_token` inside the caller's transaction."""
    row = uow.conn.execute(select(tokens_t.c.revoked_at).where(tokens_t.c.id == token_id)).first()
    if row is None:
        raise NotFound("API token", token_id)
    if row.revoked_at is not None:
        return False
    uow.conn.execute(
        update(tokens_t).where(tokens_t.c.id == token_id).values(revoked_at=uow.clock.now())
    )
    return True


def revoke_for_user_in(uow: UnitOfWork, user_id: int) -> int:
    """Revoke every live token of a user inside the caller's transaction (deactivation: a
    token that leaked must not come back to life when the user is reactivated)."""
    return uow.conn.execute(
        update(tokens_t)
        .where(tokens_t.c.user_id == user_id, tokens_t.c.revoked_at.is_(None))
        .values(revoked_at=uow.clock.now())
    ).rowcount


def authenticate(uow: UnitOfWork, token: str) -> Actor:
    """The actor a bearer token stands for, or `InvalidToken`."""
    if not token.startswith(TOKEN_PREFIX):
        raise InvalidToken("not a tongbu API token")
    with uow.reader() as r:
        row = r.conn.execute(
            select(
                tokens_t.c.id, tokens_t.c.revoked_at, tokens_t.c.last_used_at, users_t.c.username
            )
            .join(users_t, users_t.c.id == tokens_t.c.user_id)
            .where(tokens_t.c.token_hash == hash_token(token))
        ).first()
        if row is None or row.revoked_at is not None:
            raise InvalidToken("unknown or revoked token")
        try:
            actor = actor_in(r, row.username)
        except NotFound:
            raise InvalidToken("the token's user is not active") from None
    now = uow.clock.now()
    if row.last_used_at is None or now - row.last_used_at >= LAST_USED_RESOLUTION:
        with uow:
            uow.conn.execute(
                update(tokens_t).where(tokens_t.c.id == row.id).values(last_used_at=now)
            )
            uow.commit()
    return actor
