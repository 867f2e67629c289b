"""A migrated case's deadlines: which run on (re-keyed, re-dated), which end, which open.

The target version's deadlines per state come from `engine.definitions.flow`; the rules are
in `engine.cases.migration.judge`'s docstring (point 5) and docs/operations.md.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any

from engine.calendar import escalation_due, local_date
from engine.cases.deadlines import at_path
from engine.cases.migration.report import CasePlan, Context, DeadlineChange, Finding
from engine.definitions.model import DeadlineDef
from engine.oversight.recalendar import Schedule, next_action_at, schedule


def _date_at(data: Mapping[str, Any], anchor: str) -> date | None:
    if not anchor.startswith("data."):
        return None
    value = at_path(data, anchor.removeprefix("data."))
    if isinstance(value, datetime):
        return local_date(value)
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value[:10])
        except ValueError:
            return None
    return None


def _next_action(spec: DeadlineDef, sched: Schedule) -> datetime | None:
    """As `engine.cases.deadlines.deadline_rows` plans a new row: reminder, else first level."""
    if sched.remind_at is not None:
        return sched.remind_at
    return escalation_due(sched.due_at, spec.escalation[0].after) if spec.escalation else None


def _carry(
    ctx: Context, row: Any, key: str, spec: DeadlineDef, data: Mapping[str, Any]
) -> DeadlineChange:
    """A running deadline goes on under the target's rule; the row is updated, not replaced,
    so its reminder and escalation level (and the sweep's ledger) stay with it."""
    old_spec = ctx.source.deadline(row.key)
    anchor, anchor_from = row.anchor_date, "kept"
    if old_spec is None or old_spec.anchor != spec.anchor:
        found = _date_at(data, spec.anchor)
        if found is not None:
            anchor, anchor_from = found, spec.anchor
    sched = schedule(spec, anchor, ctx.calendar)
    same_ladder = old_spec is not None and old_spec.escalation == spec.escalation
    values = None
    if (
        key != row.key
        or spec.rule != row.rule
        or anchor != row.anchor_date
        or sched.due_at != row.due_at
        or sched.remind_at != row.remind_at
        or sched.provisional != row.provisional
        or not same_ladder
    ):
        values = {
            "key": key,
            "rule": spec.rule,
            "anchor_date": anchor,
            "due_date": sched.due_date,
            "due_at": sched.due_at,
            "remind_at": sched.remind_at,
            "provisional": sched.provisional,
            "next_action_at": next_action_at(row, spec, sched, ctx.now),
        }
    return DeadlineChange(
        "carried",
        row.key,
        key,
        spec.rule,
        row.id,
        row.due_date,
        sched.due_date,
        anchor,
        anchor_from,
        overdue=sched.due_at <= ctx.now < row.due_at,
        values=values,
    )


def _open(ctx: Context, spec: DeadlineDef, data: Mapping[str, Any]) -> DeadlineChange:
    """A deadline the target runs in the state and the case lacks: from the date the target's
    anchor reads in the data, else from the day of the migration (the day the duty starts to
    apply to this case; a step's input — `payload.` anchors — is not kept to read it from)."""
    found = _date_at(data, spec.anchor)
    anchor = found or local_date(ctx.now)
    sched = schedule(spec, anchor, ctx.calendar)
    return DeadlineChange(
        "opened",
        spec.id,
        spec.id,
        spec.rule,
        None,
        None,
        sched.due_date,
        anchor,
        spec.anchor if found else "migration_day",
        overdue=sched.due_at <= ctx.now,
        values={
            "key": spec.id,
            "rule": spec.rule,
            "status": "open",
            "anchor_date": anchor,
            "due_date": sched.due_date,
            "due_at": sched.due_at,
            "remind_at": sched.remind_at,
            "provisional": sched.provisional,
            "escalation_level": 0,
            "next_action_at": _next_action(spec, sched),
            "opened_at": ctx.now,
        },
    )


def carry_deadlines(ctx: Context, plan: CasePlan, rows: Sequence[Any]) -> None:
    """Fill `plan.deadlines` (and its notes) from the case's deadline rows, every status.

    Why carried rather than closed and reopened: a running duty does not start over because
    the administrator changed the procedure's version; its anchor, reminder and escalation
    level stay, only the target's rule (period, key, rule id, ladder) is applied to it. Why a
    met deadline is not opened again: the duty was done, under the rules of its day."""
    assert plan.new_state is not None
    runs = ctx.flow[plan.new_state]
    rename = ctx.plan.deadline_rename
    carried: set[str] = set()
    for row in (r for r in rows if r.status == "open"):
        key = rename.get(row.key, row.key)
        spec = ctx.target.deadline(key)
        if spec is None or key not in runs.may or key in carried:
            why = "gone" if spec is None else ("duplicate" if key in carried else "not_here")
            plan.deadlines.append(
                DeadlineChange(
                    "cancelled", row.key, None, row.rule, row.id, row.due_date, None, why=why
                )
            )
            continue
        carried.add(key)
        plan.deadlines.append(_carry(ctx, row, key, spec, plan.data))
    for key in sorted(runs.must - carried):
        spec = ctx.target.deadline(key)
        assert spec is not None
        ended = [r for r in rows if r.status != "open" and rename.get(r.key, r.key) == key]
        if ended:
            last = max(ended, key=lambda r: r.id)
            plan.deadlines.append(
                DeadlineChange(
                    "skipped",
                    last.key,
                    key,
                    spec.rule,
                    last.id,
                    last.due_date,
                    None,
                    why=last.status,
                )
            )
            continue
        plan.deadlines.append(_open(ctx, spec, plan.data))
    for d in plan.deadlines:
        if d.overdue:
            plan.notes.append(
                Finding(
                    "overdue",
                    f"期限 {d.new_key} 按第{ctx.target.version}版计算已于 {d.new_due} 到期，迁移后即进入督办",
                    f"deadline {d.new_key} is due on {d.new_due} under v{ctx.target.version}: "
                    "overdue at once",
                )
            )
    open_after = [d for d in plan.deadlines if d.action in ("carried", "opened")]
    if ctx.target.states[plan.new_state].waiting and not open_after:
        plan.notes.append(
            Finding(
                "waiting_without_deadline",
                "等待环节无运行中的期限：案件将按停滞统计",
                "a waiting state with no running deadline: the case counts as stalled (ACC-1)",
            )
        )
