"""POST /api/v1/definitions/{procedure}/migrations (issue 15 item 6): the dry run as JSON,
a refused plan (422 plan-refused, nothing written), administrators only, input errors naming
the field, batches with `limit` and a resumed run — on SQLite and PostgreSQL. The same engine
calls as `tongbu definitions migrate` (test_version_migration_cli.py)."""

from __future__ import annotations

from typing import Any

import pytest
import yaml
from sqlalchemy import func, select

from engine.access import tokens
from engine.store.tables import Case, Event
from tests.api.conftest import Api
from tests.integration import migration_support as ms
from tests.world import make_world
from web import create_app


@pytest.fixture
def shipped(db_url, clock, tmp_path) -> Any:
    folder = ms.definitions_folder(tmp_path)
    w = make_world(db_url, clock, definitions_dir=folder)
    w.templates = ms.templates(w)
    w.n, w.m = ms.load_next_version(w, db_url, folder)
    w.plan = yaml.safe_load(ms.plan_text(w.n))
    app = create_app(runtime=w.rt)
    app.config["TESTING"] = True
    issued = {u: tokens.create_token(w.rt.uow(), u, "tests").token for u in ("admin", "li")}
    w.api = Api(app.test_client(), issued)
    return w


def _post(w: Any, user: str = "admin", **body: Any) -> Any:
    payload = {"from_version": w.n, "to_version": w.m, "plan": w.plan, **body}
    return w.api.post(f"/api/v1/definitions/{ms.PROCEDURE}/migrations", payload, user=user)


def _migrated(w: Any) -> int:
    with w.rt.engine.connect() as c:
        return c.execute(
            select(func.count()).select_from(Event.__table__).where(Event.kind == "migrated")
        ).scalar_one()


def test_the_dry_run_is_the_default_and_writes_nothing(shipped):
    resp = _post(shipped)
    assert resp.status_code == 200, resp.get_json()
    body = resp.get_json()
    assert body["dry_run"] is True and body["outcomes"] == [] and body["counts"] is None
    report = body["report"]
    assert report["refused"] is False and len(report["cases"]) == 4
    case = next(c for c in report["cases"] if c["case_id"] == shipped.templates["leadership"])
    assert (case["old_state"], case["new_state"]) == ("leadership", "verifying_transfer")
    opened = [d for d in case["deadlines"] if d["action"] == "opened"]
    assert [(d["key"], d["rule"], d["new_due"]) for d in opened] == [
        ("transfer_check", "DEC-1", "2026-03-09")
    ]
    assert _migrated(shipped) == 0


def test_a_plan_with_an_unmapped_state_is_refused_with_the_report(shipped):
    shipped.plan["states"].pop("leadership")
    for dry_run in (True, False):
        resp = _post(shipped, dry_run=dry_run)
        assert resp.status_code == 422 and resp.mimetype == "application/problem+json"
        body = resp.get_json()
        assert body["type"].endswith("#problem-plan-refused")
        fields = [p["field"] for p in body["report"]["plan_problems"]]
        assert "states.leadership" in fields
    assert _migrated(shipped) == 0


def test_administrators_only_and_input_errors_name_the_field(shipped):
    resp = _post(shipped, user="li")
    assert resp.status_code == 403 and "administrator" in resp.get_json()["detail"]
    resp = _post(shipped, dry_run="yes please", limit=0)
    errors = resp.get_json()["errors"]
    assert resp.status_code == 422 and set(errors) == {"dry_run", "limit"}
    shipped.plan["state"] = {"a": "b"}  # a typo refused, not ignored
    resp = _post(shipped)
    assert resp.status_code == 422 and "state" in resp.get_json()["errors"]
    assert _migrated(shipped) == 0


def test_batches_and_resume_migrate_each_case_once(shipped):
    first = _post(shipped, dry_run=False, limit=1).get_json()
    assert first["counts"]["migrated"] == 1 and first["stopped_at_limit"] is True
    again = _post(shipped, dry_run=False).get_json()
    assert again["counts"] == {"migrated": 3, "skipped": 0, "closed": 0, "refused": 0}
    assert again["report"]["migrated_before"] == 1
    last = _post(shipped, dry_run=False).get_json()
    assert last["counts"]["migrated"] == 0 and last["report"]["migrated_before"] == 4
    assert _migrated(shipped) == 4
    with shipped.rt.engine.connect() as c:
        versions = dict(
            c.execute(
                select(Case.definition_version, func.count()).group_by(Case.definition_version)
            ).all()
        )
    assert versions == {shipped.n: 1, shipped.m: 4}  # the closed case stays
