"""P1 driven end to end through the service layer, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from tests.world import make_world, registration_steps


@pytest.fixture
def world(db_url, clock):
    return make_world(db_url, clock)


def test_registration_to_standalone_party_organization(world):
    cid = world.open("logistics")
    for trigger, payload, user in registration_steps(full_members=4):
        world.fire(cid, trigger, payload, by=user)
    world.fire(
        cid,
        "assign_responsible_body",
        {"kind": "local_party_org", "unit_name": "自强街道党工委", "territorial_relation": True},
    )
    world.fire(cid, "route_standalone")
    out = world.fire(
        cid,
        "establish_party_org",
        {
            "name": "长春市南关区物流行业协会党支部",
            "kind": "branch",
            "approved_by": "南关区自强街道党工委",
            "established_on": "2026-03-02",
        },
    )
    assert out["state"] == "covered" and out["status"] == "closed"
    case = world.case(cid)
    assert case["organization"]["coverage"] == "party_org"
    assert case["organization"]["credit_code"] == "51220102MJY1234563"
    deadlines = {d["key"]: d["status"] for d in case["deadlines"]}
    assert deadlines == {"forward_documents": "met", "party_org_formation": "met"}
    assert [e["trigger"] for e in world.history(cid)][-1] == "establish_party_org"
