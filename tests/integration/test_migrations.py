"""Alembic migrations and the SQLAlchemy models describe the same schema, on both databases."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine

from engine.store.metadata import metadata


def test_migrated_schema_matches_the_models(db_url):
    eng = create_engine(db_url)
    with eng.connect() as c:
        diff = compare_metadata(MigrationContext.configure(c), metadata)
    eng.dispose()
    assert diff == []
