"""The composition root: definitions loaded against the registry, one Engine, one clock.

Built once per process (web worker, scheduler, CLI call) and handed to the services.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine

from engine.calendar import LegalCalendar
from engine.clock import Clock, SystemClock
from engine.config import Config
from engine.definitions.loader import load_definitions
from engine.definitions.model import Definitions
from engine.registry import Registry, load_registry
from engine.store.blobs import BlobStores, Recovery
from engine.store.db import make_engine
from engine.store.unit_of_work import UnitOfWork


@dataclass
class Runtime:
    config: Config
    engine: Engine
    definitions: Definitions
    clock: Clock
    calendar: LegalCalendar
    blobs: BlobStores

    def uow(self) -> UnitOfWork:
        return UnitOfWork(self.engine, self.clock, self.calendar, blobs=self.blobs)

    def reader(self) -> UnitOfWork:
        return UnitOfWork(self.engine, self.clock, self.calendar, readonly=True, blobs=self.blobs)

    def recover_documents(self, grace_seconds: float | None = None) -> Recovery:
        """Settle staged document files a crashed process left (`engine.store.blobs`)."""
        with self.engine.connect() as conn:
            if grace_seconds is None:
                return self.blobs.recover(conn)
            return self.blobs.recover(conn, grace_seconds)


def build_runtime(
    config: Config | None = None,
    *,
    clock: Clock | None = None,
    engine: Engine | None = None,
    registry: Registry | None = None,
) -> Runtime:
    config = config or Config.from_env()
    definitions = load_definitions(config.definitions_dir, registry or load_registry())
    definitions.build_machines()
    engine = engine or make_engine(
        config.database_url, sqlite_synchronous=config.sqlite_synchronous
    )
    blobs = BlobStores(config.document_storage, config.document_dir)
    return Runtime(config, engine, definitions, clock or SystemClock(), LegalCalendar(), blobs)
