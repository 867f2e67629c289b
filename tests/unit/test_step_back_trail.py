"""Where a step back may return a case (issue 15, item 3): the trail of the states it entered,
read from its events — no database."""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace

from engine.cases.compensation import earlier_states, was_cancelled
from engine.definitions.model import Label

AT = datetime(2026, 3, 2, tzinfo=UTC)
DEFINITION = SimpleNamespace(
    states={s: SimpleNamespace(label=Label(s, s)) for s in ("a", "b", "c", "d")}
)


def trail(*steps: tuple[str, str | None]) -> list[SimpleNamespace]:
    return [SimpleNamespace(id=i, kind=k, to_state=s, at=AT) for i, (k, s) in enumerate(steps, 1)]


def targets(t: list, current: str) -> list[tuple[str, int]]:
    return [(s.state, s.entered_by_event_id) for s in earlier_states(t, current, DEFINITION)]


def test_every_state_entered_before_most_recent_first_each_once_not_the_current_one():
    t = trail(("opened", "a"), ("transition", "b"), ("transition", "c"), ("transition", "b"))
    assert targets(t, "b") == [("c", 3), ("a", 1)]


def test_a_state_reached_by_an_earlier_step_back_counts_from_that_event():
    t = trail(("opened", "a"), ("transition", "b"), ("stepped_back", "a"), ("transition", "c"))
    assert targets(t, "c") == [("a", 3), ("b", 2)]


def test_a_step_back_does_not_cross_a_version_migration_nor_offer_unknown_states():
    t = trail(("opened", "a"), ("transition", "b"), ("migrated", "d"), ("transition", "c"))
    assert targets(t, "c") == [("d", 3)]
    t = trail(("opened", "a"), ("transition", "gone"), ("transition", "c"))
    assert targets(t, "c") == [("a", 1)]


def test_reminders_and_other_events_are_not_states_and_a_cancel_is_final():
    t = trail(("opened", "a"), ("reminder", None), ("transition", "b"), ("cancelled", None))
    assert targets(t, "b") == [("a", 1)]
    assert was_cancelled(t) and not was_cancelled(t[:-1])
