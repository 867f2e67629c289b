"""Alembic migrations: the schema of every tongbu database, from the first table on."""
