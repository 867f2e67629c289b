"""Issue 18, "What fails today": each hostile input is answered with a 4xx naming what was
wrong, nothing is stored, and nothing answers 5xx — on SQLite and PostgreSQL, through the API
and the UI. Each test first shows the harmless twin of its input is accepted, so a refusal is
about the hostile part."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import openpyxl
import pytest
from sqlalchemy import func, insert, select

from engine.access import tokens
from engine.store.tables import Case, Event, Organization
from tests.e2e.ui_support import app_for, csrf_token, login, ui_world

NUL = "\x00"
BIG = 2**31


@pytest.fixture
def world(db_url, clock):
    return ui_world(db_url, clock)


@pytest.fixture
def app(world):
    return app_for(world)


@pytest.fixture
def token(world):
    return {u: tokens.create_token(world.rt.uow(), u, "tests").token for u in ("wang", "li")}


def _api(app, token, user="wang"):
    c = app.test_client()
    c.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token[user]}"
    return c


def _counts(world) -> tuple[int, int, int]:
    with world.rt.reader() as r:
        return tuple(
            r.conn.execute(select(func.count()).select_from(t.__table__)).scalar_one()
            for t in (Case, Event, Organization)
        )


def _opening(world, **data):
    return {
        "procedure": "registration",
        "organization_id": world.orgs["logistics"],
        "data": {"applied_on": "2026-03-01", "founders": ["张伟"], **data},
    }


def _not_5xx(resp) -> None:
    assert resp.status_code < 500, resp.get_data(as_text=True)[:500]


def test_a_deeply_nested_json_body_is_a_400(app, token, world):
    before = _counts(world)
    body = "[" * 10_000 + "]" * 10_000
    resp = _api(app, token).post(
        "/api/v1/cases", data=body, headers={"Content-Type": "application/json"}
    )
    assert resp.status_code == 400
    assert _counts(world) == before


def test_a_nul_in_a_text_field_is_refused_naming_it(app, token, world):
    api = _api(app, token)
    assert api.post("/api/v1/cases", json=_opening(world)).status_code == 201  # the twin
    before = _counts(world)
    resp = api.post("/api/v1/cases", json=_opening(world, founders=[f"张{NUL}伟"]))
    assert resp.status_code == 422
    assert "founders" in resp.get_data(as_text=True)
    assert _counts(world) == before


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/organizations?search=a%00b",
        "/api/v1/cases?q=a%00b",
    ],
)
def test_a_nul_in_an_api_search_is_a_4xx(app, token, path):
    resp = _api(app, token).get(path)
    _not_5xx(resp)
    assert resp.status_code in (400, 422)


@pytest.mark.parametrize(
    "path", ["/cases?q=a%00b", "/organizations?q=a%00b", "/party-organizations?q=%00"]
)
def test_a_nul_in_a_ui_search_box_is_a_4xx(app, path):
    c = app.test_client()
    login(c, "wang")
    resp = c.get(path)
    _not_5xx(resp)
    assert resp.status_code in (400, 422)


def test_a_lone_surrogate_in_a_json_string_is_refused(app, token, world):
    before = _counts(world)
    org = world.orgs["logistics"]
    body = (
        f'{{"procedure": "registration", "organization_id": {org}, "data": {{"applied_on": '
        '"2026-03-01", "founders": ["\\ud800"]}}'
    )
    resp = _api(app, token).post(
        "/api/v1/cases", data=body, headers={"Content-Type": "application/json"}
    )
    _not_5xx(resp)
    assert resp.status_code in (400, 422)
    assert _counts(world) == before


def test_an_integer_beyond_the_database_range_is_refused_in_a_step(app, token, world):
    api = _api(app, token)
    case_id = api.post("/api/v1/cases", json=_opening(world)).get_json()["id"]
    survey = {
        "full_members": BIG,
        "full_time_full_members": 1,
        "probationary_members": 0,
        "members_elsewhere": 0,
    }
    resp = api.post(
        f"/api/v1/cases/{case_id}/fire/record_documents",
        json={"data": {"member_survey": survey}},
        headers={"If-Match": '"1"'},
    )
    assert resp.status_code == 422
    assert "full_members" in resp.get_data(as_text=True)


@pytest.mark.parametrize(
    "path",
    ["/cases/2147483648", "/organizations/99999999999999999999", "/party-organizations/2147483648"],
)
def test_a_ui_id_beyond_the_range_is_a_404(app, path):
    c = app.test_client()
    login(c, "wang")
    assert c.get(path).status_code == 404


@pytest.mark.parametrize(
    "path",
    ["/cases?unit=2147483648", "/cases?organization=99999999999", "/dashboard?unit=2147483648"],
)
def test_a_ui_filter_id_beyond_the_range_is_a_4xx(app, path):
    c = app.test_client()
    login(c, "li")
    resp = c.get(path)
    _not_5xx(resp)
    assert resp.status_code in (400, 404, 422)


@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01"])
def test_an_implausible_date_is_refused(app, token, world, day):
    before = _counts(world)
    resp = _api(app, token).post("/api/v1/cases", json=_opening(world, applied_on=day))
    assert resp.status_code == 422
    assert "applied_on" in resp.get_data(as_text=True)
    assert _counts(world) == before


def _org_body(name: str) -> dict:
    return {
        "name": name,
        "org_type": "social_group",
        "category": "industry_association",
        "unit": "cc-ng",
        "district": "南关区",
    }


def test_an_organization_name_with_control_characters_is_refused(app, token, world):
    api = _api(app, token)
    assert api.post("/api/v1/organizations", json=_org_body("南关区快递协会")).status_code == 201
    before = _counts(world)
    resp = api.post("/api/v1/organizations", json=_org_body("南关区\x0b快递\x1b协会"))
    assert resp.status_code == 422
    assert "name" in resp.get_json()["errors"] if "errors" in resp.get_json() else True
    assert _counts(world) == before


def test_an_xlsx_export_survives_a_name_stored_with_control_characters(app, world):
    # A name stored before this policy (or by a path that did not check) must not break the
    # supervisors' exports for everyone.
    t = Organization.__table__
    with world.rt.uow() as u:
        unit = u.conn.execute(
            select(t.c.unit_id).where(t.c.id == world.orgs["logistics"])
        ).scalar_one()
        oid = u.conn.execute(
            insert(t)
            .values(
                name="旧数据\x0b协会\x1b", org_type="social_group", category="charity",
                unit_id=unit, status="registered", coverage="none",
                created_at=datetime(2026, 1, 1, tzinfo=UTC),
            )
            .returning(t.c.id)
        ).scalar_one()  # fmt: skip
        u.commit()
    world.orgs["dirty"] = oid
    world.open("dirty")
    c = app.test_client()
    login(c, "chen")
    for path in (
        "/cases?view=all&format=xlsx",
        "/dashboard?format=xlsx",
        "/organizations?format=xlsx",
    ):
        resp = c.get(path)
        assert resp.status_code in (200, 404), path
        if resp.status_code == 200 and path.startswith("/cases"):
            book = openpyxl.load_workbook(io.BytesIO(resp.data))
            cells = [str(v) for row in book.active.iter_rows(values_only=True) for v in row if v]
            assert any("旧数据" in v and "协会" in v for v in cells)


@pytest.mark.parametrize(
    "nxt",
    [
        "/cases\r\nSet-Cookie: x=1",
        "/%0d%0aLocation:%20http://evil.example/",
        "/\t/evil.example/",
        "/%09/evil.example/",
        "//evil.example/",
        "/\\evil.example",
    ],
)
def test_next_is_only_a_same_site_path(app, nxt):
    c = app.test_client()
    page = c.get("/login", query_string={"next": nxt})
    _not_5xx(page)
    token = csrf_token(page.get_data(as_text=True))
    resp = c.post(
        "/login",
        data={"username": "wang", "password": "correct horse 42", "csrf_token": token, "next": nxt},
    )
    _not_5xx(resp)
    assert resp.status_code == 303
    location = resp.headers["Location"]
    assert "\r" not in location and "\n" not in location
    assert "evil.example" not in location


def test_the_api_organization_search_is_literal(app, token):
    api = _api(app, token)
    everything = api.get("/api/v1/organizations").get_json()["items"]
    assert everything
    assert api.get("/api/v1/organizations?search=%25").get_json()["items"] == []
    assert api.get("/api/v1/organizations?search=_").get_json()["items"] == []


def test_the_accountability_report_follows_one_rule_in_the_ui_and_the_api(app, token):
    ui = app.test_client()
    login(ui, "wang")
    ui_status = ui.get("/dashboard").status_code
    api_status = _api(app, token, "wang").get("/api/v1/reports/accountability").status_code
    assert (ui_status == 200) == (api_status == 200)
    assert api_status == 403  # a caseworker: the report is the supervisors'
    assert _api(app, token, "li").get("/api/v1/reports/accountability").status_code == 200
