"""Pickers (issue 15 item 2): a member, officer, Party organization, organization or unit is
chosen by name, on SQLite and PostgreSQL.

The JSON search behind search-as-you-type is scoped by the signed-in user (another district's
records are not offered), bounded, and names a bad parameter; a P4 step form with a member
field draws the picker and its no-JavaScript list and search button; posting the chosen id
does the step.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import update

from engine.clock import FixedClock
from engine.directory import service as directory
from engine.store.tables import User
from tests.conftest import fresh_pg_url
from tests.e2e.ui_support import _password_hash, app_for, csrf_token, fire_form, login
from tests.world import World, make_world

UPPER = "南关区自强街道党工委"
ASSESSED = {
    **dict.fromkeys(
        ("conviction", "dedication", "capability", "conduct", "political_strength", "mass_work"),
        True,
    ),
    "assessed_by": "南关区自强街道党工委组织委员",
    "assessed_on": "2026-03-01",
}


def add_people(w: World) -> None:
    """A Party branch in 南关区 with three members, and one member in 朝阳区 named alike."""
    w.po = directory.create_party_organization(
        w.uow(),
        {
            "organization_id": w.orgs["logistics"],
            "name": "长春市南关区物流行业协会党支部",
            "kind": "branch",
            "upper_party_org": UPPER,
            "established_on": "2026-02-10",
        },
    )
    w.m = {
        name: directory.create_member(
            w.uow(),
            {
                "organization_id": w.orgs["logistics"],
                "name": name,
                "status": "full",
                "role": role,
                "party_organization_id": w.po,
            },
        )
        for name, role in (("张伟", "head"), ("刘洋", "management"), ("陈静", "backbone"))
    }
    w.m["张伟（朝阳）"] = directory.create_member(
        w.uow(),
        {
            "organization_id": w.orgs["chaoyang"],
            "name": "张伟华",
            "status": "full",
            "relation_location": "朝阳区某党委",
        },
    )


def open_post(w: World) -> int:
    return w.open(
        "logistics", "secretary", {"party_organization_id": w.po, "vacancy": "new_organization"}
    )


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def world(request: pytest.FixtureRequest, tmp_path_factory: Any) -> Iterator[World]:
    if request.param == "sqlite":
        path = tmp_path_factory.mktemp("pickers") / "tongbu.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        urls: Iterator[str] = iter([f"sqlite:///{path}"])
    else:
        urls = fresh_pg_url(request)
    w = make_world(next(urls), FixedClock(datetime(2026, 3, 2, 2, 0, tzinfo=UTC)))
    with w.rt.uow() as u:
        u.conn.execute(update(User.__table__).values(password_hash=_password_hash()))
        u.commit()
    add_people(w)
    yield w
    w.rt.engine.dispose()
    next(urls, None)


@pytest.fixture(scope="module")
def app(world: World) -> Any:
    return app_for(world)


def _client(app: Any, username: str) -> Any:
    c = app.test_client()
    login(c, username)
    return c


def _names(resp: Any) -> list[str]:
    assert resp.status_code == 200, resp.get_data(as_text=True)
    return [r["name"] for r in resp.get_json()["results"]]


def test_the_search_offers_only_the_users_own_district(app, world):
    wang, zhao, admin = (_client(app, u) for u in ("wang", "zhao", "admin"))
    assert _names(wang.get("/pick/member?q=张伟")) == ["张伟"]
    assert _names(zhao.get("/pick/member?q=张伟")) == ["张伟华"]
    assert sorted(_names(admin.get("/pick/member?q=张伟"))) == ["张伟", "张伟华"]
    body = wang.get("/pick/member?q=刘").get_json()
    assert body["results"][0] == {
        "id": world.m["刘洋"],
        "name": "刘洋",
        "detail": ["长春市南关区物流行业协会 · 长春市南关区物流行业协会党支部"] * 2,
    }
    assert _names(wang.get("/pick/organization?q=朝阳")) == []
    assert _names(zhao.get("/pick/organization?q=朝阳")) == ["朝阳区青少年科技创新协会"]
    assert _names(wang.get("/pick/party_organization?q=物流")) == ["长春市南关区物流行业协会党支部"]
    assert _names(zhao.get("/pick/party_organization?q=物流")) == []
    assert "南关区民政局" in "".join(_names(wang.get("/pick/unit")))
    assert all("南关" not in n for n in _names(zhao.get("/pick/unit")))
    # LIKE's wildcards are typed literally
    assert _names(wang.get("/pick/member?q=%25")) == []


def test_the_search_is_bounded_and_near_comes_first(app, world):
    wang = _client(app, "wang")
    body = wang.get("/pick/member?limit=2").get_json()
    assert len(body["results"]) == 2 and body["more"] is True
    assert len(wang.get("/pick/member?limit=50").get_json()["results"]) == 3
    near = world.orgs["logistics"]
    assert wang.get(f"/pick/organization?near={near}").get_json()["results"][0]["id"] == near


@pytest.mark.parametrize(
    ("query", "field"),
    [("limit=0", "limit"), ("limit=51", "limit"), ("near=x", "near"), ("q=" + "x" * 101, "q")],
)
def test_the_search_names_a_bad_parameter(app, query, field):
    resp = _client(app, "wang").get(f"/pick/member?{query}")
    assert resp.status_code == 422
    assert list(resp.get_json()["errors"]) == [field]


def test_the_search_needs_a_sign_in_and_a_known_kind(app):
    assert app.test_client().get("/pick/member?q=张").status_code in (302, 303)
    resp = _client(app, "wang").get("/pick/password")
    assert resp.status_code == 404 and "kind" in resp.get_json()["errors"]


def _nominate_form(html: str) -> str:
    m = re.search(r'<form[^>]*action="[^"]*/steps/nominate[#"].*?</form>', html, re.S)
    assert m, "no nominate form"
    return m.group(0)


@pytest.fixture(scope="module")
def post_case(world: World) -> int:
    """A P4 case waiting for its nomination, which takes a member."""
    return open_post(world)


def test_a_member_field_is_a_picker_with_a_list_and_a_search_button(app, world, post_case):
    cid = post_case
    wang = _client(app, "wang")
    form = _nominate_form(wang.get(f"/cases/{cid}").get_data(as_text=True))
    assert 'class="picker"' in form and 'data-pick-url="/pick/member"' in form
    assert 'name="member_id"' in form and 'type="number"' not in form.split("member_id")[1][:200]
    # without JavaScript: the members of the case's organization to choose from, by name
    for name in ("张伟", "刘洋", "陈静"):
        assert f">{name} · 长春市南关区物流行业协会" in form
    assert "张伟华" not in form  # another district's
    assert 'name="_pickq.member_id"' in form and 'name="_pick" value="member_id"' in form
    # the search button shows the form again with what was found, nothing is done
    token = csrf_token(wang.get(f"/cases/{cid}").get_data(as_text=True))
    resp = wang.post(
        f"/cases/{cid}/steps/nominate",
        data={
            "csrf_token": token,
            "_version": "1",
            "source": "head",
            "_pickq.member_id": "刘",
            "_pick": "member_id",
        },
    )
    assert resp.status_code == 200
    form = _nominate_form(resp.get_data(as_text=True))
    options = re.findall(r'<option value="(\d+)"', form.split('name="member_id"')[1])
    assert options == [str(world.m["刘洋"])]
    assert 'value="刘"' in form and world.case(cid)["state"] == "vacancy"


def test_posting_the_chosen_member_does_the_step(app, world, post_case):
    cid = post_case
    wang = _client(app, "wang")
    payload = {"source": "head", "member_id": world.m["张伟"], "assessment": ASSESSED}
    resp = fire_form(wang, cid, "nominate", payload, version=1)
    assert resp.status_code == 303, resp.get_data(as_text=True)[:2000]
    case = world.case(cid)
    assert case["state"] == "nominated"
    # the history names the member by the picker's label
    page = wang.get(f"/cases/{cid}").get_data(as_text=True)
    assert "党员" in page


def test_ins2_an_instructor_is_picked_by_name_while_their_term_runs(app, world):
    """INS-2: the register's instructors of the user's units, with role and term; one whose
    term ended is not offered (they cannot be appointed)."""
    from engine.directory import instructors
    from tests.integration.test_coverage_drive import _unit_id

    def register(name: str, unit: str, by: str, ends: str) -> int:
        return instructors.register_instructor(
            world.uow(),
            {
                "name": name,
                "source": "cadre_left_post",
                "unit_id": _unit_id(world, unit),
                "term_starts_on": "2025-03-01",
                "term_ends_on": ends,
            },
            actor=world.actors[by],
        )

    serving = register("周建国", "cc-ng", "wang", "2027-02-28")
    ended = register("周红", "cc-ng", "wang", "2027-06-30")
    register("周立", "cc-cy", "zhao", "2027-06-30")
    instructors.end_term(
        world.uow(),
        ended,
        {"ended_on": "2026-03-01", "reason": "withdrawn"},
        actor=world.actors["li"],
    )
    wang = _client(app, "wang")
    body = wang.get("/pick/instructor?q=周").get_json()
    assert [r["name"] for r in body["results"]] == ["周建国"]
    assert body["results"][0]["id"] == serving
    assert body["results"][0]["detail"] == [
        "党建工作指导员 · 任期至 2027-02-28",
        "instructor · term ends 2027-02-28",
    ]
    assert _names(_client(app, "zhao").get("/pick/instructor?q=周")) == ["周立"]
