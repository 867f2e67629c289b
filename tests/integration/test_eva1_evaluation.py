"""EVA-1: evaluation gating, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import update

from engine.oversight import evaluation
from engine.store.tables import Organization
from tests.e2e.ui_support import ui_world
from tests.inspection_support import registered


@pytest.fixture
def world(db_url, clock):
    w = ui_world(db_url, clock)
    registered(w, "with_po", 31, party_org=True)
    registered(w, "three_no_po", 32, party_org=False)
    registered(w, "two_no_po", 33, party_org=False)
    t = Organization.__table__
    with w.uow() as u:
        for key, n in (("with_po", 5), ("three_no_po", 3), ("two_no_po", 2)):
            u.conn.execute(
                update(t)
                .where(t.c.id == w.orgs[key])
                .values(full_members=n, full_time_full_members=n)
            )
        u.commit()
    return w


def rate(world, key: str, **kw) -> dict:
    payload = {
        "organization_id": world.orgs[key],
        "year": 2025,
        "level": 4,
        "total_score": 880,
        "party_score": 92,
        **kw,
    }
    return evaluation.record(
        world.uow(), world.rt.definitions.parameters, payload, actor=world.actors["wang"]
    )


def test_eva1_meets_the_conditions_without_party_organization_is_refused_citing_the_rule(world):
    refused = rate(world, "three_no_po")
    assert (refused["status"], refused["refusal_rule"], refused["level"]) == (
        "refused",
        "EVA-1",
        None,
    )
    assert "一般应取消其参加等级评估资格" in refused["refusal_zh"]
    assert refused["recommended"] is False
    # under the conditions (two members) the organization is rated
    assert rate(world, "two_no_po", level=3)["status"] == "rated"


def test_eva1_party_score_and_weight_recorded_and_3a_outstanding_recommended(world):
    row = rate(world, "with_po")
    assert (row["status"], row["level"], row["party_score"], row["party_weight_pct"]) == (
        "rated",
        4,
        92,
        20,  # eva_party_weight_pct, a local default
    )
    assert row["party_work_outstanding"] and row["recommended"]
    assert not rate(world, "with_po", level=2)["recommended"]  # below 3A
    low = rate(world, "with_po", party_score=80)  # corrects the year's one record
    assert not low["party_work_outstanding"] and not low["recommended"]
    with world.rt.reader() as r:
        rows = evaluation.of_year(r.conn, world.actors["li"], 2025)
    assert [x["organization_id"] for x in rows] == [world.orgs["with_po"]]


def test_eva1_the_page_records_and_shows_the_refusal_with_its_rule(world):
    from tests.e2e.ui_support import app_for, csrf_token, login

    c = app_for(world).test_client()
    login(c, "li")
    page = c.get("/evaluations?year=2025").get_data(as_text=True)
    assert "EVA-1" in page and "南关区第32社会组织" in page
    shown = c.post(
        "/evaluations",
        data={
            "csrf_token": csrf_token(page),
            "year": "2025",
            "organization_id": str(world.orgs["three_no_po"]),
            "level": "4",
            "total_score": "850",
            "party_score": "95",
        },
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "一般应取消其参加等级评估资格" in shown
    assert 'data-status="refused"' in shown
