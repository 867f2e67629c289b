"""P1 driven end to end through the service layer, on SQLite and PostgreSQL (registration v3:
the documents are attached, REG-1/REG-3; as in v2, from the responsible body on, the case is
that body's unit's, REG-6)."""

from __future__ import annotations

import pytest

from tests.world import P1_DOCUMENTS, add_responsible_units, make_world, registration_steps


@pytest.fixture
def world(db_url, clock):
    w = make_world(db_url, clock)
    add_responsible_units(w)
    return w


def test_registration_to_standalone_party_organization(world):
    cid = world.open("logistics")
    world.attach(cid, *P1_DOCUMENTS)
    for trigger, payload, user in registration_steps(full_members=4):
        world.fire(cid, trigger, payload, by=user)
    world.fire(
        cid,
        "assign_responsible_body",
        {"kind": "local_party_org", "unit_id": world.units["ng-nh"], "territorial_relation": True},
    )
    world.fire(cid, "route_standalone", by="lu")
    out = world.fire(
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
    assert out["state"] == "covered" and out["status"] == "closed"
    case = world.case(cid)
    assert case["definition_version"] == 3 and case["unit_id"] == world.units["ng-nh"]
    assert case["organization"]["coverage"] == "party_org"
    assert case["organization"]["credit_code"] == "51220102MJY1234563"
    deadlines = {d["key"]: d["status"] for d in case["deadlines"]}
    assert deadlines == {"forward_documents": "met", "party_org_formation": "met"}
    assert [e["trigger"] for e in world.history(cid) if e["kind"] == "transition"][
        -1
    ] == "establish_party_org"
