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


def test_a_command_on_a_database_behind_the_code_says_to_upgrade_it(db_url, tmp_path, monkeypatch):
    """No traceback on a missing table: the CLI names the missing migrations and the command
    that applies them (exit 1), and works once they are applied."""
    from click.testing import CliRunner

    from engine.store.migrate import downgrade, missing_heads, upgrade
    from web.cli.core import main

    eng = create_engine(db_url)
    assert missing_heads(eng) == []
    downgrade(db_url, "0015-1")  # the password-change column undone, the rest kept
    assert missing_heads(eng) == ["0015"]
    monkeypatch.setenv("TONGBU_DATABASE_URL", db_url)
    result = CliRunner().invoke(main, ["definitions", "show", "registration"])
    assert result.exit_code == 1 and "tongbu db upgrade" in result.output
    assert "0015" in result.output and "Traceback" not in result.output
    upgrade(db_url)
    assert missing_heads(eng) == []
    result = CliRunner().invoke(main, ["definitions", "show", "registration"])
    assert result.exit_code == 0, result.output
    eng.dispose()
