"""README's shell examples work on the demo as `make run` loads it (issue 18).

The examples are read from README.md itself (the block after "The same from a shell"), so a
README that names a case the demo does not hold, a step that case cannot take, or a version
it is not at fails here, in the README's order, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import re
import shlex
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from engine.clock import FixedClock
from engine.config import Config
from web.cli import main
from web.cli.base import Ctx
from web.runtime import build_runtime

README = Path(__file__).resolve().parents[2] / "README.md"
#: The demo's day: 10:00 in Shanghai (the demo dates its cases back from it).
DEMO_NOW = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)


def readme_examples() -> list[list[str]]:
    """The commands of README's shell example block, each as its arguments after `tongbu`."""
    text = README.read_text(encoding="utf-8")
    start = text.index("The same from a shell")
    block = re.search(r"```\n(.*?)```", text[start:], re.S)
    assert block, "README.md: no example block after 'The same from a shell'"
    commands = []
    for line in block.group(1).splitlines():
        args = shlex.split(line, comments=True)
        if args:
            assert args[0] == "tongbu", line
            commands.append(args[1:])
    return commands


def test_the_readme_examples_are_the_ones_this_test_knows():
    """What the examples show a newcomer: the inbox, a refusal with its rule, a step with
    input, a step with the version seen, the case, a definition, a sweep, the report."""
    assert [args[:2] for args in readme_examples()] == [
        ["case", "list"],
        ["case", "actions"],
        ["case", "fire"],
        ["case", "fire"],
        ["case", "show"],
        ["definitions", "show"],
        ["sweep", "--dry-run"],
        ["report", "overdue"],
    ]


@pytest.mark.slow
def test_every_readme_example_runs_on_the_demo_as_loaded(db_url):
    rt = build_runtime(
        Config(database_url=db_url, scheduler=False, testing=True), clock=FixedClock(DEMO_NOW)
    )
    ctx = Ctx()
    ctx._runtime = rt
    runner = CliRunner()
    try:
        loaded = runner.invoke(main, ["demo", "--today", "2026-11-25"], obj=ctx)
        assert loaded.exit_code == 0, loaded.output
        outputs = []
        for args in readme_examples():
            result = runner.invoke(main, args, obj=ctx)
            assert result.exit_code == 0, f"tongbu {shlex.join(args)}:\n{result.output}"
            outputs.append(result.output)
    finally:
        rt.engine.dispose()
    listed, actions, documents, accepted, shown, _definition, swept, report = outputs
    assert re.search(r"^\s+66\s+registration\s+applied", listed, re.M)
    assert "[REG-2]" in actions  # accept is refused until the survey's figures are recorded
    assert "record_documents → applied (version 2)" in documents
    assert "accept → charter_review (version 3)" in accepted
    assert "state: charter_review" in shown and "history (times Asia/Shanghai):" in shown
    assert "dry run" in swept and "escalations / 逾期督办" in swept
    assert "total / 合计" in report
