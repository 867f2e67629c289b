"""Statistics sent upward and the yearly money of Party organizations (INF-1, FUND-1),
on SQLite and PostgreSQL: recorded through the engine, read back per unit and year."""

from __future__ import annotations

import shutil
from decimal import Decimal
from pathlib import Path

import pytest
import yaml
from marshmallow import ValidationError
from sqlalchemy import func, select

from engine.directory import funds
from engine.errors import Forbidden
from engine.oversight import statistics as stats
from engine.store.tables_yearly import PartyOrgFunds, PartyOrgFundsAudit
from tests.world import make_world
from tests.yearly_support import DATABASES, YEAR, module_world, party_orgs, record_money, register

D = Decimal


@pytest.fixture(scope="module", params=DATABASES)
def yw(request, tmp_path_factory):
    yield from module_world(request, tmp_path_factory)


def _unit(w, code):
    return w.actors["li"].unit_id if code == "cc-ng" else w.actors["zhao"].unit_id


def _stats(w, who="li", unit=None, year=YEAR):
    return stats.statistics(
        w.rt.reader(), w.actors[who], w.rt.definitions, unit, year, w.clock.now()
    )


def test_inf1_party_organizations_members_and_dues_per_unit_and_year(yw):
    w = yw.w
    s = _stats(w)  # li: Nanguan and below
    kinds = {k.kind: k for k in s.kinds}
    assert (kinds["branch"].party_organizations, kinds["joint_branch"].party_organizations) == (
        1,
        1,
    )
    assert kinds["joint_branch"].new_in_year == 1 and kinds["branch"].new_in_year == 0
    assert (kinds["branch"].full_members, kinds["branch"].probationary_members) == (3, 1)
    assert s.members == 6 and s.total_party_organizations == 2
    assert s.money["dues_collected"] == D("1800.50")
    assert s.money["dues_returned"] == D("1600.00")
    assert s.coverage == {"registered": 3, "party_org": 3, "instructor": 0, "none": 0}
    whole = _stats(w, who="admin")
    assert whole.total_party_organizations == 3 and whole.members == 9
    assert whole.money["dues_collected"] == D("2700.50")
    # the year before: the joint branch did not exist yet, and nothing was recorded
    before = _stats(w, year=YEAR - 1)
    assert before.total_party_organizations == 1
    assert before.money["dues_collected"] == D("0") and before.recorded == 0
    assert before.coverage == {"registered": 1, "party_org": 1, "instructor": 0, "none": 0}


def test_inf1_statistics_stay_in_the_actors_units(yw):
    w = yw.w
    with pytest.raises(Forbidden):
        _stats(w, who="li", unit=_unit(w, "cc-cy"))
    assert _stats(w, who="zhao").total_party_organizations == 1


def test_fund1_funding_per_member_against_the_floor(yw):
    s = _stats(yw.w)
    lines = {p["name"][:4]: p for p in s.party_organizations}
    logistics, health = lines["长春市南"], lines["南关区健"]
    assert s.floor_yuan == D("200")
    assert logistics["per_member"] == D("250.00") and not logistics["below_floor"]
    assert health["per_member"] == D("150.00") and health["below_floor"]
    assert [p["id"] for p in s.below_floor] == [health["id"]]
    # dues returned in full (FUND-1) and start-up support for a new Party organization
    assert health["dues_short"] and not logistics["dues_short"]
    assert health["no_startup_support"] and not logistics["no_startup_support"]


def test_fund1_floor_is_a_local_parameter(db_url, clock, tmp_path: Path):
    folder = tmp_path / "definitions"
    shutil.copytree(Path(__file__).parents[2] / "definitions", folder)
    params = folder / "parameters.yaml"
    doc = yaml.safe_load(params.read_text(encoding="utf-8"))
    for p in doc["parameters"]:
        if p["id"] == "fund_floor_yuan_per_member_year":
            p["value"] = 300  # a district that raised it
    params.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    w = make_world(db_url, clock, definitions_dir=folder)
    register(w)
    record_money(w, party_orgs(w))
    s = _stats(w)
    assert s.floor_yuan == D("300")
    assert sorted(p["per_member"] for p in s.below_floor) == [D("150.00"), D("250.00")]


def test_fund1_recording_refuses_bad_amounts_and_other_units(yw):
    w = yw.w
    po = yw.party_orgs["chaoyang"]
    body = {"year": YEAR, "dues_collected": "-1", "dues_returned": "0", "funding_received": "1.234",
            "startup_support": "0"}  # fmt: skip
    with pytest.raises(ValidationError) as err:
        funds.record_funds(w.uow(), w.actors["zhao"], po, {**body, "version": 1}, w.clock.now())
    assert {"dues_collected", "funding_received"} <= set(err.value.messages)
    ok = {**body, "dues_collected": "1", "funding_received": "1", "year": 2024}
    with pytest.raises(Forbidden):  # Chaoyang's Party organization is not Nanguan's to record
        funds.record_funds(w.uow(), w.actors["wang"], po, ok, w.clock.now())


def test_inf1_a_year_that_has_not_begun_is_refused(yw):
    with pytest.raises(ValidationError) as err:
        _stats(yw.w, year=2027)
    assert "year" in err.value.messages


def test_fund1_recording_is_audited_idempotent_and_versioned(yw):
    w = yw.w
    po = yw.party_orgs["logistics"]
    body = {
        "year": YEAR,
        "dues_collected": "1200.00",
        "dues_returned": "1200",
        "funding_received": "1000",
        "startup_support": "0",
        "version": 1,
    }
    again = funds.record_funds(w.uow(), w.actors["wang"], po, body, w.clock.now())
    assert (again.version, again.changed) == (1, False)  # the same figures: nothing written
    with pytest.raises(ValidationError) as err:  # a correction says why
        funds.record_funds(
            w.uow(), w.actors["wang"], po, {**body, "funding_received": "1100"}, w.clock.now()
        )
    assert "reason" in err.value.messages
    fixed = funds.record_funds(
        w.uow(), w.actors["wang"], po,
        {**body, "funding_received": "1100", "reason": "漏记一笔拨款"}, w.clock.now(),
    )  # fmt: skip
    assert (fixed.version, fixed.changed) == (2, True)
    with pytest.raises(ValidationError) as err:  # someone else's version 1 is stale now
        funds.record_funds(
            w.uow(), w.actors["li"], po,
            {**body, "funding_received": "900", "reason": "x"}, w.clock.now(),
        )  # fmt: skip
    assert "version" in err.value.messages
    seen = funds.funds(w.rt.reader(), w.actors["li"], po, YEAR)
    assert seen["funding_received"] == D("1100.00") and seen["version"] == 2
    assert [a["action"] for a in seen["audit"]] == ["recorded", "corrected"]
    assert seen["audit"][1]["details"] == {"funding_received_fen": [100000, 110000]}
    assert seen["audit"][1]["reason"] == "漏记一笔拨款"
    with w.rt.reader() as r:
        assert (
            r.conn.execute(select(func.count()).select_from(PartyOrgFunds.__table__)).scalar() == 3
        )
        assert (
            r.conn.execute(select(func.count()).select_from(PartyOrgFundsAudit.__table__)).scalar()
            == 4
        )


def test_fund1_demo_records_a_year_of_money(db_url, clock):
    """The demo (make run) records last year's dues and funding for every Party organization:
    the statistics show money, one below the floor, and each year's audit row."""
    from datetime import date

    from engine.access.actor import SYSTEM
    from engine.config import Config
    from web.demo import load_demo
    from web.runtime import build_runtime

    rt = build_runtime(Config(database_url=db_url, scheduler=False, testing=True), clock=clock)
    today = date(2026, 3, 2)
    load_demo(rt, today)
    s = stats.statistics(rt.reader(), SYSTEM, rt.definitions, None, today.year - 1, clock.now())
    assert s.recorded == len([p for p in s.party_organizations]) > 0
    assert s.money["funding_received"] > 0 and s.below_floor
    with rt.reader() as r:
        audits = r.conn.execute(
            select(func.count()).select_from(PartyOrgFundsAudit.__table__)
        ).scalar()
        years = r.conn.execute(select(func.count()).select_from(PartyOrgFunds.__table__)).scalar()
    assert audits == years > s.recorded  # this year's figures for some as well
    rt.engine.dispose()
