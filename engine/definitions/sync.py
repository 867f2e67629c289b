"""Recording loaded definition versions, refusing a version edited after cases use it."""

from __future__ import annotations

from sqlalchemy import insert, select, text

from engine.definitions.model import Definitions
from engine.errors import DefinitionError, Problem
from engine.store.tables import Case, DefinitionVersion
from engine.store.unit_of_work import UnitOfWork

cases_t = Case.__table__

SYNC_LOCK = 0x746F6E67  # "tong": the advisory lock key of this one job


def sync_definitions(uow: UnitOfWork, defs: Definitions) -> list[Problem]:
    """Record each (procedure, version)'s content hash the first time it is seen; refuse edits.

    Running cases are pinned to their version, so a version's meaning must never change:
    an edited file must carry a new version number.
    """
    problems: list[Problem] = []
    with uow:
        if uow.engine.dialect.name == "postgresql":
            # Several workers start at once (gunicorn -w N, a scheduler beside them): without
            # this, two see a new version missing and both insert it (a duplicate key kills
            # a worker). SQLite's BEGIN IMMEDIATE already queues them.
            uow.conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": SYNC_LOCK})
        known = {
            (r.procedure, r.version): r.content_hash
            for r in uow.conn.execute(select(DefinitionVersion.__table__))
        }
        for d in defs:
            stored = known.get(d.key)
            if stored is None:
                uow.conn.execute(
                    insert(DefinitionVersion.__table__).values(
                        procedure=d.procedure,
                        version=d.version,
                        content_hash=d.content_hash,
                        file=d.file,
                        registered_at=uow.clock.now(),
                    )
                )
            elif stored != d.content_hash:
                problems.append(
                    Problem(
                        d.file,
                        "version",
                        f"content changed but version {d.version} is already in use; "
                        f"raise the version (new file {d.procedure}.v{d.version + 1}.yaml)",
                    )
                )
        in_use = uow.conn.execute(
            select(cases_t.c.procedure, cases_t.c.definition_version).distinct()
        ).all()
        loaded = {d.key for d in defs}
        for proc, ver in in_use:
            if (proc, ver) not in loaded:
                problems.append(
                    Problem(
                        f"{proc}.v{ver}.yaml",
                        "<file>",
                        "cases are pinned to this version but its file is missing",
                    )
                )
        if problems:
            raise DefinitionError(problems)
        uow.commit()
    return problems
