"""`tongbu campaign open|list` (REG-10): the drive from the command line, refused naming the
argument or the rule as the form is; SQLite and PostgreSQL."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from sqlalchemy import update

from engine.store.tables import Organization
from tests.world import make_world
from web.cli.core import main

orgs_t = Organization.__table__


@pytest.fixture
def tongbu(db_url, clock, monkeypatch):
    w = make_world(db_url, clock)
    with w.uow() as u:
        u.conn.execute(
            update(orgs_t)
            .where(orgs_t.c.id == w.orgs["logistics"])
            .values(status="registered", full_members=3, full_time_full_members=3)
        )
        u.commit()
    w.rt.engine.dispose()
    monkeypatch.setenv("TONGBU_DATABASE_URL", db_url)
    runner = CliRunner()

    def run(*args: str, code: int = 0) -> str:
        result = runner.invoke(main, list(args))
        assert result.exit_code == code, f"{args}: exit {result.exit_code}\n{result.output}"
        return result.output

    return run


def test_reg10_cli_opens_a_drive_once_and_lists_it(tongbu):
    args = ("campaign", "open", "--unit", "cc-ng", "--starts-on", "2026-08-01")
    first = json.loads(tongbu(*args, "--as", "li", "--json"))
    assert (first["ends_on"], first["opened"]) == ("2026-09-30", 1)
    assert "opened 0, joined 0, already in it 1" in tongbu(*args, "--as", "li")
    assert "REG-10" in tongbu(*args, "--as", "wang", code=5)
    [row] = json.loads(tongbu("campaign", "list", "--as", "li", "--json"))
    assert (row["id"], row["opened"], row["covered"]) == (first["campaign_id"], 1, 0)
    assert "taken in 1, covered 0," in tongbu("campaign", "list")  # overdue: by the real clock


def test_reg10_cli_refuses_a_bad_day_and_an_automatic_kind(tongbu):
    base = ("campaign", "open", "--unit", "cc-ng", "--as", "li")
    assert "starts_on" in tongbu(*base, "--starts-on", "2026-02-30", code=2)
    assert "kind" in tongbu(
        *base, "--starts-on", "2026-08-01", "--kind", "conditions_matured", code=2
    )
    assert "--unit" in tongbu(
        "campaign", "open", "--unit", "nowhere", "--starts-on", "2026-08-01", "--as", "li", code=2
    )
    listed = json.loads(tongbu("campaign", "list", "--as", "li", "--json"))
    assert listed == []
