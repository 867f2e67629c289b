"""Definition files are validated at load: every problem names its file and path."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from engine.definitions.loader import DEFAULT_DIR, collect, content_hash, load_definitions
from engine.errors import DefinitionError
from engine.registry import load_registry
from web.cli.core import main

REGISTRY = load_registry()
SHIPPED = sorted(p.name for p in DEFAULT_DIR.glob("*.v*.yaml"))


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_definition_loads_cleanly(name):
    defs, problems = collect(DEFAULT_DIR, REGISTRY)
    assert problems == []
    assert any(d.file == name for d in defs)


@pytest.mark.parametrize("name", SHIPPED)
def test_every_transition_and_deadline_cites_catalogued_rules(name):
    defs = load_definitions(DEFAULT_DIR, REGISTRY)
    d = next(d for d in defs if d.file == name)
    for t in d.transitions:
        assert t.rules and all(r in defs.catalogue for r in t.rules)
    for dl in d.deadlines:
        assert dl.rule in defs.catalogue


def broken_copy(
    tmp_path: Path, mutate: Callable[[dict], None], name: str = "registration.v1.yaml"
) -> Path:
    folder = tmp_path / "defs"
    shutil.copytree(DEFAULT_DIR, folder, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    doc = yaml.safe_load((folder / name).read_text(encoding="utf-8"))
    mutate(doc)
    (folder / name).write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    return folder


def _transition(doc: dict, trigger: str) -> dict:
    return next(t for t in doc["transitions"] if t["trigger"] == trigger)


def _drop_state_in(doc: dict) -> None:
    doc["transitions"] = [t for t in doc["transitions"] if t["dest"] != "awaiting_coverage"]


def _dead_end(doc: dict) -> None:
    for t in doc["transitions"]:
        t["sources"] = [s for s in t["sources"] if s != "awaiting_coverage"]
    doc["transitions"] = [t for t in doc["transitions"] if t["sources"]]


def _reaction(**kw: object) -> dict:
    """A well-formed reaction (engine.cases.reactions), changed by `kw`."""
    r = {
        "on": ["accept"],
        "do": "fire",
        "procedure": "secretary",
        "trigger": "close_post",
        "rule": "REG-1",
        "label": {"zh": "联动", "en": "Linked"},
    }
    r.update(kw)
    return {k: v for k, v in r.items() if v is not None}


CASES = [
    (
        "unknown state",
        lambda d: _transition(d, "accept").update(dest="nowhere"),
        "transitions.1.dest",
        "unknown state 'nowhere'",
    ),
    (
        "unknown source",
        lambda d: _transition(d, "accept").update(sources=["limbo"]),
        "transitions.1.sources.0",
        "unknown state 'limbo'",
    ),
    ("unreachable state", _drop_state_in, "states.8", "unreachable"),
    ("dead end", _dead_end, "states.8", "dead end"),
    (
        "unknown guard",
        lambda d: _transition(d, "accept")["guards"].append("registration.no_such_guard"),
        "transitions.1.guards.1",
        "not registered",
    ),
    (
        "unknown action",
        lambda d: _transition(d, "accept").update(actions=["nope.act"]),
        "transitions.1.actions.0",
        "not registered",
    ),
    (
        "unknown schema",
        lambda d: _transition(d, "accept").update(schema="nope.schema"),
        "transitions.1.schema",
        "not registered",
    ),
    (
        "missing label",
        lambda d: d["states"][1]["label"].pop("en"),
        "states.1.label.en",
        "Missing data",
    ),
    (
        "rule not in catalogue",
        lambda d: _transition(d, "accept")["rules"].append("REG-99"),
        "transitions.1.rules.1",
        "not in the rules catalogue",
    ),
    (
        "deadline unknown trigger",
        lambda d: d["deadlines"][0].update(closes_on=["teleport"]),
        "deadlines.0.closes_on.0",
        "unknown trigger",
    ),
    (
        "deadline met and cancelled by one step",
        lambda d: d["deadlines"][0].update(cancels_on=["forward_documents"]),
        "deadlines.0.cancels_on.0",
        "both meets and cancels it",
    ),
    (
        "deadline cancelled by an unknown step",
        lambda d: d["deadlines"][0].update(cancels_on=["teleport"]),
        "deadlines.0.cancels_on.0",
        "unknown trigger",
    ),
    (
        "bad period",
        lambda d: d["deadlines"][0].update(period="one month"),
        "deadlines.0.period",
        "not an ISO-8601 period",
    ),
    (
        "bad role",
        lambda d: _transition(d, "accept").update(roles=["janitor"]),
        "transitions.1.roles.0",
        "Must be one of",
    ),
    ("version mismatch", lambda d: d.update(version=2), "procedure/version", "file name"),
    (
        "reaction to an unknown procedure",
        lambda d: d.update(reactions=[_reaction(procedure="nope")]),
        "reactions.0.procedure",
        "unknown procedure 'nope'",
    ),
    (
        "reaction on an unknown step",
        lambda d: d.update(reactions=[_reaction(on=["teleport"])]),
        "reactions.0.on.0",
        "unknown trigger 'teleport'",
    ),
    (
        "fire reaction without its step",
        lambda d: d.update(reactions=[_reaction(trigger=None)]),
        "reactions.0.trigger",
        "names the step it fires",
    ),
    (
        "fire reaction naming a step the procedure lacks",
        lambda d: d.update(reactions=[_reaction(trigger="teleport")]),
        "reactions.0.trigger",
        "no version of 'secretary' has a step 'teleport'",
    ),
    (
        "reaction value path malformed",
        lambda d: d.update(reactions=[_reaction(payload={"x": "data.Bad Path"})]),
        "reactions.0.payload.x.value",
        "a path is data.",
    ),
    (
        "hand-over not a data path",
        lambda d: _transition(d, "accept").update(hand_over="unit 7"),
        "transitions.1.hand_over",
        "data.<field>",
    ),
]


@pytest.mark.parametrize(("title", "mutate", "path", "problem"), CASES, ids=[c[0] for c in CASES])
def test_broken_definition_names_file_path_and_problem(tmp_path, title, mutate, path, problem):
    folder = broken_copy(tmp_path, mutate)
    _, problems = collect(folder, REGISTRY)
    assert any(
        p.file == "registration.v1.yaml" and p.path == path and problem in p.problem
        for p in problems
    ), problems
    with pytest.raises(DefinitionError):
        load_definitions(folder, REGISTRY)


def test_check_command_exits_nonzero_naming_file_and_path(tmp_path):
    folder = broken_copy(tmp_path, lambda d: _transition(d, "accept").update(dest="nowhere"))
    result = CliRunner().invoke(main, ["definitions", "check", "--dir", str(folder)])
    assert result.exit_code == 1
    assert "registration.v1.yaml: transitions.1.dest: unknown state 'nowhere'" in result.output


def test_check_command_passes_on_shipped_definitions():
    result = CliRunner().invoke(main, ["definitions", "check"])
    assert result.exit_code == 0, result.output
    assert "registration v1" in result.output


def test_definitions_dir_env_points_elsewhere(tmp_path, monkeypatch):
    folder = broken_copy(tmp_path, lambda d: d["states"][0]["label"].pop("zh"))
    monkeypatch.setenv("TONGBU_DEFINITIONS_DIR", str(folder))
    result = CliRunner().invoke(main, ["definitions", "check"])
    assert result.exit_code == 1 and "states.0.label.zh" in result.output


def test_rules_catalogue_problems_are_reported(tmp_path):
    folder = broken_copy(tmp_path, lambda d: None)
    (folder / "rules.yaml").write_text("rules:\n  - {id: bad id, zh: x, en: y}\n", encoding="utf-8")
    _, problems = collect(folder, REGISTRY)
    assert any(p.file == "rules.yaml" and p.path == "rules.0.id" for p in problems)


def test_content_hash_ignores_layout_but_not_meaning():
    doc = yaml.safe_load((DEFAULT_DIR / "registration.v1.yaml").read_text(encoding="utf-8"))
    same = yaml.safe_load(yaml.safe_dump(doc, default_flow_style=True))
    assert content_hash(doc) == content_hash(same)
    doc["states"][0]["label"]["en"] = "Changed"
    assert content_hash(doc) != content_hash(same)


def test_show_prints_states_transitions_and_deadlines(tmp_path, monkeypatch):
    monkeypatch.setenv("TONGBU_DATABASE_URL", f"sqlite:///{tmp_path}/x.db")
    from engine.store.migrate import upgrade

    upgrade(f"sqlite:///{tmp_path}/x.db")
    result = CliRunner().invoke(main, ["definitions", "show", "registration"])
    assert result.exit_code == 0, result.output
    for text in ("states:", "transitions:", "deadlines:", "forward_documents", "P1M", "REG-5"):
        assert text in result.output


def _package_folder(tmp_path: Path, rules: list[dict], parameters: list[dict]) -> Path:
    """A procedure package's own definitions folder: a copy of P1 under another name."""
    folder = tmp_path / "pkg" / "definitions"
    folder.mkdir(parents=True)
    doc = yaml.safe_load((DEFAULT_DIR / "registration.v1.yaml").read_text(encoding="utf-8"))
    doc["procedure"] = "registration_copy"
    (folder / "registration_copy.v1.yaml").write_text(yaml.safe_dump(doc, allow_unicode=True))
    (folder / "rules.yaml").write_text(yaml.safe_dump({"rules": rules}, allow_unicode=True))
    (folder / "parameters.yaml").write_text(
        yaml.safe_dump({"parameters": parameters}, allow_unicode=True)
    )
    return folder


PKG_RULE = {"id": "PKG-1", "zh": "包内规则", "en": "A package rule", "sources": ["pkg §1"]}
PKG_PARAMETER = {
    "id": "pkg_days",
    "value": 10,
    "unit": "days",
    "rule": "PKG-1",
    "description": {"zh": "天数", "en": "days"},
}


def test_a_package_ships_its_definitions_rules_and_parameters(tmp_path):
    registry = load_registry()
    registry.definitions(_package_folder(tmp_path, [PKG_RULE], [PKG_PARAMETER]))
    defs = load_definitions(DEFAULT_DIR, registry)
    copy = defs.get("registration_copy")
    assert copy.file == "pkg/definitions/registration_copy.v1.yaml"
    assert "PKG-1" in defs.catalogue and defs.parameters["pkg_days"] == 10
    assert {d.procedure for d in defs} >= {"registration", "registration_copy"}


def test_the_deployment_parameters_override_a_package_default(tmp_path):
    deployment = tmp_path / "deployment"
    shutil.copytree(DEFAULT_DIR, deployment)
    params = yaml.safe_load((deployment / "parameters.yaml").read_text(encoding="utf-8"))
    params["parameters"].append({**PKG_PARAMETER, "value": 15})
    (deployment / "parameters.yaml").write_text(yaml.safe_dump(params, allow_unicode=True))
    rules = yaml.safe_load((deployment / "rules.yaml").read_text(encoding="utf-8"))
    rules["rules"].append(PKG_RULE)  # the same rule, the same text: no conflict
    (deployment / "rules.yaml").write_text(yaml.safe_dump(rules, allow_unicode=True))
    registry = load_registry()
    registry.definitions(_package_folder(tmp_path, [PKG_RULE], [PKG_PARAMETER]))
    assert load_definitions(deployment, registry).parameters["pkg_days"] == 15


def test_a_package_rule_that_contradicts_the_catalogue_is_a_problem(tmp_path):
    reg5 = {"id": "REG-5", "zh": "另一种说法", "en": "another text", "sources": ["pkg §5"]}
    registry = load_registry()
    registry.definitions(_package_folder(tmp_path, [PKG_RULE, reg5], [PKG_PARAMETER]))
    _, problems = collect(DEFAULT_DIR, registry)
    assert [(p.file, p.path) for p in problems] == [("pkg/definitions/rules.yaml", "rules.REG-5")]
    assert "already defined with another text" in problems[0].problem


def test_a_missing_package_folder_is_a_problem(tmp_path):
    registry = load_registry()
    registry.definitions(tmp_path / "gone" / "definitions")
    _, problems = collect(DEFAULT_DIR, registry)
    assert [(p.file, p.problem) for p in problems] == [
        ("gone/definitions/", "a procedure package's folder is missing")
    ]
