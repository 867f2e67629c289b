"""Database engines: SQLite in WAL mode for the embedded default, PostgreSQL beyond one machine."""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DisconnectionError


def database_url(url: str) -> str:
    """The URL as SQLAlchemy should get it: plain `postgresql://` means psycopg 3."""
    u = make_url(url)
    if u.drivername in ("postgresql", "postgres"):
        u = u.set(drivername="postgresql+psycopg")
    return u.render_as_string(hide_password=False)


def make_engine(url: str, *, sqlite_synchronous: str = "NORMAL", **kwargs: Any) -> Engine:
    """Create the one Engine a process uses.

    SQLite: WAL, foreign keys, a busy timeout, and `BEGIN IMMEDIATE` for every transaction,
    so that two writers queue on the lock instead of failing when a read upgrades to a write
    (SQLITE_BUSY_SNAPSHOT). Isolation is then serializable, which the version check relies on.
    """
    url = database_url(url)
    if url.startswith("sqlite"):
        engine = create_engine(url, **kwargs)
        sync = sqlite_synchronous.upper()
        if sync not in ("OFF", "NORMAL", "FULL", "EXTRA"):
            raise ValueError(f"sqlite synchronous must be OFF/NORMAL/FULL/EXTRA, not {sync!r}")

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_conn: Any, _record: Any) -> None:
            dbapi_conn.isolation_level = None  # we issue BEGIN ourselves
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute(f"PRAGMA synchronous={sync}")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=10000")
            cur.close()

        @event.listens_for(engine, "begin")
        def _on_begin(conn: Any) -> None:
            # Straight to the driver: SQLAlchemy's execution path (context, events, result)
            # costs more than SQLite needs to run BEGIN, and every fire pays it.
            readonly = conn.get_execution_options().get("tongbu_readonly", False)
            conn.connection.driver_connection.execute("BEGIN" if readonly else "BEGIN IMMEDIATE")

        return engine
    engine = create_engine(url, **kwargs)
    _ping_when_idle(engine, PING_AFTER_IDLE_S)
    return engine


PING_AFTER_IDLE_S = 5.0


def _ping_when_idle(engine: Engine, idle_s: float) -> None:
    """Pessimistic disconnect handling without a round trip per checkout.

    `pool_pre_ping` pings on every checkout: one extra round trip per request, a third of what
    a fire costs on PostgreSQL (docs/performance.md). A connection that was in use moments ago
    is alive, so only one idle for `idle_s` or longer (after a quiet spell or a server restart)
    is pinged; a dead one raises DisconnectionError, and the pool replaces it and retries.
    """

    @event.listens_for(engine, "checkin")
    def _on_checkin(_dbapi_conn: Any, record: Any) -> None:
        record.info["tongbu_idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _on_checkout(dbapi_conn: Any, record: Any, _proxy: Any) -> None:
        since = record.info.get("tongbu_idle_since")
        if since is None or time.monotonic() - since < idle_s:
            return
        try:
            cur = dbapi_conn.cursor()
            cur.execute("SELECT 1")
            cur.close()
            dbapi_conn.rollback()
        except Exception as exc:  # any failure means the connection is unusable
            raise DisconnectionError(f"stale pooled connection: {exc}") from exc
