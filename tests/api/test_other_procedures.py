"""The API is generic over procedures: P4 (secretary appointment) through the same routes,
with its own step bodies and its own rules."""

from __future__ import annotations

from engine.directory import service as directory

ASSESSED = {
    **dict.fromkeys(
        ("conviction", "dedication", "capability", "conduct", "political_strength", "mass_work"),
        True,
    ),
    "assessed_by": "南关区自强街道党工委组织委员",
    "assessed_on": "2026-03-01",
}


def _nomination(**pay: int) -> dict:
    return {
        "source": "dispatched",
        "dispatched": {
            "name": "孙海",
            "from_unit": "南关区商务局",
            "cadre_status": "serving",
            "compensation": pay,
        },
        "assessment": ASSESSED,
    }


def test_sec4_dispatched_cadre_with_pay_refused_through_the_api(api, world):
    party_org = directory.create_party_organization(
        world.uow(),
        {
            "organization_id": world.orgs["logistics"],
            "name": "长春市南关区物流行业协会党支部",
            "kind": "branch",
            "upper_party_org": "南关区自强街道党工委",
            "established_on": "2026-02-10",
        },
    )
    opened = api.post(
        "/api/v1/cases",
        {
            "procedure": "secretary",
            "organization_id": world.orgs["logistics"],
            "data": {"party_organization_id": party_org, "vacancy": "new_organization"},
        },
    )
    assert opened.status_code == 201, opened.get_json()
    case = opened.get_json()
    assert case["procedure"] == "secretary" and case["state"] == "vacancy"
    nominate = next(a for a in case["actions"] if a["trigger"] == "nominate")
    assert nominate["schema"] == "secretary.nomination"

    paid = api.post(
        nominate["href"], {"data": _nomination(salary=3000)}, headers={"If-Match": '"1"'}
    )
    assert paid.status_code == 409
    assert paid.get_json()["refusal"]["rule"] == "SEC-4"

    unpaid = api.post(nominate["href"], {"data": _nomination()}, headers={"If-Match": '"1"'})
    assert unpaid.status_code == 200, unpaid.get_json()
    assert unpaid.get_json()["state"] == "nominated"
    assert unpaid.headers["ETag"] == '"2"'
