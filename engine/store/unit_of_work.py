"""The transaction boundary. Rollback is the default: only an explicit commit() keeps work."""

from __future__ import annotations

from collections.abc import Callable
from types import TracebackType

from sqlalchemy import Connection, Engine

from engine.calendar import LegalCalendar
from engine.clock import Clock, SystemClock
from engine.store.blobs import BlobStores


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
        blobs: BlobStores | None = None,
    ) -> None:
        self.engine = engine
        self.readonly = readonly
        self.clock = clock or SystemClock()
        self.calendar = calendar or LegalCalendar()
        self._blobs = blobs
        self._conn: Connection | None = None
        self._committed = False
        self._after_commit: list[Callable[[], None]] = []
        self._after_rollback: list[Callable[[], None]] = []

    @property
    def blobs(self) -> BlobStores:
        """Where documents' bytes are kept (the database unless the process chose a folder)."""
        if self._blobs is None:
            self._blobs = BlobStores()
        return self._blobs

    def on_outcome(self, *, committed: Callable[[], None], rolled_back: Callable[[], None]) -> None:
        """Run one of two callbacks once the transaction ends: what a file outside the
        database needs to follow the transaction (a staged blob kept or removed)."""
        self._after_commit.append(committed)
        self._after_rollback.append(rolled_back)

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
        return UnitOfWork(self.engine, self.clock, self.calendar, readonly=True, blobs=self._blobs)

    def commit(self) -> None:
        if self.readonly:
            raise RuntimeError("a read-only unit of work cannot commit")
        self.conn.commit()
        self._committed = True
        callbacks, self._after_commit, self._after_rollback = self._after_commit, [], []
        for callback in callbacks:
            callback()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        conn, self._conn = self._conn, None
        undo, self._after_commit, self._after_rollback = self._after_rollback, [], []
        try:
            if conn is not None and not self._committed:
                conn.rollback()
        finally:
            if conn is not None:
                conn.close()
            if not self._committed:
                for callback in undo:
                    callback()
