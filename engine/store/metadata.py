"""Every table on one metadata: what Alembic and the schema check compare the database with."""

from __future__ import annotations

from engine.store import (  # noqa: F401 (registers them)
    tables,
    tables_access,
    tables_admin,
    tables_annual,
    tables_casefile,
    tables_coverage,
    tables_oversight,
    tables_yearly,
)
from engine.store.base import Base

metadata = Base.metadata
