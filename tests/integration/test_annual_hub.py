"""The year's work in one menu entry (`/annual`), on SQLite and PostgreSQL: the page links
every page of the annual cycle with the rules it serves (the supervisors' drives to
supervisors), and its form opens a year's inspections for a unit (INS-1) — once, however often
it is sent — while a bad year is named, never a server error."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from engine.store.tables import Case
from tests.e2e.ui_support import app_for, csrf_token, login, ui_world
from tests.inspection_support import registered


@pytest.fixture
def world(db_url, clock):
    w = ui_world(db_url, clock)
    registered(w, "a", 21, party_org=True)
    registered(w, "b", 22, party_org=False)
    return w


def _client(world, user: str):
    c = app_for(world).test_client()
    assert login(c, user).status_code == 303
    return c


def _inspections(world) -> int:
    with world.rt.reader() as r:
        return r.conn.execute(
            select(func.count()).select_from(Case.__table__).where(Case.procedure == "inspection")
        ).scalar_one()


def test_the_menu_has_one_entry_for_the_year_and_its_page_links_every_part(world):
    li = _client(world, "li")
    page = li.get("/annual").get_data(as_text=True)
    nav = re.search(r"<nav .*?</nav>", page, re.S).group(0)
    assert 'href="/annual" aria-current="page"' in nav and "年度工作" in nav
    assert "/abnormal" not in nav and "/statistics" not in nav  # one entry, not seven
    for href in (
        "/campaigns",
        "/instructors",
        "/abnormal",
        "/evaluations",
        "/statistics",
        "/year-end",
    ):
        assert f'href="{href}"' in page, href
    for rule in ("REG-10", "INS-1", "SUP-1", "EVA-1", "INF-1", "FUND-1", "RPT-1", "SEC-7"):
        assert rule in page
    assert "open-year" not in page  # a supervisor does not open cases
    for path in ("/abnormal", "/campaigns", "/statistics", "/year-end"):
        nav = re.search(r"<nav .*?</nav>", li.get(path).get_data(as_text=True), re.S).group(0)
        assert 'href="/annual" aria-current="page"' in nav, path
    wang = _client(world, "wang")
    page = wang.get("/annual").get_data(as_text=True)
    assert 'href="/campaigns"' not in page and 'href="/instructors"' in page


def test_ins1_the_form_opens_a_years_inspections_once(world):
    wang = _client(world, "wang")
    token = csrf_token(wang.get("/annual").get_data(as_text=True))
    form = {"csrf_token": token, "unit": "cc-ng", "year": "2025"}
    first = wang.post("/inspections/open-year", data=form, follow_redirects=True)
    assert "2025年度年检：本次开启2件，此前已开启0件" in first.get_data(as_text=True)
    assert _inspections(world) == 2
    again = wang.post("/inspections/open-year", data=form, follow_redirects=True)
    assert "2025年度年检：本次开启0件，此前已开启2件" in again.get_data(as_text=True)
    assert _inspections(world) == 2
    bad = wang.post("/inspections/open-year", data={**form, "year": "1999"}, follow_redirects=True)
    assert bad.status_code == 200 and "2000至2100" in bad.get_data(as_text=True)
    assert _inspections(world) == 2
