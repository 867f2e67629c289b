"""Access rules of the web UI: sign-in, roles, units and CSRF — refused, and the case unchanged.

A hidden button is not access control: every test here posts what the page would not offer
and checks the server refused it and left the case exactly as it was.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from engine.config import Config
from tests.e2e.ui_support import (
    PASSWORD,
    app_for,
    csrf_token,
    fire_form,
    login,
    snapshot,
    to_form,
    ui_world,
)
from tests.world import survey
from web import create_app


@pytest.fixture
def world(db_url, clock):
    return ui_world(db_url, clock)


@pytest.fixture
def app(world):
    return app_for(world)


@pytest.fixture
def case_id(world):
    return world.open("logistics")


def test_sign_in_with_werkzeug_hash_and_wrong_password_refused(app):
    c = app.test_client()
    bad = login(c, "wang", "not the password")
    assert bad.status_code == 401
    assert c.get("/cases").status_code == 302  # still signed out
    ok = login(c, "wang", PASSWORD)
    assert ok.status_code == 303
    assert c.get("/cases").status_code == 200


def test_unknown_user_and_empty_password_refused(app):
    c = app.test_client()
    assert login(c, "nobody", PASSWORD).status_code == 401
    assert login(c, "wang", "").status_code == 401


def test_session_cookie_is_httponly_and_samesite_lax(app):
    c = app.test_client()
    resp = login(c, "wang")
    cookie = next(v for k, v in resp.headers.items() if k == "Set-Cookie" and "session" in v)
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # plain http on 127.0.0.1 unless switched on


def test_secure_cookies_switch(world):
    """TONGBU_SECURE_COOKIES=1 reaches the session cookie through the one Config."""
    switched = Config.from_env({"TONGBU_SECURE_COOKIES": "1"}).secure_cookies
    runtime = replace(world.rt, config=replace(world.rt.config, secure_cookies=switched))
    app = create_app(runtime=runtime)
    assert app.config["SESSION_COOKIE_SECURE"] is True


def test_pages_need_sign_in(app, case_id):
    c = app.test_client()
    for path in ("/cases", f"/cases/{case_id}", "/dashboard", "/organizations", "/procedures"):
        resp = c.get(path)
        assert resp.status_code == 302 and "/login" in resp.headers["Location"], path


def test_login_next_parameter_stays_on_this_site(app):
    c = app.test_client()
    token = csrf_token(c.get("/login").get_data(as_text=True))
    resp = c.post(
        "/login",
        data={
            "username": "wang",
            "password": PASSWORD,
            "csrf_token": token,
            "next": "//evil.example/x",
        },
    )
    assert resp.status_code == 303
    assert "evil" not in resp.headers["Location"]


def test_wrong_role_refused_case_unchanged(app, world, case_id):
    """record_documents is a caseworker's step; a supervisor posting it is refused."""
    c = app.test_client()
    login(c, "li")
    before = snapshot(world, case_id)
    resp = fire_form(
        c,
        case_id,
        "record_documents",
        {"member_survey": survey(4)},
        version=before[1],
    )
    assert resp.status_code == 403
    assert snapshot(world, case_id) == before


def test_wrong_unit_cannot_open_or_act_case_unchanged(app, world, case_id):
    """zhao (朝阳区) can neither open nor act on a case of 南关区."""
    c = app.test_client()
    login(c, "zhao")
    before = snapshot(world, case_id)
    page = c.get(f"/cases/{case_id}")
    assert page.status_code == 403
    assert "长春市南关区物流行业协会" not in page.get_data(as_text=True)
    token = csrf_token(c.get("/cases").get_data(as_text=True))
    resp = fire_form(
        c, case_id, "record_documents", {"member_survey": survey(4)}, version=1, token=token
    )
    assert resp.status_code == 403
    assert snapshot(world, case_id) == before
    assert c.get(f"/organizations/{world.orgs['logistics']}").status_code == 403
    listing = c.get("/cases?view=open").get_data(as_text=True)
    assert f'href="/cases/{case_id}"' not in listing


def test_wrong_unit_cannot_open_a_case_for_another_districts_organization(app, world):
    c = app.test_client()
    login(c, "zhao")
    org = world.orgs["logistics"]
    assert c.get(f"/organizations/{org}/cases/new").status_code == 403
    token = csrf_token(c.get("/cases").get_data(as_text=True))
    resp = c.post(
        f"/organizations/{org}/cases/new",
        data={
            "csrf_token": token,
            "_procedure": "registration",
            "applied_on": "2026-03-01",
            "founders": "张伟",
        },
    )
    assert resp.status_code == 403
    assert c.get("/cases?view=all").status_code == 200
    with world.rt.reader() as r:
        from sqlalchemy import text

        n = r.conn.execute(
            text("select count(*) from cases where organization_id = :o"), {"o": org}
        ).scalar_one()
    assert n == 0


def test_forged_form_without_csrf_token_refused_case_unchanged(app, world, case_id):
    c = app.test_client()
    login(c, "wang")
    before = snapshot(world, case_id)
    resp = c.post(
        f"/cases/{case_id}/steps/record_documents",
        data={"_version": str(before[1]), **to_form({"member_survey": survey(4)})},
    )
    assert resp.status_code == 400
    assert snapshot(world, case_id) == before


def test_csrf_token_of_another_session_refused_case_unchanged(app, world, case_id):
    attacker = app.test_client()
    login(attacker, "wang")
    stolen = csrf_token(attacker.get(f"/cases/{case_id}").get_data(as_text=True))
    victim = app.test_client()
    login(victim, "wang")
    before = snapshot(world, case_id)
    resp = victim.post(
        f"/cases/{case_id}/steps/record_documents",
        data={
            "_version": str(before[1]),
            **to_form({"member_survey": survey(4)}),
            "csrf_token": stolen,
        },
    )
    assert resp.status_code == 400
    assert snapshot(world, case_id) == before


def test_logout_needs_a_post_with_csrf(app):
    c = app.test_client()
    login(c, "wang")
    assert c.get("/logout").status_code == 405
    assert c.post("/logout").status_code == 400  # no token: still signed in
    assert c.get("/cases").status_code == 200
    token = csrf_token(c.get("/cases").get_data(as_text=True))
    assert c.post("/logout", data={"csrf_token": token}).status_code == 303
    assert c.get("/cases").status_code == 302


def test_caseworker_has_no_dashboard(app):
    c = app.test_client()
    login(c, "wang")
    assert c.get("/dashboard").status_code == 403
    supervisor = app.test_client()
    login(supervisor, "li")
    assert supervisor.get("/dashboard").status_code == 200


def test_deactivated_user_is_signed_out(app, world):
    from sqlalchemy import update

    from engine.store.tables import User

    c = app.test_client()
    login(c, "wang")
    assert c.get("/cases").status_code == 200
    with world.rt.uow() as u:
        u.conn.execute(
            update(User.__table__).where(User.__table__.c.username == "wang").values(active=False)
        )
        u.commit()
    assert c.get("/cases").status_code == 302
    assert login(c, "wang").status_code == 401


def test_api_blueprint_is_exempt_from_csrf(app):
    """The API authenticates with bearer tokens, not cookies: no CSRF token is asked there."""
    c = app.test_client()
    resp = c.post("/api/v1/cases", json={})
    body = resp.get_data(as_text=True)
    assert resp.status_code != 400 or "CSRF" not in body
    assert resp.status_code in (401, 403, 404, 405, 415, 422)


def test_security_headers_on_pages(app):
    resp = app.test_client().get("/login")
    assert "default-src 'self'" in resp.headers["Content-Security-Policy"]
    assert resp.headers["X-Frame-Options"] == "DENY"
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
