"""SUP-1 from the command line: `tongbu sweep` is one scheduler tick (`Ticker.tick`), so it puts
a late organization on the abnormal-activities list as the scheduler does, runs the tick's
watchers, previews without writing under --dry-run, and lists nothing twice (SQLite and
PostgreSQL)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from engine.oversight.scheduler import SchedulerSettings, Ticker
from engine.store.tables_annual import AbnormalEntry
from tests.inspection_support import case_of, open_year, registered
from tests.world import make_world
from web.cli.core import main


@pytest.fixture
def world(db_url, clock):
    w = make_world(db_url, clock)
    registered(w, "late", 51, party_org=True)
    open_year(w)  # 2025: the annual report is due 2026-06-01 (SUP-1)
    return w


@pytest.fixture
def tongbu(db_url):
    runner = CliRunner()

    def run(*args: str) -> str:
        result = runner.invoke(
            main, list(args), env={"TONGBU_DATABASE_URL": db_url, "TONGBU_SMTP_HOST": ""}
        )
        assert result.exit_code == 0, result.output
        return result.output

    return run


def listed(world) -> list[tuple[int, str, str]]:
    t = AbnormalEntry.__table__
    with world.rt.reader() as r:
        return [
            (row.organization_id, row.reason, str(row.listed_on))
            for row in r.conn.execute(select(t).order_by(t.c.id))
        ]


def test_sup1_tongbu_sweep_lists_the_late_organization_as_a_scheduler_tick_does(world, tongbu):
    assert "abnormal list / 活动异常名录 (SUP-1): listed 0" in tongbu(
        "sweep", "--now", "2026-05-31T10:00"
    )
    preview = tongbu("sweep", "--now", "2026-06-02T09:00", "--dry-run")
    assert "would list 1" in preview and "watchers / 巡查: not run in a dry run" in preview
    assert listed(world) == []  # the dry run wrote nothing
    done = tongbu("sweep", "--now", "2026-06-02T09:00")
    assert "abnormal list / 活动异常名录 (SUP-1): listed 1" in done
    assert "watcher coverage_watch:" in done  # the tick's watchers ran too (INS-2)
    assert listed(world) == [(world.orgs["late"], "annual_report", "2026-06-02")]
    # Once per late deadline, whoever sweeps next: the CLI again, or a scheduler's tick.
    again = json.loads(tongbu("sweep", "--now", "2026-06-03T09:00", "--json"))
    assert again["abnormal_listed"] == 0
    assert set(again["watchers"]) == {"coverage_watch"}
    assert again["watchers"]["coverage_watch"]["matured_opened"] == 0
    at = datetime(2026, 6, 4, 1, 0, tzinfo=UTC)
    world.clock.at = at
    tick = Ticker(world.rt.engine, world.rt.definitions, SchedulerSettings(), clock=world.clock)
    assert tick.tick().abnormal_listed == 0
    assert len(listed(world)) == 1
    assert world.case(case_of(world, "late"))["state"] == "self_check"


def test_sup1_a_scheduler_tick_and_the_cli_report_the_same_listing(world, tongbu):
    """The tick reports what it listed; the CLI's JSON carries the same count."""
    tick = Ticker(world.rt.engine, world.rt.definitions, SchedulerSettings(), clock=world.clock)
    preview = tick.tick(datetime(2026, 6, 2, 1, 0, tzinfo=UTC), dry_run=True)
    assert (preview.abnormal_listed, preview.watched) == (1, {})
    with world.rt.reader() as r:
        count = select(func.count()).select_from(AbnormalEntry.__table__)
        assert r.conn.execute(count).scalar_one() == 0
    data = json.loads(tongbu("sweep", "--now", "2026-06-02T09:00", "--json"))
    assert data["abnormal_listed"] == preview.abnormal_listed == 1
