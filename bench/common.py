"""What every benchmark shares: databases to measure on, the environment, result records."""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

RESULTS = Path(__file__).resolve().parent / "results"
PG_ADMIN = os.environ.get(
    "TONGBU_BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


@dataclass
class Result:
    bench: str
    name: str
    db: str
    unit: str
    rounds: list[float]
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def median(self) -> float:
        return statistics.median(self.rounds)

    @property
    def spread(self) -> tuple[float, float]:
        return (min(self.rounds), max(self.rounds))

    def as_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["median"] = self.median
        d["min"], d["max"] = self.spread
        return d


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def environment(pg_version: str | None) -> dict[str, Any]:
    import sqlite3

    import sqlalchemy

    return {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "sqlalchemy": sqlalchemy.__version__,
        "sqlite": sqlite3.sqlite_version,
        "postgresql": pg_version,
        "cpu_count": os.cpu_count(),
        "cpu_model": cpu_model(),
        "platform": platform.platform(),
        "git_commit": _git_commit(),
    }


def _git_commit() -> str | None:
    try:
        return subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
            cwd=Path(__file__).parent,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None


def pg_available() -> str | None:
    """The server's version, or None when no PostgreSQL answers."""
    try:
        eng = create_engine(PG_ADMIN, connect_args={"connect_timeout": 3})
        with eng.connect() as c:
            v = c.execute(text("show server_version")).scalar_one()
        eng.dispose()
        return v
    except Exception:
        return None


@contextmanager
def pg_database() -> Iterator[str]:
    """A throwaway, migrated PostgreSQL database."""
    from engine.store.migrate import upgrade

    name = f"tongbu_bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(PG_ADMIN).set(database=name).render_as_string(hide_password=False)
    try:
        upgrade(url)
        yield url
    finally:
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@contextmanager
def sqlite_database(folder: Path) -> Iterator[str]:
    from engine.store.migrate import upgrade

    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"bench-{uuid.uuid4().hex[:8]}.db"
    url = f"sqlite:///{path}"
    try:
        upgrade(url)
        yield url
    finally:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)


def raw_connection(url: str, synchronous: str) -> tuple[Any, str, bool]:
    """A driver connection (no SQLAlchemy) with the durability under test: (conn, placeholder,
    is_sqlite). SQLite gets the same pragmas as engine.db.make_engine."""
    if url.startswith("sqlite"):
        import sqlite3

        conn = sqlite3.connect(url.removeprefix("sqlite:///"), isolation_level=None)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute(f"PRAGMA synchronous={synchronous}")
        conn.execute("PRAGMA busy_timeout=10000")
        return conn, "?", True
    import psycopg

    return psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")), "%s", False


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    s = sorted(values)
    k = min(len(s) - 1, max(0, round(p / 100 * (len(s) - 1))))
    return s[k]


def write_results(name: str, payload: dict[str, Any], folder: Path | None = None) -> Path:
    folder = folder or RESULTS
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.json"
    path.write_text(
        json.dumps(payload, ensure_ascii=False, indent=2, default=str) + "\n", encoding="utf-8"
    )
    return path


def measured_line(env: dict[str, Any]) -> str:
    """The first line of every generated block: when, on what, at which commit."""
    return (
        f"Measured {env['date']} on {env['cpu_count']} × {env['cpu_model']}, "
        f"Python {env['python']}, SQLAlchemy {env['sqlalchemy']}, SQLite {env['sqlite']}, "
        f"PostgreSQL {env['postgresql'] or 'n/a'} (commit {env['git_commit']})."
    )


def analyze(engine: Any) -> None:
    """Planner statistics after a bulk load: VACUUM ANALYZE (PostgreSQL) or ANALYZE (SQLite)."""
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
            c.exec_driver_sql("VACUUM ANALYZE")
    else:
        with engine.begin() as c:
            c.exec_driver_sql("ANALYZE")


def bench_unit(rt: Any) -> int:
    """The one registration authority the bulk benchmarks load their organizations into."""
    from engine.directory import service as directory

    return directory.create_unit(
        rt.uow(),
        {
            "code": "bench-mz",
            "name_zh": "基准民政局",
            "name_en": "Bench civil affairs",
            "kind": "registration_authority",
            "parent": None,
            "district": "南关区",
        },
    )


def registered_rows(
    unit_id: int, n: int, prefix: str, now: datetime, **columns: Any
) -> list[dict[str, Any]]:
    """`n` registered, uncovered organizations of the unit, as rows for a bulk insert
    (`columns` adds to or overrides each row, e.g. the full members a condition looks at)."""
    return [
        {
            "name": f"{prefix}{i:06d}",
            "org_type": "social_group",
            "category": "other",
            "unit_id": unit_id,
            "status": "registered",
            "coverage": "none",
            "coverage_reminder": False,
            "created_at": now,
            **columns,
        }
        for i in range(n)
    ]
