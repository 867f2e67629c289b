"""Idempotency keys: a retried request gets the first answer instead of running twice.

The key is scoped to the user (two systems cannot collide on each other's keys). Its life:

1. `reserve` inserts the key as *processing* in its own transaction; the unique
   (user_id, key) constraint makes exactly one of two concurrent requests the owner.
2. The owner runs the request through the services (their own transaction).
3. On success `complete` stores the response; a retry with the same request replays it.
   On a 4xx the services changed nothing, so `release` deletes the key and a corrected retry
   may run (the key is a guard against doing something twice, not a cache of refusals).

If the process dies between 2 and 3, the key stays *processing* and a retry is told so (409)
rather than risking a second run; firing also carries `If-Match`, which refuses a second
step on its own. Keys are kept for `RETENTION`; after that the key may be used afresh.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import and_, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from engine.errors import TongbuError
from engine.store.tables_access import IdempotencyKey
from engine.store.unit_of_work import UnitOfWork

RETENTION = timedelta(hours=24)

keys_t = IdempotencyKey.__table__


class KeyReused(TongbuError):
    """The key was first used with a different request (method, path, body or If-Match)."""

    def __init__(self, key: str, first_method: str, first_path: str) -> None:
        super().__init__(
            f"Idempotency-Key {key!r} was already used for a different request "
            f"({first_method} {first_path}); use a new key for a new request"
        )
        self.key = key


class KeyInProgress(TongbuError):
    """The first request with this key has not finished (or died before recording its answer)."""

    def __init__(self, key: str) -> None:
        super().__init__(
            f"a request with Idempotency-Key {key!r} is still being processed; "
            "retry later, or look at the resource before using a new key"
        )
        self.key = key


@dataclass(frozen=True)
class StoredResponse:
    status: int
    body: Any
    headers: dict[str, str]


def _match(user_id: int, key: str) -> Any:
    return and_(keys_t.c.user_id == user_id, keys_t.c.key == key)


def reserve(
    uow: UnitOfWork, user_id: int, key: str, fingerprint: str, method: str, path: str
) -> StoredResponse | None:
    """Take the key for this request, or return the stored answer of its first run.

    Raises `KeyReused` (same key, different request) or `KeyInProgress`.
    """
    try:
        with uow:
            now = uow.clock.now()
            row = uow.conn.execute(select(keys_t).where(_match(user_id, key))).first()
            if row is not None and now - row.created_at >= RETENTION:
                uow.conn.execute(delete(keys_t).where(keys_t.c.id == row.id))
                row = None
            if row is not None:
                if row.fingerprint != fingerprint:
                    raise KeyReused(key, row.method, row.path)
                if row.status != "done":
                    raise KeyInProgress(key)
                return StoredResponse(
                    row.response_status, row.response_body, dict(row.response_headers or {})
                )
            uow.conn.execute(
                insert(keys_t).values(
                    user_id=user_id,
                    key=key,
                    fingerprint=fingerprint,
                    method=method,
                    path=path[:400],
                    status="processing",
                    created_at=now,
                )
            )
            uow.commit()
            return None
    except IntegrityError:
        # A concurrent request with the same key inserted first (PostgreSQL; SQLite serializes).
        raise KeyInProgress(key) from None


def complete(uow: UnitOfWork, user_id: int, key: str, response: StoredResponse) -> None:
    """Record the answer of the first run, for retries."""
    with uow:
        uow.conn.execute(
            update(keys_t)
            .where(_match(user_id, key))
            .values(
                status="done",
                response_status=response.status,
                response_body=response.body,
                response_headers=response.headers,
                completed_at=uow.clock.now(),
            )
        )
        uow.commit()


def release(uow: UnitOfWork, user_id: int, key: str) -> None:
    """Forget a key whose request failed without changing anything."""
    with uow:
        uow.conn.execute(delete(keys_t).where(_match(user_id, key)))
        uow.commit()
