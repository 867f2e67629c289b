"""What a migration plan is refused for, and what the run does with a case that moved since
the dry run (issue 15 item 4), on SQLite and PostgreSQL, with one case per state.

The target is decoupling v(N+1) (tests/integration/migration_support.py); variants add a
required document to the step into `verifying_transfer`, or a guard that reads the data.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select, update
from werkzeug.security import generate_password_hash

from engine.cases import migration
from engine.errors import Forbidden
from engine.registry import load_registry
from engine.rules import Refusal
from engine.snapshot import CaseView
from engine.store.tables import Case, Event, User
from tests.e2e.ui_support import app_for, login
from tests.integration import migration_support as ms
from tests.world import make_world

cases_t, events_t = Case.__table__, Event.__table__


@pytest.fixture
def world(db_url, clock, tmp_path) -> Any:
    folder = ms.definitions_folder(tmp_path)
    w = make_world(db_url, clock, definitions_dir=folder)
    w.templates = ms.templates(w)
    w.folder, w.db_url = folder, db_url
    return w


def _plan(n: int, **kw: Any) -> migration.MigrationPlan:
    return migration.load_plan(ms.plan_text(n, **kw))


def _dry(w: Any, plan: migration.MigrationPlan, n: int, m: int) -> migration.MigrationReport:
    return migration.plan_migration(w.uow(), w.rt.definitions, plan, ms.PROCEDURE, n, m)


def _by_state(report: migration.MigrationReport) -> dict[str, migration.CasePlan]:
    return {c.old_state: c for c in report.cases}


def _version_state(w: Any, case_id: int) -> tuple[int, str]:
    with w.rt.engine.connect() as c:
        row = c.execute(
            select(cases_t.c.definition_version, cases_t.c.state).where(cases_t.c.id == case_id)
        ).one()
    return row.definition_version, row.state


def test_a_terminal_target_an_unknown_state_and_a_wrong_version_are_plan_problems(world):
    n, m = ms.load_next_version(world, world.db_url, world.folder)
    states = {
        "handing_over": "normal",  # terminal in the target: an open case ends by its step
        "transferring": "nowhere",
        "leadership": "verifying_transfer",
        "monitoring": "monitoring",
        "withdrawn": "withdrawn",  # a terminal source state: closed cases stay where they are
    }
    plan = migration.load_plan(
        ms.plan_text(n, states=states, to=m + 1, deadlines={"rename": {"nope": "org_transfer"}})
    )
    report = _dry(world, plan, n, m)
    assert report.refused
    assert sorted(p.field for p in report.plan_problems) == [
        "deadlines.rename.nope",
        "states.handing_over",
        "states.transferring",
        "states.withdrawn",
        "to",
    ]
    codes = {c.old_state: [p.code for p in c.problems] for c in report.cases}
    assert codes == {
        "handing_over": ["terminal"],
        "transferring": ["state_unmapped"],
        "leadership": [],
        "monitoring": [],
    }


def test_data_renames_defaults_and_required_paths(world):
    n, m = ms.load_next_version(world, world.db_url, world.folder)
    data = {
        "rename": {"handover_on": "archives_handed_over_on", "transfer": "party_org_transfer"},
        "defaults": {"verification.by": "陈刚"},
        "require": {"verifying_transfer": ["party_org_transfer.transferred_on"]},
    }
    report = _dry(world, _plan(n, data=data), n, m)
    assert not report.refused
    leadership = _by_state(report)["leadership"]
    assert leadership.data["archives_handed_over_on"] == "2026-02-12"
    assert "handover_on" not in leadership.data and "transfer" not in leadership.data
    assert leadership.data["verification"] == {"by": "陈刚"}
    # the target counts the verification from the transfer date, wherever the plan put it
    opened = next(d for d in leadership.deadlines if d.action == "opened")
    assert (opened.new_key, opened.anchor_from) == ("transfer_check", "migration_day")

    data["require"] = {"handing_over": ["handover_on"]}
    refused = _by_state(_dry(world, _plan(n, data=data), n, m))["handing_over"]
    assert [p.code for p in refused.problems] == ["data_missing"]
    assert "handover_on" in refused.problems[0].en


def test_rename_onto_a_value_already_there_is_refused(world):
    n, m = ms.load_next_version(world, world.db_url, world.folder)
    report = _dry(world, _plan(n, data={"rename": {"handover_on": "transfer"}}), n, m)
    codes = {c.old_state: [p.code for p in c.problems] for c in report.cases}
    assert codes["leadership"] == ["data_conflict"] and codes["transferring"] == []


def test_entering_a_state_needs_the_documents_its_step_requires(world):
    n, m = ms.load_next_version(world, world.db_url, world.folder, material=True)
    report = _dry(world, _plan(n), n, m)
    problems = {c.old_state: c.problems for c in report.cases}
    assert [p.code for p in problems["leadership"]] == ["materials_missing"]
    assert "党组织关系移交函" in problems["leadership"][0].zh
    assert all(not problems[s] for s in ("handing_over", "transferring", "monitoring"))
    # mapped to a state the transfer does not lead into, the same case fits
    states = {s: s for s in ("handing_over", "transferring", "monitoring")} | {
        "leadership": "stating_leadership"
    }
    assert not _dry(world, _plan(n, states=states), n, m).refused


def _reads_verification(case: CaseView, payload: Any) -> Refusal | None:
    """A target guard that reads a key the source version never wrote."""
    if case.data["verification"]["by"] == "":
        return Refusal("DEC-1", zh="核验人未填", en="Nobody verified")
    return None


def test_a_target_guard_that_cannot_read_the_data_refuses_the_case_until_a_default_fills_it(
    world,
):
    registry = load_registry()
    registry.add_guards({"migration_test.reads_verification": _reads_verification})
    n, m = ms.load_next_version(
        world,
        world.db_url,
        world.folder,
        registry=registry,
        guard="migration_test.reads_verification",
    )
    report = _dry(world, _plan(n), n, m)
    [problem] = _by_state(report)["leadership"].problems
    assert problem.code == "guard_error" and "KeyError" in problem.en
    fixed = _plan(n, data={"defaults": {"verification.by": "陈刚"}})
    assert not _dry(world, fixed, n, m).refused


def test_a_case_that_moves_during_the_run_is_replanned_closed_or_reported(world):
    t = world.templates
    n, m = ms.load_next_version(world, world.db_url, world.folder)
    plan = _plan(n, data={"rename": {"handover_on": "archives_handed_over_on"}})
    assert not _dry(world, plan, n, m).refused

    def meanwhile(outcome: migration.CaseOutcome) -> None:
        if outcome.case_id != t["handing_over"]:
            return
        # another caseworker steps the leadership case on; a supervisor calls one off; another
        # writer puts a value where the plan would rename onto
        world.fire(
            t["leadership"],
            "state_leadership",
            {
                "body_kind": "comprehensive_committee",
                "body_name": ms.RECEIVING,
                "stated_on": "2026-02-26",
            },
        )
        world.fire(t["transferring"], "withdraw", {"reason": "上级决定暂缓脱钩"}, by="li")
        with world.rt.engine.begin() as c:
            row = c.execute(select(cases_t).where(cases_t.c.id == t["monitoring"])).one()
            c.execute(
                update(cases_t)
                .where(cases_t.c.id == row.id)
                .values(
                    data={**row.data, "archives_handed_over_on": "2026-02-13"},
                    version=row.version + 1,
                )
            )

    run = migration.migrate(
        world.uow(), world.rt.definitions, plan, ms.PROCEDURE, n, m, on_case=meanwhile
    )
    outcomes = {o.case_id: o for o in run.outcomes}
    assert outcomes[t["handing_over"]].outcome == "migrated"
    assert outcomes[t["transferring"]].outcome == "closed"
    moved = outcomes[t["leadership"]]
    assert (moved.outcome, moved.replanned, moved.plan.new_state) == (
        "migrated",
        True,
        "monitoring",
    )
    reported = outcomes[t["monitoring"]]
    assert (reported.outcome, reported.replanned) == ("refused", True)
    assert [p.code for p in reported.plan.problems] == ["data_conflict"]
    assert _version_state(world, t["leadership"]) == (m, "monitoring")
    assert _version_state(world, t["monitoring"]) == (n, "monitoring")
    assert _version_state(world, t["transferring"]) == (n, "withdrawn")
    with world.rt.engine.connect() as c:
        kinds = (
            c.execute(select(events_t.c.case_id).where(events_t.c.kind == "migrated"))
            .scalars()
            .all()
        )
    assert sorted(kinds) == [t["handing_over"], t["leadership"]]


def test_only_an_administrator_migrates(world):
    n, m = ms.load_next_version(world, world.db_url, world.folder)
    with pytest.raises(Forbidden):
        migration.migrate(
            world.uow(), world.rt.definitions, _plan(n), ms.PROCEDURE, n, m,
            actor=world.actors["li"],
        )  # fmt: skip
    run = migration.migrate(
        world.uow(), world.rt.definitions, _plan(n), ms.PROCEDURE, n, m,
        actor=world.actors["admin"],
    )  # fmt: skip
    assert run.count("migrated") == 4
    history = world.history(world.templates["leadership"])
    last = history[-1]
    assert (last["kind"], last["actor_name"], last["from_state"], last["to_state"]) == (
        "migrated",
        "管理员",
        "leadership",
        "verifying_transfer",
    )
    assert last["payload"]["from_version"] == n and last["payload"]["to_version"] == m
    case = world.case(world.templates["leadership"])
    assert (case["definition_version"], case["state"]) == (m, "verifying_transfer")
    # the migrated case goes on under the target: its new step is there
    assert "verify_transfer" in world.actions(world.templates["leadership"], by="li")


def test_the_case_page_shows_the_version_and_the_migration_in_both_languages(world):
    n, m = ms.load_next_version(world, world.db_url, world.folder)
    migration.migrate(world.uow(), world.rt.definitions, _plan(n), ms.PROCEDURE, n, m)
    with world.rt.uow() as u:
        u.conn.execute(update(User.__table__).values(password_hash=generate_password_hash("pw")))
        u.commit()
    client = app_for(world).test_client()
    login(client, "admin", "pw")
    case = world.templates["leadership"]
    zh = client.get(f"/cases/{case}", headers={"Accept-Language": "zh"}).get_data(as_text=True)
    en = client.get(f"/cases/{case}", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert f"v{m}</span>" in zh and f"v{m}</span>" in en
    assert "迁移至新版本" in zh and "Moved to a new version" in en
    assert f"v{n} → v{m}" in zh
    # the states of the old version keep their names in the old events and the migration
    assert zh.count("待明确领导关系") >= 2 and "核验党组织移转" in zh
    assert "Leadership relation to state" in en
