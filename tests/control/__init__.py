"""The world of the owner and correction tests (issue 15): the shared test world, the `drill`
procedure of this folder's `definitions/` (two steps, a deadline from the opening and one from
the review, reminders and escalation), and more people in the Nanguan bureau (cc-ng): a second
caseworker, `sun`, and a deactivated one, `gone`.

The drill is registered the way a province's package registers its procedure, so nothing in
the engine or the web knows it, and these tests do not change when the shipped procedures do.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any
from unittest.mock import patch

from sqlalchemy import select, update

from engine.access import actor as access
from engine.cases import control, correction, owners
from engine.clock import FixedClock
from engine.config import Config
from engine.definitions.loader import load_definitions
from engine.definitions.model import Definitions
from engine.directory import service as directory
from engine.oversight import notifications
from engine.oversight import sweep as sweeping
from engine.registry import load_registry
from engine.store.tables import Deadline, Event, User
from tests.world import World, make_world
from web.runtime import Runtime, build_runtime

DEFINITIONS = Path(__file__).resolve().parent / "definitions"

#: 10:00 in Shanghai on Monday 2 March 2026: the review period (P10D) runs to 12 March.
START = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)

MORE_USERS = [("sun", "孙丽", "caseworker", "cc-ng"), ("gone", "钱进", "caseworker", "cc-ng")]


def drill_registry() -> Any:
    registry = load_registry()
    registry.definitions(DEFINITIONS)
    return registry


@cache
def drill_definitions() -> Definitions:
    """Loaded once per test process: reading the YAML is most of a world's set-up time, and
    the definitions (their machines too) are immutable, so every world may share them."""
    return load_definitions(None, drill_registry())


def drill_runtime(config: Config, **kw: Any) -> Runtime:
    """`build_runtime` with the drill registered (for the CLI, which builds its own)."""
    with patch("web.runtime.load_definitions", lambda *_: drill_definitions()):
        return build_runtime(config, registry=drill_registry(), **kw)


def drill_world(db_url: str, clock: FixedClock | None = None) -> World:
    with patch("web.runtime.load_definitions", lambda *_: drill_definitions()):
        w = make_world(db_url, clock or FixedClock(START), registry=drill_registry())
    for username, name, role, unit in MORE_USERS:
        directory.create_user(
            w.uow(), {"username": username, "display_name": name, "role": role, "unit": unit}
        )
        w.actors[username] = access.actor_for(w.uow(), username)
    directory.set_active(w.uow(), "gone", False)
    return w


def open_drill(w: World, org: str = "logistics", by: str = "wang") -> int:
    return w.open(org, procedure="drill", payload={}, by=by)


def control_of(w: World, case_id: int, by: str = "admin") -> control.Control:
    return control.case_control(w.uow(), w.rt.definitions, case_id, actor=w.actors[by])


def claim(w: World, case_id: int, by: str, reason: str | None = None) -> dict:
    return owners.claim(w.uow(), case_id, {"reason": reason}, actor=w.actors[by])


def assign(w: World, case_id: int, to: str, by: str = "li", reason: str | None = None) -> dict:
    return owners.assign(w.uow(), case_id, {"user": to, "reason": reason}, actor=w.actors[by])


def delegate(w: World, case_id: int, to: str, until: str, by: str = "wang") -> dict:
    return owners.delegate(
        w.uow(),
        case_id,
        {"user": to, "until": until, "reason": "出差一周 / away for a week"},
        actor=w.actors[by],
    )


def correct(w: World, action: str, case_id: int, by: str = "li", **payload: Any) -> dict:
    """A correction at the case's current version (unless `expected_version` is given)."""
    payload.setdefault("expected_version", w.case(case_id)["version"])
    payload.setdefault("reason", "主管纠正 / corrected by the supervisor")
    fn = getattr(correction, action)
    return fn(w.uow(), w.rt.definitions, case_id, payload, actor=w.actors[by])


def deadlines(w: World, case_id: int) -> dict[str, list[dict]]:
    """key -> the case's deadline rows of that key, by id."""
    out: dict[str, list[dict]] = {}
    for d in w.case(case_id)["deadlines"]:
        out.setdefault(d["key"], []).append(d)
    return out


def events(w: World, case_id: int, kind: str | None = None) -> list[dict]:
    return [e for e in w.history(case_id) if kind is None or e["kind"] == kind]


def sweep_at(w: World, at: datetime) -> sweeping.SweepResult:
    """One sweep at a fixed instant (the scheduler's tick, as `tongbu sweep --now` runs it)."""
    return sweeping.sweep(w.uow(), w.rt.definitions, now=at, advance_watermark=False)


def notes_of(w: World, username: str) -> list[dict]:
    return notifications.list_for_user(w.uow(), w.actors[username].id, limit=100)


def reminder_instant(w: World, case_id: int, key: str = "review_period") -> datetime:
    with w.rt.reader() as r:
        remind_at = r.conn.execute(
            select(Deadline.__table__.c.remind_at).where(
                Deadline.__table__.c.case_id == case_id, Deadline.__table__.c.key == key
            )
        ).scalar_one()
    return remind_at + timedelta(minutes=1)


def event_count(w: World) -> int:
    with w.rt.reader() as r:
        return len(r.conn.execute(select(Event.__table__.c.id)).all())


def drill_ui_world(db_url: str, clock: FixedClock | None = None) -> World:
    """`drill_world` with every user's password set to the UI tests' (tests/e2e/ui_support)."""
    from tests.e2e.ui_support import _password_hash

    w = drill_world(db_url, clock)
    with w.rt.uow() as u:
        u.conn.execute(update(User.__table__).values(password_hash=_password_hash()))
        u.commit()
    return w
