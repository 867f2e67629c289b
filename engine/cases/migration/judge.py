"""One case under a plan: where it goes, what its data and deadlines become, and why not.

The same function judges a case for the dry run and, inside the case's own transaction, for
the run; that is what makes the dry run a prediction rather than a guess. It writes nothing:
`engine.cases.migration.run` applies what it returns.

What is checked against the target version, for the state the case is mapped to
(docs/operations.md, "Moving running cases to a new version"):

1. the state is mapped, exists in the target and is not terminal there;
2. the plan's data renames find their destination free, and the paths the plan requires in
   that state (`data.require`) hold a value after renames and defaults;
3. materials: the target enters the state through steps; the case must hold the documents
   one of them requires (the initial state needs none: the opening leads into it);
4. the target's guards of every step out of the state run on the migrated data, as the case
   page runs them when it lists the steps; a refusal is normal ("not yet"), an exception
   means the target reads data the case does not hold (a KeyError, a TypeError);
5. deadlines: what the target runs in that state (`engine.definitions.flow`). A running
   deadline whose key (after `deadlines.rename`) the target may run there goes on, its due
   date recomputed by the target's period (and anchor, when the target reads another date of
   the data); one the target does not have, or does not run in that state, is cancelled; one
   the target runs there on every path and the case lacks is opened — unless the case met it
   (or it lapsed) already, then it is not opened again.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from typing import Any

from engine.calendar import local_date
from engine.cases.deadlines import at_path
from engine.cases.migration.carry import carry_deadlines
from engine.cases.migration.report import CasePlan, Context, DataChange, Finding
from engine.definitions.flow import entries
from engine.snapshot import CaseView, Lookup

_MISSING = object()


def _get(data: Mapping[str, Any], path: str) -> Any:
    value = at_path(data, path)
    return _MISSING if value is None else value


def _put(data: dict[str, Any], path: str, value: Any) -> bool:
    *parents, last = path.split(".")
    node = data
    for part in parents:
        nxt = node.setdefault(part, {})
        if not isinstance(nxt, dict):
            return False
        node = nxt
    node[last] = value
    return True


def _pop(data: dict[str, Any], path: str) -> None:
    *parents, last = path.split(".")
    node: Any = data
    for part in parents:
        node = node.get(part) if isinstance(node, dict) else None
    if isinstance(node, dict):
        node.pop(last, None)


def _transform(ctx: Context, plan: CasePlan) -> None:
    """Renames, then defaults, then the paths the plan requires in the new state."""
    data = plan.data
    for old, new in ctx.plan.data_rename.items():
        value = _get(data, old)
        if value is _MISSING:
            continue
        if _get(data, new) is not _MISSING:
            plan.problems.append(
                Finding(
                    "data_conflict",
                    f"数据 {old} 不能改名为 {new}：{new} 已有值",
                    f"data {old} cannot become {new}: {new} already holds a value",
                )
            )
            continue
        probe = copy.deepcopy(data)
        _pop(probe, old)
        if not _put(probe, new, value):
            plan.problems.append(
                Finding(
                    "data_conflict",
                    f"数据 {new} 的上级不是对象，不能改名",
                    f"data {new}: a parent is not an object",
                )
            )
            continue
        plan.data = data = probe
        plan.data_changes.append(DataChange("renamed", old, new))
    for path, value in ctx.plan.data_defaults.items():
        if _get(data, path) is _MISSING:
            if _put(data, path, copy.deepcopy(value)):
                plan.data_changes.append(DataChange("default", path))
            else:
                plan.problems.append(
                    Finding(
                        "data_conflict",
                        f"数据 {path} 的上级不是对象，不能设默认值",
                        f"data {path}: a parent is not an object",
                    )
                )
    for path in ctx.plan.data_require.get(plan.new_state or "", ()):
        if _get(data, path) is _MISSING:
            plan.problems.append(
                Finding(
                    "data_missing",
                    f"迁入“{ctx.target.states[plan.new_state or ''].label.zh}”须有数据 {path}",
                    f"v{ctx.target.version} needs data {path} in {plan.new_state!r}",
                )
            )


def _materials(ctx: Context, plan: CasePlan, held: frozenset[str]) -> None:
    ways_in = entries(ctx.target, plan.new_state or "")
    if plan.new_state == ctx.target.initial or not ways_in:
        return
    missing = [[m for m in t.required_materials if m.id not in held] for t in ways_in]
    if any(not m for m in missing):
        return
    step, lacking = min(zip(ways_in, missing, strict=True), key=lambda p: len(p[1]))
    plan.problems.append(
        Finding(
            "materials_missing",
            f"第{ctx.target.version}版经“{step.label.zh}”进入此环节，须有材料："
            + "、".join(m.label.zh for m in lacking),
            f"v{ctx.target.version} enters this state by '{step.label.en}', which needs: "
            + ", ".join(m.label.en for m in lacking),
        )
    )


def _guards(ctx: Context, plan: CasePlan, view: CaseView) -> None:
    for trigger in ctx.target.triggers_from(view.state):
        try:
            ctx.target.machine.refusal_for(view, trigger)
        except Exception as exc:  # a guard is procedure code: whatever it raises, it cannot run
            plan.problems.append(
                Finding(
                    "guard_error",
                    f"第{ctx.target.version}版步骤“{trigger}”的条件无法按案件数据判断："
                    f"{type(exc).__name__}: {exc}",
                    f"v{ctx.target.version}'s step {trigger!r} cannot judge the case's data: "
                    f"{type(exc).__name__}: {exc}",
                )
            )


def judge(
    ctx: Context,
    case: Any,
    organization_name: str,
    deadline_rows: Sequence[Any],
    view_parts: Mapping[str, Any],
    held_materials: Callable[[], frozenset[str]],
    lookup: Lookup,
) -> CasePlan:
    """The migration of one open case (`case`: its row) under `ctx`.

    `view_parts` gives what a `CaseView` needs besides the case (organization, params);
    `held_materials` is called only when the target requires documents to enter a state."""
    new_state = ctx.plan.states.get(case.state)
    plan = CasePlan(
        case.id,
        case.organization_id,
        organization_name,
        case.version,
        case.state,
        new_state,
        copy.deepcopy(dict(case.data or {})),
    )
    if new_state is None or new_state not in ctx.target.states:
        plan.problems.append(
            Finding(
                "state_unmapped",
                f"方案未给出环节 {case.state} 的去向",
                f"the plan does not map state {case.state!r}",
            )
        )
        return plan
    if ctx.target.is_terminal(new_state):
        plan.problems.append(
            Finding(
                "terminal",
                f"{new_state} 是终结环节，在办案件不能迁入",
                f"{new_state!r} is terminal: an open case cannot move there",
            )
        )
        return plan
    _transform(ctx, plan)
    carry_deadlines(ctx, plan, deadline_rows)
    held = held_materials() if ctx.target.materials else frozenset()
    _materials(ctx, plan, held)
    view = CaseView(
        case.id,
        case.procedure,
        new_state,
        case.version,
        plan.data,
        view_parts["organization"],
        view_parts["params"],
        local_date(ctx.now),
        lookup,
    )
    _guards(ctx, plan, replace(view, materials=held))
    return plan
