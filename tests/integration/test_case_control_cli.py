"""`tongbu case claim|assign|delegate|end-delegation|step-back|cancel|suspend|resume|control`
and `case list --owner` (issue 15, item 6), on SQLite and PostgreSQL: validated arguments, the
acting user (`--as`), the engine's refusals with their exit codes."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from engine.cases import handover
from tests.control import control_of, drill_runtime, drill_world, events, open_drill
from web.cli.core import main


@pytest.fixture
def world(db_url):
    w = drill_world(db_url)
    yield w
    w.rt.engine.dispose()


@pytest.fixture
def tongbu(world, db_url, monkeypatch):
    monkeypatch.setenv("TONGBU_DATABASE_URL", db_url)
    # The commands build their own runtime: with the drill, at the world's fixed clock.
    monkeypatch.setattr(
        "web.cli.base.build_runtime", lambda config: drill_runtime(config, clock=world.clock)
    )
    runner = CliRunner()

    def run(*args: str, code: int = 0) -> str:
        result = runner.invoke(main, list(args))
        assert result.exit_code == code, f"{args}: exit {result.exit_code}\n{result.output}"
        return result.output

    return run


def test_owners_from_the_shell(tongbu, world):
    cid = open_drill(world, "chaoyang", by="zhao")
    handover.hand_over(
        world.uow(),
        cid,
        {"unit": "cc-ng", "reason": "属地移交 / local", "expected_version": 1},
        actor=world.actors["chen"],
    )
    c = str(cid)
    assert "✓ claim" in tongbu("case", "control", c, "--as", "sun")
    out = tongbu("case", "list", "--as", "wang", "--owner", "unassigned", "--json")
    assert [r["id"] for r in json.loads(out)["items"]] == [cid]
    out = tongbu("case", "claim", c, "--as", "sun", "--reason", "我来办")
    assert "claim done" in out and "owner: 孙丽 (sun)" in out
    err = tongbu("case", "claim", c, "--as", "wang", code=2)
    assert "already has an owner" in err
    tongbu("case", "assign", c, "--to", "wang", "--as", "wang", code=5)  # not a supervisor
    err = tongbu("case", "assign", c, "--to", "wang", "--as", "li", code=2)
    assert "reason" in err
    tongbu("case", "assign", c, "--to", "wang", "--as", "li", "--reason", "调整分工")
    err = tongbu("case", "delegate", c, "--to", "sun", "--until", "someday", "--as", "wang",
                 "--reason", "出差", code=2)  # fmt: skip
    assert "until" in err
    out = tongbu("case", "delegate", c, "--to", "sun", "--until", "2026-03-09", "--as", "wang",
                 "--reason", "出差 / away")  # fmt: skip
    assert "delegated to 孙丽 (sun) until 2026-03-09" in out
    out = tongbu("case", "list", "--as", "sun", "--owner", "mine", "--json")
    assert [r["id"] for r in json.loads(out)["items"]] == [cid]
    tongbu("case", "end-delegation", c, "--as", "sun")
    assert control_of(world, cid).delegate is None
    tongbu("case", "claim", "0", "--as", "wang", code=2)  # click refuses the id itself


def test_corrections_from_the_shell(tongbu, world):
    cid = open_drill(world)
    world.fire(cid, "review")
    c = str(cid)
    tongbu("case", "step-back", c, "--to", "filed", "--as", "li", code=2)  # no --reason
    tongbu("case", "step-back", c, "--to", "filed", "--as", "wang", "--reason", "x" * 3, code=5)
    tongbu("case", "step-back", c, "--to", "filed", "--as", "li", "--reason", "有误",
           "--version", "1", code=4)  # fmt: skip
    err = tongbu("case", "step-back", c, "--to", "decided", "--as", "li", "--reason", "有误",
                 code=2)  # fmt: skip
    assert "to_state" in err
    out = tongbu("case", "step-back", c, "--to", "filed", "--as", "li", "--reason", "审查有误")
    assert "step-back → filed (version 3)" in out
    assert events(world, cid, "stepped_back")[0]["comment"] == "审查有误"
    assert "suspend → filed (version 4)" in tongbu(
        "case", "suspend", c, "--as", "li", "--reason", "等待裁定"
    )
    out = tongbu("case", "control", c, "--as", "wang")
    assert "suspended since" in out and "等待裁定" in out
    tongbu("case", "fire", c, "review", "--as", "wang", code=3)  # refused while suspended
    tongbu("case", "resume", c, "--as", "li", "--reason", "裁定已出")
    tongbu("case", "cancel", c, "--as", "li", "--reason", "撤回", "--version", "5")
    assert world.case(cid)["status"] == "closed"
