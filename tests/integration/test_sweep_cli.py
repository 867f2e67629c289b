"""`tongbu sweep --now … [--dry-run]`, `tongbu report overdue`, `tongbu notifications …`."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from engine.oversight import sweep as escalation
from engine.store.tables import Event
from tests.integration.test_escalation import registered_cases
from tests.world import make_world, registration_steps
from web.cli.core import main


@pytest.fixture
def world(db_url, clock):
    return make_world(db_url, clock)


@pytest.fixture
def tongbu(db_url):
    runner = CliRunner()

    def run(*args: str, code: int = 0) -> str:
        result = runner.invoke(
            main, list(args), env={"TONGBU_DATABASE_URL": db_url, "TONGBU_SMTP_HOST": ""}
        )
        assert result.exit_code == code, result.output
        return result.output

    return run


def events(world) -> int:
    with world.rt.reader() as r:
        return r.conn.execute(select(func.count()).select_from(Event.__table__)).scalar_one()


def test_sweep_dry_run_prints_what_would_happen_and_writes_nothing(world, tongbu):
    (cid,) = registered_cases(world, 1)
    before = events(world)
    out = tongbu("sweep", "--now", "2026-04-11", "--dry-run")
    assert "dry run" in out and "2026-04-11 00:00 Asia/Shanghai" in out
    assert f"case {cid:>5}  forward_documents [REG-5] level 1 → assignee: 王芳" in out
    assert "level 2 → unit_supervisor: 李强" in out
    assert "stalled / 停滞: 1" in out
    assert "would remind 0, escalate 2, flag 1 stalled" in out
    assert events(world) == before
    again = tongbu("sweep", "--now", "2026-04-11", "--dry-run")
    assert again == out


def test_sweep_without_dry_run_does_it_once(world, tongbu):
    (cid,) = registered_cases(world, 1)
    before = events(world)
    out = tongbu("sweep", "--now", "2026-04-11T00:00")
    assert "reminded 0, escalated 2, flagged 1 stalled" in out
    assert events(world) == before + 3
    assert "escalated 0, flagged 0 stalled" in tongbu("sweep", "--now", "2026-04-11")
    assert events(world) == before + 3
    data = json.loads(tongbu("sweep", "--now", "2026-04-18", "--json"))
    assert [(x["case_id"], x["level"], x["to"]) for x in data["escalations"]] == [
        (cid, 3, "upper_body")
    ]


def test_sweep_at_a_chosen_time_does_not_hide_later_stalls_from_the_real_scheduler(world, tongbu):
    """A drill at a future --now flags what is stalled then, but must not move the stall
    watermark: a case that becomes active and then quiet again in real time is still found."""
    (cid,) = registered_cases(world, 1)
    assert "flagged 1 stalled" in tongbu("sweep", "--now", "2026-12-01")
    world.clock.advance(days=8)
    world.fire(cid, *registration_steps()[4][:2], by="wang")  # activity on 2026-03-10
    world.clock.advance(days=31)
    r = escalation.sweep(world.uow(), world.rt.definitions, now=world.clock.now())  # 2026-04-10
    assert [s["case_id"] for s in r.stalled] == [cid]


def test_bad_now_is_refused_with_the_field_named(world, tongbu):
    out = tongbu("sweep", "--now", "May 1st", code=2)
    assert "--now" in out and "YYYY-MM-DD" in out


def test_report_overdue_prints_the_acc1_table(world, tongbu):
    (cid,) = registered_cases(world, 1)
    tongbu("sweep", "--now", "2026-04-11")  # REG-5 ran out 2026-04-02: level 2 is due 04-10
    out = tongbu("report", "overdue", "--now", "2026-04-11")
    assert "ACC-1" in out
    line = next(x for x in out.splitlines() if x.startswith("南关区民政局 cc-ng"))
    assert line.split()[2:7] == ["1", "0", "1", "1", "1"]  # open, due soon, overdue, esc., stalled
    assert f"case {cid} forward_documents [REG-5]" in line
    as_li = json.loads(tongbu("report", "overdue", "--as", "li", "--json", "--now", "2026-04-11"))
    assert as_li["totals"] == {
        "open": 1,
        "due_soon": 0,
        "overdue": 1,
        "escalated": 1,
        "stalled": 1,
    }
    zhao = json.loads(tongbu("report", "overdue", "--as", "zhao", "--json"))
    assert zhao["rows"] == []  # Chaoyang sees nothing of Nanguan
    listed = tongbu(
        "report", "overdue", "--list", "overdue", "--unit", "cc-ng", "--now", "2026-04-11"
    )
    assert f"case {cid:>5}" in listed and "forward_documents [REG-5]" in listed


def test_notifications_commands(world, tongbu):
    registered_cases(world, 1)
    tongbu("sweep", "--now", "2026-04-11")
    out = tongbu("notifications", "list", "--as", "li")
    assert "李强: 2 unread" in out and "逾期督办（第2级" in out
    tongbu("notifications", "read", "--as", "li", "--all")
    assert "李强: 0 unread" in tongbu("notifications", "list", "--as", "li")
    assert "give notification ids or --all" in tongbu("notifications", "read", "--as", "li", code=2)
    assert "TONGBU_SMTP_HOST" in tongbu("notifications", "deliver", code=2)
    assert "digest notification(s) written" in tongbu(
        "notifications", "digest", "--now", "2026-04-11T09:00"
    )
