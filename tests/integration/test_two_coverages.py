"""REG-7 / INS-2 "two coverages" per unit (engine/oversight/coverage_figures.py): Party-
organization coverage by its own Party organization, a joint branch or a host it is affiliated
to; Party-work coverage also counting instructors; on SQLite and PostgreSQL, and on the
supervisor's dashboard in zh and en."""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import select, update

from engine.directory import instructors
from engine.directory import service as directory
from engine.directory.coverage import appoint_instructor, end_coverage
from engine.oversight import figures
from engine.store.tables import Organization, Unit
from tests.e2e.ui_support import app_for, login, ui_world

orgs_t = Organization.__table__
units_t = Unit.__table__


def _org(w, key: str, unit: str = "cc-ng") -> int:
    w.orgs[key] = directory.create_organization(
        w.uow(),
        {"name": f"南关区{key}协会", "org_type": "social_group", "category": "other", "unit": unit},
    )
    return w.orgs[key]


def _party_org(w, host: str, kind: str = "branch", covers: tuple[str, ...] = ()) -> int:
    return directory.create_party_organization(
        w.uow(),
        {
            "organization_id": w.orgs[host],
            "name": f"{host}党组织",
            "kind": kind,
            "upper_party_org": "南关区自强街道党工委",
            "established_on": "2026-01-10",
            "covers": [w.orgs[k] for k in covers],
        },
    )


@pytest.fixture
def w(db_url, clock):
    """Nanguan: logistics has its own branch, which an affiliated one is attached to; community
    hosts a joint branch with health as partner; one has an instructor; one has nothing.
    Chaoyang: one uncovered. One more in Nanguan is still applying (not counted)."""
    w = ui_world(db_url, clock)
    for key in ("affiliated", "served", "bare", "applying"):
        _org(w, key)
    with w.uow() as u:
        u.conn.execute(
            update(orgs_t).where(orgs_t.c.id != w.orgs["applying"]).values(status="registered")
        )
        u.commit()
    w.branch = _party_org(w, "logistics", covers=("affiliated",))
    _party_org(w, "community", "joint_branch", covers=("health",))
    iid = instructors.register_instructor(
        w.uow(),
        {
            "name": "刘老师",
            "source": "young_cadre",
            "unit_id": w.actors["wang"].unit_id,
            "term_starts_on": "2026-01-01",
            "term_ends_on": "2027-12-31",
        },
        actor=w.actors["wang"],
    )
    with w.uow() as u:
        appoint_instructor(u.conn, iid, [w.orgs["served"]], since=date(2026, 2, 1))
        u.commit()
    return w


def _unit(w, code: str) -> int:
    with w.uow().reader() as r:
        return r.conn.execute(select(units_t.c.id).where(units_t.c.code == code)).scalar_one()


def _rows(w, unit_ids=None) -> dict[int, dict]:
    with w.uow().reader() as r:
        return {x["unit_id"]: x for x in figures.coverage_by_unit(r, unit_ids)}


FIGURES = ("registered", "party_org", "own", "joint", "affiliated", "instructor", "party_work")


def test_reg7_two_coverages_per_unit_count_own_joint_affiliated_and_instructors(w):
    rows = _rows(w)
    ng, cy = rows[_unit(w, "cc-ng")], rows[_unit(w, "cc-cy")]
    assert tuple(ng[k] for k in FIGURES) == (6, 4, 1, 2, 1, 1, 5)
    assert ng["none"] == 1 and (ng["party_org_rate"], ng["party_work_rate"]) == (66.7, 83.3)
    assert tuple(cy[k] for k in FIGURES) == (1, 0, 0, 0, 0, 0, 0) and cy["none"] == 1
    totals = figures.coverage_totals(list(rows.values()))
    with w.uow().reader() as r:
        whole = figures.coverage(r, None)
    assert (totals["registered"], totals["party_org"], totals["instructor"], totals["none"]) == (
        whole["registered"],
        whole["party_org"],
        whole["instructor"],
        whole["none"],
    )
    assert list(_rows(w, [_unit(w, "cc-cy")])) == [_unit(w, "cc-cy")]  # scoped


def test_reg7_revoked_party_organization_leaves_both_coverages(w):
    with w.uow() as u:
        end_coverage(u.conn, w.branch, date(2026, 3, 1))
        u.commit()
    ng = _rows(w)[_unit(w, "cc-ng")]
    assert tuple(ng[k] for k in FIGURES) == (6, 2, 0, 2, 0, 1, 3)


def test_reg7_dashboard_shows_the_two_coverages_per_unit_in_zh_and_en(w):
    client = app_for(w).test_client()
    login(client, "chen")
    page = client.get("/dashboard").get_data(as_text=True)
    table = page[page.index('data-table="coverage-units"') :]
    table = table[: table.index("</table>")]
    assert "各单位“两个覆盖”" in table and "南关区民政局" in table
    row = re.search(rf'data-coverage-unit="{_unit(w, "cc-ng")}">(.*?)</tr>', table, re.S).group(1)
    cells = re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", row, re.S)
    assert cells[1:] == ["6", "4 (66.7%)", "1", "2", "1", "5 (83.3%)"]
    client.set_cookie("tongbu_lang", "en")
    page = client.get("/dashboard").get_data(as_text=True)
    assert "The two coverages by unit" in page and "Party work coverage" in page
