"""Accounts from the command line (`tongbu user add|password|list`) and the error pages.

A user created with `tongbu user add` signs in to the web UI with the password given
(stored only as a werkzeug hash); a too-short password is refused with the field named.
"""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from engine.store.tables import User
from tests.e2e.ui_support import app_for, login, ui_world
from web.cli.core import main


@pytest.fixture
def world(db_url, clock, monkeypatch):
    monkeypatch.setenv("TONGBU_DATABASE_URL", db_url)
    monkeypatch.setenv("TONGBU_SCHEDULER", "0")
    return ui_world(db_url, clock)


def _hash(world, username):
    with world.rt.reader() as r:
        return r.conn.execute(
            select(User.__table__.c.password_hash).where(User.__table__.c.username == username)
        ).scalar_one()


def test_user_add_with_password_option_can_sign_in(world):
    out = CliRunner().invoke(
        main,
        [
            "user",
            "add",
            "--username",
            "sun",
            "--name",
            "孙丽",
            "--role",
            "caseworker",
            "--unit",
            "cc-cy",
            "--password",
            "s3cret-enough",
        ],
    )
    assert out.exit_code == 0, out.output
    stored = _hash(world, "sun")
    assert stored and "s3cret-enough" not in stored and stored.startswith(("scrypt:", "pbkdf2:"))
    c = app_for(world).test_client()
    assert login(c, "sun", "s3cret-enough").status_code == 303
    assert c.get("/cases").status_code == 200


def test_user_add_prompts_twice_and_refuses_a_mismatch(world):
    args = ["user", "add", "--username", "zhou", "--name", "周", "--role", "caseworker"]
    args += ["--unit", "cc-ng"]
    bad = CliRunner().invoke(main, args, input="first-password\nother-password\n" * 1)
    assert bad.exit_code != 0
    ok = CliRunner().invoke(main, args, input="first-password\nfirst-password\n")
    assert ok.exit_code == 0, ok.output
    assert login(app_for(world).test_client(), "zhou", "first-password").status_code == 303


def test_too_short_password_refused_naming_the_field(world):
    out = CliRunner().invoke(
        main,
        [
            "user",
            "add",
            "--username",
            "qian",
            "--name",
            "钱",
            "--role",
            "caseworker",
            "--unit",
            "cc-ng",
            "--password",
            "short",
        ],
    )
    assert out.exit_code == 2
    assert "password" in out.output
    with world.rt.reader() as r:
        assert (
            r.conn.execute(
                select(User.__table__.c.id).where(User.__table__.c.username == "qian")
            ).first()
            is None
        )


def test_user_password_resets_and_the_old_one_stops_working(world):
    runner = CliRunner()
    out = runner.invoke(main, ["user", "password", "wang", "--password", "brand-new-pass"])
    assert out.exit_code == 0, out.output
    app = app_for(world)
    assert login(app.test_client(), "wang", "brand-new-pass").status_code == 303
    from tests.e2e.ui_support import PASSWORD

    assert login(app.test_client(), "wang", PASSWORD).status_code == 401
    missing = runner.invoke(main, ["user", "password", "nobody", "--password", "whatever1"])
    assert missing.exit_code == 6
    listing = runner.invoke(main, ["user", "list"])
    assert "wang" in listing.output and "can sign in" in listing.output


def test_error_pages_say_what_to_do_next_and_api_paths_answer_json(world):
    app = app_for(world)

    @app.get("/boom")
    def boom():
        raise RuntimeError("kaboom")

    c = app.test_client()
    login(c, "wang")
    missing = c.get("/cases/99999")
    assert missing.status_code == 404
    assert "<h2>您可以这样做</h2>" in missing.get_data(as_text=True)
    crash = c.get("/boom")
    assert crash.status_code == 500
    assert "kaboom" not in crash.get_data(as_text=True)
    assert "错误编号" in crash.get_data(as_text=True)
    unknown = c.get("/no-such-page")
    assert unknown.status_code == 404 and "<h1>" in unknown.get_data(as_text=True)
    api = c.get("/api/v1/no-such-thing")
    assert api.status_code == 404
    assert api.is_json or api.mimetype == "application/problem+json"
