"""Helpers shared by the UI tests: an app on the test world, signing in, posting forms."""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import cache
from typing import Any

from sqlalchemy import func, select, update
from werkzeug.security import generate_password_hash

from engine.store.tables import Event, User
from tests.world import World, make_world
from web import create_app

PASSWORD = "correct horse 42"
_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def ui_world(db_url: str, clock: Any) -> World:
    """The shared test world, every user with the same password."""
    w = make_world(db_url, clock)
    with w.rt.uow() as u:
        u.conn.execute(update(User.__table__).values(password_hash=_password_hash()))
        u.commit()
    return w


@cache
def _password_hash() -> str:
    return generate_password_hash(PASSWORD)


def app_for(world: World, **settings: Any) -> Any:
    app = create_app(runtime=world.rt, settings=settings)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    return app


def csrf_token(html: str) -> str:
    m = _TOKEN.search(html)
    assert m, "page has no CSRF token"
    return m.group(1)


def login(client: Any, username: str, password: str = PASSWORD) -> Any:
    token = csrf_token(client.get("/login").get_data(as_text=True))
    return client.post(
        "/login", data={"username": username, "password": password, "csrf_token": token}
    )


def to_form(payload: Mapping[str, Any], prefix: str = "") -> dict[str, str]:
    """A payload as the generated form would post it (dotted names, one line per item)."""
    out: dict[str, str] = {}
    for key, value in payload.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            out.update(to_form(value, name + "."))
        elif isinstance(value, list | tuple) and value and isinstance(value[0], Mapping):
            for i, row in enumerate(value):
                out.update(to_form(row, f"{name}.{i}."))
        elif isinstance(value, list | tuple):
            out[name] = "\n".join(str(v) for v in value)
        elif value is True:
            out[name] = "y"
        elif value is False or value is None:
            continue
        else:
            out[name] = str(value)
    return out


def fire_form(
    client: Any,
    case_id: int,
    trigger: str,
    payload: Mapping[str, Any] | None = None,
    *,
    version: int,
    comment: str | None = None,
    token: str | None = None,
) -> Any:
    """Post a step form the way the case page does (fetching the CSRF token from it)."""
    if token is None:
        token = csrf_token(client.get(f"/cases/{case_id}").get_data(as_text=True))
    data = {"csrf_token": token, "_version": str(version), **to_form(payload or {})}
    if comment:
        data["_comment"] = comment
    return client.post(f"/cases/{case_id}/steps/{trigger}", data=data)


def event_count(world: World, case_id: int) -> int:
    with world.rt.reader() as r:
        return r.conn.execute(
            select(func.count()).where(Event.__table__.c.case_id == case_id)
        ).scalar_one()


def snapshot(world: World, case_id: int) -> tuple[str, int, int, dict]:
    """What must not change when a step is refused: state, version, events, data."""
    c = world.case(case_id)
    return (c["state"], c["version"], event_count(world, case_id), c["data"])
