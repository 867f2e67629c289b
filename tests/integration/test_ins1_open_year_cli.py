"""`tongbu inspection open-year` (INS-1), on SQLite and PostgreSQL: the year's cases open once
for a unit — a second run opens nothing —, a bad year or an unknown unit is named, and only a
caseworker (or administrator) opens cases."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from tests.e2e.ui_support import ui_world
from tests.inspection_support import registered
from web.cli.core import main


@pytest.fixture
def world(db_url, clock, monkeypatch):
    w = ui_world(db_url, clock)
    registered(w, "a", 31, party_org=True)
    registered(w, "b", 32, party_org=False)
    monkeypatch.setenv("TONGBU_DATABASE_URL", db_url)
    return w


def _tongbu(*args: str, code: int = 0) -> str:
    result = CliRunner().invoke(main, ["inspection", "open-year", *args])
    assert result.exit_code == code, result.output
    return result.output


def test_ins1_a_year_opens_once_from_the_command_line(world):
    first = json.loads(_tongbu("--unit", "cc-ng", "--year", "2025", "--as", "wang", "--json"))
    assert first == {"year": 2025, "opened": 2, "already": 0}
    again = _tongbu("--unit", "cc-ng", "--year", "2025", "--as", "wang")
    assert "0 opened now, 2 already open" in again and "本次开启0件" in again


def test_ins1_bad_arguments_are_named_and_a_supervisor_opens_nothing(world):
    out = _tongbu("--unit", "cc-ng", "--year", "1999", "--as", "wang", code=2)
    assert "--year" in out
    out = _tongbu("--unit", "nowhere", "--year", "2025", "--as", "wang", code=6)
    assert "nowhere" in out
    out = _tongbu("--unit", "cc-ng", "--year", "2025", "--as", "li", code=5)
    assert "caseworker" in out
