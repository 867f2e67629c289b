"""The hot path's SQL: statements compiled once per dialect, run on the DBAPI cursor.

Measured on this project's machines (docs/performance.md), SQLAlchemy's per-execution work
(cache key, execution context, result processing) costs several times what SQLite needs to
run the statement, and a fire runs three to six of them. So `fire()` compiles its statements
once per dialect from the same Core tables (SQLAlchemy still writes the SQL, quoting and casts
included) and executes them on the DBAPI connection of the unit of work — the same connection
and transaction, so atomicity is unchanged. Values are converted here exactly as the column
types would: JSON as text, datetimes as naive UTC.
"""

from __future__ import annotations

import json
import weakref
from collections.abc import Callable, Iterable, Mapping, Sequence
from contextlib import AbstractContextManager, nullcontext
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    Engine,
    Table,
    bindparam,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.sql import ClauseElement

from engine.models import Case, Deadline, Event, Organization, Unit, UTCDateTime

cases_t = Case.__table__
events_t = Event.__table__
deadlines_t = Deadline.__table__
orgs_t = Organization.__table__
units_t = Unit.__table__

CASE_COLUMNS = tuple(c.name for c in cases_t.columns)
ORG_COLUMNS = tuple(c.name for c in orgs_t.columns)
_SQLITE_DT = "%Y-%m-%d %H:%M:%S.%f"


def _kind(type_: Any) -> str:
    """How a column's values cross the DBAPI boundary (what its SQLAlchemy type would do)."""
    if isinstance(type_, UTCDateTime):
        return "ts"
    if isinstance(type_, Date):
        return "day"
    if isinstance(type_, JSON) or getattr(type_, "impl", None).__class__.__name__ == "JSON":
        return "json"
    if isinstance(type_, Boolean):
        return "bool"
    return "plain"


class _Compiled:
    __slots__ = ("fixed", "positional", "sql")

    def __init__(
        self, stmt: ClauseElement, engine: Engine, column_keys: Sequence[str] | None = None
    ) -> None:
        compiled = stmt.compile(
            dialect=engine.dialect, column_keys=list(column_keys) if column_keys else None
        )
        self.sql = str(compiled)
        self.positional: tuple[str, ...] | None = (
            tuple(compiled.positiontup) if compiled.positiontup is not None else None
        )
        # Literals in the statement (status == 'open') are bound parameters with fixed values.
        given = set(column_keys or ())
        self.fixed = {
            k: v for k, v in compiled.params.items() if not k.startswith("b_") and k not in given
        }

    def params(self, values: Mapping[str, Any]) -> Any:
        merged = {**self.fixed, **values} if self.fixed else values
        if self.positional is None:
            return merged
        return tuple(merged[k] for k in self.positional)


class HotSQL:
    """Per-Engine compiled statements and value converters for `services.fire`."""

    def __init__(self, engine: Engine) -> None:
        self.sqlite = engine.dialect.name == "sqlite"
        # PostgreSQL: the writes of a fire travel in one pipeline (one round trip), so nothing
        # in them may need a result from another. The event's id is therefore drawn from its
        # sequence by the load, and the load locks the case row (FOR UPDATE OF cases) so that
        # the version it read is still the version when the UPDATE runs: two fires on one
        # case queue on the lock, and the second sees the first's version and gets Conflict.
        self.pipelined = engine.dialect.name == "postgresql"
        load = (
            select(
                *[cases_t.c[n] for n in CASE_COLUMNS],
                units_t.c.path,
                *[orgs_t.c[n].label(f"org_{n}") for n in ORG_COLUMNS],
            )
            .join(units_t, units_t.c.id == cases_t.c.unit_id)
            .join(orgs_t, orgs_t.c.id == cases_t.c.organization_id)
            .where(cases_t.c.id == bindparam("b_case"))
        )
        if self.pipelined:
            load = load.add_columns(
                func.nextval(func.pg_get_serial_sequence(events_t.name, "id"))
            ).with_for_update(of=cases_t)
        self.load_case = _Compiled(load, engine)
        self.update_case = _Compiled(
            update(cases_t)
            .where(
                cases_t.c.id == bindparam("b_case"), cases_t.c.version == bindparam("b_expected")
            )
            .values(
                state=bindparam("b_state"),
                version=bindparam("b_version"),
                data=bindparam("b_data"),
                updated_at=bindparam("b_now"),
                status=bindparam("b_status"),
                closed_at=bindparam("b_closed"),
            ),
            engine,
        )
        event_cols = (
            "case_id",
            "kind",
            "trigger",
            "from_state",
            "to_state",
            "case_version",
            "actor_id",
            "actor_name",
            "at",
            "comment",
            "payload",
            "rules",
        )
        self.insert_event = (
            _Compiled(insert(events_t), engine, ("id", *event_cols))
            if self.pipelined
            else _Compiled(insert(events_t).returning(events_t.c.id), engine, event_cols)
        )
        self.close_deadline = _Compiled(
            update(deadlines_t)
            .where(
                deadlines_t.c.case_id == bindparam("b_case"),
                deadlines_t.c.status == "open",
                deadlines_t.c.key == bindparam("b_key"),
            )
            .values(
                status="met", closed_at=bindparam("b_now"), closed_by_event_id=bindparam("b_event")
            ),
            engine,
        )
        self.cancel_deadlines = _Compiled(
            update(deadlines_t)
            .where(deadlines_t.c.case_id == bindparam("b_case"), deadlines_t.c.status == "open")
            .values(
                status="cancelled",
                closed_at=bindparam("b_now"),
                closed_by_event_id=bindparam("b_event"),
            ),
            engine,
        )
        self.deadline_cols = tuple(c.name for c in deadlines_t.columns if c.name != "id")
        self.insert_deadline = _Compiled(insert(deadlines_t), engine, self.deadline_cols)

        self._row_ops: dict[tuple[str, str, frozenset[str]], _Compiled] = {}
        self._engine = engine
        # Per-column conversions, resolved once per table (the hot path reads two rows a fire).
        self._column_kinds: dict[str, dict[str, str]] = {}
        self._writers: dict[str, Callable[[Any], Any]] = {
            "ts": self.ts,
            "day": self.day,
            "json": self.json,
        }
        self._readers: dict[str, Callable[[Any], Any]] = {
            "ts": self.read_ts,
            "day": self.read_day,
            "json": self.read_json,
            "bool": self._read_bool,
        }

    # ---- fire's statements

    def load(
        self, cur: Any, case_id: int
    ) -> tuple[dict | None, str | None, dict | None, int | None]:
        """The case, its unit's path, its organization's columns and (PostgreSQL) the id the
        event will take, in one round trip."""
        row = self.execute(cur, self.load_case, {"b_case": case_id}).fetchone()
        if row is None:
            return None, None, None, None
        n, m = len(CASE_COLUMNS), len(ORG_COLUMNS)
        case = self.read_row(cases_t, dict(zip(CASE_COLUMNS, row[:n], strict=True)))
        case["data"] = case["data"] or {}
        org = self.read_row(orgs_t, dict(zip(ORG_COLUMNS, row[n + 1 : n + 1 + m], strict=True)))
        return case, row[n], org, (row[n + 1 + m] if self.pipelined else None)

    def writes(self, conn: Any) -> AbstractContextManager[Any]:
        """The block in which a fire's writes are sent: one pipeline on PostgreSQL, whose
        exit sends them all and raises the first error; on SQLite (in process) just a block."""
        if self.pipelined:
            return conn.connection.driver_connection.pipeline()
        return nullcontext()

    def insert_event_row(self, cur: Any, values: dict[str, Any], event_id: int | None) -> int:
        """Insert the event; its id was drawn by the load (pipelined) or comes back here."""
        if self.pipelined:
            self.execute(cur, self.insert_event, {**values, "id": event_id})
            return event_id  # type: ignore[return-value]
        return self.execute(cur, self.insert_event, values).fetchone()[0]

    def insert_deadlines(self, cur: Any, rows: list[dict[str, Any]]) -> None:
        base = dict.fromkeys(self.deadline_cols)
        self.executemany(
            cur, self.insert_deadline, [self.write_row(deadlines_t, {**base, **r}) for r in rows]
        )

    def update_by_id(self, cur: Any, table: Table, row_id: int, fields: Mapping[str, Any]) -> int:
        """UPDATE one row by id (intents); compiled once per table and set of columns."""
        key = ("update", table.name, frozenset(fields))
        stmt = self._row_ops.get(key)
        if stmt is None:
            stmt = self._row_ops[key] = _Compiled(
                update(table)
                .where(table.c.id == bindparam("b_id"))
                .values({k: bindparam(f"b_{k}") for k in fields}),
                self._engine,
            )
        values = {f"b_{k}": v for k, v in self.write_row(table, fields).items()}
        return self.execute(cur, stmt, {**values, "b_id": row_id}).rowcount

    def insert_returning_id(self, cur: Any, table: Table, fields: Mapping[str, Any]) -> int:
        key = ("insert", table.name, frozenset(fields))
        stmt = self._row_ops.get(key)
        if stmt is None:
            stmt = self._row_ops[key] = _Compiled(
                insert(table).returning(table.c.id), self._engine, tuple(fields)
            )
        return self.execute(cur, stmt, self.write_row(table, fields)).fetchone()[0]

    def _kinds(self, table: Table) -> dict[str, str]:
        kinds = self._column_kinds.get(table.name)
        if kinds is None:
            kinds = self._column_kinds[table.name] = {c.name: _kind(c.type) for c in table.columns}
        return kinds

    def write_row(self, table: Table, values: Mapping[str, Any]) -> dict[str, Any]:
        kinds = self._kinds(table)
        convert = self._writers
        out = {}
        for k, v in values.items():
            fn = convert.get(kinds[k])
            out[k] = fn(v) if fn is not None else v
        return out

    def read_row(self, table: Table, values: dict[str, Any]) -> dict[str, Any]:
        """Convert in place; only the columns whose DBAPI value differs from Python's."""
        convert = self._readers
        for k, kind in self._kinds(table).items():
            fn = convert.get(kind)
            if fn is not None and k in values:
                values[k] = fn(values[k])
        return values

    @staticmethod
    def _read_bool(value: Any) -> bool | None:
        return None if value is None else bool(value)

    # ---- values in and out, as the column types would convert them

    def ts(self, value: datetime | None) -> Any:
        if value is None or isinstance(value, str):
            return value
        naive = value.astimezone(UTC).replace(tzinfo=None)
        return naive.strftime(_SQLITE_DT) if self.sqlite else naive

    def day(self, value: date | str | None) -> Any:
        if value is None:
            return None
        if isinstance(value, str):
            value = date.fromisoformat(value)
        return value.isoformat() if self.sqlite else value

    @staticmethod
    def json(value: Any) -> str | None:
        return (
            None if value is None else json.dumps(value, ensure_ascii=False, separators=(",", ":"))
        )

    def read_json(self, value: Any) -> Any:
        return json.loads(value) if isinstance(value, str) else value

    def read_ts(self, value: Any) -> datetime | None:
        if value is None:
            return None
        if isinstance(value, str):
            value = datetime.fromisoformat(value)
        return value.replace(tzinfo=UTC)

    def read_day(self, value: Any) -> date | None:
        if value is None or isinstance(value, date):
            return value
        return date.fromisoformat(value)

    # ---- execution on the unit of work's own DBAPI connection

    @staticmethod
    def cursor(conn: Any) -> Any:
        return conn.connection.dbapi_connection.cursor()

    def execute(self, cur: Any, stmt: _Compiled, values: Mapping[str, Any]) -> Any:
        cur.execute(stmt.sql, stmt.params(values))
        return cur

    def executemany(self, cur: Any, stmt: _Compiled, rows: Iterable[Mapping[str, Any]]) -> None:
        cur.executemany(stmt.sql, [stmt.params(r) for r in rows])


_CACHE: weakref.WeakKeyDictionary[Engine, HotSQL] = weakref.WeakKeyDictionary()


def hot_sql(engine: Engine) -> HotSQL:
    """Compiled once per Engine (per process), never per request."""
    hs = _CACHE.get(engine)
    if hs is None:
        hs = _CACHE[engine] = HotSQL(engine)
    return hs
