"""Load procedure definitions (YAML) and validate them into frozen objects.

A definition is data: states, transitions, deadlines and the names of guards, actions and
schemas. Everything is checked at load and every problem is reported with its file and
path, all at once, so `tongbu definitions check` shows a whole broken file in one run.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections import deque
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from engine.calendar import Period
from engine.errors import DefinitionError, NotFound, Problem
from engine.registry import Registry
from engine.rules import Rule, RuleCatalogue
from engine.vocabulary import ROLES

DEFAULT_DIR = Path(__file__).resolve().parent.parent / "definitions"
RULES_FILE = "rules.yaml"
PARAMETERS_FILE = "parameters.yaml"
_DEFINITION_FILE = re.compile(r"^(?P<name>[a-z][a-z0-9_]*)\.v(?P<version>\d+)\.ya?ml$")
IDENT = validate.Regexp(r"^[a-z][a-z0-9_]*$", error="must be a lower_snake_case identifier")
ESCALATION_TARGETS = ("assignee", "unit_supervisor", "upper_body")


# ---------------------------------------------------------------- marshmallow: file shape


PARAM_PREFIX = "param:"
_PARAM_REF = re.compile(r"^param:[a-z][a-z0-9_]*$")


def _period(value: str) -> None:
    try:
        Period.parse(value)
    except ValueError as exc:
        raise ValidationError(str(exc)) from exc


def _period_or_parameter(value: str) -> None:
    """A deadline's period: an ISO-8601 period, or `param:<id>` naming a local policy parameter
    (TRF-5: where a seed says "promptly", the figure is local policy, resolved at load)."""
    if isinstance(value, str) and value.startswith(PARAM_PREFIX):
        if not _PARAM_REF.match(value):
            raise ValidationError("a parameter reference is param:<lower_snake_case id>")
        return
    _period(value)


class LabelSchema(Schema):
    zh = fields.String(required=True, validate=validate.Length(min=1))
    en = fields.String(required=True, validate=validate.Length(min=1))


class StateSchema(Schema):
    id = fields.String(required=True, validate=IDENT)
    label = fields.Nested(LabelSchema, required=True)
    terminal = fields.Boolean(load_default=False)
    description = fields.Nested(LabelSchema, load_default=None)


class TransitionSchema(Schema):
    trigger = fields.String(required=True, validate=IDENT)
    sources = fields.List(fields.String(), required=True, validate=validate.Length(min=1))
    dest = fields.String(required=True)
    label = fields.Nested(LabelSchema, required=True)
    roles = fields.List(
        fields.String(validate=validate.OneOf(ROLES)),
        required=True,
        validate=validate.Length(min=1),
    )
    schema = fields.String(load_default=None)
    guards = fields.List(fields.String(), load_default=list)
    actions = fields.List(fields.String(), load_default=list)
    rules = fields.List(fields.String(), required=True, validate=validate.Length(min=1))


class EscalationSchema(Schema):
    to = fields.String(required=True, validate=validate.OneOf(ESCALATION_TARGETS))
    after = fields.String(required=True, validate=_period)


class DeadlineSchema(Schema):
    id = fields.String(required=True, validate=IDENT)
    label = fields.Nested(LabelSchema, required=True)
    rule = fields.String(required=True)
    period = fields.String(required=True, validate=_period_or_parameter)
    opens_on = fields.List(fields.String(), required=True, validate=validate.Length(min=1))
    anchor = fields.String(load_default="event")
    closes_on = fields.List(fields.String(), required=True, validate=validate.Length(min=1))
    remind_before = fields.String(load_default=None, validate=_period)
    escalation = fields.List(fields.Nested(EscalationSchema), load_default=list)


class HoldSchema(Schema):
    """While a case of this procedure is open, an operation on its organization waits."""

    operation = fields.String(required=True, validate=IDENT)
    rule = fields.String(required=True)
    zh = fields.String(required=True, validate=validate.Length(min=1))
    en = fields.String(required=True, validate=validate.Length(min=1))


class DefinitionSchema(Schema):
    procedure = fields.String(required=True, validate=IDENT)
    version = fields.Integer(required=True, strict=True, validate=validate.Range(min=1))
    label = fields.Nested(LabelSchema, required=True)
    rules = fields.List(fields.String(), load_default=list)
    open_schema = fields.String(load_default=None)
    open_actions = fields.List(fields.String(), load_default=list)
    initial = fields.String(required=True)
    states = fields.List(fields.Nested(StateSchema), required=True, validate=validate.Length(min=1))
    transitions = fields.List(
        fields.Nested(TransitionSchema), required=True, validate=validate.Length(min=1)
    )
    deadlines = fields.List(fields.Nested(DeadlineSchema), load_default=list)
    holds = fields.List(fields.Nested(HoldSchema), load_default=list)
    parameters = fields.List(
        fields.String(validate=IDENT),
        load_default=list,
        metadata={"description": "local parameters the guards and actions read (case.params)"},
    )


class RuleSchema(Schema):
    id = fields.String(required=True, validate=validate.Regexp(r"^[A-Z]{3}-\d+$"))
    zh = fields.String(required=True, validate=validate.Length(min=1))
    en = fields.String(required=True, validate=validate.Length(min=1))
    sources = fields.List(fields.String(), load_default=list)


class RulesFileSchema(Schema):
    rules = fields.List(fields.Nested(RuleSchema), required=True)

    @validates_schema
    def _unique(self, data: dict, **_: Any) -> None:
        seen: set[str] = set()
        for i, rule in enumerate(data.get("rules", [])):
            if rule["id"] in seen:
                raise ValidationError({"rules": {i: {"id": [f"duplicate rule {rule['id']}"]}}})
            seen.add(rule["id"])


# ---------------------------------------------------------------- frozen objects


@dataclass(frozen=True)
class Label:
    zh: str
    en: str

    def get(self, lang: str) -> str:
        return self.zh if lang.startswith("zh") else self.en


@dataclass(frozen=True)
class StateDef:
    id: str
    label: Label
    terminal: bool


@dataclass(frozen=True)
class TransitionDef:
    trigger: str
    sources: tuple[str, ...]
    dest: str
    label: Label
    roles: tuple[str, ...]
    schema: str | None
    guards: tuple[str, ...]
    actions: tuple[str, ...]
    rules: tuple[str, ...]


@dataclass(frozen=True)
class EscalationStep:
    level: int
    to: str
    after: Period


@dataclass(frozen=True)
class DeadlineDef:
    id: str
    label: Label
    rule: str
    period: Period
    period_text: str
    opens_on: tuple[str, ...]
    anchor: str
    closes_on: tuple[str, ...]
    remind_before: Period | None
    escalation: tuple[EscalationStep, ...]
    parameter: str | None = None
    """The local policy parameter the period was read from, if any (shown as local default)."""


@dataclass(frozen=True)
class Hold:
    """An operation on the organization (e.g. deregistration) that waits while a case of this
    procedure is open; refused with `rule` and the zh/en reason."""

    operation: str
    rule: str
    zh: str
    en: str


@dataclass
class Definition:
    procedure: str
    version: int
    label: Label
    initial: str
    states: dict[str, StateDef]
    transitions: tuple[TransitionDef, ...]
    deadlines: tuple[DeadlineDef, ...]
    open_schema: str | None
    open_actions: tuple[str, ...]
    file: str
    content_hash: str
    registry: Registry = field(repr=False)
    catalogue: RuleCatalogue = field(repr=False)
    holds: tuple[Hold, ...] = ()
    parameters: tuple[str, ...] = ()
    """Local parameters the procedure's guards and actions read, checked to exist at load."""
    _by_source: dict[str, dict[str, list[TransitionDef]]] = field(default_factory=dict, repr=False)
    _machine: Any = field(default=None, repr=False)

    def __post_init__(self) -> None:
        for t in self.transitions:
            for s in t.sources:
                self._by_source.setdefault(s, {}).setdefault(t.trigger, []).append(t)

    @property
    def key(self) -> tuple[str, int]:
        return (self.procedure, self.version)

    def triggers_from(self, state: str) -> dict[str, list[TransitionDef]]:
        """Trigger -> its branches (same trigger, different guards/destinations) from a state."""
        return self._by_source.get(state, {})

    def transitions_named(self, trigger: str) -> list[TransitionDef]:
        return [t for t in self.transitions if t.trigger == trigger]

    @property
    def cited_rules(self) -> list[str]:
        """The DOMAIN.md rules this version cites, in its steps and its deadlines, sorted."""
        return sorted(
            {r for t in self.transitions for r in t.rules} | {d.rule for d in self.deadlines}
        )

    def deadline(self, key: str) -> DeadlineDef | None:
        """The deadline named `key` in this version, if it has one."""
        return next((d for d in self.deadlines if d.id == key), None)

    def deadlines_opened_by(self, trigger: str) -> list[DeadlineDef]:
        return [d for d in self.deadlines if trigger in d.opens_on]

    def deadlines_closed_by(self, trigger: str) -> list[DeadlineDef]:
        return [d for d in self.deadlines if trigger in d.closes_on]

    def holds_operation(self, operation: str) -> Hold | None:
        """The hold this procedure puts on `operation` while one of its cases is open."""
        return next((h for h in self.holds if h.operation == operation), None)

    def is_terminal(self, state: str) -> bool:
        return self.states[state].terminal

    @property
    def machine(self) -> Any:
        """The one shared `transitions` machine of this (procedure, version), built on first use."""
        if self._machine is None:
            from engine.machine import ProcedureMachine

            self._machine = ProcedureMachine(self)
        return self._machine


class Definitions:
    """All loaded definitions, by (procedure, version); the newest version opens new cases."""

    def __init__(self, items: list[Definition], catalogue: RuleCatalogue, parameters: Any) -> None:
        self._items = {d.key: d for d in items}
        self.catalogue = catalogue
        self.parameters = parameters
        self._latest: dict[str, Definition] = {}
        for d in items:
            cur = self._latest.get(d.procedure)
            if cur is None or d.version > cur.version:
                self._latest[d.procedure] = d

    def get(self, procedure: str, version: int | None = None) -> Definition:
        if version is None:
            try:
                return self._latest[procedure]
            except KeyError:
                raise NotFound("procedure", procedure) from None
        try:
            return self._items[(procedure, version)]
        except KeyError:
            raise NotFound("definition", f"{procedure} v{version}") from None

    def __iter__(self) -> Iterator[Definition]:
        return iter(sorted(self._items.values(), key=lambda d: d.key))

    def latest(self) -> list[Definition]:
        return [self._latest[k] for k in sorted(self._latest)]

    def build_machines(self) -> None:
        """Build every machine at start-up so no request pays for it."""
        for d in self:
            _ = d.machine


# ---------------------------------------------------------------- loading


def _flatten(messages: Any, prefix: str = "") -> Iterator[tuple[str, str]]:
    if isinstance(messages, Mapping):
        for key, value in messages.items():
            path = f"{prefix}.{key}" if prefix else str(key)
            yield from _flatten(value, path)
    elif isinstance(messages, list) and all(isinstance(m, str) for m in messages):
        for m in messages:
            yield prefix or "<root>", m
    elif isinstance(messages, list):
        for i, m in enumerate(messages):
            yield from _flatten(m, f"{prefix}.{i}")
    else:
        yield prefix or "<root>", str(messages)


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


def load_catalogue(directory: Path, problems: list[Problem]) -> RuleCatalogue:
    path = directory / RULES_FILE
    if not path.exists():
        problems.append(Problem(RULES_FILE, "<file>", "rules catalogue missing"))
        return RuleCatalogue({})
    raw = _read_yaml(path, problems)
    try:
        doc = RulesFileSchema().load(raw if isinstance(raw, dict) else {})
    except ValidationError as err:
        problems.extend(Problem(RULES_FILE, p, m) for p, m in _flatten(err.messages))
        return RuleCatalogue({})
    return RuleCatalogue(
        {r["id"]: Rule(r["id"], r["zh"], r["en"], tuple(r["sources"])) for r in doc["rules"]}
    )


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
    if doc["open_schema"] is not None and doc["open_schema"] not in registry.schemas:
        bad("open_schema", f"schema {doc['open_schema']!r} is not registered by any workflow")
    for j, a in enumerate(doc["open_actions"]):
        if a not in registry.actions:
            bad(f"open_actions.{j}", f"action {a!r} is not registered by any workflow")
    for j, r in enumerate(doc["rules"]):
        if r not in catalogue:
            bad(f"rules.{j}", f"rule {r!r} is not in the rules catalogue")
    for i, s in enumerate(doc["states"]):
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
        for key in ("opens_on", "closes_on"):
            for j, trig in enumerate(d[key]):
                if trig not in triggers:
                    bad(f"{base}.{key}.{j}", f"unknown trigger {trig!r}")
        if d["anchor"] != "event" and not d["anchor"].startswith("data."):
            bad(f"{base}.anchor", "must be 'event' or 'data.<field>'")
        if d["period"].startswith(PARAM_PREFIX):
            problem = _parameter_period_problem(d["period"], parameters)
            if problem:
                bad(f"{base}.period", problem)
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
        procedure=doc["procedure"],
        version=doc["version"],
        label=label(doc["label"]),
        initial=doc["initial"],
        states={
            s["id"]: StateDef(s["id"], label(s["label"]), s["terminal"]) for s in doc["states"]
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
            )
            for d, (period_text, parameter) in zip(doc["deadlines"], periods, strict=True)
        ),
        holds=tuple(Hold(h["operation"], h["rule"], h["zh"], h["en"]) for h in doc["holds"]),
        parameters=tuple(doc["parameters"]),
        open_schema=doc["open_schema"],
        open_actions=tuple(doc["open_actions"]),
        file=fname,
        content_hash=digest,
        registry=registry,
        catalogue=cat,
    )


def definitions_dir() -> Path:
    return Path(os.environ.get("TONGBU_DEFINITIONS_DIR") or DEFAULT_DIR)


def collect(directory: Path | None, registry: Registry) -> tuple[Definitions | None, list[Problem]]:
    """Load everything in a folder; return the definitions and every problem found."""
    directory = Path(directory) if directory else definitions_dir()
    problems: list[Problem] = []
    if not directory.is_dir():
        return None, [Problem(str(directory), "<dir>", "definitions folder does not exist")]
    catalogue = load_catalogue(directory, problems)
    from engine.parameters import load_parameters

    parameters = load_parameters(directory, catalogue, problems)
    items: list[Definition] = []
    seen: dict[tuple[str, int], str] = {}
    files = sorted(p for p in directory.iterdir() if p.suffix in (".yaml", ".yml"))
    for path in files:
        if path.name in (RULES_FILE, PARAMETERS_FILE):
            continue
        m = _DEFINITION_FILE.match(path.name)
        if not m:
            problems.append(
                Problem(path.name, "<file>", "definition files are named <procedure>.v<N>.yaml")
            )
            continue
        raw = _read_yaml(path, problems)
        if raw is None:
            continue
        if not isinstance(raw, dict):
            problems.append(Problem(path.name, "<root>", "must be a mapping"))
            continue
        try:
            doc = DefinitionSchema().load(raw)
        except ValidationError as err:
            problems.extend(Problem(path.name, p, msg) for p, msg in _flatten(err.messages))
            continue
        if doc["procedure"] != m["name"] or doc["version"] != int(m["version"]):
            problems.append(
                Problem(
                    path.name, "procedure/version", "must match the file name <procedure>.v<N>.yaml"
                )
            )
        sem = _check_semantics(doc, path.name, registry, catalogue, parameters)
        if sem:
            problems.extend(sem)
            continue
        key = (doc["procedure"], doc["version"])
        if key in seen:
            problems.append(
                Problem(path.name, "version", f"same procedure and version as {seen[key]}")
            )
            continue
        seen[key] = path.name
        items.append(_build(doc, path.name, content_hash(raw), registry, catalogue, parameters))
    if problems:
        return None, problems
    return Definitions(items, catalogue, parameters), []


def load_definitions(directory: Path | None, registry: Registry) -> Definitions:
    """Load and validate, or raise `DefinitionError` listing every problem."""
    defs, problems = collect(directory, registry)
    if problems or defs is None:
        raise DefinitionError(problems)
    return defs
