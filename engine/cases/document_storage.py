"""Where the case file's bytes are kept, checked and moved (`tongbu documents check|move`).

`engine.store.blobs` keeps a document's bytes in the database or in a directory, written with
the row that names them. What an administrator needs around it:

- `check`: every document row's bytes are in the backend the row names, of the recorded size
  (and, asked for, still of the recorded SHA-256); nothing a crash left in the directory's
  staging area is waiting; no bytes are kept that no row names. With `repair`, what can be
  settled is: staged files are finished or removed (`BlobStores.recover`), bytes no row names
  are removed. Missing or damaged bytes cannot be repaired here: they are reported, and the
  case file's record (its hashes) says what should be restored from a backup.
- `move`: documents from one backend to the other, one document per transaction, so a move
  can be stopped at any point and run again (it carries on with what is left): the bytes are
  read and checked against the row's hash, written to the target inside the transaction that
  repoints the row, and removed from the source only once that commits.
"""

from __future__ import annotations

import hashlib
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, delete, exists, func, select, update

from engine.errors import TongbuError
from engine.store.blobs import DEFAULT_GRACE_SECONDS, STAGING, BlobMissing, DirectoryBlobs, Recovery
from engine.store.tables_casefile import Document, DocumentBlob
from engine.store.unit_of_work import UnitOfWork

documents_t = Document.__table__
blobs_t = DocumentBlob.__table__

STORAGES = ("database", "directory")
BATCH = 500
"""Rows read per query: a check or a move holds one batch of ids, never the whole table."""
_KEY = re.compile(r"^[0-9a-f]{32}$")
"""A blob's key (`engine.store.blobs.new_key`): files named otherwise are not ours."""


@dataclass(frozen=True)
class StorageProblem:
    """One thing `check` or `move` found wrong, with what it concerns."""

    kind: str
    """missing | size | hash | unreadable | staged | orphan"""
    storage: str
    key: str
    detail: str
    document_id: int | None = None
    case_id: int | None = None

    def __str__(self) -> str:
        where = (
            f"document {self.document_id} (case {self.case_id})"
            if self.document_id is not None
            else f"key {self.key}"
        )
        return f"{self.kind}: {where} in {self.storage}: {self.detail}"


@dataclass
class CheckReport:
    documents: int = 0
    """Document rows checked."""
    problems: list[StorageProblem] = field(default_factory=list)
    in_flight: int = 0
    """Staged files younger than the grace period: an upload may still be committing."""
    recovery: Recovery | None = None
    """What `repair` settled in the staging area."""
    orphans_removed: int = 0
    """Bytes no row names, removed by `repair`."""

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass
class MoveReport:
    moved: int = 0
    already: int = 0
    """Documents that were in the target backend before this run."""
    problems: list[StorageProblem] = field(default_factory=list)


_ROW = (
    documents_t.c.id,
    documents_t.c.case_id,
    documents_t.c.storage,
    documents_t.c.storage_key,
    documents_t.c.size,
    documents_t.c.sha256,
)


def _rows(conn: Connection, where: Any, *extra: Any) -> Iterator[Any]:
    """Document rows matching `where`, in id order, one batch per query."""
    last = 0
    while True:
        batch = conn.execute(
            select(*_ROW, *extra)
            .where(where, documents_t.c.id > last)
            .order_by(documents_t.c.id)
            .limit(BATCH)
        ).all()
        yield from batch
        if len(batch) < BATCH:
            return
        last = batch[-1].id


def _problem(kind: str, row: Any, detail: str) -> StorageProblem:
    return StorageProblem(kind, row.storage, row.storage_key, detail, row.id, row.case_id)


# ---------------------------------------------------------------- check


def check(
    uow: UnitOfWork,
    *,
    repair: bool = False,
    hashes: bool = False,
    grace_seconds: float = DEFAULT_GRACE_SECONDS,
) -> CheckReport:
    """Every document's bytes where its row says, and nothing else kept (see the module).

    `grace_seconds`: a staged file younger than this may belong to an upload still
    committing on another host; it is neither reported nor removed."""
    report = CheckReport()
    blobs = uow.blobs
    if repair:
        with uow.reader() as r:
            report.recovery = blobs.recover(r.conn, grace_seconds)
    with uow.reader() as r:
        if blobs.directory is not None:
            _check_staging(r.conn, blobs.directory, grace_seconds, report)
        _check_database_rows(r.conn, hashes, report)
        _check_directory_rows(r.conn, blobs.directory, hashes, report)
        orphans = list(_database_orphans(r.conn))
        if blobs.directory is not None:
            orphans += _directory_orphans(r.conn, blobs.directory)
    for orphan in orphans:
        if repair:
            _remove_orphan(uow, blobs.directory, orphan)
            report.orphans_removed += 1
        else:
            report.problems.append(orphan)
    return report


def _check_staging(
    conn: Connection, directory: DirectoryBlobs, grace_seconds: float, report: CheckReport
) -> None:
    now = time.time()
    for key, path in list(directory.staged()):
        try:
            age = now - path.stat().st_mtime
        except FileNotFoundError:
            continue  # finished or removed meanwhile
        if age < grace_seconds:
            report.in_flight += 1
            continue
        committed = conn.execute(
            select(documents_t.c.id).where(
                documents_t.c.storage_key == key, documents_t.c.storage == "directory"
            )
        ).first()
        detail = (
            "committed but not moved into place (served from staging): run --repair"
            if committed is not None
            else "left by an upload that never committed (a crash): run --repair"
        )
        report.problems.append(
            StorageProblem("staged", "directory", key, detail, committed.id if committed else None)
        )


def _check_database_rows(conn: Connection, hashes: bool, report: CheckReport) -> None:
    """Sizes are compared in the database (`length`): no bytes travel unless `hashes`."""
    stored = (
        select(func.length(blobs_t.c.content))
        .where(blobs_t.c.key == documents_t.c.storage_key)
        .scalar_subquery()
        .label("stored")
    )
    for row in _rows(conn, documents_t.c.storage == "database", stored):
        report.documents += 1
        if row.stored is None:
            report.problems.append(_problem("missing", row, "no bytes in document_blobs"))
        elif row.stored != row.size:
            report.problems.append(
                _problem("size", row, f"{row.stored} bytes kept, {row.size} recorded")
            )
        elif hashes:
            data = conn.execute(
                select(blobs_t.c.content).where(blobs_t.c.key == row.storage_key)
            ).scalar_one()
            _compare_hash(bytes(data), row, report)


def _check_directory_rows(
    conn: Connection, directory: DirectoryBlobs | None, hashes: bool, report: CheckReport
) -> None:
    for row in _rows(conn, documents_t.c.storage != "database"):
        report.documents += 1
        if row.storage != "directory" or directory is None:
            report.problems.append(
                _problem(
                    "unreadable",
                    row,
                    f"this process keeps no '{row.storage}' storage "
                    "(set TONGBU_DOCUMENT_DIR to the folder the documents are in)",
                )
            )
            continue
        path = _directory_path(directory, row.storage_key)
        if path is None:
            report.problems.append(_problem("missing", row, f"no file in {directory.root}"))
            continue
        size = path.stat().st_size
        if size != row.size:
            report.problems.append(
                _problem("size", row, f"{path} has {size} bytes, {row.size} recorded")
            )
        elif hashes:
            _compare_hash(path.read_bytes(), row, report)


def _directory_path(directory: DirectoryBlobs, key: str) -> Path | None:
    for path in (directory.final_path(key), directory.staged_path(key)):
        if path.is_file():
            return path
    return None


def _compare_hash(data: bytes, row: Any, report: CheckReport) -> None:
    digest = hashlib.sha256(data).hexdigest()
    if digest != row.sha256:
        report.problems.append(_problem("hash", row, f"SHA-256 is {digest}, {row.sha256} recorded"))


def _database_orphans(conn: Connection) -> Iterator[StorageProblem]:
    named = exists().where(
        documents_t.c.storage_key == blobs_t.c.key, documents_t.c.storage == "database"
    )
    for key in conn.execute(select(blobs_t.c.key).where(~named).order_by(blobs_t.c.key)).scalars():
        yield StorageProblem("orphan", "database", key, "bytes no document row names")


def _directory_orphans(conn: Connection, directory: DirectoryBlobs) -> list[StorageProblem]:
    """Files in place that no `directory` row names (left by a move that committed and
    stopped before removing them). A file reaches its place only after its row committed,
    so one found here without a row is not an upload in flight."""
    out: list[StorageProblem] = []
    keys = list(_placed_keys(directory))
    for start in range(0, len(keys), BATCH):
        chunk = keys[start : start + BATCH]
        named = set(
            conn.execute(
                select(documents_t.c.storage_key).where(
                    documents_t.c.storage_key.in_(chunk), documents_t.c.storage == "directory"
                )
            ).scalars()
        )
        out += [
            StorageProblem("orphan", "directory", k, "a file no document row names")
            for k in chunk
            if k not in named
        ]
    return out


def _placed_keys(directory: DirectoryBlobs) -> Iterator[str]:
    """Keys of the files in place (`<key[:2]>/<key>`); anything else in the folder (a
    `lost+found`, an administrator's notes) is not ours and is left alone."""
    if not directory.root.is_dir():
        return
    for sub in sorted(directory.root.iterdir()):
        if sub.name == STAGING or not sub.is_dir() or not re.fullmatch(r"[0-9a-f]{2}", sub.name):
            continue
        for path in sorted(sub.iterdir()):
            if _KEY.match(path.name) and path.name.startswith(sub.name) and path.is_file():
                yield path.name


def _remove_orphan(
    uow: UnitOfWork, directory: DirectoryBlobs | None, orphan: StorageProblem
) -> None:
    if orphan.storage == "database":
        named = exists().where(
            documents_t.c.storage_key == blobs_t.c.key, documents_t.c.storage == "database"
        )
        with uow:
            uow.conn.execute(delete(blobs_t).where(blobs_t.c.key == orphan.key, ~named))
            uow.commit()
    elif directory is not None:
        directory.final_path(orphan.key).unlink(missing_ok=True)


# ---------------------------------------------------------------- move


MOVED, GONE = "moved", "gone"
"""`_move_one`'s outcomes besides a problem: moved now; moved (or gone) meanwhile."""


def move(
    uow: UnitOfWork,
    to: str,
    *,
    progress: Callable[[int], None] | None = None,
) -> MoveReport:
    """Move every document kept elsewhere into the `to` backend, one transaction each.

    Idempotent and resumable: a document already in `to` is left alone, and a run stopped
    half-way (Ctrl-C, a crash) leaves every document whole in one backend or the other
    (`engine.store.blobs`: staged files, removal after commit). Bytes that do not match the
    row's SHA-256 are not moved, and reported. `progress` is called with each id moved."""
    if to not in STORAGES:
        raise TongbuError(f"no storage {to!r}; one of: {', '.join(STORAGES)}")
    source_name = next(s for s in STORAGES if s != to)
    blobs = uow.blobs
    target, source = blobs.get_store(to), blobs.get_store(source_name)
    report = MoveReport()
    with uow.reader() as r:
        report.already = r.conn.execute(
            select(func.count()).select_from(documents_t).where(documents_t.c.storage == to)
        ).scalar_one()
    last = 0
    while True:
        with uow.reader() as r:
            batch = list(
                r.conn.execute(
                    select(documents_t.c.id)
                    .where(documents_t.c.storage == source_name, documents_t.c.id > last)
                    .order_by(documents_t.c.id)
                    .limit(BATCH)
                ).scalars()
            )
        for doc_id in batch:
            outcome = _move_one(uow, doc_id, source_name, to, source, target)
            if outcome is MOVED:
                report.moved += 1
                if progress is not None:
                    progress(doc_id)
            elif isinstance(outcome, StorageProblem):
                report.problems.append(outcome)
        if len(batch) < BATCH:
            return report
        last = batch[-1]


def _move_one(
    uow: UnitOfWork, doc_id: int, source_name: str, to: str, source: Any, target: Any
) -> StorageProblem | str:
    """One document, one transaction; the row is locked first, so two runs at once cannot
    both write the same key (PostgreSQL: FOR UPDATE; SQLite: BEGIN IMMEDIATE)."""
    with uow:
        row = uow.conn.execute(
            select(*_ROW).where(documents_t.c.id == doc_id).with_for_update()
        ).first()
        if row is None or row.storage != source_name:
            return GONE
        try:
            data = source.get(uow.conn, row.storage_key)
        except BlobMissing as exc:
            return _problem("missing", row, f"{exc}; not moved")
        digest = hashlib.sha256(data).hexdigest()
        if digest != row.sha256:
            return _problem("hash", row, f"SHA-256 is {digest}, {row.sha256} recorded; not moved")
        target.put(uow, row.storage_key, data)
        uow.conn.execute(
            update(documents_t)
            .where(documents_t.c.id == doc_id, documents_t.c.storage == source_name)
            .values(storage=to)
        )
        source.remove(uow, row.storage_key)
        uow.commit()
    return MOVED
