"""Pooled PostgreSQL connections: pinged only after being idle, replaced when dead.

`make_engine` does not use `pool_pre_ping` (a round trip on every checkout, a third of a
fire's cost); these tests hold it to what replaces it (engine/store/db.py `_ping_when_idle`).
"""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import DBAPIError

from engine.store import db

pytestmark = pytest.mark.postgres


def _pid(engine) -> int:
    with engine.connect() as c:
        return c.execute(text("select pg_backend_pid()")).scalar_one()


def _kill(admin_url: str, pid: int) -> None:
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        assert c.execute(text("select pg_terminate_backend(:p)"), {"p": pid}).scalar_one()
    admin.dispose()


def test_idle_connection_killed_by_the_server_is_replaced_transparently(pg_url, monkeypatch):
    monkeypatch.setattr(db, "PING_AFTER_IDLE_S", 0.0)
    engine = db.make_engine(pg_url, pool_size=1, max_overflow=0)
    try:
        first = _pid(engine)
        _kill(pg_url, first)
        # The next checkout pings, finds the connection dead and opens a new one: the caller
        # sees no error.
        second = _pid(engine)
        assert second != first
    finally:
        engine.dispose()


def test_connection_in_recent_use_is_not_pinged(pg_url, monkeypatch):
    """Proof by the trade-off: within the idle window a dead connection is handed out as is
    (no ping), the statement fails with a disconnect, and the pool recovers on the next use."""
    monkeypatch.setattr(db, "PING_AFTER_IDLE_S", 3600.0)
    engine = db.make_engine(pg_url, pool_size=1, max_overflow=0)
    try:
        first = _pid(engine)
        _kill(pg_url, first)
        with pytest.raises(DBAPIError) as exc:
            _pid(engine)
        assert exc.value.connection_invalidated
        assert _pid(engine) != first
    finally:
        engine.dispose()
