"""The escalation ladder of one deadline: reminder, levels, what is due at an instant, and
what a step says (its message, its audit event, its line in the sweep's report).

Pure: plans from a deadline row, its definition and `now`; the sweep applies the plan.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from engine.calendar import Period, escalation_due, local_date
from engine.definitions.model import DeadlineDef
from engine.oversight.notifications import Message
from engine.oversight.recipients import SYSTEM_ACTOR, TARGET_LABEL


@dataclass(frozen=True)
class Step:
    """One rung of a deadline's ladder: level 0 is the reminder, 1..N the escalations."""

    level: int
    kind: str
    target: str
    at: datetime


@dataclass(frozen=True)
class Action:
    """A step the sweep takes now on one deadline."""

    deadline_id: int
    case_id: int
    key: str
    rule: str
    level: int
    kind: str
    target: str
    fell_due_at: datetime
    due_at: datetime


@dataclass(frozen=True)
class Plan:
    actions: tuple[Action, ...]
    escalation_level: int
    reminded: bool
    next_action_at: datetime | None


@lru_cache(maxsize=8192)
def _level_due(due_at: datetime, after: Period) -> datetime:
    """`escalation_due`, memoized: deadlines running out on the same day share their levels."""
    return escalation_due(due_at, after)


def _steps(spec: DeadlineDef, due_at: datetime, remind_at: datetime | None) -> Iterator[Step]:
    if remind_at is not None:
        yield Step(0, "reminder", "assignee", remind_at)
    floor = due_at
    for e in spec.escalation:
        at = max(_level_due(due_at, e.after), floor)
        yield Step(e.level, "escalation", e.to, at)
        floor = at


def ladder(spec: DeadlineDef, due_at: datetime, remind_at: datetime | None) -> list[Step]:
    """The reminder (if the definition has a window) and each escalation level, in order.

    A level never falls due before the one below it, whatever the definition's periods say.
    """
    return list(_steps(spec, due_at, remind_at))


def plan_deadline(row: Any, spec: DeadlineDef, now: datetime) -> Plan:
    """What is due on one open deadline at `now`, and when it next needs the sweep.

    `row` carries id, case_id, key, rule, due_at, remind_at, reminded_at, escalation_level.
    """
    reminder_done = row.reminded_at is not None or row.escalation_level > 0
    actions: list[Action] = []
    next_at: datetime | None = None
    for s in _steps(spec, row.due_at, row.remind_at):
        if (s.level == 0 and reminder_done) or (s.level > 0 and s.level <= row.escalation_level):
            continue
        if s.kind == "reminder" and now >= row.due_at:
            continue  # too late to remind: the deadline has run out, escalation takes over
        if s.at > now:
            next_at = s.at
            break
        actions.append(
            Action(
                row.id, row.case_id, row.key, row.rule, s.level, s.kind, s.target, s.at, row.due_at
            )
        )
    level = max((a.level for a in actions if a.kind == "escalation"), default=row.escalation_level)
    reminded = any(a.kind == "reminder" for a in actions)
    return Plan(tuple(actions), level, reminded, next_at)


def message_for(a: Action, case: Any, spec_label: Any, event_id: int | None) -> Message:
    org = case.org_name
    due = local_date(a.due_at - timedelta(microseconds=1)).isoformat()
    if a.kind == "reminder":
        return Message(
            kind="reminder",
            level=0,
            case_id=a.case_id,
            event_id=event_id,
            subject_zh=f"到期提醒：案件 #{a.case_id}“{spec_label.zh}”将于 {due} 到期",
            subject_en=f"Reminder: case #{a.case_id} '{spec_label.en}' is due on {due}",
            body_zh=f"{org}：“{spec_label.zh}”期限至 {due} 届满（{a.rule}），请及时办理。",
            body_en=f"{org}: '{spec_label.en}' runs out on {due} ({a.rule}); please act in time.",
        )
    zh_to, en_to = TARGET_LABEL.get(a.target, (a.target, a.target))
    return Message(
        kind="escalation",
        level=a.level,
        case_id=a.case_id,
        event_id=event_id,
        subject_zh=f"逾期督办（第{a.level}级，{zh_to}）：案件 #{a.case_id}“{spec_label.zh}”",
        subject_en=f"Overdue, escalation level {a.level} ({en_to}): case #{a.case_id} "
        f"'{spec_label.en}'",
        body_zh=f"{org}：“{spec_label.zh}”已于 {due} 到期未办结（{a.rule}）。"
        f"依 ACC-1 逐级督办，现报{zh_to}。",
        body_en=f"{org}: '{spec_label.en}' was due on {due} and is not done ({a.rule}). "
        f"Escalated to the {en_to} (ACC-1).",
    )


def report_item(a: Action, case: Any, recipients: Sequence[int] = ()) -> dict[str, Any]:
    """One reminder or escalation level as the sweep reports it (`tongbu sweep`, --json)."""
    return {
        "deadline_id": a.deadline_id,
        "case_id": a.case_id,
        "organization": case.org_name,
        "deadline": a.key,
        "rule": a.rule,
        "level": a.level,
        "kind": a.kind,
        "to": a.target,
        "fell_due_at": a.fell_due_at,
        "due_at": a.due_at,
        "recipients": list(recipients),
    }


def event_row(
    a: Action, case: Any, recipients: list[int], msg: Message, now: datetime
) -> dict[str, Any]:
    """The audit event of one reminder or escalation level."""
    return {
        "case_id": a.case_id,
        "kind": a.kind,
        "trigger": None,
        "from_state": None,
        "to_state": None,
        "case_version": case.case_version,
        "actor_id": None,
        "actor_name": SYSTEM_ACTOR,
        "at": now,
        "comment": msg.comment,
        "payload": {
            "deadline_id": a.deadline_id,
            "deadline": a.key,
            "level": a.level,
            "to": a.target,
            "recipients": recipients,
            "due_at": a.due_at.isoformat(),
            "fell_due_at": a.fell_due_at.isoformat(),
        },
        "rules": [a.rule] if a.kind == "reminder" else [a.rule, "ACC-1"],
    }
