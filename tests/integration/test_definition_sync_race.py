"""Several processes starting at once record the definition versions once (gunicorn -w N):
the second to see a new version must not insert it again and die on the duplicate key."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from engine.definitions.loader import load_definitions
from engine.definitions.sync import sync_definitions
from engine.registry import load_registry
from engine.store.db import make_engine
from engine.store.tables import DefinitionVersion
from engine.store.unit_of_work import UnitOfWork


@pytest.mark.postgres
def test_workers_starting_together_record_each_version_once(pg_url):
    defs = load_definitions(None, load_registry())
    engines = [make_engine(pg_url) for _ in range(6)]
    errors: list[BaseException] = []
    start = threading.Barrier(len(engines))

    def worker(engine) -> None:
        start.wait()
        try:
            sync_definitions(UnitOfWork(engine), defs)
        except BaseException as exc:  # the test reports whatever a worker met
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(e,)) for e in engines]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    try:
        assert errors == []
        with engines[0].connect() as c:
            count = c.execute(
                select(func.count()).select_from(DefinitionVersion.__table__)
            ).scalar_one()
        assert count == len(list(defs))
    finally:
        for e in engines:
            e.dispose()
