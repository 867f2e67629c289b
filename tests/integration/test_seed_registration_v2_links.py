"""P1 version 2: the secretary post a new Party organization opens (P4), and the P1 forms of the
new fields, on SQLite and PostgreSQL.

- SEC-2 / REG-8 (issue 13 item 7): establishing the Party organization opens its secretary
  post case (vacancy: new organization) in the same transaction, once.
- The forms are generated from the v2 schemas: the responsible unit, the host Party
  organization, the partners, the joint branch and the members are picked by name (zh/en
  labels; the API takes their ids), and a posted form reaches the service like the payload.
"""

from __future__ import annotations

import re

import pytest
from marshmallow import ValidationError
from sqlalchemy import select, update
from werkzeug.datastructures import MultiDict

from engine.cases import service as case_service
from engine.errors import TransitionRefused
from engine.store.tables import Case, PartyOrganization, User
from tests.e2e.ui_support import (
    _password_hash,
    app_for,
    csrf_token,
    fire_form,
    login,
    snapshot,
    to_form,
    ui_world,
)
from tests.integration.test_seed_registration_v2 import (
    credit_code,
    host_party_org,
    member,
    to_routing,
)
from tests.world import P1_DOCUMENTS, World, add_responsible_units, registration_steps
from web import forms
from workflows.registration.schemas import SCHEMAS

cases_t = Case.__table__
party_t = PartyOrganization.__table__

PARTY_ORG = {
    "name": "长春市南关区物流行业协会党支部",
    "kind": "branch",
    "approved_by": "南关区南湖园区党委",
    "established_on": "2026-03-02",
}


@pytest.fixture
def world(db_url, clock):
    w = ui_world(db_url, clock)
    add_responsible_units(w)
    with w.rt.uow() as u:  # the responsible units' users sign in too
        u.conn.execute(update(User.__table__).values(password_hash=_password_hash()))
        u.commit()
    return w


def secretary_cases(w: World, org: str = "logistics") -> list[dict]:
    with w.rt.reader() as r:
        return [
            dict(x)
            for x in r.conn.execute(
                select(cases_t)
                .where(cases_t.c.procedure == "secretary", cases_t.c.organization_id == w.orgs[org])
                .order_by(cases_t.c.id)
            ).mappings()
        ]


# ---------------------------------------------------------------- P1 → P4


def test_reg8_sec2_new_party_org_opens_its_secretary_post_once(world):
    cid = to_routing(world, full=4)
    world.fire(cid, "route_standalone", by="lu")
    assert secretary_cases(world) == []
    world.fire(cid, "establish_party_org", PARTY_ORG, by="lu")
    po = world.case(cid)["data"]["party_organization_id"]

    (post,) = secretary_cases(world)
    assert post["state"] == "vacancy" and post["status"] == "open"
    assert post["definition_version"] == world.rt.definitions.get("secretary").version
    assert post["data"]["party_organization_id"] == po
    assert post["data"]["vacancy"] == "new_organization"
    # It opens where the P1 case is now: at the responsible unit the case was handed to
    # (REG-6), not at the registration authority that registered the organization.
    assert (
        post["unit_id"]
        == world.case(cid)["unit_id"]
        != world.case(cid)["organization"].get("unit_id", -1)
    )
    # Audited on both cases, in the step's transaction (one instant).
    establish = next(e for e in world.history(cid) if e["trigger"] == "establish_party_org")
    (reaction,) = [e for e in world.history(cid) if e["kind"] == "reaction"]
    assert reaction["rules"] == ["SEC-2"]
    assert reaction["payload"]["cases"] == [{"case_id": post["id"], "outcome": "opened"}]
    (opened,) = [e for e in world.history(post["id"]) if e["kind"] == "opened"]
    assert f"#{cid}" in opened["comment"]
    assert opened["at"] == establish["at"] == reaction["at"]
    assert [d for d in world.case(post["id"])["deadlines"] if d["status"] == "open"]

    # Establishing it again cannot happen (the P1 case is closed) …
    with pytest.raises(TransitionRefused):
        world.fire(cid, "establish_party_org", PARTY_ORG, by="lu")
    # … and a second opening of the same post is refused: still one case.
    with pytest.raises(ValidationError) as again:
        world.open(
            "logistics",
            procedure="secretary",
            payload={"party_organization_id": po, "vacancy": "new_organization"},
        )
    assert f"#{post['id']}" in str(again.value.messages)
    assert [c["id"] for c in secretary_cases(world)] == [post["id"]]


def test_reg8_sec2_the_post_and_the_party_org_commit_together(world, monkeypatch):
    """If the secretary post cannot be opened, the Party organization is not established
    either: the step, its Party organization, its coverage and the post are one transaction."""
    cid = to_routing(world, full=4)
    world.fire(cid, "route_standalone", by="lu")
    before = snapshot(world, cid)
    registry = world.rt.definitions.get("secretary").registry

    def broken(case, payload):
        raise RuntimeError("the post cannot be opened")

    monkeypatch.setitem(registry.actions, "secretary.open_vacancy", broken)
    with pytest.raises(RuntimeError):
        world.fire(cid, "establish_party_org", PARTY_ORG, by="lu")
    assert snapshot(world, cid) == before
    assert secretary_cases(world) == []
    with world.rt.reader() as r:
        assert (
            r.conn.execute(
                select(party_t.c.id).where(party_t.c.organization_id == world.orgs["logistics"])
            ).all()
            == []
        )
    assert world.case(cid)["organization"]["coverage"] == "none"


def test_reg7_affiliation_and_joining_open_no_secretary_post(world):
    """Only a new Party organization has a new post: an affiliated organization (the host
    keeps its secretary) opens none."""
    host = host_party_org(world)
    cid = to_routing(world, full=1)
    world.fire(
        cid,
        "affiliate_to_host",
        {"host_party_organization_id": host, "affiliated_on": "2026-03-02"},
        by="lu",
    )
    assert secretary_cases(world) == []
    assert [e for e in world.history(cid) if e["kind"] == "reaction"] == []


# ---------------------------------------------------------------- the forms


@pytest.mark.parametrize(
    ("schema_name", "payload"),
    [
        (
            "registration.responsible_unit",
            {"kind": "local_party_org", "unit_id": 7, "territorial_relation": True},
        ),
        ("registration.joint_partners", {"partner_organization_ids": [3, 4]}),
        ("registration.join_joint_branch", {"joint_branch_id": 9, "joined_on": "2026-03-02"}),
        (
            "registration.affiliation",
            {"host_party_organization_id": 5, "affiliated_on": "2026-03-02", "member_ids": [1, 2]},
        ),
    ],
)
def test_v2_forms_post_the_numbers_like_the_payload_itself(schema_name, payload):
    schema = SCHEMAS[schema_name]()
    posted = forms.parse(schema, MultiDict(to_form(payload)))
    assert schema.load(posted) == schema.load(payload)
    labels = {f.key: f.label for f in forms.describe(schema)}
    for key in payload:
        zh, en = labels[key]
        assert zh and en and zh != en  # a clear label in both languages
    refs = {
        k: (f.inner if hasattr(f, "inner") else f).metadata.get("ref")
        for k, f in schema.fields.items()
    }
    assert {v for v in refs.values() if v} <= {"unit", "organization", "party_organization"}


def test_reg6_reg7_v2_steps_through_the_case_page(world):
    """The registration authority's caseworker names the responsible unit on the case page;
    the case goes to that unit, whose caseworker attaches it to a host on the same page."""
    app = app_for(world)
    wang, lu = app.test_client(), app.test_client()
    login(wang, "wang")
    login(lu, "lu")
    host = host_party_org(world)
    staff = member(world, "logistics", "张伟")
    cid = world.open("logistics")
    world.attach(cid, *P1_DOCUMENTS)
    for trigger, payload, user in registration_steps(full_members=2, credit_code=credit_code(1)):
        world.fire(cid, trigger, payload, by=user)
    page = wang.get(f"/cases/{cid}").get_data(as_text=True)
    assert 'name="unit_id"' in page and "责任单位" in page
    resp = fire_form(
        wang,
        cid,
        "assign_responsible_body",
        {"kind": "local_party_org", "unit_id": world.units["ng-nh"], "territorial_relation": True},
        version=world.case(cid)["version"],
    )
    assert resp.status_code == 303, resp.get_data(as_text=True)[:800]
    assert world.case(cid)["unit_id"] == world.units["ng-nh"]

    page = lu.get(f"/cases/{cid}").get_data(as_text=True)
    assert 'name="host_party_organization_id"' in page and 'name="member_ids"' in page
    assert "挂靠的党组织" in page
    bad = fire_form(
        lu,
        cid,
        "affiliate_to_host",
        {"host_party_organization_id": 99999, "affiliated_on": "2026-03-02"},
        version=world.case(cid)["version"],
    )
    assert bad.status_code == 422 and "99999" in bad.get_data(as_text=True)
    resp = fire_form(
        lu,
        cid,
        "affiliate_to_host",
        {"host_party_organization_id": host, "affiliated_on": "2026-03-02", "member_ids": [staff]},
        version=world.case(cid)["version"],
    )
    assert resp.status_code == 303, resp.get_data(as_text=True)[:800]
    assert world.case(cid)["state"] == "covered"


def test_reg7_joint_step_through_the_api_names_partners_by_number(world):
    """The JSON API takes the same numbers (strict integers); a string is refused."""
    cid = to_routing(world, full=1)
    with pytest.raises(ValidationError) as bad:
        case_service.fire(
            world.uow(),
            world.rt.definitions,
            cid,
            "route_joint",
            {"partner_organization_ids": ["南关区家政服务协会"]},
            actor=world.actors["lu"],
            expected_version=world.case(cid)["version"],
        )
    assert "partner_organization_ids" in bad.value.messages


# ---------------------------------------------------------------- the step that hands the case away


def _to_responsibility(world: World) -> int:
    cid = world.open("logistics")
    world.attach(cid, *P1_DOCUMENTS)
    for trigger, payload, user in registration_steps(full_members=2, credit_code=credit_code(1)):
        world.fire(cid, trigger, payload, by=user)
    return cid


def test_reg6_the_caseworker_handing_the_case_over_lands_on_a_page_they_may_see(world):
    app = app_for(world)
    wang = app.test_client()
    login(wang, "wang")
    cid = _to_responsibility(world)
    body = {
        "kind": "local_party_org",
        "unit_id": world.units["ng-nh"],
        "territorial_relation": True,
    }
    resp = fire_form(wang, cid, "assign_responsible_body", body, version=world.case(cid)["version"])
    assert resp.status_code == 303 and world.case(cid)["unit_id"] == world.units["ng-nh"]
    landing = wang.get(resp.headers["Location"])
    assert landing.status_code == 200  # the inbox, with the flash saying where the case went
    assert resp.headers["Location"].endswith("/cases")


def test_reg6_the_api_answers_the_step_that_hands_the_case_over(world):
    from engine.access import tokens

    token = tokens.create_token(world.rt.uow(), "wang", "tests").token
    cid = _to_responsibility(world)
    version = world.case(cid)["version"]
    resp = create_app_client(world).post(
        f"/api/v1/cases/{cid}/fire/assign_responsible_body",
        json={
            "data": {
                "kind": "local_party_org",
                "unit_id": world.units["ng-nh"],
                "territorial_relation": True,
            }
        },
        headers={"Authorization": f"Bearer {token}", "If-Match": f'"{version}"'},
    )
    assert world.case(cid)["unit_id"] == world.units["ng-nh"]  # the step was done …
    assert resp.status_code == 200  # … and is answered as done


def create_app_client(world: World):
    app = app_for(world)
    app.config["TESTING"] = True
    return app.test_client()


def _step_form(html: str, trigger: str) -> str:
    m = re.search(rf'<form[^>]*action="[^"]*/steps/{trigger}[#"].*?</form>', html, re.S)
    assert m, f"no {trigger} form"
    return m.group(0)


def test_reg7_several_members_and_partners_are_picked_by_name(world):
    """Issue 15 item 2: a list of members (or partner organizations) is a picker of several —
    without JavaScript, the records found are boxes to tick and a search narrows them; those
    ticked stay ticked, by name, when the form comes back; the ticked ids are the payload."""
    app = app_for(world)
    lu = app.test_client()
    login(lu, "lu")
    host = host_party_org(world)
    zhang = member(world, "logistics", "张伟")
    liu = member(world, "logistics", "刘洋")
    cid = to_routing(world, full=2)
    page = lu.get(f"/cases/{cid}").get_data(as_text=True)
    form = _step_form(page, "affiliate_to_host")
    assert 'class="picker picker-several"' in form and 'data-pick-url="/pick/member"' in form
    assert "每行一个" not in form and 'type="number"' not in form.split("member_ids")[1][:300]
    offered = dict(re.findall(r'name="member_ids" value="(\d+)">\s*([^<]+?)\s*<', form))
    assert offered == {str(zhang): "张伟", str(liu): "刘洋"}
    # the search narrows what is offered; what was ticked stays ticked, shown by name
    token = csrf_token(page)
    resp = lu.post(
        f"/cases/{cid}/steps/affiliate_to_host",
        data=MultiDict(
            [
                ("csrf_token", token),
                ("_version", str(world.case(cid)["version"])),
                ("member_ids", str(zhang)),
                ("_pickq.member_ids", "刘"),
                ("_pick", "member_ids"),
            ]
        ),
    )
    assert resp.status_code == 200 and world.case(cid)["state"] == "coverage_routing"
    form = _step_form(resp.get_data(as_text=True), "affiliate_to_host")
    chosen = form.split('class="pick-chosen"')[1].split("</ul>")[0]
    assert re.findall(r'value="(\d+)" checked>\s*([^<]+?)\s*<', chosen) == [(str(zhang), "张伟")]
    offer = form.split('class="pick-offer"')[1].split("</ul>")[0]
    assert re.findall(r'name="member_ids" value="(\d+)">', offer) == [str(liu)]
    # both ticked: the step takes both ids, as the API would
    resp = lu.post(
        f"/cases/{cid}/steps/affiliate_to_host",
        data=MultiDict(
            [
                ("csrf_token", token),
                ("_version", str(world.case(cid)["version"])),
                ("host_party_organization_id", str(host)),
                ("affiliated_on", "2026-03-02"),
                ("member_ids", str(zhang)),
                ("member_ids", str(liu)),
                ("member_ids", str(zhang)),  # a repeat is one member
            ]
        ),
    )
    assert resp.status_code == 303, resp.get_data(as_text=True)[:800]
    done = [e for e in world.history(cid) if e["trigger"] == "affiliate_to_host"]
    assert done[-1]["payload"]["member_ids"] == [zhang, liu]
    assert world.case(cid)["state"] == "covered"
