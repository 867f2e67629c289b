"""Run Alembic from code, so `tongbu db upgrade` works from an installed package."""

from __future__ import annotations

from importlib.util import find_spec
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

from engine.errors import TongbuError
from engine.store.db import database_url


class SchemaBehind(TongbuError):
    """The database lacks migrations this code needs: a command would fail half-way on a
    missing table, so it is stopped first with what to do."""

    def __init__(self, missing: list[str]) -> None:
        super().__init__(
            f"the database is not at the newest schema (missing migration(s) {', '.join(missing)}):"
            " run `tongbu db upgrade` / 数据库结构不是最新版本，请先运行 `tongbu db upgrade`"
        )
        self.missing = missing


def alembic_config(url: str) -> Config:
    spec = find_spec("migrations")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the migrations package is not installed")
    cfg = Config()
    cfg.set_main_option("script_location", str(Path(next(iter(spec.submodule_search_locations)))))
    cfg.set_main_option("sqlalchemy.url", database_url(url).replace("%", "%%"))
    return cfg


def upgrade(url: str, revision: str = "heads") -> None:
    """`heads`: independent branches (one per capability) all apply; see docs/operations.md."""
    command.upgrade(alembic_config(url), revision)


def missing_heads(engine: Engine) -> list[str]:
    """The migration heads this code ships that the database has not applied (none: ready)."""
    script = ScriptDirectory.from_config(alembic_config(engine.url.render_as_string(False)))
    with engine.connect() as conn:
        applied = set(MigrationContext.configure(conn).get_current_heads())
    wanted = set(script.get_heads())
    if applied >= wanted:
        return []
    # a head may be applied through a later revision that merges it: count what is reachable
    reached = {rev.revision for rev in script.iterate_revisions(tuple(applied), "base")}
    return sorted(wanted - reached)


def require_newest(engine: Engine) -> None:
    """Raise `SchemaBehind` unless every migration this code ships is applied."""
    missing = missing_heads(engine)
    if missing:
        raise SchemaBehind(missing)


def downgrade(url: str, revision: str = "base") -> None:
    command.downgrade(alembic_config(url), revision)


def revision(message: str, url: str) -> None:
    command.revision(alembic_config(url), message=message, autogenerate=True)
