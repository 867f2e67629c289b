"""`tongbu definitions migrate` (issue 15 items 4 and 6): the dry run's listing and JSON, a
refused plan (exit 3, nothing written), input errors naming the option or field (exit 2), an
administrator only (exit 5), batches with --limit and a resumed run, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from engine.store.tables import Case, Event
from tests.integration import migration_support as ms
from tests.world import make_world
from web.cli.core import main


@pytest.fixture
def shipped(db_url, clock, tmp_path, monkeypatch) -> Any:
    folder = ms.definitions_folder(tmp_path)
    w = make_world(db_url, clock, definitions_dir=folder)
    w.templates = ms.templates(w)
    w.n, w.m = ms.load_next_version(w, db_url, folder)
    monkeypatch.setenv("TONGBU_DATABASE_URL", db_url)
    monkeypatch.setenv("TONGBU_DEFINITIONS_DIR", str(folder))
    w.plan = tmp_path / "plan.yaml"
    w.plan.write_text(ms.plan_text(w.n), encoding="utf-8")
    return w


def _tongbu(w: Any, *args: str, code: int = 0) -> str:
    base = ["definitions", "migrate", "decoupling", "--from", str(w.n), "--to", str(w.m)]
    result = CliRunner().invoke(main, [*base, *args])
    assert result.exit_code == code, f"{args}: exit {result.exit_code}\n{result.output}"
    return result.output


def _migrated(w: Any) -> int:
    with w.rt.engine.connect() as c:
        return c.execute(
            select(func.count()).select_from(Event.__table__).where(Event.kind == "migrated")
        ).scalar_one()


def test_dry_run_lists_every_case_and_writes_nothing(shipped):
    out = _tongbu(shipped, "--plan", str(shipped.plan), "--dry-run")
    case = shipped.templates["leadership"]
    assert f"case {case:>6}" in out
    assert f"v{shipped.n} leadership → v{shipped.m} verifying_transfer" in out
    assert "transfer_check [DEC-1]: opened / 新开, due 2026-03-09" in out
    assert "re-keyed / 改名 party_org_transfer → org_transfer" in out
    assert "leadership_relation [DEC-2]: cancelled / 取消" in out
    assert "4 open case(s)" in out and "dry run, nothing written / 预演，未写入" in out
    report = json.loads(_tongbu(shipped, "--plan", str(shipped.plan), "--dry-run", "--json"))
    assert report["refused"] is False and len(report["cases"]) == 4
    assert {c["new_state"] for c in report["cases"]} == {
        "handing_over",
        "transferring",
        "verifying_transfer",
        "monitoring",
    }
    assert _migrated(shipped) == 0


def test_a_refused_plan_exits_3_and_writes_nothing(shipped, tmp_path):
    states = {s: s for s in ("handing_over", "transferring", "monitoring")}
    bad = tmp_path / "bad.yaml"
    bad.write_text(ms.plan_text(shipped.n, states=states), encoding="utf-8")
    out = _tongbu(shipped, "--plan", str(bad), "--dry-run", code=3)
    assert "states.leadership" in out and "REFUSED / 不予迁移" in out
    out = _tongbu(shipped, "--plan", str(bad), code=3)
    assert "plan refused, nothing written / 方案不予执行，未写入" in out
    assert _migrated(shipped) == 0


def test_input_errors_name_the_option_or_the_field(shipped, tmp_path):
    out = _tongbu(shipped, "--plan", str(tmp_path / "missing.yaml"), code=2)
    assert "--plan" in out
    typo = tmp_path / "typo.yaml"
    typo.write_text("reason: 调整版本\nstate: {a: b}\n", encoding="utf-8")
    out = _tongbu(shipped, "--plan", str(typo), "--dry-run", code=2)
    assert "states:" in out and "state:" in out
    out = _tongbu(shipped, "--plan", str(shipped.plan), "--as", "li", code=5)
    assert "administrator" in out


def test_batches_and_resume(shipped):
    out = _tongbu(shipped, "--plan", str(shipped.plan), "--limit", "1", "--as", "admin")
    assert out.count("migrated case") == 1 and "stopped at --limit" in out
    out = _tongbu(shipped, "--plan", str(shipped.plan))
    assert out.count("migrated case") == 3 and "1 already migrated" in out
    out = _tongbu(shipped, "--plan", str(shipped.plan))
    assert "migrated / 已迁移 0" in out and "4 already migrated" in out
    assert _migrated(shipped) == 4
    with shipped.rt.engine.connect() as c:
        versions = c.execute(
            select(Case.definition_version, func.count()).group_by(Case.definition_version)
        ).all()
    assert dict(versions) == {shipped.n: 1, shipped.m: 4}  # the closed case stays
