"""What a step back compensates (issue 15, item 3): the trail of states a case went through,
the states it may return to, and what undoing the steps since does to its deadlines.

The case's history is never edited: `engine.cases.correction.step_back` writes one
`stepped_back` event and changes deadline rows as a step would. The steps undone are the
transitions since the event that last put the case in the state it returns to. The deadlines
those steps opened and that are still open are cancelled (by the step back's event); the
deadlines opened before them that they met or cancelled (a terminal step cancels all) are
reopened with their due date recomputed from their anchor by the calendar as it is now
(`recalendar.schedule`, what a step does when it opens one), their escalation level and
reminder kept and the ladder planned at this instant (`recalendar.next_action_at`): levels
already sent are not sent again, as the sweep's ledger is keyed by deadline and level.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select

from engine.definitions.model import Definition, Label
from engine.oversight.recalendar import next_action_at, schedule
from engine.store.tables import Deadline, Event
from engine.store.unit_of_work import UnitOfWork

events_t = Event.__table__
deadlines_t = Deadline.__table__

TRAIL_KINDS = ("opened", "transition", "stepped_back", "migrated")
"""Events that put the case in a state: the trail a step back walks. `migrated` (a running
case moved to a new definition version, `engine.cases.migration`) starts the trail afresh: the
states before it belong to another version, so a step back does not cross a migration."""


@dataclass(frozen=True)
class EarlierState:
    """A state the case was in before, and the event that last put it there."""

    state: str
    label: Label
    entered_by_event_id: int
    entered_at: datetime


def trail_of(conn: Connection, case_id: int) -> list[Any]:
    return list(
        conn.execute(
            select(events_t.c.id, events_t.c.kind, events_t.c.to_state, events_t.c.at)
            .where(
                events_t.c.case_id == case_id,
                events_t.c.kind.in_((*TRAIL_KINDS, "cancelled")),
            )
            .order_by(events_t.c.id)
        )
    )


def was_cancelled(trail: list[Any]) -> bool:
    return bool(trail) and trail[-1].kind == "cancelled"


def earlier_states(trail: list[Any], current: str, definition: Definition) -> list[EarlierState]:
    """The states a step back may return to, the most recent first: every state the case
    entered before its current position, but the one it is in, that its definition knows."""
    entered = [e for e in trail if e.kind in TRAIL_KINDS and e.to_state is not None]
    starts = [i for i, e in enumerate(entered) if e.kind == "migrated"]
    if starts:
        entered = entered[starts[-1] :]
    out: dict[str, EarlierState] = {}
    for e in reversed(entered[:-1]):
        if e.to_state == current or e.to_state in out or e.to_state not in definition.states:
            continue
        out[e.to_state] = EarlierState(e.to_state, definition.states[e.to_state].label, e.id, e.at)
    return list(out.values())


def deadline_item(d: Any, **extra: Any) -> dict[str, Any]:
    return {"id": d.id, "key": d.key, "rule": d.rule, **extra}


_UNDONE = (
    events_t.c.id,
    events_t.c.trigger,
    events_t.c.from_state,
    events_t.c.to_state,
    events_t.c.actor_name,
    events_t.c.at,
    events_t.c.payload,
)


@dataclass
class Compensation:
    """What a step back does to the deadlines of the steps it undoes."""

    undone: list[Any]
    cancelled: list[Any]
    reopened: list[tuple[Any, dict[str, Any]]]

    def payload(self, reopened_case: bool) -> dict[str, Any]:
        """The `stepped_back` event's record of it (the undone steps' input included)."""
        return {
            "undone": [
                {
                    "event_id": e.id,
                    "trigger": e.trigger,
                    "from_state": e.from_state,
                    "to_state": e.to_state,
                    "actor": e.actor_name,
                    "at": e.at.isoformat(),
                    "payload": e.payload,
                }
                for e in self.undone
            ],
            "cancelled_deadlines": [deadline_item(d) for d in self.cancelled],
            "reopened_deadlines": [
                deadline_item(
                    d, met_by_event_id=d.closed_by_event_id, due_date=str(v.get("due_date"))
                )
                for d, v in self.reopened
            ],
            "reopened_case": reopened_case,
            "data_kept": True,
        }


def compensation(
    uow: UnitOfWork, definition: Definition, case_id: int, after_event_id: int, now: datetime
) -> Compensation:
    """The steps taken since `after_event_id`, the open deadlines they opened (to cancel) and
    the deadlines opened before them that they closed (to reopen, due dates recomputed).

    Steps an earlier step back already undid are among them again; that is harmless: their
    deadlines are closed by that step back, not by them, or open again."""
    conn = uow.conn
    undone = list(
        conn.execute(
            select(*_UNDONE)
            .where(
                events_t.c.case_id == case_id,
                events_t.c.kind == "transition",
                events_t.c.id > after_event_id,
            )
            .order_by(events_t.c.id)
        )
    )
    ids = [e.id for e in undone]
    of_case = deadlines_t.c.case_id == case_id
    opened_by_undone = deadlines_t.c.opened_by_event_id.in_(ids)
    cancelled = list(
        conn.execute(
            select(deadlines_t).where(of_case, deadlines_t.c.status == "open", opened_by_undone)
        )
    )
    reopened = []
    for d in conn.execute(
        select(deadlines_t)
        .where(
            of_case,
            deadlines_t.c.status != "open",
            deadlines_t.c.closed_by_event_id.in_(ids),
            deadlines_t.c.opened_by_event_id.is_(None) | ~opened_by_undone,
        )
        .order_by(deadlines_t.c.id)
    ):
        values: dict[str, Any] = {"status": "open", "closed_at": None, "closed_by_event_id": None}
        spec = definition.deadline(d.key)
        if spec is not None:
            moved = schedule(spec, d.anchor_date, uow.calendar)
            values |= {
                "due_date": moved.due_date,
                "due_at": moved.due_at,
                "remind_at": moved.remind_at,
                "provisional": moved.provisional,
                "next_action_at": next_action_at(d, spec, moved, now),
            }
        else:  # its definition no longer names it: reopened as it was
            values["due_date"] = d.due_date
        reopened.append((d, values))
    return Compensation(undone, cancelled, reopened)
