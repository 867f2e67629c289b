"""Set-based writes for the sweep: many rows in one statement, on PostgreSQL and SQLite.

On PostgreSQL the rows travel as one JSON parameter read by ``jsonb_to_recordset``: one round
trip and one short statement, however many rows (a multi-row VALUES list of thousands of
placeholders costs more to build and parse on the client than to run, and text arrays need
per-element escaping). New ids
come from the table's sequence up front, so rows can be correlated without relying on the
order of RETURNING. On SQLite (one process, no network) the same calls are executemany, which
SQLAlchemy batches into multi-row statements.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Connection,
    Date,
    DateTime,
    Integer,
    Table,
    bindparam,
    func,
    select,
    text,
    update,
)
from sqlalchemy.dialects import sqlite


def _is_pg(conn: Connection) -> bool:
    return conn.dialect.name == "postgresql"


def _pg_type(table: Table, name: str) -> str:
    """The SQL type a column's values are read as from the JSON document."""
    col_type = table.c[name].type
    impl = getattr(col_type, "impl", col_type)
    if isinstance(col_type, JSON) or isinstance(impl, JSON):
        return "jsonb"
    if isinstance(impl, DateTime):
        return "timestamp"
    if isinstance(impl, Date):
        return "date"
    if isinstance(impl, Boolean):
        return "boolean"
    if isinstance(impl, Integer):
        return "integer"
    return "text"


def _json_default(value: Any) -> Any:
    """Dates and times for `jsonb_to_recordset`: ISO text, datetimes as naive UTC (the columns
    are `timestamp without time zone` holding UTC; an offset would be silently dropped)."""
    if isinstance(value, datetime):
        if value.tzinfo is UTC:
            # The common case, and the cheap one: a `timestamp` cast ignores the "+00:00"
            # (documented: "silently ignore any time zone indication"), which is right for UTC.
            return value.isoformat()
        if value.tzinfo is not None:
            value = value.astimezone(UTC).replace(tzinfo=None)
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"cannot send {type(value).__name__} as JSON")


def _pg_source(
    table: Table,
    rows: Sequence[Mapping[str, Any]],
    columns: Sequence[str],
    *,
    name: str = "rows",
    alias: str = "u",
) -> tuple[str, dict[str, str]]:
    """`jsonb_to_recordset(:name) AS alias(col type, …)` and its one parameter.

    One JSON document instead of one placeholder per value: the statement stays short and
    identical for any number of rows, and the encoding is the C json module's work.
    """
    doc = json.dumps(
        [r if len(r) == len(columns) else {c: r[c] for c in columns} for r in rows],
        ensure_ascii=False,
        separators=(",", ":"),
        default=_json_default,
    )
    spec = ", ".join(f'"{c}" {_pg_type(table, c)}' for c in columns)
    return f"jsonb_to_recordset(CAST(:{name} AS jsonb)) AS {alias}({spec})", {name: doc}


def _names(columns: Sequence[str], prefix: str = "") -> str:
    return ", ".join(f'{prefix}"{c}"' for c in columns)


def insert_rows(
    conn: Connection,
    table: Table,
    rows: Sequence[Mapping[str, Any]],
    *,
    ignore_conflicts_on: Sequence[str] | None = None,
    returning: Sequence[str] = (),
) -> list[Any]:
    """INSERT many rows [ON CONFLICT (…) DO NOTHING] [RETURNING …]; returns the RETURNING rows.

    With `ignore_conflicts_on`, only rows that were new come back: this is what lets a ledger
    or dedupe key do its job without an IntegrityError aborting the transaction.
    """
    if not rows:
        return []
    if _is_pg(conn):
        columns = list(rows[0].keys())
        source, params = _pg_source(table, rows, columns)
        column_list = ", ".join(f'"{c}"' for c in columns)
        selected = ", ".join(f'u."{c}"' for c in columns)
        sql = f"INSERT INTO {table.name} ({column_list}) SELECT {selected} FROM {source}"
        if ignore_conflicts_on:
            sql += f" ON CONFLICT ({', '.join(ignore_conflicts_on)}) DO NOTHING"
        if returning:
            sql += f" RETURNING {', '.join(returning)}"
            return conn.execute(text(sql), params).all()
        conn.execute(text(sql), params)
        return []
    stmt: Any = sqlite.insert(table)
    if ignore_conflicts_on:
        stmt = stmt.on_conflict_do_nothing(index_elements=list(ignore_conflicts_on))
    if returning:
        stmt = stmt.returning(*(table.c[c] for c in returning))
        return conn.execute(stmt, list(rows)).all()
    conn.execute(stmt, list(rows))
    return []


def _next_ids(conn: Connection, table: Table, n: int) -> list[int]:
    """`n` new ids from the table's sequence (PostgreSQL)."""
    return list(
        conn.execute(
            text(
                f"SELECT nextval(pg_get_serial_sequence('{table.name}', 'id')) "
                "FROM generate_series(1, :n)"
            ),
            {"n": n},
        ).scalars()
    )


def insert_returning_ids(
    conn: Connection, table: Table, rows: Sequence[Mapping[str, Any]]
) -> list[int]:
    """INSERT many rows; their new ids, in the order of `rows`.

    PostgreSQL: ids are drawn from the table's sequence first and inserted explicitly.
    SQLite: the ids after the table's current maximum, inserted explicitly. That is safe only
    inside a write transaction, which every `engine.db.make_engine` transaction that writes is
    (``BEGIN IMMEDIATE``: one writer at a time); anywhere else a clash is an IntegrityError,
    never a wrong id. (RETURNING in parameter order would be the alternative, but SQLite does
    not promise RETURNING's order, so SQLAlchemy then inserts one row per statement.)
    """
    if not rows:
        return []
    if _is_pg(conn):
        ids = _next_ids(conn, table, len(rows))
    else:
        top = conn.execute(select(func.coalesce(func.max(table.c.id), 0))).scalar_one()
        ids = list(range(top + 1, top + 1 + len(rows)))
    insert_rows(conn, table, [{"id": i, **r} for i, r in zip(ids, rows, strict=True)])
    return ids


def insert_gated(
    conn: Connection,
    gate: Table,
    gate_rows: Sequence[Mapping[str, Any]],
    *,
    unique_on: Sequence[str],
    link: str,
    table: Table,
    rows: Sequence[Mapping[str, Any]],
) -> list[tuple[int, int]]:
    """Insert each gate row that is new under UNIQUE `unique_on`, and only for those, the row
    at the same position of `rows` into `table`, linked from the gate row's `link` column.

    This is a ledger's job: `gate` says "done once", `table` holds what doing it wrote (an
    audit event), and a conflicting gate row writes nothing. Returns (position, new id in
    `table`) for each gate row that was new, in position order.

    PostgreSQL: ids come from `table`'s sequence first, and both inserts are ONE statement
    (``WITH new AS (INSERT INTO gate … ON CONFLICT DO NOTHING RETURNING link) INSERT INTO
    table … JOIN new``); the foreign key from `link` is checked at the end of the statement,
    when both rows exist. SQLite checks it per statement, so there the gate rows go in first
    with `link` NULL, then the rows, then `link` is set (three executemany statements).
    """
    if not gate_rows:
        return []
    if not _is_pg(conn):
        key_of = {tuple(r[c] for c in unique_on): i for i, r in enumerate(gate_rows)}
        new = insert_rows(
            conn,
            gate,
            [{**r, link: None} for r in gate_rows],
            ignore_conflicts_on=unique_on,
            returning=["id", *unique_on],
        )
        fresh = sorted((key_of[tuple(getattr(r, c) for c in unique_on)], r.id) for r in new)
        ids = insert_returning_ids(conn, table, [rows[i] for i, _ in fresh])
        update_rows(conn, gate, [{"id": g, link: t} for (_, g), t in zip(fresh, ids, strict=True)])
        return [(i, t) for (i, _), t in zip(fresh, ids, strict=True)]
    ids = _next_ids(conn, table, len(rows))
    gate_cols = [*(c for c in gate_rows[0] if c != link), link]
    row_cols = ["id", *rows[0].keys()]
    gate_src, gate_params = _pg_source(
        gate,
        [{**r, link: i} for r, i in zip(gate_rows, ids, strict=True)],
        gate_cols,
        name="gate",
        alias="g",
    )
    row_src, row_params = _pg_source(
        table, [{"id": i, **r} for i, r in zip(ids, rows, strict=True)], row_cols
    )
    sql = (
        f"WITH new AS (INSERT INTO {gate.name} ({_names(gate_cols)}) "
        f"SELECT {_names(gate_cols, 'g.')} FROM {gate_src} "
        f"ON CONFLICT ({', '.join(unique_on)}) DO NOTHING RETURNING {link}) "
        f"INSERT INTO {table.name} ({_names(row_cols)}) "
        f"SELECT {_names(row_cols, 'u.')} FROM {row_src} "
        f"JOIN new ON new.{link} = u.id RETURNING id"
    )
    created = set(conn.execute(text(sql), {**gate_params, **row_params}).scalars())
    return [(i, t) for i, t in enumerate(ids) if t in created]


def update_rows(
    conn: Connection,
    table: Table,
    rows: Sequence[Mapping[str, Any]],
    *,
    key: str = "id",
    keep_when_null: Sequence[str] = (),
) -> None:
    """UPDATE many rows by `key`, each with its own values; a column in `keep_when_null` keeps
    its stored value where the new one is None (COALESCE)."""
    if not rows:
        return
    columns = list(rows[0].keys())
    targets = [c for c in columns if c != key]
    if _is_pg(conn):
        source, params = _pg_source(table, rows, columns)
        sets = []
        for c in targets:
            value = f'COALESCE(u."{c}", {table.name}."{c}")' if c in keep_when_null else f'u."{c}"'
            sets.append(f'"{c}" = {value}')
        conn.execute(
            text(
                f"UPDATE {table.name} SET {', '.join(sets)} FROM {source} "
                f'WHERE {table.name}."{key}" = u."{key}"'
            ),
            params,
        )
        return
    bound = [(c, f"b_{c}") for c in columns]
    values = {
        c: (
            func.coalesce(bindparam(f"b_{c}", type_=table.c[c].type), table.c[c])
            if c in keep_when_null
            else bindparam(f"b_{c}", type_=table.c[c].type)
        )
        for c in targets
    }
    conn.execute(
        update(table).where(table.c[key] == bindparam(f"b_{key}")).values(values),
        [{b: r[c] for c, b in bound} for r in rows],
    )
