"""A loaded definition: frozen, resolved against the registry, with its one machine."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from engine.calendar import Period
from engine.errors import NotFound
from engine.registry import Registry
from engine.rules import RuleCatalogue

OPEN_TRIGGER = "@open"
"""In a deadline's `opens_on`: the case opening (`engine.cases.service.open_case`)."""
CAMPAIGN_TRIGGER = "@campaign"
"""In a deadline's `opens_on`: a campaign opens or joins the case (`engine.cases.campaigns`);
its anchor is `payload.starts_on`, the campaign's first day (REG-10)."""


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
    waiting: bool = False
    """Waiting by design (a secretary in office, a body under monitoring): a case here is not
    stalled while it has an open deadline (ACC-1; `engine.oversight.figures.stalled`)."""


@dataclass(frozen=True)
class MaterialDef:
    """A document a step requires (refused until the case holds one) or accepts."""

    id: str
    label: Label
    rule: str
    required: bool = False


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
    hand_over: str | None = None
    """`data.<path>` holding a unit id: the step hands the case to that unit (REG-6)."""
    materials: tuple[MaterialDef, ...] = ()
    """The documents this step requires or accepts (the step form's checklist)."""

    @property
    def required_materials(self) -> tuple[MaterialDef, ...]:
        return tuple(m for m in self.materials if m.required)


@dataclass(frozen=True)
class ReactionDef:
    """A step here opens (`open`), moves (`fire`) or notifies (`notify`) a case of another
    procedure, in the step's own transaction (`engine.cases.reactions`).

    `match` picks the other procedure's open cases of the same organization whose data holds
    the given values; `payload` is what an opening or a fired step receives. Values are paths
    into this case (`data.`, `payload.`, `organization.`), `@today`, or literals."""

    on: tuple[str, ...]
    do: str
    procedure: str
    rule: str
    label: Label
    trigger: str | None
    match: tuple[tuple[str, Any], ...]
    payload: tuple[tuple[str, Any], ...]


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
    cancels_on: tuple[str, ...] = ()
    """Steps that end it as cancelled: the duty lapsed, nobody met it."""


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
    reactions: tuple[ReactionDef, ...] = ()
    _by_source: dict[str, dict[str, list[TransitionDef]]] = field(default_factory=dict, repr=False)
    machine_factory: Callable[[Definition], Any] | None = field(default=None, repr=False)
    """Builds the shared machine (the loader passes `engine.definitions.machine.ProcedureMachine`)."""
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

    @property
    def materials(self) -> dict[str, MaterialDef]:
        """Every material this version names, by id (one id, one label: checked at load)."""
        out: dict[str, MaterialDef] = {}
        for t in self.transitions:
            for m in t.materials:
                out.setdefault(m.id, m)
        return out

    def deadline(self, key: str) -> DeadlineDef | None:
        """The deadline named `key` in this version, if it has one."""
        return next((d for d in self.deadlines if d.id == key), None)

    def deadlines_opened_by(self, trigger: str) -> list[DeadlineDef]:
        """The deadlines a step starts; `OPEN_TRIGGER` names the case opening."""
        return [d for d in self.deadlines if trigger in d.opens_on]

    @property
    def waiting_states(self) -> tuple[str, ...]:
        """The states this version marks `waiting` (not stalled while a deadline is open)."""
        return tuple(s.id for s in self.states.values() if s.waiting)

    def reactions_on(self, trigger: str) -> list[ReactionDef]:
        """The reactions a step of this version sets off, in the order the file gives."""
        return [r for r in self.reactions if trigger in r.on]

    def deadlines_cancelled_by(self, trigger: str) -> list[DeadlineDef]:
        """The deadlines a step ends without meeting them (`cancels_on`)."""
        return [d for d in self.deadlines if trigger in d.cancels_on]

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
            if self.machine_factory is None:
                raise RuntimeError(f"{self.key}: loaded without a machine factory")
            self._machine = self.machine_factory(self)
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

    def waiting_states(self) -> frozenset[tuple[str, int, str]]:
        """(procedure, version, state) of every waiting state of every loaded version."""
        return frozenset((d.procedure, d.version, s) for d in self for s in d.waiting_states)

    def build_machines(self) -> None:
        """Build every machine at start-up so no request pays for it."""
        for d in self:
            _ = d.machine
