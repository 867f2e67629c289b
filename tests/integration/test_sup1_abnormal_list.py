"""SUP-1: the abnormal-activities list, on SQLite and PostgreSQL.

A late annual report or an unfinished rectification lists the organization (the scheduler's
sweep: one statement, once per late deadline); leaving is an audited step refused while the
cause is there; a later cause lists it again; a long-dormant organization is listed for
deregistration and P2's adjustment on the deregistration route opens.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from engine.errors import TransitionRefused
from engine.oversight import abnormal
from engine.oversight.scheduler import SchedulerSettings, Ticker
from engine.store.tables import Case
from tests.inspection_support import REPORT, STATISTICS, case_of, open_year, registered, self_check
from tests.world import make_world


@pytest.fixture
def world(db_url, clock):
    w = make_world(db_url, clock)
    registered(w, "late", 1, party_org=True)
    registered(w, "on_time", 2, party_org=True)
    open_year(w)
    return w


def entries(world, **filters) -> list[dict]:
    page = abnormal.list_entries(
        world.rt.reader(),
        world.rt.definitions,
        world.actors["li"],
        abnormal.EntryFilter(**filters),
        per_page=100,
    )
    return page.rows


def sweep_at(world, when: datetime) -> int:
    world.clock.at = when
    return abnormal.run_sweep(world.uow(), when)


def test_sup1_late_annual_report_lists_once_and_leaving_is_audited(world):
    on_time = case_of(world, "on_time")
    world.fire(on_time, "record_self_check", self_check())
    world.fire(on_time, "file_statistics", STATISTICS)
    world.fire(on_time, "file_annual_report", REPORT)
    # before the report's date (1 June 2026) nobody is listed
    assert sweep_at(world, datetime(2026, 5, 31, 8, tzinfo=UTC)) == 0
    assert sweep_at(world, datetime(2026, 6, 2, 8, tzinfo=UTC)) == 1
    assert sweep_at(world, datetime(2026, 6, 3, 8, tzinfo=UTC)) == 0  # once per late deadline
    [entry] = entries(world)
    assert entry["organization_id"] == world.orgs["late"]
    assert (entry["reason"], entry["status"], str(entry["listed_on"])) == (
        "annual_report",
        "listed",
        "2026-06-02",
    )
    assert entry["reason_label"]["zh"].startswith("按期报送年度工作报告")
    assert entry["series"] == "2025"
    # leaving is refused while the report is still not filed
    with pytest.raises(TransitionRefused) as exc:
        abnormal.remove(world.uow(), entry["id"], "已联系", actor=world.actors["li"])
    assert exc.value.refusal.rule == "SUP-1"
    cid = case_of(world, "late")
    world.fire(cid, "record_self_check", self_check(on="2026-06-03"))
    world.fire(cid, "file_statistics", {**STATISTICS, "filed_on": "2026-06-03"})
    world.fire(cid, "file_annual_report", {**REPORT, "filed_on": "2026-06-03"})
    abnormal.remove(world.uow(), entry["id"], "年度工作报告已补报", actor=world.actors["li"])
    [left] = entries(world)
    assert (left["status"], left["removed_by_name"], left["removal_reason"]) == (
        "removed",
        "李强",
        "年度工作报告已补报",
    )
    notice = [e for e in world.history(cid) if e["kind"] == "abnormal_removed"]
    assert [(e["comment"], e["actor_name"], e["rules"]) for e in notice] == [
        ("年度工作报告已补报", "李强", ["SUP-1"])
    ]
    # the met-late deadline does not list it a second time
    assert sweep_at(world, datetime(2026, 6, 10, 8, tzinfo=UTC)) == 0
    with pytest.raises(TransitionRefused):
        abnormal.remove(world.uow(), entry["id"], "again", actor=world.actors["li"])


def test_sup1_unfinished_rectification_lists_again_after_leaving(world):
    cid = case_of(world, "late")
    world.fire(cid, "record_self_check", self_check(charter_party_clause="not_met"))
    world.fire(cid, "file_statistics", STATISTICS)
    world.fire(cid, "file_annual_report", REPORT)
    world.fire(
        cid,
        "demand_rectification",
        {
            "demanded_on": "2026-03-02",
            "item": "charter_party_clause",
            "problem": "章程未写入党建内容",
        },
    )
    assert sweep_at(world, datetime(2026, 4, 3, 8, tzinfo=UTC)) == 1  # due 2 April
    [entry] = entries(world, reason="rectification")
    world.fire(
        cid, "complete_rectification", {"completed_on": "2026-04-03", "summary": "章程已修改"}
    )
    abnormal.remove(world.uow(), entry["id"], "整改已完成", actor=world.actors["wang"])
    # a second demand, again not met in time: the organization is listed again
    world.fire(
        cid,
        "demand_rectification",
        {"demanded_on": "2026-04-03", "item": "charter_party_clause", "problem": "章程未经核准"},
    )
    assert sweep_at(world, datetime(2026, 5, 20, 8, tzinfo=UTC)) == 1  # after May Day
    statuses = sorted(e["status"] for e in entries(world, reason="rectification"))
    assert statuses == ["listed", "removed"]
    assert [e["status"] for e in entries(world, status="listed")] == ["listed"]


def test_sup1_report_filed_late_before_any_sweep_still_lists(world):
    cid = case_of(world, "late")
    world.clock.at = datetime(2026, 6, 5, 2, tzinfo=UTC)
    world.fire(cid, "record_self_check", self_check(on="2026-06-05"))
    world.fire(cid, "file_statistics", {**STATISTICS, "filed_on": "2026-06-05"})
    world.fire(cid, "file_annual_report", {**REPORT, "filed_on": "2026-06-05"})
    assert sweep_at(world, datetime(2026, 6, 6, 2, tzinfo=UTC)) == 2  # the other is unfiled
    [entry] = [e for e in entries(world) if e["organization_id"] == world.orgs["late"]]
    assert entry["reason"] == "annual_report"
    # the cause is gone already: it may leave at once
    abnormal.remove(world.uow(), entry["id"], "已补报", actor=world.actors["li"])


def test_sup1_the_schedulers_tick_lists(world):
    world.clock.at = datetime(2026, 6, 2, 8, tzinfo=UTC)
    ticker = Ticker(world.rt.engine, world.rt.definitions, SchedulerSettings(), clock=world.clock)
    ticker.sweep()
    assert {e["organization_id"] for e in entries(world)} == {
        world.orgs["late"],
        world.orgs["on_time"],
    }


def test_sup1_dormant_organization_is_listed_for_deregistration_and_p2_opens(world):
    cid = case_of(world, "late")
    dormancy = {
        "inactive_since": "2023-05-01",
        "unreachable_at_address": True,
        "unreachable_responsible_person": True,
        "unreachable_supervisory_unit": False,
        "decided_on": "2026-03-02",
        "party_organization_id": world.orgs["late.po"],
        "reported_to": "南关区自强街道党工委",
        "reason": "常年未开展活动，登记住所和负责人均无法联系",
    }
    with pytest.raises(TransitionRefused) as exc:
        world.fire(cid, "refer_for_deregistration", dormancy, by="li")
    assert exc.value.refusal.rule == "SUP-1"
    with pytest.raises(TransitionRefused) as exc:
        world.fire(
            cid,
            "refer_for_deregistration",
            {**dormancy, "unreachable_supervisory_unit": True, "inactive_since": "2025-01-01"},
            by="li",
        )
    assert "2" in exc.value.refusal.zh  # sup_dormant_years, a local default
    done = world.fire(
        cid, "refer_for_deregistration", {**dormancy, "unreachable_supervisory_unit": True}, by="li"
    )
    assert done["state"] == "referred"
    [entry] = entries(world)
    assert (entry["reason"], entry["status"], entry["case_id"]) == (
        "dormant",
        "deregistration",
        cid,
    )
    assert "僵尸" in entry["reason_label"]["zh"]
    t = Case.__table__
    with world.rt.reader() as r:
        p2 = r.conn.execute(
            select(t.c.id, t.c.data).where(
                t.c.procedure == "adjustment", t.c.organization_id == world.orgs["late"]
            )
        ).one()
    assert p2.data["change_kind"] == "deregistration"
    with pytest.raises(TransitionRefused):  # not a cause that goes away
        abnormal.remove(world.uow(), entry["id"], "误列", actor=world.actors["li"])
