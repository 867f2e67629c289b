"""P1 version 2 (registration.v2.yaml), through the services on SQLite and PostgreSQL, on the
newest version, which keeps what version 2 brought (version 3 adds the documents: they are
attached before the walk).

Each test is named after the rule it guards and fails if its part of version 2 is taken away:
REG-6's responsible body is a unit the case is handed to (and REG-8's lateness with it),
REG-7's affiliated and joint formation cover organizations through coverage links, REG-8 ends
every new organization covered. The secretary post a new Party organization opens (P4) and the
forms are in test_seed_registration_v2_links.py.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from marshmallow import ValidationError
from sqlalchemy import func, select, update
from stdnum.cn import uscc

from engine.calendar import escalation_due
from engine.directory import service as directory
from engine.directory.coverage import coverers
from engine.errors import Forbidden, TransitionRefused
from engine.oversight import notifications
from engine.oversight import sweep as escalation
from engine.oversight.dashboard import dashboard
from engine.oversight.figures import Moment, unit_figures
from engine.store.tables import Member, Organization, PartyOrganization
from tests.world import (
    P1_DOCUMENTS,
    World,
    add_responsible_units,
    make_world,
    registration_steps,
)

party_t = PartyOrganization.__table__
members_t = Member.__table__
orgs_t = Organization.__table__


def credit_code(n: int) -> str:
    base = f"51220102MJY{n:06d}"
    return base + uscc.calc_check_digit(base)


@pytest.fixture
def world(db_url, clock):
    w = make_world(db_url, clock)
    add_responsible_units(w)
    return w


def registered_org(w: World, key: str, name: str, n: int, unit: str = "cc-ng") -> int:
    """A registered organization (a partner, a member of an existing joint branch)."""
    w.orgs[key] = directory.create_organization(
        w.uow(),
        {
            "name": name,
            "org_type": "social_group",
            "category": "industry_association",
            "unit": unit,
            "credit_code": credit_code(n),
            "industry_regulator": "南关区商务局",
            "local_party_org": "南关区自强街道党工委",
            "district": "南关区",
        },
    )
    return w.orgs[key]


def to_routing(
    w: World,
    org: str = "logistics",
    full: int = 2,
    n: int = 1,
    kind: str = "local_party_org",
    unit: str = "ng-nh",
) -> int:
    """A P1 case through REG-6, handed to `unit` (REG-6): at coverage_routing."""
    cid = w.open(org)
    w.attach(cid, *P1_DOCUMENTS)
    for trigger, payload, user in registration_steps(full_members=full, credit_code=credit_code(n)):
        w.fire(cid, trigger, payload, by=user)
    w.fire(
        cid,
        "assign_responsible_body",
        {"kind": kind, "unit_id": w.units[unit], "territorial_relation": kind == "local_party_org"},
    )
    return cid


def host_party_org(
    w: World, name: str = "南关区自强街道桃源社区党委", kind: str = "committee"
) -> int:
    """A host body's own Party organization (no social organization): a community committee."""
    return directory.create_party_organization(
        w.uow(),
        {
            "organization_id": None,
            "name": name,
            "kind": kind,
            "upper_party_org": "南关区自强街道党工委",
            "upper_unit": "ng-zq",
            "established_on": "2020-06-01",
        },
    )


def member(w: World, org: str, name: str) -> int:
    return directory.create_member(
        w.uow(),
        {
            "organization_id": w.orgs[org],
            "name": name,
            "status": "full",
            "relation_location": "原单位党支部",
        },
    )


def refusal(fn, *args, **kw):
    with pytest.raises(TransitionRefused) as exc:
        fn(*args, **kw)
    return exc.value.refusal


def deadline(w: World, cid: int, key: str) -> dict:
    return next(d for d in w.case(cid)["deadlines"] if d["key"] == key)


# ---------------------------------------------------------------- REG-6: a unit, and the case goes to it


def test_reg6_case_and_reg8_lateness_go_to_the_responsible_unit(world):
    cid = to_routing(world, full=4)
    case = world.case(cid)
    unit = world.units["ng-nh"]
    assert case["definition_version"] >= 2
    assert case["unit_id"] == unit  # handed over with the step
    org = case["organization"]
    assert org["responsible_unit_id"] == unit and org["responsible_body_kind"] == "local_party_org"
    handed = [e for e in world.history(cid) if e["kind"] == "handed_over"]
    assert [(e["payload"]["to_unit_id"], e["rules"]) for e in handed] == [(unit, ["REG-6"])]
    # The registration authority's caseworker no longer handles it; the unit's does.
    with pytest.raises(Forbidden):
        world.fire(cid, "route_standalone", by="wang")
    assert deadline(world, cid, "party_org_formation")["status"] == "open"

    # REG-8: three months from registration (2026-03-02) run out; the lateness is the unit's.
    due = deadline(world, cid, "party_org_formation")["due_at"]
    world.clock.at = due + timedelta(days=1)
    with world.rt.reader() as r:
        rows = unit_figures(r, None, Moment.of(world.rt.definitions, world.clock.now()))
    by_code = {row["unit_code"]: row for row in rows}
    assert by_code["ng-nh"]["overdue"] == 1
    assert by_code["ng-nh"]["oldest_overdue"]["rule"] == "REG-8"
    assert "cc-ng" not in by_code  # the registration authority carries no open case
    board = dashboard(
        world.uow(), world.actors["zheng"], Moment.of(world.rt.definitions, world.clock.now())
    )
    assert [(u["unit_code"], u["overdue"]) for u in board.units] == [("ng-nh", 1)]
    ours = dashboard(
        world.uow(), world.actors["li"], Moment.of(world.rt.definitions, world.clock.now())
    )
    assert ours.totals["overdue"] == 0  # not charged to the registration authority

    # Its escalation goes up the responsible unit's chain: its supervisor is told, not li.
    spec = next(
        d
        for d in world.rt.definitions.get("registration").deadlines
        if d.id == "party_org_formation"
    )
    at = escalation_due(due, spec.escalation[1].after)  # unit_supervisor
    world.clock.at = at
    escalation.sweep(world.uow(), world.rt.definitions, now=at)

    def escalated_to(who: str) -> list[int]:
        inbox = notifications.list_for_user(world.uow(), world.actors[who].id, limit=100)
        return [n["case_id"] for n in inbox if n["kind"] == "escalation"]

    assert cid in escalated_to("zheng")
    assert cid not in escalated_to("li")


def test_reg6_the_responsible_unit_is_of_the_kind_reg6_gives(world):
    cid = world.open("logistics")
    world.attach(cid, *P1_DOCUMENTS)
    for trigger, payload, user in registration_steps(full_members=4):
        world.fire(cid, trigger, payload, by=user)
    before = world.case(cid)
    # Direct registration with a territorial relation: the local Party organization …
    r = refusal(
        world.fire,
        cid,
        "assign_responsible_body",
        {"kind": "local_party_org", "unit_id": world.units["cc-wjw"], "territorial_relation": True},
    )
    assert r.rule == "REG-6" and r.details["unit_kind"] == "supervisory_unit"
    assert "长春市卫生健康委员会党组" in r.zh
    # … not a supervisory unit's Party organization (the kind itself is judged as before)
    r = refusal(
        world.fire,
        cid,
        "assign_responsible_body",
        {
            "kind": "supervisory_party_org",
            "unit_id": world.units["cc-wjw"],
            "territorial_relation": True,
        },
    )
    assert r.rule == "REG-6" and r.details["allowed"] == ["local_party_org"]
    # A number that names no unit is bad input on its field.
    with pytest.raises(ValidationError) as bad:
        world.fire(
            cid,
            "assign_responsible_body",
            {"kind": "local_party_org", "unit_id": 99999, "territorial_relation": True},
        )
    assert "unit_id" in bad.value.messages
    after = world.case(cid)
    assert (after["state"], after["version"], after["unit_id"]) == (
        before["state"],
        before["version"],
        before["unit_id"],
    )
    # The comprehensive committee is a unit too (no territorial relation).
    world.fire(
        cid,
        "assign_responsible_body",
        {"kind": "comprehensive_committee", "unit_id": _unit(world, "cc-zh")},
    )
    assert world.case(cid)["organization"]["responsible_body_kind"] == "comprehensive_committee"


def _unit(world: World, code: str = "cc-zh") -> int:
    with world.rt.reader() as r:
        return directory.unit_by_code(r, code).id


# ---------------------------------------------------------------- REG-8: no new blank spot


def test_reg8_new_organization_ends_covered_no_deferral(world):
    definition = world.rt.definitions.get("registration")
    assert definition.version >= 2
    assert "awaiting_coverage" not in definition.states
    assert not definition.transitions_named("defer_coverage")
    assert definition.states["forming_party_org"].waiting
    # Every way out of coverage_routing and forming_party_org ends covered.
    ends = {
        t.dest
        for t in definition.transitions
        if set(t.sources) & {"coverage_routing", "forming_party_org"}
    }
    assert ends - {"forming_party_org"} == {"covered", "instructor_covered"}

    cid = to_routing(world, full=0)
    actions = world.actions(cid, by="lu")
    assert set(actions) == {
        "route_standalone",
        "route_joint",
        "join_joint_branch",
        "affiliate_to_host",
        "dispatch_instructor",
    }
    assert [t for t, a in actions.items() if a.allowed] == ["dispatch_instructor"]
    assert actions["route_joint"].refusal.rule == "REG-7"
    with pytest.raises(TransitionRefused):
        world.fire(cid, "defer_coverage", {"reason": "暂无党员"}, by="lu")
    out = world.fire(
        cid,
        "dispatch_instructor",
        {
            "mode": "instructor",
            "name": "郑国华",
            "dispatched_by": "南关区南湖园区党委",
            "dispatched_on": "2026-03-02",
        },
        by="lu",
    )
    assert out["state"] == "instructor_covered"
    case = world.case(cid)
    assert case["organization"]["coverage"] == "instructor"
    assert deadline(world, cid, "party_org_formation")["status"] == "met"


# ---------------------------------------------------------------- REG-7: affiliated formation


def test_reg7_affiliated_formation_attaches_to_the_host(world):
    host = host_party_org(world)
    staff = [member(world, "logistics", "张伟"), member(world, "logistics", "刘洋")]
    cid = to_routing(world, full=2)
    out = world.fire(
        cid,
        "affiliate_to_host",
        {"host_party_organization_id": host, "affiliated_on": "2026-03-02", "member_ids": staff},
        by="lu",
    )
    assert out["state"] == "covered" and out["status"] == "closed"
    case = world.case(cid)
    assert case["organization"]["coverage"] == "party_org"
    assert deadline(world, cid, "party_org_formation")["status"] == "met"  # REG-8
    assert case["data"]["coverage_route"]["mode"] == "affiliated"
    with world.rt.reader() as r:
        links = coverers(r.conn, world.orgs["logistics"])
        moved = r.conn.execute(
            select(members_t.c.id, members_t.c.party_organization_id, members_t.c.relation_location)
            .where(members_t.c.id.in_(staff))
            .order_by(members_t.c.id)
        ).all()
        own = r.conn.execute(
            select(func.count())
            .select_from(party_t)
            .where(party_t.c.organization_id == world.orgs["logistics"])
        ).scalar_one()
    assert [(x["id"], x["mode"]) for x in links] == [(host, "affiliated")]
    assert [tuple(m) for m in moved] == [(staff[0], host, None), (staff[1], host, None)]
    assert own == 0  # attached, not a new Party organization


def test_reg7_affiliation_refuses_a_revoked_a_joint_or_its_own_party_org(world):
    cid = to_routing(world, full=1)
    revoked = host_party_org(world, "已撤销的社区党委")
    with world.uow() as u:
        u.conn.execute(update(party_t).where(party_t.c.id == revoked).values(status="revoked"))
        u.commit()
    joint = host_party_org(world, "南关区商贸联合党支部", kind="joint_branch")
    own = directory.create_party_organization(
        world.uow(),
        {
            "organization_id": world.orgs["logistics"],
            "name": "长春市南关区物流行业协会党支部",
            "kind": "branch",
            "upper_party_org": "南关区南湖园区党委",
            "established_on": "2026-03-02",
        },
    )

    def affiliate(host: int, **kw) -> dict:
        payload = {"host_party_organization_id": host, "affiliated_on": "2026-03-02", **kw}
        return world.fire(cid, "affiliate_to_host", payload, by="lu")

    for host, word in ((revoked, "撤销"), (joint, "联合党支部"), (own, "本组织")):
        r = refusal(affiliate, host)
        assert r.rule == "REG-7" and word in r.zh, (host, r.zh)
    with pytest.raises(ValidationError) as bad:
        affiliate(99999)
    assert "host_party_organization_id" in bad.value.messages
    # A member of another organization does not move with this one.
    stranger = member(world, "chaoyang", "赵敏")
    with pytest.raises(ValidationError) as bad:
        affiliate(host_party_org(world), member_ids=[stranger])
    assert list(bad.value.messages) == ["member_ids"] and 0 in bad.value.messages["member_ids"]
    assert world.case(cid)["state"] == "coverage_routing"


def test_reg7_three_full_members_affiliate_only_where_local_policy_allows(world):
    """Item 5 in v2: the ≥3 count (reg_standalone_count) and whether three or more may form
    jointly or by affiliation (reg_joint_at_three_or_more) are the local parameters."""
    host = host_party_org(world)
    cid = to_routing(world, full=3)
    params = world.rt.definitions.parameters
    assert params["reg_joint_at_three_or_more"] == "allow"  # the shipped default
    world.rt.definitions.parameters = {**params, "reg_joint_at_three_or_more": "refuse"}
    try:
        r = refusal(
            world.fire,
            cid,
            "affiliate_to_host",
            {"host_party_organization_id": host, "affiliated_on": "2026-03-02"},
            by="lu",
        )
    finally:
        world.rt.definitions.parameters = params
    assert r.rule == "REG-7" and r.details["counted"] == "full_time_full_members"
    world.fire(
        cid,
        "affiliate_to_host",
        {"host_party_organization_id": host, "affiliated_on": "2026-03-02"},
        by="lu",
    )
    assert world.case(cid)["state"] == "covered"


# ---------------------------------------------------------------- REG-7: joint branches


def test_reg7_joint_branch_covers_every_partner(world):
    a = registered_org(world, "a", "南关区家政服务协会", 101)
    b = registered_org(world, "b", "南关区美容美发协会", 102)
    cid = to_routing(world, full=1)
    world.fire(cid, "route_joint", {"partner_organization_ids": [a, b]}, by="lu")
    assert world.case(cid)["data"]["coverage_route"]["partner_organizations"] == [
        "南关区家政服务协会",
        "南关区美容美发协会",
    ]
    world.fire(
        cid,
        "establish_party_org",
        {
            "name": "南关区物流家政美发联合党支部",
            "kind": "joint_branch",
            "approved_by": "南关区南湖园区党委",
            "established_on": "2026-03-02",
        },
        by="lu",
    )
    case = world.case(cid)
    po = case["data"]["party_organization_id"]
    with world.rt.reader() as r:
        links = {oid: coverers(r.conn, world.orgs[oid]) for oid in ("logistics", "a", "b")}
        row = r.conn.execute(select(party_t).where(party_t.c.id == po)).mappings().one()
    assert {k: [(x["id"], x["mode"]) for x in v] for k, v in links.items()} == {
        "logistics": [(po, "host")],
        "a": [(po, "joint")],
        "b": [(po, "joint")],
    }
    assert (row["kind"], row["formation_mode"], row["organization_id"]) == (
        "joint_branch",
        "joint",
        world.orgs["logistics"],
    )
    assert row["upper_unit_id"] == world.units["ng-nh"]  # under the responsible unit (REG-6)
    with world.rt.reader() as r:
        coverage = dict(
            r.conn.execute(
                select(orgs_t.c.id, orgs_t.c.coverage).where(orgs_t.c.id.in_([a, b]))
            ).all()
        )
    assert coverage == {a: "party_org", b: "party_org"}


def test_reg7_joint_partners_are_other_uncovered_organizations(world):
    covered = registered_org(world, "c", "南关区已建党组织协会", 103)
    directory.create_party_organization(
        world.uow(),
        {
            "organization_id": covered,
            "name": "南关区已建党组织协会党支部",
            "kind": "branch",
            "upper_party_org": "南关区南湖园区党委",
            "established_on": "2025-01-01",
        },
    )
    cid = to_routing(world, full=2)
    own = refusal(
        world.fire,
        cid,
        "route_joint",
        {"partner_organization_ids": [world.orgs["logistics"]]},
        by="lu",
    )
    assert own.rule == "REG-7"
    taken = refusal(
        world.fire, cid, "route_joint", {"partner_organization_ids": [covered]}, by="lu"
    )
    assert taken.rule == "REG-7" and taken.details == {"organization_id": covered}
    with pytest.raises(ValidationError) as bad:
        world.fire(cid, "route_joint", {"partner_organization_ids": [covered, 99999]}, by="lu")
    (message,) = bad.value.messages["partner_organization_ids"]
    assert list(bad.value.messages) == ["partner_organization_ids"] and "99999" in message
    assert world.case(cid)["state"] == "coverage_routing"


def test_reg7_joint_branch_limit_holds_when_routing(world):
    partners = [registered_org(world, f"p{i}", f"南关区联合协会{i}", 110 + i) for i in range(5)]
    cid = to_routing(world, full=1)
    limit = world.rt.definitions.parameters["joint_branch_max_units"]
    assert limit == 5
    r = refusal(world.fire, cid, "route_joint", {"partner_organization_ids": partners}, by="lu")
    assert r.rule == "REG-7" and r.details == {"units": 6, "limit": 5}
    assert "joint_branch_max_units" in r.en
    # the same partner twice counts once, as the engine counts coverage
    world.fire(
        cid, "route_joint", {"partner_organization_ids": partners[:4] + partners[:1]}, by="lu"
    )
    assert world.case(cid)["state"] == "forming_party_org"


def test_reg7_joint_branch_limit_holds_when_joining(world):
    host = registered_org(world, "h", "南关区商贸联合党支部牵头协会", 120)
    others = [registered_org(world, f"m{i}", f"南关区商贸协会{i}", 121 + i) for i in range(4)]
    branch = directory.create_party_organization(
        world.uow(),
        {
            "organization_id": host,
            "name": "南关区商贸联合党支部",
            "kind": "joint_branch",
            "formation_mode": "joint",
            "upper_party_org": "南关区南湖园区党委",
            "established_on": "2025-01-01",
            "covers": others[:3],
        },
    )
    cid = to_routing(world, full=1)
    joining = {"joint_branch_id": branch, "joined_on": "2026-03-02"}
    out = world.fire(cid, "join_joint_branch", joining, by="lu")  # 4 covered + 1 = 5
    assert out["state"] == "covered"
    with world.rt.reader() as r:
        assert [(x["id"], x["mode"]) for x in coverers(r.conn, world.orgs["logistics"])] == [
            (branch, "joint")
        ]
    assert deadline(world, cid, "party_org_formation")["status"] == "met"

    # The branch now covers 5: a sixth organization's case is refused, citing the limit.
    world.orgs["sixth"] = directory.create_organization(
        world.uow(),
        {
            "name": "南关区第六家商贸协会",
            "org_type": "social_group",
            "category": "industry_association",
            "unit": "cc-ng",
            "industry_regulator": "南关区商务局",
            "local_party_org": "南关区自强街道党工委",
        },
    )
    sixth = to_routing(world, org="sixth", full=1, n=131)
    before = world.case(sixth)
    r = refusal(world.fire, sixth, "join_joint_branch", joining, by="lu")
    # The guard sees the branch is full before anything is written; the engine's coverage
    # writer refuses it too (test_seed_engine_links).
    assert r.rule == "REG-7" and (r.details["covered"], r.details["limit"]) == (5, 5)
    after = world.case(sixth)
    assert (after["state"], after["version"]) == (before["state"], before["version"])
    assert after["organization"]["coverage"] == "none"
    # Joining a Party organization that is not a joint branch is refused too.
    plain = host_party_org(world)
    r = refusal(
        world.fire, sixth, "join_joint_branch", {**joining, "joint_branch_id": plain}, by="lu"
    )
    assert r.rule == "REG-7" and r.details["kind"] == "committee"


# ---------------------------------------------------------------- REG-7/REG-8: standalone


def test_reg7_standalone_party_org_covers_its_host_under_the_responsible_unit(world):
    cid = to_routing(world, full=4)
    world.fire(cid, "route_standalone", by="lu")
    assert world.case(cid)["state"] == "forming_party_org"
    world.fire(
        cid,
        "establish_party_org",
        {
            "name": "长春市南关区物流行业协会党支部",
            "kind": "branch",
            "approved_by": "南关区南湖园区党委",
            "established_on": "2026-03-02",
        },
        by="lu",
    )
    case = world.case(cid)
    assert case["state"] == "covered"
    po = case["data"]["party_organization_id"]
    with world.rt.reader() as r:
        links = coverers(r.conn, world.orgs["logistics"])
        row = r.conn.execute(select(party_t).where(party_t.c.id == po)).mappings().one()
    assert [(x["id"], x["mode"]) for x in links] == [(po, "host")]
    assert (row["formation_mode"], row["upper_unit_id"]) == ("standalone", world.units["ng-nh"])
    assert {d["key"]: d["status"] for d in case["deadlines"]} == {
        "forward_documents": "met",
        "party_org_formation": "met",
    }


def test_reg8_recorded_coverage_dates_are_facts(world):
    """Item 6 in v2: an affiliation, a joining or an establishment dated before the
    registration or after today is refused on its field; the case is unchanged."""
    host = host_party_org(world)
    cid = to_routing(world, full=3)
    for day, word in (("2026-03-01", "登记日期"), ("2026-03-03", "今天")):
        with pytest.raises(ValidationError) as bad:
            world.fire(
                cid,
                "affiliate_to_host",
                {"host_party_organization_id": host, "affiliated_on": day},
                by="lu",
            )
        assert word in bad.value.messages["affiliated_on"][0]
    assert world.case(cid)["state"] == "coverage_routing"
    world.fire(cid, "route_standalone", by="lu")
    with pytest.raises(ValidationError) as bad:
        world.fire(
            cid,
            "establish_party_org",
            {
                "name": "长春市南关区物流行业协会党支部",
                "kind": "branch",
                "approved_by": "南关区南湖园区党委",
                "established_on": "2026-03-03",
            },
            by="lu",
        )
    assert "今天" in bad.value.messages["established_on"][0]
    assert world.case(cid)["state"] == "forming_party_org"
