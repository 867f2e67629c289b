"""Deadline rows a step opens: due dates by the legal calendar, escalation start times."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, time
from typing import Any

from engine.calendar import SHANGHAI, LegalCalendar, escalation_due, local_date
from engine.definitions.model import Definition


def _anchor_date(spec_anchor: str, data: Mapping[str, Any], now: datetime) -> date:
    if spec_anchor == "event":
        return local_date(now)
    value = data.get(spec_anchor.removeprefix("data."))
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        return date.fromisoformat(value[:10])
    return local_date(now)


def deadline_rows(
    definition: Definition,
    trigger: str,
    case_id: int,
    data: Mapping[str, Any],
    now: datetime,
    event_id: int | None,
    calendar: LegalCalendar,
) -> list[dict[str, Any]]:
    rows = []
    for spec in definition.deadlines_opened_by(trigger):
        anchor = _anchor_date(spec.anchor, data, now)
        end = calendar.period_end(anchor, spec.period)
        remind_at = None
        if spec.remind_before is not None:
            remind_day = calendar.subtract(end.last_day, spec.remind_before)
            remind_at = datetime.combine(remind_day, time.min, SHANGHAI)
        next_action_at = remind_at
        if next_action_at is None and spec.escalation:
            next_action_at = escalation_due(end.ends_at, spec.escalation[0].after)
        rows.append(
            {
                "case_id": case_id,
                "key": spec.id,
                "rule": spec.rule,
                "status": "open",
                "anchor_date": anchor,
                "due_date": end.last_day,
                "due_at": end.ends_at,
                "remind_at": remind_at,
                "provisional": end.provisional,
                "escalation_level": 0,
                "next_action_at": next_action_at,
                "opened_at": now,
                "opened_by_event_id": event_id,
            }
        )
    return rows
