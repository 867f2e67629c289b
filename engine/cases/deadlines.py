"""Deadline rows a step opens: due dates by the legal calendar, escalation start times."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from engine.calendar import LegalCalendar, escalation_due, local_date
from engine.definitions.model import Definition
from engine.oversight.recalendar import schedule


def at_path(record: Any, path: str) -> Any:
    """The value at a dotted path in nested mappings (a numeric part indexes a list), or None:
    how deadline anchors, hand-overs and reactions read a case's data."""
    value: Any = record
    for part in path.split("."):
        if isinstance(value, Mapping):
            value = value.get(part)
        elif isinstance(value, list | tuple) and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
        else:
            return None
    return value


def _anchor_date(
    spec_anchor: str,
    data: Mapping[str, Any],
    now: datetime,
    payload: Mapping[str, Any] | None = None,
) -> date:
    """The day a period counts from: the step's own day (`event`), or a date the case data
    (`data.<path>`) or the step's validated input (`payload.<path>`) holds; a date that is
    not there falls back to the step's day."""
    if spec_anchor == "event":
        return local_date(now)
    source, _, path = spec_anchor.partition(".")
    value = at_path(payload if source == "payload" else data, path)
    if isinstance(value, datetime):
        return local_date(value)
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value[:10])
        except ValueError:
            return local_date(now)
    return local_date(now)


def deadline_rows(
    definition: Definition,
    trigger: str,
    case_id: int,
    data: Mapping[str, Any],
    now: datetime,
    event_id: int | None,
    calendar: LegalCalendar,
    payload: Mapping[str, Any] | None = None,
) -> list[dict[str, Any]]:
    """The rows of the deadlines `trigger` starts (`OPEN_TRIGGER`: the case opening), given
    the case data after the step and the step's validated input."""
    rows = []
    for spec in definition.deadlines_opened_by(trigger):
        anchor = _anchor_date(spec.anchor, data, now, payload)
        # The one computation of a due date and reminder: `tongbu calendar refresh` redoes it.
        end = schedule(spec, anchor, calendar)
        remind_at = end.remind_at
        next_action_at = remind_at
        if next_action_at is None and spec.escalation:
            next_action_at = escalation_due(end.due_at, spec.escalation[0].after)
        rows.append(
            {
                "case_id": case_id,
                "key": spec.id,
                "rule": spec.rule,
                "status": "open",
                "anchor_date": anchor,
                "due_date": end.due_date,
                "due_at": end.due_at,
                "remind_at": remind_at,
                "provisional": end.provisional,
                "escalation_level": 0,
                "next_action_at": next_action_at,
                "opened_at": now,
                "opened_by_event_id": event_id,
            }
        )
    return rows
