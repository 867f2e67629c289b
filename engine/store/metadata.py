"""Every table on one metadata: what Alembic and the schema check compare the database with."""

from __future__ import annotations

from engine.store import tables, tables_access, tables_oversight  # noqa: F401 (registers them)
from engine.store.base import Base

metadata = Base.metadata
