"""The transaction boundary. Rollback is the default: only an explicit commit() keeps work."""

from __future__ import annotations

from types import TracebackType

from sqlalchemy import Connection, Engine

from engine.calendar import LegalCalendar
from engine.clock import Clock, SystemClock


class UnitOfWork:
    """One connection and one transaction; reusable, one `with` block at a time.

    It carries the clock and the legal calendar because every service that writes also
    timestamps and may compute deadlines, and both must be the ones the caller chose.
    """

    def __init__(
        self,
        engine: Engine,
        clock: Clock | None = None,
        calendar: LegalCalendar | None = None,
        *,
        readonly: bool = False,
    ) -> None:
        self.engine = engine
        self.readonly = readonly
        self.clock = clock or SystemClock()
        self.calendar = calendar or LegalCalendar()
        self._conn: Connection | None = None
        self._committed = False

    @property
    def conn(self) -> Connection:
        if self._conn is None:
            raise RuntimeError("unit of work used outside its `with` block")
        return self._conn

    def __enter__(self) -> UnitOfWork:
        if self._conn is not None:
            raise RuntimeError("unit of work is already open")
        self._conn = self.engine.connect()
        if self.readonly:
            self._conn = self._conn.execution_options(tongbu_readonly=True)
        self._conn.begin()
        self._committed = False
        return self

    def reader(self) -> UnitOfWork:
        """A sibling for pages and reports: on SQLite it does not take the write lock."""
        return UnitOfWork(self.engine, self.clock, self.calendar, readonly=True)

    def commit(self) -> None:
        if self.readonly:
            raise RuntimeError("a read-only unit of work cannot commit")
        self.conn.commit()
        self._committed = True

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        conn, self._conn = self._conn, None
        try:
            if conn is not None and not self._committed:
                conn.rollback()
        finally:
            if conn is not None:
                conn.close()
