"""Shared fixtures: a migrated database on SQLite and on PostgreSQL, a fixed clock, a small world.

PostgreSQL: `TONGBU_TEST_PG_URL` (default postgresql://postgres@127.0.0.1:5432/test) is used
only to create and drop throwaway databases. Outside CI an unreachable server skips those
tests with the reason; with CI=true it is an error, never a skip.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from engine.clock import FixedClock
from engine.store.db import make_engine
from engine.store.migrate import upgrade

PG_URL = os.environ.get("TONGBU_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def _pg_admin_url() -> str:
    u = make_url(PG_URL)
    if u.drivername in ("postgresql", "postgres"):
        u = u.set(drivername="postgresql+psycopg")
    return u.render_as_string(hide_password=False)


def _pg_reason() -> str | None:
    try:
        eng = create_engine(_pg_admin_url(), connect_args={"connect_timeout": 3})
        with eng.connect() as c:
            c.execute(text("select 1"))
        eng.dispose()
        return None
    except Exception as exc:  # any failure to connect is the reason
        return f"PostgreSQL not reachable at {PG_URL}: {type(exc).__name__}: {str(exc).splitlines()[0]}"


@pytest.fixture(scope="session")
def pg_admin() -> Iterator[str]:
    reason = _pg_reason()
    if reason:
        if IN_CI:
            pytest.fail(
                f"CI=true and the PostgreSQL tests cannot run: {reason}. "
                "Start it: pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start"
            )
        pytest.skip(reason)
    yield _pg_admin_url()


def _create_pg_db(admin_url: str, name: str, template: str | None = None) -> str:
    eng = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with eng.connect() as c:
        c.execute(
            text(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
        )
    eng.dispose()
    return make_url(admin_url).set(database=name).render_as_string(hide_password=False)


def drop_pg_db(admin_url: str, name: str) -> None:
    eng = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with eng.connect() as c:
        c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    eng.dispose()


@pytest.fixture(scope="session")
def pg_template(pg_admin: str) -> Iterator[str]:
    """One migrated database per session; each test clones it (CREATE DATABASE … TEMPLATE)."""
    name = f"tongbu_tpl_{uuid.uuid4().hex[:10]}"
    url = _create_pg_db(pg_admin, name)
    upgrade(url)
    yield name
    drop_pg_db(pg_admin, name)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("tpl") / "template.db"
    upgrade(f"sqlite:///{path}")
    return path


def fresh_pg_url(request: pytest.FixtureRequest) -> Iterator[str]:
    admin = request.getfixturevalue("pg_admin")
    template = request.getfixturevalue("pg_template")
    name = f"tongbu_t_{uuid.uuid4().hex[:12]}"
    url = _create_pg_db(admin, name, template)
    try:
        yield url
    finally:
        drop_pg_db(admin, name)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A migrated, empty database of each kind, thrown away after the test."""
    if request.param == "sqlite":
        path = tmp_path / "tongbu.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        yield f"sqlite:///{path}"
    else:
        yield from fresh_pg_url(request)


@pytest.fixture
def pg_url(request: pytest.FixtureRequest) -> Iterator[str]:
    """A migrated PostgreSQL database only (for multi-process tests)."""
    yield from fresh_pg_url(request)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(datetime(2026, 3, 2, 2, 0, tzinfo=UTC))  # 10:00 in Shanghai, a Monday


@pytest.fixture
def engine(db_url: str):
    eng = make_engine(db_url)
    yield eng
    eng.dispose()
