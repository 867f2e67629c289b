"""The engine's promises on real databases (SQLite and PostgreSQL): atomic, audited, pinned."""

from __future__ import annotations

import shutil
import threading
from pathlib import Path

import pytest
import yaml
from marshmallow import ValidationError
from sqlalchemy import func, select

from engine.cases import read as case_read
from engine.cases import service as case_service
from engine.config import Config
from engine.definitions import sync as definition_sync
from engine.definitions.loader import DEFAULT_DIR
from engine.errors import Conflict, DefinitionError, Forbidden, TransitionRefused
from engine.registry import load_registry
from engine.snapshot import CreateRecord, SetData, UpdateOrganization
from engine.store.tables import Event, Organization
from tests.world import P1_DOCUMENTS, make_world, registration_steps, survey
from web.runtime import build_runtime


@pytest.fixture
def world(db_url, clock):
    return make_world(db_url, clock)


def snapshot(world, cid):
    """Everything a transition may touch, to compare before and after a refused or failed one."""
    case = world.case(cid)
    with world.rt.reader() as r:
        events = r.conn.execute(
            select(func.count()).select_from(Event).where(Event.case_id == cid)
        ).scalar_one()
        org = dict(
            r.conn.execute(
                select(Organization.__table__).where(
                    Organization.__table__.c.id == case["organization"]["id"]
                )
            )
            .mappings()
            .one()
        )
    deadlines = [(d["key"], d["status"]) for d in case["deadlines"]]
    return case["state"], case["version"], case["data"], events, org, deadlines


def drive(world, cid, upto: str):
    world.attach(cid, *P1_DOCUMENTS)
    for trigger, payload, user in registration_steps():
        world.fire(cid, trigger, payload, by=user)
        if trigger == upto:
            return


def race(world, cid: int, version: int) -> list[object]:
    """Two connections fire on one case with the same seen version, released together."""
    barrier = threading.Barrier(2)
    results: list[object] = []

    def attempt(i: int) -> None:
        barrier.wait()
        try:
            results.append(
                case_service.fire(
                    world.uow(),
                    world.rt.definitions,
                    cid,
                    "record_documents",
                    {"member_survey": survey(i + 1)},
                    actor=world.actors["wang"],
                    expected_version=version,
                )
            )
        except Conflict as exc:
            results.append(exc)

    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return results


def test_two_concurrent_fires_exactly_one_wins(world):
    """Same case, same seen version, two connections at once: one commits, one conflicts."""
    for round_ in range(3):
        cid = world.open("logistics")
        version = world.case(cid)["version"]
        results = race(world, cid, version)
        wins = [r for r in results if isinstance(r, dict)]
        conflicts = [r for r in results if isinstance(r, Conflict)]
        assert len(wins) == 1 and len(conflicts) == 1, (round_, results)
        assert conflicts[0].current_version == version + 1
        transitions = [e for e in world.history(cid) if e["kind"] == "transition"]
        assert len(transitions) == 1
        assert world.case(cid)["version"] == version + 1


def test_stale_version_is_a_conflict_and_changes_nothing(world):
    cid = world.open("logistics")
    world.fire(cid, "record_documents", {"member_survey": survey(3)})
    before = snapshot(world, cid)
    with pytest.raises(Conflict) as exc:
        world.fire(cid, "accept", version=1)
    assert exc.value.current_version == 2 and exc.value.current_state == "applied"
    assert snapshot(world, cid) == before


def test_refused_step_leaves_case_exactly_as_it_was(world):
    cid = world.open("logistics")
    before = snapshot(world, cid)
    with pytest.raises(TransitionRefused) as exc:
        world.fire(cid, "accept")
    assert exc.value.refusal.rule == "REG-1"
    assert snapshot(world, cid) == before


def test_invalid_input_leaves_case_exactly_as_it_was(world):
    cid = world.open("logistics")
    before = snapshot(world, cid)
    with pytest.raises(ValidationError) as exc:
        world.fire(cid, "record_documents", {"member_survey": {"full_members": "many"}})
    assert "member_survey" in exc.value.messages
    assert snapshot(world, cid) == before


def test_wrong_unit_and_wrong_role_are_forbidden_and_change_nothing(world):
    cid = world.open("logistics")
    drive(world, cid, "accept")
    before = snapshot(world, cid)
    with pytest.raises(Forbidden):
        world.fire(cid, "approve_charter", {}, by="zhao")  # another district
    with pytest.raises(Forbidden):
        world.case(cid, by="zhao")
    with pytest.raises(Forbidden):
        world.fire(cid, "reject", {"reason": "不符合条件"}, by="wang")  # supervisors only
    assert snapshot(world, cid) == before
    assert world.case(cid, by="chen")["id"] == cid  # the comprehensive committee sees below it


def test_transition_state_version_event_and_deadlines_commit_together(world):
    cid = world.open("logistics")
    drive(world, cid, "approve_charter")
    before_events = len(world.history(cid))
    out = world.fire(cid, *registration_steps()[3][:2], by="li")
    case = world.case(cid)
    assert (case["state"], case["version"]) == ("registered", out["version"])
    hist = world.history(cid)
    assert len(hist) == before_events + 1
    last = hist[-1]
    assert (last["trigger"], last["from_state"], last["to_state"], last["case_version"]) == (
        "register",
        "registration_review",
        "registered",
        out["version"],
    )
    assert last["rules"] == ["REG-4"] and last["actor_name"] == "李强"
    assert {d["key"] for d in case["deadlines"]} == {"forward_documents", "party_org_formation"}
    assert all(d["opened_by_event_id"] == last["id"] for d in case["deadlines"])


def _latest(folder: Path, procedure: str = "registration") -> tuple[Path, int]:
    """The newest version's file of a procedure (new cases open on it) and its number."""
    n = max(int(p.name.split(".v")[1].split(".")[0]) for p in folder.glob(f"{procedure}.v*.yaml"))
    return folder / f"{procedure}.v{n}.yaml", n


def test_action_failing_midway_rolls_everything_back(db_url, clock, tmp_path):
    """An intent that fails after others were written leaves the database as before the fire."""
    registry = load_registry()

    def explode(case, payload):
        yield SetData("half", True)
        yield UpdateOrganization({"full_members": 999})
        yield CreateRecord("no_such_entity", {})

    registry.add_actions({"test.explode": explode})
    folder = tmp_path / "defs"
    shutil.copytree(DEFAULT_DIR, folder, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    path, _n = _latest(folder)
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    accept = next(t for t in doc["transitions"] if t["trigger"] == "accept")
    accept["actions"] = ["test.explode"]
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    world = make_world(db_url, clock, definitions_dir=folder, registry=registry)
    cid = world.open("logistics")
    world.fire(cid, "record_documents", {"member_survey": survey(3)})
    world.attach(cid, "commitment_letter", "member_survey")
    before = snapshot(world, cid)
    with pytest.raises(ValueError, match="no_such_entity"):
        world.fire(cid, "accept")
    assert snapshot(world, cid) == before
    assert before[4]["full_members"] == 3


def _with_next(tmp_path: Path, change) -> tuple[Path, int]:
    """The shipped definitions plus a next P1 version (a copy of the newest, changed)."""
    folder = tmp_path / "defs2"
    shutil.copytree(DEFAULT_DIR, folder, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    path, n = _latest(folder)
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    doc["version"] = n + 1
    change(doc)
    (folder / f"registration.v{n + 1}.yaml").write_text(
        yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8"
    )
    return folder, n + 1


def test_case_stays_pinned_to_its_definition_version(db_url, clock, tmp_path):
    world = make_world(db_url, clock)
    old = world.open("logistics")

    def no_document_check(doc):
        accept = next(t for t in doc["transitions"] if t["trigger"] == "accept")
        accept["guards"], accept["materials"] = [], []

    folder, nxt = _with_next(tmp_path, no_document_check)
    rt2 = build_runtime(Config(database_url=db_url, definitions_dir=folder), clock=clock)
    definition_sync.sync_definitions(rt2.uow(), rt2.definitions)
    wang = world.actors["wang"]
    new = case_service.open_case(
        rt2.uow(),
        rt2.definitions,
        "registration",
        world.orgs["health"],
        {"applied_on": "2026-03-01", "founders": ["甲"]},
        actor=wang,
    )
    get = lambda c: case_read.get_case(rt2.uow(), rt2.definitions, c, actor=wang)  # noqa: E731
    assert (get(old)["definition_version"], get(new)["definition_version"]) == (nxt - 1, nxt)
    # The next version accepts without documents; the case pinned to the one before still
    # needs them (REG-1), under the same runtime.
    case_service.fire(rt2.uow(), rt2.definitions, new, "accept", {}, actor=wang, expected_version=1)
    with pytest.raises(TransitionRefused) as exc:
        case_service.fire(
            rt2.uow(), rt2.definitions, old, "accept", {}, actor=wang, expected_version=1
        )
    assert exc.value.refusal.rule == "REG-1"


def test_editing_a_definition_without_raising_its_version_is_refused(db_url, clock, tmp_path):
    make_world(db_url, clock)  # records the shipped content hashes
    folder = tmp_path / "edited"
    shutil.copytree(DEFAULT_DIR, folder, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    path = folder / "registration.v1.yaml"
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    doc["deadlines"][0]["period"] = "P2M"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    rt = build_runtime(Config(database_url=db_url, definitions_dir=folder), clock=clock)
    with pytest.raises(DefinitionError) as exc:
        definition_sync.sync_definitions(rt.uow(), rt.definitions)
    assert (
        "raise the version" in str(exc.value)
        and exc.value.problems[0].file == "registration.v1.yaml"
    )


def test_pinned_version_whose_file_disappeared_is_reported(db_url, clock, tmp_path):
    world = make_world(db_url, clock)
    folder, nxt = _with_next(tmp_path, lambda doc: None)
    rt2 = build_runtime(Config(database_url=db_url, definitions_dir=folder), clock=clock)
    definition_sync.sync_definitions(rt2.uow(), rt2.definitions)
    case_service.open_case(
        rt2.uow(),
        rt2.definitions,
        "registration",
        world.orgs["health"],
        {"applied_on": "2026-03-01", "founders": ["甲"]},
        actor=world.actors["wang"],
    )
    (folder / f"registration.v{nxt}.yaml").unlink()
    rt3 = build_runtime(Config(database_url=db_url, definitions_dir=folder), clock=clock)
    with pytest.raises(DefinitionError, match="pinned to this version"):
        definition_sync.sync_definitions(rt3.uow(), rt3.definitions)


def test_actions_list_allowed_and_refused_with_reasons(world):
    cid = world.open("logistics")
    acts = world.actions(cid)
    assert acts["record_documents"].allowed
    assert not acts["accept"].allowed and acts["accept"].refusal.rule == "REG-1"
    li_acts = world.actions(cid, by="li")
    assert not li_acts["record_documents"].role_ok  # a supervisor does not record documents


def test_duplicate_credit_code_is_invalid_input_not_a_crash(world):
    first = world.open("logistics")
    drive(world, first, "register")
    second = world.open("community")
    drive(world, second, "approve_charter")
    before = snapshot(world, second)
    with pytest.raises(ValidationError, match="INF-1"):
        world.fire(second, *registration_steps()[3][:2], by="li")  # same credit code again
    assert snapshot(world, second) == before
