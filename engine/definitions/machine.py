"""One `transitions` machine per (procedure, version), shared by every case.

The machine holds no model. For one fire, a throw-away `_Step` carries the case's state,
view and payload through `Event.trigger`, which resolves the branch (the first transition
whose guards pass), runs the actions and sets the new state on the shim — never on a
model list, so nothing accumulates per case (`add_model` would scan and grow that list).
Guards and actions are callables resolved from the registry at load time: no strings are
ever handed to `transitions`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from transitions import Machine

from engine.errors import TransitionRefused
from engine.rules import Refusal
from engine.snapshot import CaseView, Intent

if TYPE_CHECKING:
    from engine.definitions.model import Definition, TransitionDef


class _Step:
    __slots__ = ("intents", "payload", "refusals", "state", "taken", "view")

    def __init__(self, view: CaseView, payload: Mapping[str, Any]) -> None:
        self.state = view.state
        self.view = view
        self.payload = payload
        self.refusals: list[Refusal] = []
        self.intents: list[Intent] = []
        self.taken: TransitionDef | None = None


@dataclass(frozen=True)
class StepResult:
    transition: TransitionDef
    source: str
    dest: str
    intents: tuple[Intent, ...]


def not_available(definition: Definition, state: str, trigger: str) -> Refusal:
    """The procedure's order refuses the step; cite the rules of the step that was asked for."""
    named = definition.transitions_named(trigger)
    rule = named[0].rules[0] if named else "PROC"
    sources = sorted({s for t in named for s in t.sources})
    here = definition.states[state].label
    if not named:
        return Refusal(
            rule, zh=f"本程序没有步骤“{trigger}”", en=f"This procedure has no step {trigger!r}"
        )
    allowed_zh = "、".join(definition.states[s].label.zh for s in sources)
    allowed_en = ", ".join(definition.states[s].label.en for s in sources)
    return Refusal(
        rule,
        zh=f"当前环节为“{here.zh}”，此步骤只能在“{allowed_zh}”环节进行",
        en=f"The case is at '{here.en}'; this step is only available at: {allowed_en}",
        details={"state": state, "allowed_from": sources},
    )


def missing_materials(t: TransitionDef, view: CaseView) -> Refusal | None:
    """The step's required documents the case does not hold yet, citing the first one's rule."""
    missing = [m for m in t.required_materials if m.id not in view.materials]
    if not missing:
        return None
    return Refusal(
        missing[0].rule,
        zh="此步骤须先附上材料：" + "、".join(m.label.zh for m in missing),
        en="Attach first: " + ", ".join(m.label.en for m in missing),
        details={"missing_materials": [m.id for m in missing]},
    )


def materials_guard(t: TransitionDef) -> Any:
    def guard(view: CaseView, payload: Any) -> Refusal | None:
        return missing_materials(t, view)

    return guard


class ProcedureMachine:
    def __init__(self, definition: Definition) -> None:
        self.definition = definition
        registry = definition.registry
        specs = []
        for t in definition.transitions:
            guards = [registry.guards[g] for g in t.guards]
            if t.required_materials:
                guards.insert(0, materials_guard(t))
            actions = [registry.actions[a] for a in t.actions]
            specs.append(
                {
                    "trigger": t.trigger,
                    "source": list(t.sources),
                    "dest": t.dest,
                    "conditions": [self._condition(guards)],
                    "before": [self._run_actions(actions)],
                    "after": [self._taken(t)],
                }
            )
        self.machine = Machine(
            model=None,
            states=list(definition.states),
            transitions=specs,
            initial=definition.initial,
            auto_transitions=False,
            send_event=True,
            ignore_invalid_triggers=False,
        )

    @staticmethod
    def _condition(guards: list) -> Any:
        def condition(event: Any) -> bool:
            step: _Step = event.model
            for guard in guards:
                refusal = guard(step.view, step.payload)
                if refusal is not None:
                    step.refusals.append(refusal)
                    return False
            return True

        return condition

    @staticmethod
    def _run_actions(actions: list) -> Any:
        def run(event: Any) -> None:
            step: _Step = event.model
            for action in actions:
                step.intents.extend(action(step.view, step.payload) or ())

        return run

    @staticmethod
    def _taken(transition: TransitionDef) -> Any:
        def taken(event: Any) -> None:
            event.model.taken = transition

        return taken

    def fire(self, view: CaseView, trigger: str, payload: Mapping[str, Any]) -> StepResult:
        """Resolve and apply one step in memory; raise `TransitionRefused` with the rule."""
        if trigger not in self.definition.triggers_from(view.state):
            raise TransitionRefused(not_available(self.definition, view.state, trigger), trigger)
        step = _Step(view, payload)
        ok = self.machine.events[trigger].trigger(step)
        if not ok or step.taken is None:
            refusal = (
                step.refusals[-1]
                if step.refusals
                else not_available(self.definition, view.state, trigger)
            )
            raise TransitionRefused(refusal, trigger)
        return StepResult(step.taken, view.state, step.state, tuple(step.intents))

    def refusal_for(self, view: CaseView, trigger: str) -> Refusal | None:
        """Would the step be allowed now (before its form is filled in)? None if so."""
        branches = self.definition.triggers_from(view.state).get(trigger)
        if not branches:
            return not_available(self.definition, view.state, trigger)
        refusal: Refusal | None = None
        for t in branches:
            refusal = missing_materials(t, view)
            if refusal is not None:
                continue
            for g in t.guards:
                refusal = self.definition.registry.guards[g](view, None)
                if refusal is not None:
                    break
            else:
                return None
        return refusal
