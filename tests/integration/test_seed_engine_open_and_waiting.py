"""Issue 13: deadlines that open with the case, and states that wait by design.

A definition may open a deadline when the case opens (`opens_on: ["@open"]`), anchored on the
opening day or on a date the opening recorded; and may mark a state `waiting: true`, where a
case is not stalled while one of its deadlines is open (the sweep reminds and escalates that
deadline instead). The stall flag (`stalls.sweep_stalled`) and the stalled figure
(`figures.stalled`: dashboard, lists, reports) judge it the same way. SQLite and PostgreSQL.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import update

from engine.cases import listing
from engine.directory import service as directory
from engine.oversight import accountability
from engine.oversight import sweep as escalation
from engine.oversight.figures import Moment
from engine.store.tables import Deadline
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


@pytest.fixture
def world(db_url, clock):
    w = make_world(db_url, clock)
    org = w.orgs["logistics"]
    w.po = directory.create_party_organization(
        w.uow(),
        {
            "organization_id": org,
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
                "organization_id": org,
                "name": name,
                "status": "full",
                "role": role,
                "party_organization_id": w.po,
            },
        )
        for name, role in (("张伟", "head"), ("刘洋", "management"), ("陈静", "backbone"))
    }
    return w


def deadlines(world: World, case_id: int) -> dict[str, dict]:
    return {d["key"]: d for d in world.case(case_id)["deadlines"]}


def sweep_at(world: World, at, **kw) -> escalation.SweepResult:
    world.clock.at = at
    return escalation.sweep(world.uow(), world.rt.definitions, now=at, full_stall_scan=True, **kw)


def report_change(world: World) -> int:
    return world.open(
        "logistics",
        "adjustment",
        {
            "party_organization_id": world.po,
            "change_kind": "merger",
            "change_on": "2026-02-20",
            "reported_on": "2026-02-25",
            "reported_to": UPPER,
            "summary": "协会与同业协会合并",
        },
    )


def vacancy(world: World, **payload) -> int:
    return world.open(
        "logistics",
        "secretary",
        {"party_organization_id": world.po, "vacancy": "new_organization", **payload},
    )


def secretary_in_office(world: World) -> int:
    cid = vacancy(world)
    world.fire(
        cid, "nominate", {"source": "head", "member_id": world.m["张伟"], "assessment": ASSESSED}
    )
    world.fire(
        cid,
        "elect",
        {"elected_on": "2026-03-01", "eligible_voters": 3, "votes_cast": 3, "votes_for": 3},
    )
    approval = {
        "approved_by": UPPER,
        "approved_on": "2026-03-02",
        "approval_no": "南自党〔2026〕5号",
        "stipend_yuan_per_month": 300,
        "stipend_paid_by": "party_funds",
    }
    assert world.fire(cid, "approve", approval, by="li")["state"] == "in_office"
    return cid


# ---------------------------------------------------------------- deadlines opened with the case


def test_trf_report_deadline_opens_with_the_case(world):
    """TRF-1/TRF-2 (adjustment v2): the period to contact the receiving Party organization
    runs from the report, so it is open from the moment the report opens the case."""
    cid = report_change(world)
    case = world.case(cid)
    newest = world.rt.definitions.get("adjustment").version  # opens with the case since v2
    assert case["definition_version"] == newest >= 2 and case["state"] == "reported"
    d = deadlines(world, cid)["contact_receiving"]
    assert (d["status"], d["rule"], str(d["anchor_date"])) == ("open", "TRF-2", "2026-02-25")
    assert d["due_date"] == date(2026, 3, 25)  # trf_contact_period, 1 month from the report
    opened = next(e for e in world.history(cid) if e["kind"] == "opened")
    assert d["opened_by_event_id"] == opened["id"]
    # Accepting the report does not open it a second time; naming the person meets it.
    world.fire(cid, "accept_report", {}, by="li")
    assert [k for k in deadlines(world, cid)] == ["contact_receiving"]


def test_trf_a_report_nobody_accepts_is_escalated(world):
    """TRF-2 with ACC-1: the report sits in `reported`, nobody accepts it; when the period runs
    out the sweep escalates it like any other deadline."""
    cid = report_change(world)
    d = deadlines(world, cid)["contact_receiving"]
    assert sweep_at(world, d["due_at"] - timedelta(seconds=1)).escalations == []
    late = sweep_at(world, d["due_at"])
    assert [(x["case_id"], x["deadline"], x["level"]) for x in late.escalations] == [
        (cid, "contact_receiving", 1)
    ]
    assert world.case(cid)["state"] == "reported"


def test_sec_vacancy_deadline_opens_with_the_case(world):
    """SEC-8 (secretary v2): the period to fill the post runs from the day the vacancy is
    opened (`sec_vacancy_period`, 3 months), and is met by the approval."""
    cid = vacancy(world)
    d = deadlines(world, cid)["fill_vacancy"]
    assert (d["status"], d["rule"], str(d["anchor_date"])) == ("open", "SEC-8", "2026-03-02")
    assert d["due_date"] == date(2026, 6, 2)


def test_sec_vacancy_deadline_counts_from_the_reported_position_change(world):
    """SEC-8: a vacancy opened from a reported position change counts from that report
    (`anchor: payload.position_change.reported_on`), not from the day the case is opened."""
    cid = world.open(
        "logistics",
        "secretary",
        {
            "party_organization_id": world.po,
            "vacancy": "position_change",
            "position_change": {
                "name": "孙磊",
                "change": "left_organization",
                "changed_on": "2026-02-10",
                "reported_on": "2026-02-12",
                "reported_to": UPPER,
            },
        },
    )
    d = deadlines(world, cid)["fill_vacancy"]
    assert str(d["anchor_date"]) == "2026-02-12"
    assert d["due_date"] == date(2026, 5, 12)


# ---------------------------------------------------------------- waiting states


def _stalled_everywhere(world: World, who: str = "li") -> dict[str, set[int] | int]:
    """The stalled figure through the report, its list and the inbox count."""
    at = Moment.of(world.rt.definitions, world.clock.now())
    actor = world.actors[who]
    report = accountability.accountability(world.uow(), actor, at)
    listed = accountability.stalled_cases(world.uow(), actor, at, limit=100)
    return {
        "report": sum(row["stalled"] for row in report),
        "list": {row["case_id"] for row in listed},
        "inbox": listing.counts_by_view(world.uow(), actor, at)["stalled"],
    }


def test_sec_in_office_secretary_is_not_stalled_while_a_deadline_is_open(world):
    """SEC-7/SEC-9 with ACC-1: a secretary in office has no step for months by design; the
    annual report and the term renewal are open deadlines, so the case is not stalled. A case
    quiet just as long in a state that is not waiting is (the proof the scan ran)."""
    in_office = secretary_in_office(world)
    assert {k for k, d in deadlines(world, in_office).items() if d["status"] == "open"} == {
        "annual_report",
        "term_renewal",
    }
    quiet = world.open("health")  # P1, `applied`: work to do, not waiting
    days = world.rt.definitions.parameters["stalled_after_days"]
    later = world.clock.now() + timedelta(days=days + 1)
    flagged = sweep_at(world, later)
    assert [s["case_id"] for s in flagged.stalled] == [quiet]
    assert _stalled_everywhere(world) == {"report": 1, "list": {quiet}, "inbox": 1}


def test_sec_in_office_without_an_open_deadline_is_stalled(world):
    """ACC-1: waiting is not a free pass — with no deadline open, nothing watches the case, and
    the quiet in-office case counts as stalled again, in the flag and in the figure alike."""
    in_office = secretary_in_office(world)
    with world.rt.engine.begin() as conn:
        conn.execute(
            update(Deadline.__table__)
            .where(Deadline.__table__.c.case_id == in_office)
            .values(status="met")
        )
    days = world.rt.definitions.parameters["stalled_after_days"]
    flagged = sweep_at(world, world.clock.now() + timedelta(days=days + 1))
    assert [s["case_id"] for s in flagged.stalled] == [in_office]
    assert _stalled_everywhere(world) == {"report": 1, "list": {in_office}, "inbox": 1}


def test_sec_a_vacancy_is_not_waiting_and_stalls(world):
    """SEC-8: a vacancy has work to do (nominate); its fill_vacancy deadline is open, yet a
    quiet vacancy is stalled — only states marked waiting are spared."""
    cid = vacancy(world)
    assert deadlines(world, cid)["fill_vacancy"]["status"] == "open"
    days = world.rt.definitions.parameters["stalled_after_days"]
    flagged = sweep_at(world, world.clock.now() + timedelta(days=days + 1))
    assert [s["case_id"] for s in flagged.stalled] == [cid]
