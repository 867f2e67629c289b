"""Loading the definitions folder: read, validate, check semantics, build the machines.

Every problem is reported with its file and path; nothing half-loaded is ever returned.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import deque
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml
from marshmallow import ValidationError

from engine.calendar import Period
from engine.definitions.machine import ProcedureMachine
from engine.definitions.model import (
    CAMPAIGN_TRIGGER,
    OPEN_TRIGGER,
    DeadlineDef,
    Definition,
    Definitions,
    EscalationStep,
    Hold,
    Label,
    MaterialDef,
    ReactionDef,
    StateDef,
    TransitionDef,
)
from engine.definitions.parameters import PARAMETERS_FILE, Parameters, load_parameters
from engine.definitions.schema import (
    PARAM_PREFIX,
    DefinitionSchema,
    RulesFileSchema,
    flatten_messages,
)
from engine.errors import DefinitionError, Problem
from engine.registry import Registry
from engine.rules import Rule, RuleCatalogue

DEFAULT_DIR = Path(__file__).resolve().parents[2] / "definitions"


RULES_FILE = "rules.yaml"


_DEFINITION_FILE = re.compile(r"^(?P<name>[a-z][a-z0-9_]*)\.v(?P<version>\d+)\.ya?ml$")


def _read_yaml(path: Path, problems: list[Problem]) -> Any:
    try:
        with path.open(encoding="utf-8") as fh:
            return yaml.safe_load(fh)
    except (OSError, yaml.YAMLError) as exc:
        problems.append(Problem(path.name, "<file>", f"cannot read YAML: {exc}"))
        return None


def content_hash(document: Any) -> str:
    """Hash of the parsed content: comments and layout may change, meaning may not."""
    canonical = json.dumps(document, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def load_catalogue(directory: Path, problems: list[Problem], label: str = "") -> RuleCatalogue:
    """The rules of one folder; `label` prefixes the file name in problems (package folders)."""
    path = directory / RULES_FILE
    if not path.exists():
        problems.append(Problem(label + RULES_FILE, "<file>", "rules catalogue missing"))
        return RuleCatalogue({})
    raw = _read_yaml(path, problems)
    try:
        doc = RulesFileSchema().load(raw if isinstance(raw, dict) else {})
    except ValidationError as err:
        problems.extend(
            Problem(label + RULES_FILE, p, m) for p, m in flatten_messages(err.messages)
        )
        return RuleCatalogue({})
    return RuleCatalogue(
        {r["id"]: Rule(r["id"], r["zh"], r["en"], tuple(r["sources"])) for r in doc["rules"]}
    )


def _merge_rules(
    base: RuleCatalogue, extra: RuleCatalogue, label: str, problems: list[Problem]
) -> RuleCatalogue:
    """A package's rules join the catalogue; one ID means one text, wherever it is written."""
    merged = dict(base.rules)
    for rule_id, rule in extra.rules.items():
        if rule_id in merged and merged[rule_id] != rule:
            problems.append(
                Problem(
                    label + RULES_FILE,
                    f"rules.{rule_id}",
                    "already defined with another text by the deployment or another package",
                )
            )
            continue
        merged[rule_id] = rule
    return RuleCatalogue(merged)


def _package_folders(registry: Registry) -> list[tuple[Path, str]]:
    """Definition folders the installed procedure packages ship, each with its display label."""
    return [(f, f"{f.parent.name}/{f.name}/") for f in registry.definition_folders]


def _check_semantics(
    doc: dict,
    fname: str,
    registry: Registry,
    catalogue: RuleCatalogue,
    parameters: Mapping[str, Any] | None = None,
) -> list[Problem]:
    problems: list[Problem] = []

    def bad(path: str, problem: str) -> None:
        problems.append(Problem(fname, path, problem))

    state_ids = [s["id"] for s in doc["states"]]
    states = set(state_ids)
    for i, sid in enumerate(state_ids):
        if state_ids.index(sid) != i:
            bad(f"states.{i}.id", f"duplicate state {sid!r}")
    if doc["initial"] not in states:
        bad("initial", f"unknown state {doc['initial']!r}")
    triggers: set[str] = set()
    outgoing: dict[str, int] = {s: 0 for s in states}
    material_labels: dict[str, Any] = {}
    edges: dict[str, set[str]] = {s: set() for s in states}
    for i, t in enumerate(doc["transitions"]):
        base = f"transitions.{i}"
        triggers.add(t["trigger"])
        if t["dest"] not in states:
            bad(f"{base}.dest", f"unknown state {t['dest']!r}")
        for j, src in enumerate(t["sources"]):
            if src not in states:
                bad(f"{base}.sources.{j}", f"unknown state {src!r}")
                continue
            outgoing[src] += 1
            if t["dest"] in states:
                edges[src].add(t["dest"])
        if t["schema"] is not None and t["schema"] not in registry.schemas:
            bad(f"{base}.schema", f"schema {t['schema']!r} is not registered by any workflow")
        for j, g in enumerate(t["guards"]):
            if g not in registry.guards:
                bad(f"{base}.guards.{j}", f"guard {g!r} is not registered by any workflow")
        for j, a in enumerate(t["actions"]):
            if a not in registry.actions:
                bad(f"{base}.actions.{j}", f"action {a!r} is not registered by any workflow")
        for j, r in enumerate(t["rules"]):
            if r not in catalogue:
                bad(f"{base}.rules.{j}", f"rule {r!r} is not in the rules catalogue")
        seen_here: set[str] = set()
        for j, m in enumerate(t["materials"]):
            if m["rule"] not in catalogue:
                bad(
                    f"{base}.materials.{j}.rule",
                    f"rule {m['rule']!r} is not in the rules catalogue",
                )
            if m["id"] in seen_here:
                bad(f"{base}.materials.{j}.id", f"material {m['id']!r} is named twice in this step")
            seen_here.add(m["id"])
            first = material_labels.setdefault(m["id"], m["label"])
            if first != m["label"]:
                bad(
                    f"{base}.materials.{j}.label",
                    f"material {m['id']!r} has another label elsewhere in this file: one id, "
                    "one document",
                )
    if doc["open_schema"] is not None and doc["open_schema"] not in registry.schemas:
        bad("open_schema", f"schema {doc['open_schema']!r} is not registered by any workflow")
    for j, a in enumerate(doc["open_actions"]):
        if a not in registry.actions:
            bad(f"open_actions.{j}", f"action {a!r} is not registered by any workflow")
    for j, r in enumerate(doc["rules"]):
        if r not in catalogue:
            bad(f"rules.{j}", f"rule {r!r} is not in the rules catalogue")
    for i, s in enumerate(doc["states"]):
        if s["terminal"] and s["waiting"]:
            bad(f"states.{i}.waiting", f"terminal state {s['id']!r} cannot be waiting")
        if s["terminal"] and outgoing.get(s["id"]):
            bad(f"states.{i}", f"terminal state {s['id']!r} has outgoing transitions")
        if not s["terminal"] and not outgoing.get(s["id"]):
            bad(f"states.{i}", f"dead end: non-terminal state {s['id']!r} has no transition out")
    if doc["initial"] in states:
        seen = {doc["initial"]}
        queue = deque([doc["initial"]])
        while queue:
            for nxt in edges[queue.popleft()]:
                if nxt not in seen:
                    seen.add(nxt)
                    queue.append(nxt)
        for i, sid in enumerate(state_ids):
            if sid not in seen:
                bad(f"states.{i}", f"unreachable: no path from {doc['initial']!r} to {sid!r}")
    for i, d in enumerate(doc["deadlines"]):
        base = f"deadlines.{i}"
        if d["rule"] not in catalogue:
            bad(f"{base}.rule", f"rule {d['rule']!r} is not in the rules catalogue")
        for j, trig in enumerate(d["cancels_on"]):
            if trig in d["closes_on"]:
                bad(f"{base}.cancels_on.{j}", f"{trig!r} both meets and cancels it")
        for key in ("opens_on", "closes_on", "cancels_on"):
            for j, trig in enumerate(d[key]):
                if trig not in triggers and not (
                    key == "opens_on" and trig in (OPEN_TRIGGER, CAMPAIGN_TRIGGER)
                ):
                    bad(f"{base}.{key}.{j}", f"unknown trigger {trig!r}")
        if d["period"].startswith(PARAM_PREFIX):
            problem = _parameter_period_problem(d["period"], parameters)
            if problem:
                bad(f"{base}.period", problem)
    for i, r in enumerate(doc["reactions"]):
        if r["rule"] not in catalogue:
            bad(f"reactions.{i}.rule", f"rule {r['rule']!r} is not in the rules catalogue")
        for j, trig in enumerate(r["on"]):
            if trig not in triggers:
                bad(f"reactions.{i}.on.{j}", f"unknown trigger {trig!r}")
    for i, h in enumerate(doc["holds"]):
        if h["rule"] not in catalogue:
            bad(f"holds.{i}.rule", f"rule {h['rule']!r} is not in the rules catalogue")
    for i, pid in enumerate(doc["parameters"]):
        if parameters is None or pid not in parameters:
            bad(f"parameters.{i}", f"unknown parameter {pid!r} (see parameters.yaml)")
    return problems


def _parameter_period_problem(ref: str, parameters: Mapping[str, Any] | None) -> str | None:
    """Why `param:<id>` cannot serve as a period, or None (it names a period parameter)."""
    pid = ref.removeprefix(PARAM_PREFIX)
    if parameters is None or pid not in parameters:
        return f"unknown parameter {pid!r} (see parameters.yaml)"
    describe = getattr(parameters, "describe", None)
    unit = describe(pid).unit if describe else "period"
    if unit != "period":
        return f"parameter {pid!r} is a {unit}, not a period"
    try:
        Period.parse(parameters[pid])
    except (TypeError, ValueError):
        return f"parameter {pid!r} is not a valid period: {parameters[pid]!r}"
    return None


def _resolve_period(text: str, parameters: Mapping[str, Any] | None) -> tuple[str, str | None]:
    """(ISO period text, parameter id or None) — a `param:` reference resolved at load."""
    if text.startswith(PARAM_PREFIX):
        pid = text.removeprefix(PARAM_PREFIX)
        return str((parameters or {})[pid]), pid
    return text, None


def _build(
    doc: dict,
    fname: str,
    digest: str,
    registry: Registry,
    cat: RuleCatalogue,
    parameters: Mapping[str, Any] | None = None,
) -> Definition:
    def label(x: dict) -> Label:
        return Label(x["zh"], x["en"])

    periods = [_resolve_period(d["period"], parameters) for d in doc["deadlines"]]

    return Definition(
        machine_factory=ProcedureMachine,
        procedure=doc["procedure"],
        version=doc["version"],
        label=label(doc["label"]),
        initial=doc["initial"],
        states={
            s["id"]: StateDef(s["id"], label(s["label"]), s["terminal"], s["waiting"])
            for s in doc["states"]
        },
        transitions=tuple(
            TransitionDef(
                trigger=t["trigger"],
                sources=tuple(t["sources"]),
                dest=t["dest"],
                label=label(t["label"]),
                roles=tuple(t["roles"]),
                schema=t["schema"],
                guards=tuple(t["guards"]),
                actions=tuple(t["actions"]),
                rules=tuple(t["rules"]),
                hand_over=t["hand_over"],
                materials=tuple(
                    MaterialDef(m["id"], label(m["label"]), m["rule"], m["required"])
                    for m in t["materials"]
                ),
            )
            for t in doc["transitions"]
        ),
        deadlines=tuple(
            DeadlineDef(
                id=d["id"],
                label=label(d["label"]),
                rule=d["rule"],
                period=Period.parse(period_text),
                period_text=period_text,
                opens_on=tuple(d["opens_on"]),
                anchor=d["anchor"],
                closes_on=tuple(d["closes_on"]),
                remind_before=Period.parse(d["remind_before"]) if d["remind_before"] else None,
                escalation=tuple(
                    EscalationStep(level=n + 1, to=e["to"], after=Period.parse(e["after"]))
                    for n, e in enumerate(d["escalation"])
                ),
                parameter=parameter,
                cancels_on=tuple(d["cancels_on"]),
            )
            for d, (period_text, parameter) in zip(doc["deadlines"], periods, strict=True)
        ),
        holds=tuple(Hold(h["operation"], h["rule"], h["zh"], h["en"]) for h in doc["holds"]),
        reactions=tuple(
            ReactionDef(
                on=tuple(r["on"]),
                do=r["do"],
                procedure=r["procedure"],
                rule=r["rule"],
                label=label(r["label"]),
                trigger=r["trigger"],
                match=tuple(sorted(r["match"].items())),
                payload=tuple(sorted(r["payload"].items())),
            )
            for r in doc["reactions"]
        ),
        parameters=tuple(doc["parameters"]),
        open_schema=doc["open_schema"],
        open_actions=tuple(doc["open_actions"]),
        file=fname,
        content_hash=digest,
        registry=registry,
        catalogue=cat,
    )


def definitions_dir(configured: Path | None = None) -> Path:
    """The configured folder (Config.definitions_dir), else the shipped `definitions/`."""
    return Path(configured) if configured else DEFAULT_DIR


def collect(directory: Path | None, registry: Registry) -> tuple[Definitions | None, list[Problem]]:
    """Load the deployment's folder and the folders procedure packages ship (`Registry.
    definitions`); return the definitions and every problem found."""
    directory = definitions_dir(directory)
    problems: list[Problem] = []
    if not directory.is_dir():
        return None, [Problem(str(directory), "<dir>", "definitions folder does not exist")]
    folders = [(directory, "")]
    catalogue = load_catalogue(directory, problems)
    for folder, label in _package_folders(registry):
        if not folder.is_dir():
            problems.append(Problem(label, "<dir>", "a procedure package's folder is missing"))
            continue
        folders.append((folder, label))
        if (folder / RULES_FILE).exists():
            catalogue = _merge_rules(
                catalogue, load_catalogue(folder, problems, label), label, problems
            )
    # The packages' parameters are defaults; the deployment's own file has the last word.
    parameters = Parameters({})
    for folder, label in [*folders[1:], folders[0]]:
        parameters = parameters.merged(load_parameters(folder, catalogue, problems, label))
    items: list[Definition] = []
    seen: dict[tuple[str, int], str] = {}
    paths = [
        (path, label + path.name)
        for folder, label in folders
        for path in sorted(p for p in folder.iterdir() if p.suffix in (".yaml", ".yml"))
    ]
    for path, fname in paths:
        if path.name in (RULES_FILE, PARAMETERS_FILE):
            continue
        m = _DEFINITION_FILE.match(path.name)
        if not m:
            problems.append(
                Problem(fname, "<file>", "definition files are named <procedure>.v<N>.yaml")
            )
            continue
        raw = _read_yaml(path, problems)
        if raw is None:
            continue
        if not isinstance(raw, dict):
            problems.append(Problem(fname, "<root>", "must be a mapping"))
            continue
        try:
            doc = DefinitionSchema().load(raw)
        except ValidationError as err:
            problems.extend(Problem(fname, p, msg) for p, msg in flatten_messages(err.messages))
            continue
        if doc["procedure"] != m["name"] or doc["version"] != int(m["version"]):
            problems.append(
                Problem(
                    fname, "procedure/version", "must match the file name <procedure>.v<N>.yaml"
                )
            )
        sem = _check_semantics(doc, fname, registry, catalogue, parameters)
        if sem:
            problems.extend(sem)
            continue
        key = (doc["procedure"], doc["version"])
        if key in seen:
            problems.append(Problem(fname, "version", f"same procedure and version as {seen[key]}"))
            continue
        seen[key] = fname
        items.append(_build(doc, fname, content_hash(raw), registry, catalogue, parameters))
    problems.extend(_reaction_targets(items))
    if problems:
        return None, problems
    return Definitions(items, catalogue, parameters), []


def _reaction_targets(items: list[Definition]) -> list[Problem]:
    """A reaction names a loaded procedure, and a `fire` one a step some version of it has."""
    triggers: dict[str, set[str]] = {}
    for d in items:
        triggers.setdefault(d.procedure, set()).update(t.trigger for t in d.transitions)
    problems = []
    for d in items:
        for i, r in enumerate(d.reactions):
            if r.procedure not in triggers:
                problems.append(
                    Problem(
                        d.file, f"reactions.{i}.procedure", f"unknown procedure {r.procedure!r}"
                    )
                )
            elif r.trigger and r.trigger not in triggers[r.procedure]:
                problems.append(
                    Problem(
                        d.file,
                        f"reactions.{i}.trigger",
                        f"no version of {r.procedure!r} has a step {r.trigger!r}",
                    )
                )
    return problems


def load_definitions(directory: Path | None, registry: Registry) -> Definitions:
    """Load and validate, or raise `DefinitionError` listing every problem."""
    defs, problems = collect(directory, registry)
    if problems or defs is None:
        raise DefinitionError(problems)
    return defs
