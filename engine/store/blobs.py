"""Where a document's bytes are kept: one interface, two backends.

- `database` (the default): a `document_blobs` row written on the step's own connection, so the
  bytes and the document row commit or roll back together — on one host (SQLite) and on many
  (PostgreSQL) alike.
- `directory`: files under a folder (a shared mount for several hosts). A file cannot join a
  database transaction, so a blob is written to `.staging/<key>` (fsynced) before the commit,
  renamed to `<key[:2]>/<key>` after it and deleted if the transaction rolls back. A crash
  between the two writes leaves at most a staged file: `recover` (run when a process starts and
  by `tongbu documents check --repair`) finishes the rename of a staged file whose row
  committed and deletes one whose row never did. A reader finds a committed blob in either
  place, so no committed row ever points at nothing.

Blobs are never overwritten: every document has its own random key.
"""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from sqlalchemy import Connection, delete, insert, select

from engine.errors import TongbuError
from engine.store.tables_casefile import Document, DocumentBlob

blobs_t = DocumentBlob.__table__
documents_t = Document.__table__

STAGING = ".staging"
DEFAULT_GRACE_SECONDS = 3600.0
"""A staged file younger than this may belong to an upload still in flight on another host."""


class BlobMissing(TongbuError):
    """A document row whose bytes are in no backend: reported by `check`, never expected."""


def new_key() -> str:
    return uuid.uuid4().hex


class UnitOfWork(Protocol):
    """What a backend needs of the caller's transaction (`engine.store.unit_of_work`)."""

    @property
    def conn(self) -> Connection: ...

    def on_outcome(
        self, *, committed: Callable[[], None], rolled_back: Callable[[], None]
    ) -> None: ...


class BlobStore(Protocol):
    name: str

    def put(self, uow: UnitOfWork, key: str, data: bytes) -> None:
        """Keep `data` under `key` as part of the unit of work's transaction."""

    def get(self, conn: Connection, key: str) -> bytes:
        """The bytes under `key`; `BlobMissing` if there are none."""

    def remove(self, uow: UnitOfWork, key: str) -> None:
        """Forget `key` once the transaction commits (moving a document to another backend)."""


class DatabaseBlobs:
    name = "database"

    def put(self, uow: UnitOfWork, key: str, data: bytes) -> None:
        uow.conn.execute(insert(blobs_t).values(key=key, content=data))

    def get(self, conn: Connection, key: str) -> bytes:
        content = conn.execute(select(blobs_t.c.content).where(blobs_t.c.key == key)).scalar()
        if content is None:
            raise BlobMissing(f"document bytes {key} are not in the database")
        return bytes(content)

    def remove(self, uow: UnitOfWork, key: str) -> None:
        uow.conn.execute(delete(blobs_t).where(blobs_t.c.key == key))


class DirectoryBlobs:
    name = "directory"

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def final_path(self, key: str) -> Path:
        return self.root / key[:2] / key

    def staged_path(self, key: str) -> Path:
        return self.root / STAGING / key

    def _ensure(self) -> None:
        try:
            (self.root / STAGING).mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise TongbuError(f"the document folder {self.root} cannot be used: {exc}") from exc

    def put(self, uow: UnitOfWork, key: str, data: bytes) -> None:
        self._ensure()
        staged = self.staged_path(key)
        part = staged.with_name(key + ".part")
        with open(part, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(part, staged)
        uow.on_outcome(
            committed=lambda: self.finish(key), rolled_back=lambda: staged.unlink(missing_ok=True)
        )

    def finish(self, key: str) -> None:
        """Move a committed blob from staging to its place (idempotent)."""
        staged, final = self.staged_path(key), self.final_path(key)
        if not staged.exists():
            return
        final.parent.mkdir(parents=True, exist_ok=True)
        os.replace(staged, final)

    def get(self, conn: Connection, key: str) -> bytes:
        for path in (self.final_path(key), self.staged_path(key)):
            try:
                return path.read_bytes()
            except FileNotFoundError:
                continue
        raise BlobMissing(f"document bytes {key} are not in {self.root}")

    def remove(self, uow: UnitOfWork, key: str) -> None:
        final = self.final_path(key)
        uow.on_outcome(committed=lambda: final.unlink(missing_ok=True), rolled_back=lambda: None)

    def staged(self) -> Iterator[tuple[str, Path]]:
        folder = self.root / STAGING
        if not folder.is_dir():
            return
        for path in folder.iterdir():
            key = path.name.removesuffix(".part")
            yield key, path

    def stored_keys(self) -> Iterator[str]:
        if not self.root.is_dir():
            return
        for sub in self.root.iterdir():
            if sub.is_dir() and sub.name != STAGING:
                for path in sub.iterdir():
                    yield path.name


@dataclass
class Recovery:
    finished: int = 0
    """Staged blobs whose document row had committed, moved into place."""
    removed: int = 0
    """Staged blobs whose transaction never committed (a crash, a kill), deleted."""
    young: int = 0
    """Staged blobs left alone: younger than the grace period, perhaps still in flight."""


class BlobStores:
    """The backends a process can read from, and the one new documents go to."""

    def __init__(self, default: str = "database", directory: Path | None = None) -> None:
        self.database = DatabaseBlobs()
        self.directory = DirectoryBlobs(directory) if directory is not None else None
        if default == "directory" and self.directory is None:
            raise TongbuError("document storage 'directory' needs a folder (TONGBU_DOCUMENT_DIR)")
        self.default = default

    def get_store(self, name: str) -> BlobStore:
        if name == "database":
            return self.database
        if name == "directory" and self.directory is not None:
            return self.directory
        raise TongbuError(
            f"documents kept in '{name}' cannot be read: this process has no such storage "
            "(set TONGBU_DOCUMENT_DIR to the folder they are in)"
        )

    @property
    def writer(self) -> BlobStore:
        return self.get_store(self.default)

    def read(self, conn: Connection, storage: str, key: str) -> bytes:
        return self.get_store(storage).get(conn, key)

    def recover(self, conn: Connection, grace_seconds: float = DEFAULT_GRACE_SECONDS) -> Recovery:
        """Settle what a crash between a staged blob and its commit left (see the module)."""
        out = Recovery()
        if self.directory is None:
            return out
        now = time.time()
        for key, path in list(self.directory.staged()):
            committed = conn.execute(
                select(documents_t.c.id).where(
                    documents_t.c.storage_key == key, documents_t.c.storage == "directory"
                )
            ).first()
            if committed is not None and not path.name.endswith(".part"):
                self.directory.finish(key)
                out.finished += 1
                continue
            try:
                age = now - path.stat().st_mtime
            except FileNotFoundError:
                continue
            if age < grace_seconds:
                out.young += 1
                continue
            path.unlink(missing_ok=True)
            out.removed += 1
        return out
