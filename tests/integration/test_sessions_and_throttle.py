"""Issue 18: sessions that end and a throttled sign-in, on SQLite and PostgreSQL.

A copied session cookie must stop working after logout, after a password change and after a
deactivation — also on another worker (a second app over the same database); a session ends
after its idle and absolute limits; the 6th wrong password within a minute for one account is
refused with a wait, the right one works after the wait; an unknown account gets the same
answers; every attempt is audited.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from engine.access import sessions
from engine.directory import service as directory
from engine.store.tables_access import SignInAttempt
from tests.e2e.ui_support import PASSWORD, app_for, csrf_token, login, ui_world
from web.auth import set_password
from web.cli import main as cli


@pytest.fixture
def world(db_url, clock):
    return ui_world(db_url, clock)


@pytest.fixture
def app(world):
    return app_for(world)


@pytest.fixture
def other_worker(world):
    """A second application over the same database, as a second gunicorn worker would be."""
    return app_for(world)


def _cookie(client) -> str:
    c = client.get_cookie("tongbu_session")
    assert c is not None
    return c.value


def _copy(app, value: str):
    """A client that holds a copy of someone's session cookie."""
    thief = app.test_client()
    thief.set_cookie("tongbu_session", value)
    return thief


def _env(world) -> dict[str, str]:
    return {"TONGBU_DATABASE_URL": world.rt.config.database_url, "TONGBU_SMTP_HOST": ""}


def _signed_in(client) -> bool:
    return client.get("/cases").status_code == 200


def test_a_copied_cookie_stops_working_after_logout_on_every_worker(app, other_worker):
    c = app.test_client()
    assert login(c, "wang").status_code == 303
    stolen = _cookie(c)
    copy = _copy(other_worker, stolen)
    assert _signed_in(copy)  # the proof that a copy could work
    c.post("/logout", data={"csrf_token": _csrf(c)})
    assert not _signed_in(copy)
    assert not _signed_in(_copy(app, stolen))


def _csrf(client) -> str:
    return csrf_token(client.get("/cases").get_data(as_text=True))


def test_a_password_change_ends_every_session_of_the_user(app, other_worker, world):
    c = app.test_client()
    login(c, "wang")
    copy = _copy(other_worker, _cookie(c))
    assert _signed_in(copy)
    set_password(world.uow(), "wang", "a-new-password-1")
    assert not _signed_in(c)
    assert not _signed_in(copy)
    assert login(app.test_client(), "wang", "a-new-password-1").status_code == 303


def test_a_deactivation_ends_the_users_sessions_at_once(app, other_worker, world):
    c = app.test_client()
    login(c, "wang")
    copy = _copy(other_worker, _cookie(c))
    assert _signed_in(copy)
    result = CliRunner().invoke(cli, ["user", "deactivate", "wang"], env=_env(world))
    assert result.exit_code == 0, result.output
    assert not _signed_in(c)
    assert not _signed_in(copy)
    assert login(app.test_client(), "wang").status_code == 401
    directory.set_active(world.uow(), "wang", True)
    assert login(app.test_client(), "wang").status_code == 303


def test_a_session_ends_after_the_idle_and_the_absolute_limit(app, world):
    c = app.test_client()
    login(c, "wang")
    policy = sessions.SessionPolicy()
    world.clock.at = world.clock.now() + policy.idle - timedelta(minutes=1)
    assert _signed_in(c)  # used within the idle limit: it goes on
    world.clock.at = world.clock.now() + policy.idle + timedelta(minutes=1)
    assert not _signed_in(c)
    login(c, "wang")
    for _ in range(int(policy.absolute / policy.idle) + 1):
        world.clock.at = world.clock.now() + policy.idle - timedelta(minutes=1)
        c.get("/cases")
    assert not _signed_in(c)  # kept busy, it still ends after the absolute limit


def test_the_session_id_changes_at_every_sign_in(app):
    c = app.test_client()
    login(c, "wang")
    first = _cookie(c)
    again = c.post(
        "/login", data={"username": "wang", "password": PASSWORD, "csrf_token": _csrf(c)}
    )  # signed in already, the user signs in again (e.g. from a second tab)
    assert again.status_code == 303
    assert _cookie(c) != first
    assert not _signed_in(_copy(app, first))  # the replaced session is over


@pytest.mark.parametrize("username", ["wang", "nobody-at-all"])
def test_the_sixth_wrong_password_in_a_minute_waits_and_the_right_one_works_after(
    app, world, username
):
    c = app.test_client()
    for _ in range(5):
        assert login(c, username, "wrong password").status_code == 401
    sixth = login(c, username, "wrong password")
    assert sixth.status_code == 429
    assert int(sixth.headers["Retry-After"]) > 0
    if username == "wang":
        assert login(c, "wang", PASSWORD).status_code == 429  # even the right one waits
        world.clock.at = world.clock.now() + timedelta(seconds=31)
        assert login(c, "wang", PASSWORD).status_code == 303
    t = SignInAttempt.__table__
    with world.rt.reader() as r:
        outcomes = (
            r.conn.execute(select(t.c.outcome).where(t.c.username == username).order_by(t.c.id))
            .scalars()
            .all()
        )
    assert outcomes[:6] == ["wrong"] * 5 + ["throttled"]


def test_the_wait_doubles_with_each_further_failure(world):
    uow = world.uow()
    policy = sessions.ThrottlePolicy()
    for _ in range(5):
        sessions.record_attempt(uow, "li", "10.0.0.1", "wrong")
    assert sessions.wait_seconds(uow, "li", "10.0.0.1", policy) == 30
    world.clock.at = world.clock.now() + timedelta(seconds=31)
    assert sessions.wait_seconds(uow, "li", "10.0.0.1", policy) == 0
    sessions.record_attempt(uow, "li", "10.0.0.1", "wrong")
    assert sessions.wait_seconds(uow, "li", "10.0.0.1", policy) == 60


def test_many_accounts_from_one_address_are_throttled_too(world):
    uow = world.uow()
    policy = sessions.ThrottlePolicy()
    for n in range(20):
        sessions.record_attempt(uow, f"guess{n}", "10.9.9.9", "wrong")
    assert sessions.wait_seconds(uow, "guess99", "10.9.9.9", policy) > 0
    assert sessions.wait_seconds(uow, "guess99", "10.1.1.1", policy) == 0


def test_the_sign_in_audit_lists_failed_attempts(app, world):
    login(app.test_client(), "wang", "wrong password")
    result = CliRunner().invoke(cli, ["user", "sign-ins", "--failed"], env=_env(world))
    assert result.exit_code == 0, result.output
    assert "wrong" in result.output and "wang" in result.output and "Asia/Shanghai" in result.output
