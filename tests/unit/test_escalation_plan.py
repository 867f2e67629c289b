"""The sweep's pure parts: the ladder of a deadline, what is due when, who is told (ACC-1)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from engine.calendar import Period, escalation_due
from engine.definitions.model import DeadlineDef, EscalationStep, Label
from engine.oversight.ladder import ladder, plan_deadline
from engine.oversight.recipients import Directory

DUE = datetime(2026, 4, 2, 16, 0, tzinfo=UTC)  # end of 2026-04-02, Shanghai
REMIND = datetime(2026, 3, 25, 16, 0, tzinfo=UTC)


def spec(*steps: tuple[str, str], remind: str | None = "P7D") -> DeadlineDef:
    return DeadlineDef(
        id="forward_documents",
        label=Label("登记后1个月内转交材料", "Forward the documents"),
        rule="REG-5",
        period=Period.parse("P1M"),
        period_text="P1M",
        opens_on=("register",),
        anchor="data.registered_on",
        closes_on=("forward_documents",),
        remind_before=Period.parse(remind) if remind else None,
        escalation=tuple(
            EscalationStep(level=n + 1, to=to, after=Period.parse(after))
            for n, (to, after) in enumerate(steps)
        ),
    )


REG5 = spec(("assignee", "P0D"), ("unit_supervisor", "P7D"), ("upper_body", "P14D"))


@dataclass
class Row:
    id: int = 1
    case_id: int = 10
    key: str = "forward_documents"
    rule: str = "REG-5"
    due_at: datetime = DUE
    remind_at: datetime | None = REMIND
    reminded_at: datetime | None = None
    escalation_level: int = 0


def levels(plan) -> list[tuple[int, str, str]]:
    return [(a.level, a.kind, a.target) for a in plan.actions]


def test_reg5_ladder_is_reminder_then_each_level_after_its_period():
    steps = ladder(REG5, DUE, REMIND)
    assert [(s.level, s.kind, s.target) for s in steps] == [
        (0, "reminder", "assignee"),
        (1, "escalation", "assignee"),
        (2, "escalation", "unit_supervisor"),
        (3, "escalation", "upper_body"),
    ]
    assert steps[0].at == REMIND
    assert steps[1].at == DUE
    assert steps[2].at == escalation_due(DUE, Period.parse("P7D")) == DUE + timedelta(days=7)
    assert steps[3].at == DUE + timedelta(days=14)


def test_a_level_never_falls_due_before_the_one_below_it():
    odd = spec(("unit_supervisor", "P14D"), ("upper_body", "P3D"))
    at = [s.at for s in ladder(odd, DUE, None)]
    assert at == sorted(at) and at[1] == at[0]


def test_nothing_due_before_the_reminder_window_and_next_action_is_the_reminder():
    plan = plan_deadline(Row(), REG5, REMIND - timedelta(seconds=1))
    assert plan.actions == ()
    assert plan.next_action_at == REMIND


def test_reg5_reminder_fires_in_its_window_and_then_waits_for_the_deadline():
    plan = plan_deadline(Row(), REG5, REMIND)
    assert levels(plan) == [(0, "reminder", "assignee")]
    assert plan.reminded and plan.escalation_level == 0
    assert plan.next_action_at == DUE


def test_after_the_reminder_the_same_row_plans_no_second_reminder():
    plan = plan_deadline(Row(reminded_at=REMIND), REG5, DUE - timedelta(seconds=1))
    assert plan.actions == () and plan.next_action_at == DUE


def test_acc1_level_one_when_the_deadline_runs_out_then_level_two_after_the_further_period():
    plan = plan_deadline(Row(reminded_at=REMIND), REG5, DUE)
    assert levels(plan) == [(1, "escalation", "assignee")]
    assert plan.escalation_level == 1 and plan.next_action_at == DUE + timedelta(days=7)
    plan = plan_deadline(Row(reminded_at=REMIND, escalation_level=1), REG5, DUE + timedelta(days=7))
    assert levels(plan) == [(2, "escalation", "unit_supervisor")]
    assert plan.next_action_at == DUE + timedelta(days=14)
    plan = plan_deadline(
        Row(reminded_at=REMIND, escalation_level=3), REG5, DUE + timedelta(days=99)
    )
    assert plan.actions == () and plan.next_action_at is None


def test_catch_up_fires_every_missed_level_once_in_order_and_skips_a_late_reminder():
    """Decision (docs/operations.md): all missed levels fire, each once; a reminder that would
    arrive after the deadline is not sent."""
    plan = plan_deadline(Row(), REG5, DUE + timedelta(days=30))
    assert levels(plan) == [
        (1, "escalation", "assignee"),
        (2, "escalation", "unit_supervisor"),
        (3, "escalation", "upper_body"),
    ]
    assert plan.escalation_level == 3 and not plan.reminded and plan.next_action_at is None


def test_a_late_reminder_does_not_block_the_first_escalation_waiting_for_its_time():
    late = spec(("unit_supervisor", "P7D"))
    plan = plan_deadline(Row(), late, DUE + timedelta(days=1))
    assert plan.actions == ()
    assert plan.next_action_at == DUE + timedelta(days=7)


def test_a_deadline_without_reminder_or_escalation_never_needs_the_sweep():
    bare = spec(remind=None)
    plan = plan_deadline(Row(remind_at=None), bare, DUE + timedelta(days=1))
    assert plan.actions == () and plan.next_action_at is None


# ---------------------------------------------------------------- recipients

#   1 organization dept (admin 9)
#   └ 2 comprehensive committee (supervisor 4)
#     └ 3 city bureau
#       ├ 4 Nanguan (caseworker 1, supervisor 2)
#       └ 5 Chaoyang (caseworker 3)
TREE = Directory(
    parent={1: None, 2: 1, 3: 2, 4: 3, 5: 3},
    supervisors={4: [2], 2: [4]},
    admins=[9],
)


def test_acc1_unit_supervisor_is_found_in_the_unit_or_its_nearest_ancestor():
    assert TREE.unit_supervisors(4) == [2]
    assert TREE.unit_supervisors(5) == [4]


def test_acc1_upper_body_is_the_next_supervising_body_above():
    assert TREE.upper_body(4) == [4]
    assert TREE.upper_body(5) == []  # nobody above the committee ...
    assert TREE.recipients("upper_body", 5, None, set()) == [9]  # ... so the administrators


def test_assignee_level_goes_to_the_assignee_or_else_the_unit_supervisor():
    assert TREE.recipients("assignee", 4, 1, {1}) == [1]
    assert TREE.recipients("assignee", 4, 1, set()) == [2]  # inactive assignee
    assert TREE.recipients("assignee", 4, None, set()) == [2]


def test_a_cycle_in_the_unit_tree_cannot_hang_the_sweep():
    loop = Directory(parent={1: 2, 2: 1}, supervisors={}, admins=[])
    assert loop.unit_supervisors(1) == []


@pytest.mark.parametrize("target", ["assignee", "unit_supervisor", "upper_body"])
def test_nobody_is_ever_silently_skipped(target):
    empty = Directory(parent={1: None}, supervisors={}, admins=[7])
    assert empty.recipients(target, 1, None, set()) == [7]
