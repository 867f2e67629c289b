"""Browser sessions kept in the database, and the sign-in throttle (issue 18).

Why server side: a signed cookie that carries the username stays valid until it expires,
whatever happens — a copied cookie outlives the logout, and a password change or a
deactivation does not end a session already open. Here the cookie carries a random id; the
database keeps its SHA-256 with the session's start, last use and end, so ending a session is
one UPDATE that every worker sees on its next request.

Why throttle in the database: several workers on several hosts must count the same failures.
Attempts are counted per account name as typed (known or not: the answer is the same, so the
throttle reveals no usernames) and per client address; past a few failures within the window,
each further attempt must wait a delay that doubles, up to a cap. The right password works
again once the wait is over.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, insert, select, update

from engine.store.tables import User
from engine.store.tables_access import SignInAttempt, UserSession
from engine.store.unit_of_work import UnitOfWork

sessions_t = UserSession.__table__
attempts_t = SignInAttempt.__table__
users_t = User.__table__

TOUCH_EVERY = timedelta(minutes=1)
"""How stale `last_seen_at` may get before a request writes it (one write a minute, not one
per request)."""


@dataclass(frozen=True)
class SessionPolicy:
    """Idle and absolute lifetimes of a browser session (Config: TONGBU_SESSION_IDLE_MINUTES,
    TONGBU_SESSION_HOURS)."""

    idle: timedelta = timedelta(minutes=60)
    absolute: timedelta = timedelta(hours=8)


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def start(uow: UnitOfWork, user_id: int, *, client: str | None = None) -> str:
    """A new session for a user who just signed in; returns the secret for the cookie."""
    secret = secrets.token_urlsafe(32)
    now = uow.clock.now()
    with uow:
        uow.conn.execute(
            insert(sessions_t).values(
                sid_hash=_hash(secret),
                user_id=user_id,
                created_at=now,
                last_seen_at=now,
                client=(client or "")[:64] or None,
            )
        )
        uow.commit()
    return secret


def resolve(uow: UnitOfWork, secret: str, policy: SessionPolicy) -> str | None:
    """The username of a live session, or None (unknown, ended, timed out, user inactive).

    A session past its idle or absolute limit is ended here (reason `timeout`)."""
    now = uow.clock.now()
    with uow.reader() as r:
        row = r.conn.execute(
            select(
                sessions_t.c.id,
                sessions_t.c.created_at,
                sessions_t.c.last_seen_at,
                sessions_t.c.ended_at,
                users_t.c.username,
                users_t.c.active,
            )
            .join(users_t, users_t.c.id == sessions_t.c.user_id)
            .where(sessions_t.c.sid_hash == _hash(secret))
        ).first()
    if row is None or row.ended_at is not None:
        return None
    if not row.active:
        _end(uow, [sessions_t.c.id == row.id], "deactivated")
        return None
    if now - row.last_seen_at > policy.idle or now - row.created_at > policy.absolute:
        _end(uow, [sessions_t.c.id == row.id], "timeout")
        return None
    if now - row.last_seen_at > TOUCH_EVERY:
        with uow:
            uow.conn.execute(
                update(sessions_t).where(sessions_t.c.id == row.id).values(last_seen_at=now)
            )
            uow.commit()
    return row.username


def _end(uow: UnitOfWork, where: list[Any], reason: str) -> int:
    with uow:
        n = end_in(uow, where, reason)
        uow.commit()
        return n


def end_in(uow: UnitOfWork, where: list[Any], reason: str) -> int:
    """End the open sessions matching `where` inside the caller's transaction."""
    return uow.conn.execute(
        update(sessions_t)
        .where(*where, sessions_t.c.ended_at.is_(None))
        .values(ended_at=uow.clock.now(), end_reason=reason)
    ).rowcount


def end(uow: UnitOfWork, secret: str, reason: str = "logout") -> int:
    """Sign one session out (logout)."""
    return _end(uow, [sessions_t.c.sid_hash == _hash(secret)], reason)


def end_for_user(uow: UnitOfWork, user_id: int, reason: str) -> int:
    """End every session of a user inside the caller's transaction (password, deactivation)."""
    return end_in(uow, [sessions_t.c.user_id == user_id], reason)


# ---------------------------------------------------------------- sign-in throttle


@dataclass(frozen=True)
class ThrottlePolicy:
    """Failures counted within `window`; from `free_per_account` failures of one account name
    (or `free_per_client` of one address) each attempt waits `first_wait`, doubled per further
    failure, at most `max_wait`."""

    window: timedelta = timedelta(minutes=15)
    free_per_account: int = 5
    free_per_client: int = 20
    first_wait: timedelta = timedelta(seconds=30)
    max_wait: timedelta = timedelta(minutes=15)


def _wait(
    failures: int, last: datetime | None, free: int, now: datetime, p: ThrottlePolicy
) -> float:
    if failures < free or last is None:
        return 0.0
    delay = min(p.first_wait * (2 ** (failures - free)), p.max_wait)
    return max(0.0, (last + delay - now).total_seconds())


def _failures(
    r: UnitOfWork, column: Any, value: str, since: datetime
) -> tuple[int, datetime | None]:
    """Failures since the later of `since` and the last success for this key."""
    last_ok = r.conn.execute(
        select(func.max(attempts_t.c.at)).where(
            column == value, attempts_t.c.ok.is_(True), attempts_t.c.at >= since
        )
    ).scalar()
    start = max(since, last_ok) if last_ok is not None else since
    row = r.conn.execute(
        select(func.count(), func.max(attempts_t.c.at)).where(
            column == value,
            attempts_t.c.ok.is_(False),
            attempts_t.c.outcome == "wrong",
            attempts_t.c.at >= start,
        )
    ).one()
    return int(row[0]), row[1]


def wait_seconds(uow: UnitOfWork, username: str, client: str, policy: ThrottlePolicy) -> int:
    """Seconds this attempt must still wait (0: go ahead), the longer of account and client."""
    now = uow.clock.now()
    since = now - policy.window
    with uow.reader() as r:
        by_account = _failures(r, attempts_t.c.username, username[:80], since)
        by_client = _failures(r, attempts_t.c.client, client[:64], since)
    wait = max(
        _wait(*by_account, policy.free_per_account, now, policy),
        _wait(*by_client, policy.free_per_client, now, policy),
    )
    return int(wait + 0.999)


def record_attempt(uow: UnitOfWork, username: str, client: str, outcome: str) -> None:
    """Audit one attempt: `ok`, `wrong` (counted by the throttle) or `throttled` (refused
    without checking the password; not counted, so waiting is enough to be let in)."""
    with uow:
        uow.conn.execute(
            insert(attempts_t).values(
                username=username[:80],
                client=client[:64],
                at=uow.clock.now(),
                ok=outcome == "ok",
                outcome=outcome,
            )
        )
        uow.commit()


def recent_attempts(
    uow: UnitOfWork, *, failed_only: bool = False, limit: int = 50
) -> list[dict[str, Any]]:
    """The latest attempts, newest first (`tongbu user sign-ins`)."""
    q = select(attempts_t).order_by(attempts_t.c.id.desc()).limit(limit)
    if failed_only:
        q = q.where(attempts_t.c.ok.is_(False))
    with uow.reader() as r:
        return [dict(x) for x in r.conn.execute(q).mappings()]
