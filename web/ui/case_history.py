"""The history table of the case page: every event kind readable, in the page's language.

A step is named by its label; any other event by its kind (web/ui/labels.py). A hand-over
(REG-6) reads "from → to" with the units' current names, a reaction lists the other cases it
opened, moved or notified as links, and a notice links to the case that set it off. A case
moved to another definition version (`migrated`) reads "v1 → v2", and the states of the events
before it are named in the words of the version they happened in.
"""

from __future__ import annotations

from typing import Any

from engine.access.actor import SYSTEM
from engine.definitions.model import Definition
from engine.directory import read as directory_read
from engine.errors import NotFound
from web.messages import translate_message
from web.ui import control_history
from web.ui.common import lbl, procedure_label, runtime
from web.ui.labels import REACTION_OUTCOMES, choice_label

Units = dict[int, dict[str, Any]]


def all_units() -> list[dict[str, Any]]:
    """Every unit of the tree, in tree order: a case may be handed to any (the responsible
    body may sit outside the supervisor's own units), and a history names the units a case
    passed through whoever reads it."""
    return directory_read.units_in_scope(runtime().reader(), SYSTEM)


def unit_label(units: Units, unit_id: Any, stored: Any = None) -> str:
    """A unit's name in the page's language; the name the event stored if the unit is gone."""
    u = units.get(unit_id)
    return lbl((u["name_zh"], u["name_en"])) if u else (stored or "—")


def _what(definition: Definition, e: dict[str, Any]) -> str:
    named = definition.transitions_named(e["trigger"]) if e["trigger"] else []
    if e["kind"] == "transition" and named:
        return lbl(named[0].label)
    return lbl(choice_label(e["kind"]))


def _details(e: dict[str, Any], units: Units) -> dict[str, Any]:
    p = e["payload"] if isinstance(e["payload"], dict) else {}
    if e["kind"] == "handed_over":
        moved = (
            unit_label(units, p.get("from_unit_id"), p.get("from_unit")),
            unit_label(units, p.get("to_unit_id"), p.get("to_unit")),
        )
        return {"moved": moved, "show_payload": False}
    if e["kind"] == "reaction":
        procedure = procedure_label(p["procedure"]) if p.get("procedure") else ""
        linked = [
            {
                "case_id": c["case_id"],
                "procedure": procedure,
                "outcome": lbl(REACTION_OUTCOMES.get(c.get("outcome"), c.get("outcome") or "")),
            }
            for c in p.get("cases") or []
            if isinstance(c, dict) and isinstance(c.get("case_id"), int)
        ]
        return {"linked": linked, "show_payload": False}
    if e["kind"] == "notice" and isinstance(p.get("from_case"), int):
        return {"from_case": p["from_case"], "show_payload": False}
    if e["kind"] == "document":  # the page lists the documents under the event
        return {"show_payload": False}
    if e["kind"] == "migrated":
        versions = (f"v{p.get('from_version')}", f"v{p.get('to_version')}")
        return {"moved": versions, "show_payload": True}
    return {"show_payload": bool(e["payload"])}


def _versions_along(
    definition: Definition, hist: list[dict[str, Any]]
) -> list[tuple[Definition, Definition]]:
    """Per event, the versions its from- and to-state belong to: the case's own, or before a
    `migrated` event the one it moved from (a renamed state keeps its old label there)."""
    defs = runtime().definitions

    def get(version: Any) -> Definition:
        try:
            return defs.get(definition.procedure, int(version))
        except (NotFound, TypeError, ValueError):
            return definition

    moves = [e["payload"] for e in hist if e["kind"] == "migrated" and e["payload"]]
    current = get(moves[0].get("from_version")) if moves else definition
    out = []
    for e in hist:
        before = current
        if e["kind"] == "migrated" and e["payload"]:
            current = get(e["payload"].get("to_version"))
        out.append((before, current))
    return out


def history_rows(
    definition: Definition, hist: list[dict[str, Any]], units: Units | None = None
) -> list[dict[str, Any]]:
    """Events as the table shows them: `what`, the states' labels, and per kind `moved`
    (from, to), `linked` (other cases) or `from_case`; `show_payload` where the raw input
    is the only account."""
    units = units or {}
    out = []
    for e, (was, now) in zip(hist, _versions_along(definition, hist), strict=True):
        out.append(
            {
                **e,
                **_details(e, units),
                **control_history.details(now, e),  # owner changes, corrections (issue 15)
                "what": _what(was, e),
                # what the engine writes is "English / 中文": the page's half (a person's own
                # comment is shown as written)
                "comment": translate_message(e["comment"])
                if e.get("comment")
                else e.get("comment"),
                "from_label": lbl(was.states[e["from_state"]].label)
                if e["from_state"] in was.states
                else (e["from_state"] or ""),
                "to_label": lbl(now.states[e["to_state"]].label)
                if e["to_state"] in now.states
                else (e["to_state"] or ""),
            }
        )
    return out
