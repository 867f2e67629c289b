"""A user chooses their own password (issue 15 item 5, noticed in its review), on SQLite and
PostgreSQL: a password an administrator set (a new user, a reset) is replaced before anything
else; the account page checks the current password and the sign-in's rule, names the field in
the page's language, ends every other session and keeps this one; the CLI's
`tongbu user password` (the operator's own) asks for nothing; API tokens are not affected."""

from __future__ import annotations

from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from engine.access import tokens
from engine.directory import admin as administration
from engine.store.tables import User
from tests.e2e.ui_support import PASSWORD, app_for, csrf_token, login, ui_world
from web.auth import hash_password
from web.cli.core import main

users_t = User.__table__


@pytest.fixture
def world(db_url, clock):
    return ui_world(db_url, clock)


@pytest.fixture
def app(world):
    return app_for(world)


def _reset(world: Any, username: str, password: str) -> None:
    with world.rt.reader() as r:
        uid = r.conn.execute(select(users_t.c.id).where(users_t.c.username == username)).scalar()
    administration.reset_password(
        world.rt.uow(),
        world.actors["admin"],
        uid,
        password_hash=hash_password(password),
        generated=False,
        reason="忘记密码",
    )


def _must_change(world: Any, username: str) -> bool:
    with world.rt.reader() as r:
        return r.conn.execute(
            select(users_t.c.must_change_password).where(users_t.c.username == username)
        ).scalar_one()


def _change(
    client: Any, current: str, new: str, confirm: str | None = None, lang: str = "zh"
) -> Any:
    page = client.get("/account/password", headers={"Accept-Language": lang})
    return client.post(
        "/account/password",
        headers={"Accept-Language": lang},
        data={
            "csrf_token": csrf_token(page.get_data(as_text=True)),
            "current_password": current,
            "new_password": new,
            "confirm_password": new if confirm is None else confirm,
        },
    )


def _field_error(html: str, name: str) -> str:
    start = html.index(f'id="{name}-err"')
    return html[start : html.index("</div>", start)]


def test_a_password_an_administrator_set_is_replaced_before_anything_else(app, world):
    issued = tokens.create_token(world.rt.uow(), "wang", "tests").token
    _reset(world, "wang", "set-by-the-admin")
    assert _must_change(world, "wang")
    wang = app.test_client()
    assert login(wang, "wang", "set-by-the-admin").status_code == 303
    for path in ("/cases", "/dashboard", "/organizations", "/"):
        resp = wang.get(path)
        assert resp.status_code == 303 and resp.headers["Location"].endswith("/account/password")
    page = wang.get("/account/password").get_data(as_text=True)
    assert "您的密码由管理员设置" in page
    # the API is the systems' and is not held up by it
    api = app.test_client().get("/api/v1/cases", headers={"Authorization": f"Bearer {issued}"})
    assert api.status_code == 200
    # another browser signed in with it is signed out by the change; this one stays in
    other = app.test_client()
    assert login(other, "wang", "set-by-the-admin").status_code == 303
    done = _change(wang, "set-by-the-admin", "my-own-secret")
    assert done.status_code == 303
    assert wang.get("/cases").status_code == 200
    assert other.get("/cases").status_code in (302, 303)
    assert "/login" in other.get("/cases").headers["Location"]
    assert not _must_change(world, "wang")
    assert login(app.test_client(), "wang", "my-own-secret").status_code == 303
    assert login(app.test_client(), "wang", "set-by-the-admin").status_code == 401


@pytest.mark.parametrize(
    ("lang", "wrong", "short", "differ"),
    [
        ("zh", "这不是您当前的密码", "至少8个字符", "两次输入的新密码不一致"),
        (
            "en",
            "not your current password",
            "at least 8 characters",
            "the two new passwords differ",
        ),
    ],
)
def test_the_page_names_the_field_and_the_rule_in_the_page_language(
    app, world, lang, wrong, short, differ
):
    wang = app.test_client()
    assert login(wang, "wang").status_code == 303
    resp = _change(wang, "not-it-at-all", "another-secret", lang=lang)
    assert resp.status_code == 422 and wrong in _field_error(
        resp.get_data(as_text=True), "current_password"
    )
    resp = _change(wang, PASSWORD, "short", lang=lang)
    assert resp.status_code == 422 and short in _field_error(
        resp.get_data(as_text=True), "new_password"
    )
    resp = _change(wang, PASSWORD, "another-secret", "another-secrex", lang=lang)
    html = resp.get_data(as_text=True)
    assert resp.status_code == 422 and differ in _field_error(html, "confirm_password")
    # nothing changed: the old password still signs in
    assert login(app.test_client(), "wang", PASSWORD).status_code == 303


def test_the_operators_own_password_from_the_cli_asks_for_nothing(world, db_url, monkeypatch):
    _reset(world, "li", "set-by-the-admin")
    monkeypatch.setenv("TONGBU_DATABASE_URL", db_url)
    result = CliRunner().invoke(
        main, ["user", "password", "li"], input="li-chose-this\nli-chose-this\n"
    )
    assert result.exit_code == 0, result.output
    assert not _must_change(world, "li")
