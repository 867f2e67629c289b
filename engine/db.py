"""Database engines: SQLite in WAL mode for the embedded default, PostgreSQL beyond one machine."""

from __future__ import annotations

import os
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url

DEFAULT_URL = "sqlite:///tongbu.db"


def database_url(url: str | None = None) -> str:
    url = url or os.environ.get("TONGBU_DATABASE_URL") or DEFAULT_URL
    u = make_url(url)
    if u.drivername in ("postgresql", "postgres"):
        u = u.set(drivername="postgresql+psycopg")
    return u.render_as_string(hide_password=False)


def make_engine(
    url: str | None = None, *, sqlite_synchronous: str = "NORMAL", **kwargs: Any
) -> Engine:
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
            readonly = conn.get_execution_options().get("tongbu_readonly", False)
            conn.exec_driver_sql("BEGIN" if readonly else "BEGIN IMMEDIATE")

        return engine
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(url, **kwargs)


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"
