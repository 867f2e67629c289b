"""Reactions: a step of one procedure opens, moves or notifies a case of another, in the step's
own transaction (issue 13, item 7; the definitions declare them, `ReactionDef`).

Why here and not in the procedures: a procedure's actions see only their own case (pure
functions over a `CaseView`), so "P2's revocation ends P4's post" cannot be code in either
workflow without one reaching into the other. The definition names the link; the engine runs
it, as the system actor, and audits it on both cases:

- the case that reacts gets its ordinary event (an opening, a transition) or a `notice`, with a
  comment naming the case and step that set it off, and its owner a notification;
- the case whose step set it off gets a `reaction` event saying what happened to which case.

A reaction that cannot move its case (the step is not available from that case's state, or a
guard refuses it) becomes a notice carrying the reason: the step that set it off is never
refused because of another case, and nothing is half-done (each fired reaction runs in a
savepoint). `open` joins an open case that already matches instead of opening a second.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from marshmallow import ValidationError
from sqlalchemy import insert, select

from engine.access.actor import SYSTEM
from engine.cases.deadlines import at_path
from engine.definitions.model import Definition, Definitions, ReactionDef
from engine.errors import Conflict, TransitionRefused
from engine.oversight.notifications import Message, notify
from engine.store.tables import Case, Event, User
from engine.store.unit_of_work import UnitOfWork

cases_t = Case.__table__
events_t = Event.__table__
users_t = User.__table__

MAX_DEPTH = 3
"""Reactions may set off reactions; a longer chain is a definitions loop, refused."""


@dataclass(frozen=True)
class Origin:
    """The step that sets reactions off: its case, what it wrote, and when."""

    case_id: int
    case_version: int
    organization_id: int
    unit_id: int
    """The origin case's unit after its step: a case a reaction opens opens there (the unit
    that now carries the duty, e.g. P1's responsible body after REG-6's hand-over)."""
    procedure: str
    trigger: str
    step_label: Any
    data: Mapping[str, Any]
    payload: Mapping[str, Any]
    organization: Mapping[str, Any]
    now: datetime
    today: date


def resolve(value: Any, origin: Origin) -> Any:
    """A reaction's value: a path into the origin step, `@today`, or the literal itself."""
    if not isinstance(value, str):
        return value
    if value == "@today":
        return origin.today.isoformat()
    source, dot, path = value.partition(".")
    if dot and source in ("data", "payload", "organization"):
        record = {"data": origin.data, "payload": origin.payload}.get(source, origin.organization)
        found = at_path(record, path)
        return found.isoformat() if isinstance(found, date | datetime) else found
    return value


def _matches(data: Mapping[str, Any], wanted: Mapping[str, Any]) -> bool:
    return all(str(data.get(k)) == str(v) for k, v in wanted.items())


def _targets(uow: UnitOfWork, origin: Origin, r: ReactionDef, wanted: Mapping[str, Any]) -> list:
    rows = uow.conn.execute(
        select(
            cases_t.c.id,
            cases_t.c.procedure,
            cases_t.c.definition_version,
            cases_t.c.state,
            cases_t.c.version,
            cases_t.c.unit_id,
            cases_t.c.assignee_id,
            cases_t.c.data,
        )
        .where(
            cases_t.c.organization_id == origin.organization_id,
            cases_t.c.procedure == r.procedure,
            cases_t.c.status == "open",
            cases_t.c.id != origin.case_id,
        )
        .order_by(cases_t.c.id)
    ).all()
    return [row for row in rows if _matches(row.data or {}, wanted)]


def _comment(r: ReactionDef, origin: Origin, extra: tuple[str, str] | None = None) -> str:
    zh = f"{r.label.zh}（由案件 #{origin.case_id}「{origin.step_label.zh}」引起，{r.rule}）"
    en = f"{r.label.en} (set off by case #{origin.case_id}, '{origin.step_label.en}', {r.rule})"
    if extra:
        zh, en = f"{zh}：{extra[0]}", f"{en}: {extra[1]}"
    return f"{zh} / {en}"


def _event(
    uow: UnitOfWork, case_id: int, version: int, kind: str, origin: Origin, **kw: Any
) -> int:
    return uow.conn.execute(
        insert(events_t)
        .values(
            case_id=case_id,
            kind=kind,
            case_version=version,
            actor_id=None,
            actor_name=SYSTEM.display_name,
            at=origin.now,
            **kw,
        )
        .returning(events_t.c.id)
    ).scalar_one()


def _tell_owner(
    uow: UnitOfWork, target: Any, event_id: int, r: ReactionDef, origin: Origin
) -> None:
    """The case's owner, or (unassigned) its unit's active caseworkers and supervisors."""
    if target.assignee_id is not None:
        people = [target.assignee_id]
    else:
        people = list(
            uow.conn.execute(
                select(users_t.c.id).where(
                    users_t.c.unit_id == target.unit_id,
                    users_t.c.active.is_(True),
                    users_t.c.role.in_(("caseworker", "supervisor")),
                )
            ).scalars()
        )
    message = Message(
        kind="reaction",
        subject_zh=f"案件 #{target.id}：{r.label.zh}",
        subject_en=f"Case #{target.id}: {r.label.en}",
        body_zh=f"由案件 #{origin.case_id}「{origin.step_label.zh}」引起（{r.rule}）。",
        body_en=f"Set off by case #{origin.case_id}, '{origin.step_label.en}' ({r.rule}).",
        case_id=target.id,
        event_id=event_id,
    )
    notify(
        uow.conn, [(f"reaction:{event_id}:{uid}", uid, message) for uid in people], origin.now, None
    )


FireIn = Callable[..., dict[str, Any]]
OpenIn = Callable[..., int]


def run(
    uow: UnitOfWork,
    defs: Definitions,
    definition: Definition,
    origin: Origin,
    *,
    depth: int,
    fire_in: FireIn,
    open_in: OpenIn,
) -> None:
    """Every reaction the origin step sets off, in file order, inside the caller's transaction."""
    reactions = definition.reactions_on(origin.trigger)
    if not reactions:
        return
    if depth >= MAX_DEPTH:
        raise ValueError(
            f"reactions nest deeper than {MAX_DEPTH} (case #{origin.case_id}, "
            f"{origin.trigger}): the definitions loop"
        )
    for r in reactions:
        wanted = {k: resolve(v, origin) for k, v in r.match}
        payload = {k: resolve(v, origin) for k, v in r.payload}
        targets = _targets(uow, origin, r, wanted)
        outcomes: list[dict[str, Any]] = []
        if r.do == "open":
            if targets:
                outcomes.append({"case_id": targets[0].id, "outcome": "already_open"})
            else:
                new_id = open_in(
                    uow,
                    defs,
                    r.procedure,
                    origin.organization_id,
                    payload,
                    actor=SYSTEM,
                    comment=_comment(r, origin),
                    unit_id=origin.unit_id,
                )
                outcomes.append({"case_id": new_id, "outcome": "opened"})
        for target in targets if r.do != "open" else ():
            outcomes.append(_fire_or_notice(uow, defs, target, r, payload, origin, depth, fire_in))
        if not outcomes:
            continue  # no open case to act on: nothing happened, nothing to record
        _event(
            uow,
            origin.case_id,
            origin.case_version,
            "reaction",
            origin,
            trigger=origin.trigger,
            comment=_comment(r, origin),
            payload={"do": r.do, "procedure": r.procedure, "trigger": r.trigger, "cases": outcomes},
            rules=[r.rule],
        )


def _fire_or_notice(
    uow: UnitOfWork,
    defs: Definitions,
    target: Any,
    r: ReactionDef,
    payload: Mapping[str, Any],
    origin: Origin,
    depth: int,
    fire_in: FireIn,
) -> dict[str, Any]:
    reason: tuple[str, str] | None = None
    if r.do == "fire":
        target_def = defs.get(target.procedure, target.definition_version)
        if r.trigger in target_def.triggers_from(target.state):
            savepoint = uow.conn.begin_nested()
            try:
                moved = fire_in(
                    uow,
                    defs,
                    target.id,
                    r.trigger,
                    payload,
                    actor=SYSTEM,
                    expected_version=target.version,
                    comment=_comment(r, origin),
                    depth=depth + 1,
                )
            except TransitionRefused as exc:
                savepoint.rollback()
                reason = (f"未能自动办理：{exc.refusal.zh}", f"not done: {exc.refusal.en}")
            except (ValidationError, Conflict) as exc:
                savepoint.rollback()
                reason = ("未能自动办理，请手工处理", f"not done ({exc}); act by hand")
            else:
                savepoint.commit()
                _tell_owner(uow, target, moved["event_id"], r, origin)
                return {"case_id": target.id, "outcome": "fired", "state": moved["state"]}
        else:
            reason = (
                f"案件当前状态（{target.state}）下不能自动办理，请手工处理",
                f"the case's state ({target.state}) has no such step; act by hand",
            )
    event_id = _event(
        uow,
        target.id,
        target.version,
        "notice",
        origin,
        trigger=r.trigger,
        comment=_comment(r, origin, reason),
        payload={"from_case": origin.case_id, "from_trigger": origin.trigger},
        rules=[r.rule],
    )
    _tell_owner(uow, target, event_id, r, origin)
    return {"case_id": target.id, "outcome": "notified"}
