"""The migration plan file and the deadlines a version runs per state (no database).

`engine.definitions.flow` is checked on every shipped definition (so a new procedure is
covered by being added) and on the figures a reader can verify by hand; the plan schema and
`check_plan` on decoupling and the test's v(N+1) (tests/integration/migration_support.py).
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from marshmallow import ValidationError

from engine.cases.migration import check_plan, load_plan
from engine.definitions.flow import deadlines_by_state, entries
from engine.definitions.loader import DEFAULT_DIR, collect
from engine.definitions.model import OPEN_TRIGGER, Definitions
from engine.registry import load_registry
from tests.integration import migration_support as ms


@pytest.fixture(scope="module")
def shipped() -> Definitions:
    defs, problems = collect(DEFAULT_DIR, load_registry())
    assert not problems and defs is not None
    return defs


@pytest.fixture(scope="module")
def with_next(tmp_path_factory: pytest.TempPathFactory) -> tuple[Definitions, int, int]:
    folder = ms.definitions_folder(tmp_path_factory.mktemp("defs"))
    n, m = ms.add_next_version(folder)
    defs, problems = collect(folder, load_registry())
    assert not problems and defs is not None
    return defs, n, m


def test_flow_holds_on_every_shipped_version(shipped):
    """What a step opens runs in its destination (unless terminal); `must` is within `may`;
    a terminal state runs nothing; the initial state runs what opens with the case."""
    for d in shipped:
        flow = deadlines_by_state(d)
        opened_at_start = {x.id for x in d.deadlines_opened_by(OPEN_TRIGGER)}
        assert flow[d.initial].may >= opened_at_start, d.key
        for state, runs in flow.items():
            assert runs.must <= runs.may, (d.key, state)
            if d.is_terminal(state):
                assert not runs.may, (d.key, state)
        for t in d.transitions:
            if not d.is_terminal(t.dest):
                opened = {x.id for x in d.deadlines_opened_by(t.trigger)}
                assert opened <= flow[t.dest].may, (d.key, t.trigger)


def test_flow_of_decoupling_and_secretary(shipped):
    dec = deadlines_by_state(shipped.get("decoupling", 3))
    assert {s: sorted(r.must) for s, r in dec.items() if r.may} == {
        "handing_over": ["archives_handover"],
        "transferring": ["leadership_relation", "party_org_transfer"],
        "leadership": ["leadership_relation", "normal_operation"],
        "monitoring": ["normal_operation"],
    }
    sec = deadlines_by_state(shipped.get("secretary", 3))
    # a vacancy after a renewal has no fill_vacancy running, one after a reported change has
    assert sec["vacancy"].must == frozenset()
    assert sec["vacancy"].may == {"fill_vacancy", "term_renewal"}
    assert sec["in_office"].must == {"annual_report", "term_renewal"}


def test_entries_leave_out_steps_that_stay(shipped):
    dec = shipped.get("decoupling", 3)
    assert [t.trigger for t in entries(dec, "monitoring")] == ["state_leadership"]
    assert [t.trigger for t in entries(dec, "handing_over")] == []


def test_the_plan_file_is_read_with_every_error_naming_its_field():
    with pytest.raises(ValidationError) as err:
        load_plan("reason: x\nstats: {a: b}\nfrom: one\ndata: {rename: {'a..b': c}}\n")
    messages = err.value.messages
    assert set(messages) == {"reason", "stats", "states", "from", "data"}
    assert "rename" in messages["data"]
    with pytest.raises(ValidationError) as err:
        load_plan("- not a mapping")
    assert "_schema" in err.value.messages
    with pytest.raises(ValidationError) as err:
        load_plan("reason: [unclosed")
    assert "YAML" in str(err.value.messages["_schema"])
    with pytest.raises(ValidationError) as err:
        load_plan({"reason": "ok ok", "states": {"a": "b\x00"}})
    assert "states" in err.value.messages


def test_the_plan_hash_ignores_layout_and_comments_not_meaning():
    one = load_plan("reason: 调整\nstates: {a: b, c: d}\n")
    two = load_plan("# why\nstates:\n  c: d\n  a: b\nreason: 调整\n")
    three = load_plan("reason: 调整\nstates: {a: b, c: e}\n")
    assert one.sha256 == two.sha256 != three.sha256
    dated = load_plan('reason: ok\nstates: {a: b}\ndata: {defaults: {"on": 2026-01-01}}\n')
    assert dated.data_defaults == {"on": "2026-01-01"}  # a YAML date is stored as the engine does


def test_a_key_yaml_reads_as_a_boolean_is_refused_not_renamed():
    with pytest.raises(ValidationError) as err:
        load_plan("reason: ok\nstates: {a: b}\ndata: {defaults: {on: 2026-01-01}}\n")
    assert "quote it" in str(err.value.messages["data"]["defaults"]["True"])


def test_check_plan_names_every_field_it_cannot_accept(with_next):
    defs, n, m = with_next
    source, target = defs.get("decoupling", n), defs.get("decoupling", m)
    text = ms.plan_text(n)
    assert check_plan(load_plan(text), source, target) == []
    doc = yaml.safe_load(text)
    doc["procedure"] = "secretary"
    del doc["states"]["monitoring"]
    doc["states"]["leadership"] = "normal"
    doc["data"]["require"] = {"nowhere": ["x"]}
    doc["data"]["rename"] = {"a": "a.b", "c": "x", "d": "x"}
    # `gone` is no deadline of the target; leadership_relation runs on by its own name too
    doc["deadlines"]["rename"] = {
        "party_org_transfer": "gone",
        "archives_handover": "leadership_relation",
    }
    problems = check_plan(load_plan(doc), source, target)
    fields = sorted(p.field for p in problems)
    assert fields == [
        "data.rename.a",
        "data.rename.c",
        "data.rename.d",
        "data.require.nowhere",
        "deadlines.rename.archives_handover",
        "deadlines.rename.party_org_transfer",
        "procedure",
        "states.leadership",
        "states.monitoring",
    ]
    assert all(p.zh and p.en for p in problems)


def test_a_migration_runs_forward_only(with_next, tmp_path: Path):
    from engine.cases.migration.run import _versions

    defs, n, m = with_next
    with pytest.raises(ValidationError) as err:
        _versions(defs, "decoupling", m, n)
    assert "to" in err.value.messages
