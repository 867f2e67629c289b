"""Which deadlines a version runs in each of its states, and which steps lead into a state.

A definition says per step which deadlines it opens, meets and cancels; it never says per
state which deadlines are running there. Moving a running case to another version
(`engine.cases.migration`) needs exactly that: a case placed in a state of the target version
should carry the deadlines the target runs there, and no other. So the states are walked as a
data-flow graph, the way a compiler finds the expressions available at a point:

* on entering the initial state (the opening) the `"@open"` deadlines run;
* a step from `s` to `d` leaves running what ran in `s`, minus what it meets (`closes_on`) and
  cancels (`cancels_on`), plus what it opens (`opens_on`) — the order in which
  `engine.cases.service` writes a step: a deadline a step both meets and opens (a recurring
  report) runs on;
* a terminal state runs nothing (the engine cancels what is still open).

`may` is the union over every path into a state (the target might run it there), `must` the
intersection (whichever way a case came, the target runs it there).
"""

from __future__ import annotations

from dataclasses import dataclass

from engine.definitions.model import OPEN_TRIGGER, Definition, TransitionDef


@dataclass(frozen=True)
class StateDeadlines:
    """The deadline ids a version runs in one state: on some path (`may`), on every (`must`)."""

    may: frozenset[str]
    must: frozenset[str]


def _after(definition: Definition, t: TransitionDef, running: frozenset[str]) -> frozenset[str]:
    if definition.is_terminal(t.dest):
        return frozenset()
    ended = {d.id for d in definition.deadlines_closed_by(t.trigger)}
    ended |= {d.id for d in definition.deadlines_cancelled_by(t.trigger)}
    opened = {d.id for d in definition.deadlines_opened_by(t.trigger)}
    return (running - ended) | opened


def deadlines_by_state(definition: Definition) -> dict[str, StateDeadlines]:
    """Every state of the version: the deadlines it may run there and those it must.

    A state no path reaches (the loader refuses those) runs nothing. Fixed points over the
    state graph: `may` grows from nothing, `must` shrinks from everything; both terminate
    because the sets are finite and change in one direction only."""
    everything = frozenset(d.id for d in definition.deadlines)
    at_open = frozenset(d.id for d in definition.deadlines_opened_by(OPEN_TRIGGER))
    initial = definition.initial
    may: dict[str, frozenset[str]] = {s: frozenset() for s in definition.states}
    may[initial] = at_open
    reached = {initial}
    changed = True
    while changed:
        changed = False
        for t in definition.transitions:
            for source in t.sources:
                if source not in reached:
                    continue
                out = _after(definition, t, may[source])
                if t.dest not in reached or not out <= may[t.dest]:
                    reached.add(t.dest)
                    may[t.dest] = may[t.dest] | out
                    changed = True
    must: dict[str, frozenset[str]] = {
        s: (at_open if s == initial else everything) if s in reached else frozenset()
        for s in definition.states
    }
    changed = True
    while changed:
        changed = False
        for state in reached:
            incoming = [
                _after(definition, t, must[source])
                for t in definition.transitions
                if t.dest == state
                for source in t.sources
                if source in reached
            ]
            value = at_open if state == initial else everything
            for out in incoming:
                value = value & out
            if value != must[state]:
                must[state] = value
                changed = True
    return {s: StateDeadlines(may[s], must[s] & may[s]) for s in definition.states}


def entries(definition: Definition, state: str) -> list[TransitionDef]:
    """The steps that lead into `state` from another state (a step that stays is no way in)."""
    return [t for t in definition.transitions if t.dest == state and set(t.sources) - {state}]
