"""The administrators' pages (issue 15 item 5), on SQLite and PostgreSQL.

Admin only (a caseworker and a supervisor get 403, also for a post), CSRF required, and every
change leaves one audit row with actor, time and reason. Done-when of issue 15: a deactivated
user's open session (a second client, signed in before) and API token fail on their very next
request.
"""

from __future__ import annotations

import re
import threading
import time
from typing import Any

import pytest
from marshmallow import ValidationError
from sqlalchemy import func, select, update

from engine.access import tokens
from engine.access.actor import actor_for
from engine.directory import admin as administration
from engine.store.tables import Unit, User
from engine.store.tables_admin import AdminAuditEntry
from tests.e2e.ui_support import PASSWORD, app_for, csrf_token, login, ui_world

audit_t = AdminAuditEntry.__table__
users_t = User.__table__
units_t = Unit.__table__
SECRET = re.compile(r'<code id="secret">([^<]+)</code>')


@pytest.fixture
def world(db_url, clock):
    return ui_world(db_url, clock)


@pytest.fixture
def app(world):
    return app_for(world)


def _client(app: Any, username: str) -> Any:
    c = app.test_client()
    assert login(c, username).status_code == 303
    return c


def _post(client: Any, path: str, data: dict[str, str], page: str = "/admin/users") -> Any:
    """Post a form of the admin pages with the CSRF token of a page the admin has open."""
    token = csrf_token(client.get(page).get_data(as_text=True))
    return client.post(path, data={"csrf_token": token, **data})


def _user_id(world, username: str) -> int:
    with world.rt.reader() as r:
        return r.conn.execute(
            select(users_t.c.id).where(users_t.c.username == username)
        ).scalar_one()


def _user(world, username: str) -> Any:
    with world.rt.reader() as r:
        return r.conn.execute(select(users_t).where(users_t.c.username == username)).one()


def _audit(world) -> list[Any]:
    with world.rt.reader() as r:
        return list(r.conn.execute(select(audit_t).order_by(audit_t.c.id)))


def _api(app: Any, token: str) -> int:
    return (
        app.test_client()
        .get("/api/v1/cases", headers={"Authorization": f"Bearer {token}"})
        .status_code
    )


def _signed_in(client: Any) -> bool:
    return client.get("/cases").status_code == 200


def _asked_for_their_own(client: Any) -> bool:
    """Signed in with a password an administrator set: every page leads to choosing one's own."""
    resp = client.get("/cases")
    return resp.status_code == 303 and resp.headers["Location"].endswith("/account/password")


def test_only_administrators_get_the_pages_and_posts_need_the_csrf_token(app, world):
    wang_id = _user_id(world, "wang")
    assert app.test_client().get("/admin/users").status_code == 302  # sign in first
    for username in ("wang", "li"):
        c = _client(app, username)
        for path in ("/admin/users", "/admin/users/new", f"/admin/users/{wang_id}",
                     "/admin/units", "/admin/audit"):  # fmt: skip
            page = c.get(path)
            assert page.status_code == 403, (username, path)
            assert "仅限管理员" in page.get_data(as_text=True)
        refused = _post(
            c, f"/admin/users/{wang_id}/active", {"active": "0", "reason": "x"}, "/cases"
        )
        assert refused.status_code == 403
        assert "系统管理" not in c.get("/cases").get_data(as_text=True)  # no menu entry
    admin = _client(app, "admin")
    for path in ("/admin/users", "/admin/users/new", f"/admin/users/{wang_id}",
                 "/admin/units", "/admin/audit"):  # fmt: skip
        assert admin.get(path).status_code == 200, path
    assert "系统管理" in admin.get("/cases").get_data(as_text=True)
    forged = admin.post(f"/admin/users/{wang_id}/active", data={"active": "0", "reason": "x"})
    assert forged.status_code == 400  # no CSRF token
    assert _user(world, "wang").active and _audit(world) == []


def test_a_created_user_signs_in_and_each_creation_is_audited(app, world):
    admin = _client(app, "admin")
    typed = _post(admin, "/admin/users/new", {
        "username": "sun", "display_name": "孙丽", "role": "caseworker", "unit": "cc-cy",
        "email": "sun@example.cn", "password": "a-long-password", "reason": "新入职",
    }, "/admin/users/new")  # fmt: skip
    assert typed.status_code == 303
    assert _asked_for_their_own(_client_with(app, "sun", "a-long-password"))
    made_up = _post(admin, "/admin/users/new", {
        "username": "zhou", "display_name": "周" , "role": "supervisor", "unit": "cc-ng",
    }, "/admin/users/new")  # fmt: skip
    assert made_up.status_code == 200
    secret = SECRET.search(made_up.get_data(as_text=True)).group(1)
    assert _asked_for_their_own(_client_with(app, "zhou", secret))
    assert secret not in str(_user(world, "zhou").password_hash)
    rows = _audit(world)
    assert [(r.action, r.target_label, r.actor_name) for r in rows] == [
        ("user_created", "sun", "管理员"),
        ("user_created", "zhou", "管理员"),
    ]
    assert rows[0].reason == "新入职" and rows[0].details == {"role": "caseworker", "unit": "cc-cy"}
    assert rows[0].actor_id == _user_id(world, "admin") and rows[0].at is not None


def _client_with(app: Any, username: str, password: str) -> Any:
    c = app.test_client()
    assert login(c, username, password).status_code == 303
    return c


def _field_error(html: str, field_id: str) -> str:
    """The error shown beside one field (the macro's `<div id="…-err">`)."""
    found = re.search(rf'<div class="field-error" id="{field_id}-err"[^>]*>(.*?)</div>', html, re.S)
    assert found, f"no error beside {field_id}"
    return found.group(1)


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("zh", ["用户名为2至80位小写字母", "至少8个字符", "没有代码为 nowhere 的单位"]),
        ("en", ["2 to 80 lowercase letters", "at least 8 characters", "no unit with code"]),
    ],
)
def test_field_errors_are_beside_their_fields_in_the_page_language(app, world, lang, expected):
    admin = _client(app, "admin")
    admin.get(f"/lang/{lang}")
    page = _post(admin, "/admin/users/new", {
        "username": "Bad Name", "display_name": "x", "role": "caseworker", "unit": "nowhere",
        "password": "short",
    }, "/admin/users/new")  # fmt: skip
    assert page.status_code == 422
    html = page.get_data(as_text=True)
    assert expected[0] in _field_error(html, "new-user-username")
    assert expected[1] in _field_error(html, "new-user-password")
    assert 'value="short"' not in html  # a password is never sent back
    unknown_unit = _post(admin, "/admin/users/new", {
        "username": "ok", "display_name": "x", "role": "caseworker", "unit": "nowhere",
    }, "/admin/users/new")  # fmt: skip
    assert unknown_unit.status_code == 422
    assert expected[2] in _field_error(unknown_unit.get_data(as_text=True), "new-user-unit")
    assert _audit(world) == []


def test_deactivation_ends_the_open_session_and_the_api_token_at_the_next_request(app, world):
    """Issue 15, done when: a deactivated user's open session and tokens stop working."""
    zhao = _client(app, "zhao")  # signed in before, in another browser
    token = tokens.create_token(world.rt.uow(), "zhao", "report-tool").token
    assert _signed_in(zhao) and _api(app, token) == 200  # both could work
    admin = _client(app, "admin")
    zhao_id = _user_id(world, "zhao")
    missing_reason = _post(admin, f"/admin/users/{zhao_id}/active", {"active": "0"})
    assert missing_reason.status_code == 422 and _signed_in(zhao)
    done = _post(admin, f"/admin/users/{zhao_id}/active", {"active": "0", "reason": "调离"})
    assert done.status_code == 303
    assert not _signed_in(zhao)  # the very next request
    assert _api(app, token) == 401
    assert login(app.test_client(), "zhao").status_code == 401
    page = admin.get(f"/admin/users/{zhao_id}").get_data(as_text=True)
    assert "已停用" in page and "已于" in page  # the token shows as revoked
    reactivated = _post(admin, f"/admin/users/{zhao_id}/active", {"active": "1", "reason": "回岗"})
    assert reactivated.status_code == 303
    assert _signed_in(_client(app, "zhao"))
    assert _api(app, token) == 401  # a revoked token stays revoked
    rows = _audit(world)
    assert [(r.action, r.reason, r.actor_name) for r in rows] == [
        ("user_deactivated", "调离", "管理员"),
        ("user_reactivated", "回岗", "管理员"),
    ]


def test_reset_password_ends_sessions_and_shows_a_made_up_one_once(app, world):
    wang = _client(app, "wang")
    admin = _client(app, "admin")
    wang_id = _user_id(world, "wang")
    page = _post(admin, f"/admin/users/{wang_id}/password", {"reason": "忘记密码"})
    assert page.status_code == 200
    secret = SECRET.search(page.get_data(as_text=True)).group(1)
    assert not _signed_in(wang)
    assert login(app.test_client(), "wang", PASSWORD).status_code == 401
    assert _asked_for_their_own(_client_with(app, "wang", secret))
    assert secret not in admin.get(f"/admin/users/{wang_id}").get_data(as_text=True)
    typed = _post(admin, f"/admin/users/{wang_id}/password",
                  {"password": "chosen-by-admin", "reason": "按本人要求"})  # fmt: skip
    assert typed.status_code == 303
    assert _asked_for_their_own(_client_with(app, "wang", "chosen-by-admin"))
    assert [(r.action, r.details) for r in _audit(world)] == [
        ("password_reset", {"generated": True}),
        ("password_reset", {"generated": False}),
    ]


def test_role_and_unit_change_apply_at_the_next_request_and_keep_an_administrator(app, world):
    wang = _client(app, "wang")
    assert wang.get("/dashboard").status_code == 403
    admin = _client(app, "admin")
    wang_id, admin_id = _user_id(world, "wang"), _user_id(world, "admin")
    changed = _post(admin, f"/admin/users/{wang_id}/change",
                    {"role": "supervisor", "unit": "cc-cy", "reason": "轮岗"})  # fmt: skip
    assert changed.status_code == 303
    assert wang.get("/dashboard").status_code == 200  # same session, new role
    row = _audit(world)[-1]
    assert row.action == "user_changed" and row.reason == "轮岗"
    assert row.details == {"role": ["caseworker", "supervisor"], "unit": ["cc-ng", "cc-cy"]}
    # The only administrator can neither demote nor deactivate themselves.
    demote = _post(admin, f"/admin/users/{admin_id}/change",
                   {"role": "supervisor", "unit": "jl-org", "reason": "试试"})  # fmt: skip
    assert demote.status_code == 422 and "没有可用的管理员" in demote.get_data(as_text=True)
    leave = _post(admin, f"/admin/users/{admin_id}/active", {"active": "0", "reason": "试试"})
    assert leave.status_code == 422 and _user(world, "admin").active
    assert _user(world, "admin").role == "admin" and len(_audit(world)) == 1
    # With a second administrator, stepping down is allowed.
    _post(admin, f"/admin/users/{wang_id}/change",
          {"role": "admin", "unit": "cc-cy", "reason": "第二管理员"})  # fmt: skip
    assert _post(admin, f"/admin/users/{admin_id}/change",
                 {"role": "supervisor", "unit": "jl-org", "reason": "交接"}).status_code == 303  # fmt: skip
    assert admin.get("/admin/users").status_code == 403  # their very next request


def test_unit_create_and_rename_are_audited_and_the_tree_shows_them(app, world):
    admin = _client(app, "admin")
    new = {"parent": "cc-ng", "code": "cc-ng-ks", "name_zh": "南关区民政局科室",
           "name_en": "Nanguan Section", "kind": "registration_authority", "district": "南关区"}  # fmt: skip
    assert _post(admin, "/admin/units", new, "/admin/units").status_code == 303
    twice = _post(admin, "/admin/units", new, "/admin/units")
    assert twice.status_code == 422 and 'id="new-unit-code-err"' in twice.get_data(as_text=True)
    with world.rt.reader() as r:
        unit = r.conn.execute(select(units_t).where(units_t.c.code == "cc-ng-ks")).one()
        parent = r.conn.execute(select(units_t).where(units_t.c.code == "cc-ng")).one()
    assert unit.parent_id == parent.id and unit.path == f"{parent.path}{unit.id}/"
    tree = admin.get("/admin/units").get_data(as_text=True)
    assert tree.index("南关区民政局科室") > tree.index("南关区民政局")
    renamed = _post(admin, f"/admin/units/{unit.id}/rename",
                    {"name_zh": "南关区社会组织科", "name_en": "Nanguan Social Organizations"},
                    "/admin/units")  # fmt: skip
    assert renamed.status_code == 303
    assert "南关区社会组织科" in admin.get("/admin/units").get_data(as_text=True)
    blank = _post(
        admin, f"/admin/units/{unit.id}/rename", {"name_zh": "", "name_en": "x"}, "/admin/units"
    )
    assert blank.status_code == 422 and f'id="rename-{unit.id}-name_zh-err"' in blank.get_data(
        as_text=True
    )
    rows = _audit(world)
    assert [(r.action, r.target_label) for r in rows] == [
        ("unit_created", "cc-ng-ks"),
        ("unit_renamed", "cc-ng-ks"),
    ]
    assert rows[1].details == {
        "name_zh": ["南关区民政局科室", "南关区社会组织科"],
        "name_en": ["Nanguan Section", "Nanguan Social Organizations"],
    }
    log = admin.get("/admin/audit").get_data(as_text=True)
    assert "单位重命名" in log and "南关区社会组织科" in log


def test_tokens_are_issued_shown_once_listed_and_revoked(app, world):
    admin = _client(app, "admin")
    li_id = _user_id(world, "li")
    page = _post(admin, f"/admin/users/{li_id}/tokens", {"name": "统计系统"})
    assert page.status_code == 200
    secret = SECRET.search(page.get_data(as_text=True)).group(1)
    assert secret.startswith("tbk_") and _api(app, secret) == 200
    listing = admin.get(f"/admin/users/{li_id}").get_data(as_text=True)
    assert "统计系统" in listing and secret[:12] in listing and secret not in listing
    assert "2026-03-02 10:00" in listing  # issued at the fixed clock, in Shanghai time
    (token,) = tokens.list_tokens(world.rt.uow(), "li")
    path = f"/admin/users/{li_id}/tokens/{token['id']}/revoke"
    wang_id = _user_id(world, "wang")
    elsewhere = _post(admin, f"/admin/users/{wang_id}/tokens/{token['id']}/revoke", {"reason": "x"})
    assert elsewhere.status_code == 404 and _api(app, secret) == 200  # not wang's token
    no_reason = _post(admin, path, {"reason": ""})
    assert no_reason.status_code == 422 and _api(app, secret) == 200
    assert _post(admin, path, {"reason": "系统下线"}).status_code == 303
    assert _api(app, secret) == 401
    assert [(r.action, r.target_label, r.reason) for r in _audit(world)] == [
        ("token_issued", secret[:12], None),
        ("token_revoked", secret[:12], "系统下线"),
    ]


def test_the_user_list_filters_by_unit_role_and_status(app, world):
    admin = _client(app, "admin")
    with world.rt.reader() as r:
        city = r.conn.execute(select(units_t.c.id).where(units_t.c.code == "cc-mz")).scalar_one()

    def listed(query: str) -> set[str]:
        html = admin.get(f"/admin/users?{query}").get_data(as_text=True)
        return set(re.findall(r'href="/admin/users/\d+">([^<]+)</a>', html))

    assert listed("role=supervisor") == {"li", "chen"}
    assert listed(f"unit={city}") == {"wang", "li", "zhao"}  # the unit and those below it
    assert listed(f"unit={city}&role=caseworker") == {"wang", "zhao"}
    assert listed("active=no") == set()
    _post(
        admin, f"/admin/users/{_user_id(world, 'zhao')}/active", {"active": "0", "reason": "调离"}
    )
    assert listed("active=no") == {"zhao"}
    assert "zhao" not in listed("active=yes")
    assert admin.get("/admin/users?role=boss").status_code == 422
    with world.rt.reader() as r:
        assert r.conn.execute(select(func.count()).select_from(audit_t)).scalar_one() == 1


def test_two_administrators_stepping_down_at_once_leave_one(world):
    """The rows of the active administrators are locked: the second of two simultaneous
    demotions waits for the first, then sees it and is refused (PostgreSQL: FOR UPDATE;
    SQLite: BEGIN IMMEDIATE)."""
    admin_id, wang_id = _user_id(world, "admin"), _user_id(world, "wang")
    promote = {"role": "admin", "unit": "cc-ng", "reason": "第二管理员"}
    administration.change_user(world.uow(), world.actors["admin"], wang_id, promote)
    wang = actor_for(world.rt.reader(), "wang")
    first = world.rt.engine.connect()
    first.begin()
    first.execute(select(users_t.c.id).where(users_t.c.role == "admin").with_for_update()).all()
    first.execute(update(users_t).where(users_t.c.id == admin_id).values(role="supervisor"))
    outcome: list[Any] = []

    def second() -> None:
        step_down = {"role": "supervisor", "unit": "cc-ng", "reason": "同时卸任"}
        try:
            outcome.append(administration.change_user(world.uow(), wang, wang_id, step_down))
        except ValidationError as err:
            outcome.append(err.messages)

    thread = threading.Thread(target=second)
    thread.start()
    time.sleep(0.5)
    assert outcome == []  # waiting for the first transaction
    first.commit()
    first.close()
    thread.join(timeout=30)
    assert outcome and "role" in outcome[0], outcome
    assert _user(world, "wang").role == "admin"
