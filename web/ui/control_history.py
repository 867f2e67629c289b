"""How the history shows owner changes and supervisor corrections (issue 15).

An owner change reads "from → to" (owner, or owner → delegate with the last day); a step back
lists what it compensated — the steps it undid (by their labels, who took them and when), the
deadlines it cancelled and those running again with their due dates — so the compensation is
readable where the corrected steps stand, above it, unchanged.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask_babel import gettext as _

from engine.definitions.model import Definition
from web.ui.common import lbl, local_time

KINDS = (
    "claimed",
    "assigned",
    "delegated",
    "delegation_ended",
    "stepped_back",
    "cancelled",
    "suspended",
    "resumed",
)


def _name(p: Any) -> str:
    return str(p.get("name") or p.get("username")) if isinstance(p, dict) and p else "—"


def _deadline(definition: Definition, d: dict[str, Any], with_due: bool = False) -> str:
    spec = definition.deadline(str(d.get("key")))
    text = lbl(spec.label) if spec else str(d.get("key"))
    if with_due and d.get("due_date"):
        text += " · " + _("due %(day)s", day=d["due_date"])
    return text


def _step(definition: Definition, u: dict[str, Any]) -> str:
    named = definition.transitions_named(str(u.get("trigger"))) if u.get("trigger") else []
    label = lbl(named[0].label) if named else str(u.get("trigger") or "—")
    at = u.get("at")
    when = ""
    if isinstance(at, str):
        try:
            when = local_time(datetime.fromisoformat(at))
        except ValueError:
            when = at
    return " · ".join(x for x in (label, str(u.get("actor") or ""), when) if x)


def details(definition: Definition, e: dict[str, Any]) -> dict[str, Any]:
    """The history row's extras for these kinds (nothing for any other kind)."""
    if e["kind"] not in KINDS:
        return {}
    p = e["payload"] if isinstance(e["payload"], dict) else {}
    if e["kind"] == "claimed":
        return {"moved": ("—", _name(p.get("owner"))), "show_payload": False}
    if e["kind"] == "assigned":
        return {
            "moved": (_name(p.get("previous_owner")), _name(p.get("owner"))),
            "show_payload": False,
        }
    if e["kind"] == "delegated":
        to = _name(p.get("delegate")) + " · " + _("until %(day)s (inclusive)", day=p.get("until"))
        return {"moved": (_name(p.get("owner")), to), "show_payload": False}
    if e["kind"] == "delegation_ended":
        return {"moved": (_name(p.get("delegate")), "—"), "show_payload": False}
    summary: dict[str, Any] = {}
    if p.get("undone"):
        summary[_("Steps undone")] = [_step(definition, u) for u in p["undone"]]
    if p.get("cancelled_deadlines"):
        summary[_("Deadlines cancelled")] = [
            _deadline(definition, d) for d in p["cancelled_deadlines"]
        ]
    if p.get("reopened_deadlines"):
        summary[_("Deadlines running again")] = [
            _deadline(definition, d, with_due=True) for d in p["reopened_deadlines"]
        ]
    if e["kind"] == "resumed" and p.get("days") is not None:
        summary[_("Suspended for")] = _("%(n)s days", n=p["days"])
    return {"payload": summary, "show_payload": bool(summary)}
