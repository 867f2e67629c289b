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
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    Engine,
    String,
    Table,
    any_,
    bindparam,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.sql import ClauseElement

from engine.store.base import UTCDateTime
from engine.store.tables import Case, Deadline, Event, Organization, Unit

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


def _json_extra(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, set | frozenset):
        return list(value)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def _case_update() -> Any:
    """The version-checked UPDATE of a case: alone on SQLite, a CTE of the one write on
    PostgreSQL. Typed parameters so that PostgreSQL gets its casts."""
    return (
        update(cases_t)
        .where(cases_t.c.id == bindparam("b_case"), cases_t.c.version == bindparam("b_expected"))
        .values(
            state=bindparam("b_state"),
            version=bindparam("b_version"),
            data=bindparam("b_data", type_=cases_t.c.data.type),
            updated_at=bindparam("b_now", type_=cases_t.c.updated_at.type),
            status=bindparam("b_status"),
            closed_at=bindparam("b_closed", type_=cases_t.c.closed_at.type),
        )
    )


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
    """Per-Engine compiled statements and value converters for `engine.cases.service.fire`."""

    def __init__(self, engine: Engine) -> None:
        self.sqlite = engine.dialect.name == "sqlite"
        # PostgreSQL: the writes of a fire are one statement (`write_step`), so the event's id
        # is drawn from its sequence by the load, and the load locks the case row (FOR NO KEY
        # UPDATE OF cases) so that the version it read is still the version when the UPDATE
        # runs: two fires on one case queue on the lock; the second sees the first's version
        # and gets Conflict having written nothing. NO KEY: the sweep's and the calendar
        # refresh's event inserts (a foreign key to the case, KEY SHARE) do not wait on it, so
        # a fire and a sweep that lock deadlines first cannot deadlock.
        self.single_write = engine.dialect.name == "postgresql"
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
        if self.single_write:
            load = load.add_columns(
                func.nextval(func.pg_get_serial_sequence(events_t.name, "id"))
            ).with_for_update(of=cases_t, key_share=True)
        self.load_case = _Compiled(load, engine)
        self.update_case = _Compiled(_case_update(), engine)
        self.event_cols = event_cols = (
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
        self.insert_event = _Compiled(insert(events_t).returning(events_t.c.id), engine, event_cols)
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
        self._steps: dict[tuple[bool, bool, int], _Compiled] = {}
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
        return case, row[n], org, (row[n + 1 + m] if self.single_write else None)

    def write_step(
        self,
        conn: Any,
        cur: Any,
        step: Mapping[str, Any],
        event: dict[str, Any],
        event_id: int | None,
        close_keys: Sequence[str],
        cancel: bool,
        rows_for: Callable[[int], list[dict[str, Any]]],
    ) -> tuple[int, int]:
        """All of a fire's writes: the case UPDATE (`step`: its b_* values), the event, the
        deadlines the step meets, cancels (terminal) or opens (`rows_for(event_id)`).

        Returns (rows the version-checked UPDATE matched, event id). On PostgreSQL this is ONE
        statement — data-modifying CTEs, the event inserted only if the case UPDATE matched —
        because there each statement costs a round trip and the server's per-statement work
        (docs/performance.md); on SQLite, in process, plain statements cost less than that.
        """
        if not self.single_write:
            updated = self.cursor(conn)
            self.execute(updated, self.update_case, step)
            event_id = self.execute(cur, self.insert_event, event).fetchone()[0]
            stamp = step["b_now"]
            for key in close_keys:
                self.execute(
                    cur,
                    self.close_deadline,
                    {"b_case": step["b_case"], "b_key": key, "b_now": stamp, "b_event": event_id},
                )
            if cancel:
                self.execute(
                    cur,
                    self.cancel_deadlines,
                    {"b_case": step["b_case"], "b_now": stamp, "b_event": event_id},
                )
            else:
                rows = rows_for(event_id)
                if rows:
                    self.insert_deadlines(cur, rows)
            return updated.rowcount, event_id
        assert event_id is not None  # drawn by the load
        rows = [] if cancel else rows_for(event_id)
        stmt = self._step_statement(bool(close_keys), cancel, len(rows))
        values: dict[str, Any] = {**step, **{f"e_{k}": v for k, v in event.items()}}
        values["e_id"] = event_id
        values["b_event"] = event_id
        if close_keys or cancel:
            values["b_keys"] = list(close_keys)
        base = dict.fromkeys(self.deadline_cols)
        for i, row in enumerate(rows):
            for k, v in self.write_row(deadlines_t, {**base, **row}).items():
                values[f"d{i}_{k}"] = v
        self.execute(cur, stmt, values)
        return cur.rowcount, event_id

    def _step_statement(self, close: bool, cancel: bool, n_rows: int) -> _Compiled:
        """The one-statement write of a fire, compiled once per shape (PostgreSQL)."""
        key = (close, cancel, n_rows)
        stmt = self._steps.get(key)
        if stmt is not None:
            return stmt
        moved = _case_update().returning(cases_t.c.id).cte("moved")
        cols = ("id", *self.event_cols)
        event = insert(events_t).from_select(
            cols,
            select(*[bindparam(f"e_{c}", type_=events_t.c[c].type) for c in cols]).select_from(
                moved
            ),
        )
        keys = bindparam("b_keys", type_=ARRAY(String))
        stamp = bindparam("b_now", type_=deadlines_t.c.closed_at.type)
        open_here = (deadlines_t.c.case_id == bindparam("b_case")) & (
            deadlines_t.c.status == "open"
        )
        ctes = []
        if close:
            ctes.append(
                update(deadlines_t)
                .where(open_here, deadlines_t.c.key == any_(keys))
                .values(status="met", closed_at=stamp, closed_by_event_id=bindparam("b_event"))
                .cte("met")
            )
        if cancel:
            # Disjoint from "met": one statement must not update a row twice.
            ctes.append(
                update(deadlines_t)
                .where(open_here, ~(deadlines_t.c.key == any_(keys)))
                .values(
                    status="cancelled", closed_at=stamp, closed_by_event_id=bindparam("b_event")
                )
                .cte("cancelled")
            )
        if n_rows:
            ctes.append(
                insert(deadlines_t)
                .values(
                    [
                        {
                            c: bindparam(f"d{i}_{c}", type_=deadlines_t.c[c].type)
                            for c in self.deadline_cols
                        }
                        for i in range(n_rows)
                    ]
                )
                .cte("opened")
            )
        if ctes:
            event = event.add_cte(*ctes)
        stmt = self._steps[key] = _Compiled(event, self._engine)
        return stmt

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
        """JSON text as the column type would store it; dates become ISO strings and sets
        lists (what `services.jsonable` does, without walking values that need nothing)."""
        if value is None:
            return None
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=_json_extra)

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
