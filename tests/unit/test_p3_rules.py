"""Every DEC rule of P3, through the shipped definition and its shared machine (no database).

Each test fails if its rule is dropped, from the YAML or from the workflow code.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from types import MappingProxyType

import pytest
from marshmallow import ValidationError

from engine.calendar import LegalCalendar
from engine.cases.deadlines import deadline_rows
from engine.definitions.loader import load_definitions
from engine.errors import TransitionRefused
from engine.registry import load_registry
from engine.snapshot import CaseView, CreateRecord, SetData, UpdateOrganization, UpdateRecord

DEFS = load_definitions(None, load_registry())
P3 = DEFS.get("decoupling", 1)
M = P3.machine
TODAY = date(2026, 3, 2)
NOW = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)
ORIGINAL = "南关区商务局机关党委"
RECEIVING = "长春市社会组织综合党委"
PO = {"id": 5, "name": "物流行业协会党支部", "status": "active", "upper_party_org": ORIGINAL}
MEMBERS = (
    {
        "id": 1,
        "name": "张伟",
        "organization_id": 1,
        "status": "full",
        "party_organization_id": 5,
        "relation_location": None,
    },
    {
        "id": 2,
        "name": "王磊",
        "organization_id": 1,
        "status": "full",
        "party_organization_id": None,
        "relation_location": ORIGINAL,
    },
    {
        "id": 3,
        "name": "赵敏",
        "organization_id": 1,
        "status": "full",
        "party_organization_id": None,
        "relation_location": "朝阳区人才中心党委",
    },
)
BASE = {
    "party_organization_id": 5,
    "decoupling": {"original_supervisory_party_org": ORIGINAL, "receiving_party_org": RECEIVING},
    "archives": [
        {"item": "党组织成立批复", "received_by": "陈刚", "received_on": "2026-02-10"},
        {"item": "党员花名册"},
        {"item": "党费收缴台账"},
    ],
}


def meeting(held_on: str, under: str = RECEIVING, po: int = 5) -> dict:
    return {
        "id": 1,
        "party_organization_id": po,
        "held_on": date.fromisoformat(held_on),
        "kind": "party_members_meeting",
        "topic": "学习",
        "under_body": under,
    }


def view(state: str, data: dict | None = None, meetings: tuple = (), params: dict | None = None):
    return CaseView(
        21,
        "decoupling",
        state,
        4,
        MappingProxyType({**BASE, **(data or {})}),
        MappingProxyType(
            {
                "id": 1,
                "open_cases": (),
                "party_organizations": (PO,),
                "members": MEMBERS,
                "officers": (),
                "meetings": meetings,
            }
        ),
        {**DEFS.parameters, **(params or {})},
        TODAY,
    )


def load(trigger: str, payload: dict) -> dict:
    return P3.registry.schema(P3.transitions_named(trigger)[0].schema).load(payload)


def refused(state: str, trigger: str, payload: dict | None = None, **kw):
    with pytest.raises(TransitionRefused) as exc:
        M.fire(view(state, **kw), trigger, payload or {})
    return exc.value.refusal


def invalid(state: str, trigger: str, payload: dict, **kw) -> dict:
    """The input errors a step's fact dates raise (marshmallow-style, naming the field)."""
    with pytest.raises(ValidationError) as exc:
        M.fire(view(state, **kw), trigger, payload)
    return exc.value.messages


ALL_RECEIVED = [
    {"item": i, "handed_over_by": "刘敏", "received_by": "陈刚", "received_on": "2026-02-12"}
    for i in ("党组织成立批复", "党员花名册", "党费收缴台账")
]


# ---------------------------------------------------------------- DEC-1


def test_dec1_the_case_starts_with_an_archive_inventory():
    schema = P3.registry.schema(P3.open_schema)
    start = {
        "party_organization_id": 5,
        "original_supervisory_party_org": ORIGINAL,
        "receiving_party_org": RECEIVING,
        "decoupling_approved_on": "2026-01-15",
    }
    with pytest.raises(ValidationError) as exc:
        schema.load(start)
    assert "DEC-1" in str(exc.value.messages["archive_items"])
    data = schema.load({**start, "archive_items": ["党员花名册"]})
    intents = P3.registry.actions["decoupling.start"](view("handing_over", data={}), data)
    assert SetData("archives", [{"item": "党员花名册"}]) in list(intents)


def test_dec1_handover_waits_for_every_archive_item_and_names_the_missing():
    r = refused("handing_over", "complete_handover", {"handover_on": date(2026, 2, 12)})
    assert r.rule == "DEC-1" and r.details["missing"] == ["党员花名册", "党费收缴台账"]
    assert "党费收缴台账" in r.zh
    received = M.fire(
        view("handing_over"), "receive_archives", load("receive_archives", {"items": ALL_RECEIVED})
    )
    archives = next(i.value for i in received.intents if i.key == "archives")
    assert all(a["received_by"] == "陈刚" and a["received_on"] for a in archives)
    done = M.fire(
        view("handing_over", {"archives": archives}),
        "complete_handover",
        load("complete_handover", {"handover_on": "2026-02-12"}),
    )
    assert done.dest == "transferring"


def test_dec1_a_receipt_is_recorded_once_received():
    later = [{**ALL_RECEIVED[0], "received_on": "2026-03-10"}]
    errors = invalid("handing_over", "receive_archives", load("receive_archives", {"items": later}))
    assert "DEC-1" in errors["items"][0]["received_on"][0]


def test_dec1_transfer_deadline_runs_from_the_handover_with_the_local_period():
    rows = deadline_rows(
        P3, "complete_handover", 21, {"handover_on": "2026-02-12"}, NOW, 1, LegalCalendar()
    )
    transfer = next(r for r in rows if r["key"] == "party_org_transfer")
    assert transfer["rule"] == "DEC-1" and transfer["due_date"] == date(2026, 3, 12)
    spec = next(d for d in P3.deadlines if d.id == "party_org_transfer")
    assert spec.parameter == "dec_transfer_period" and spec.closes_on == ("transfer_party_org",)


def test_dec1_handover_not_before_the_last_receipt():
    archives = [{**a, "received_on": "2026-02-12"} for a in ALL_RECEIVED]
    errors = invalid(
        "handing_over",
        "complete_handover",
        load("complete_handover", {"handover_on": "2026-02-11"}),
        data={"archives": archives},
    )
    assert "DEC-1" in errors["handover_on"][0] and "2026-02-12" in errors["handover_on"][0]


def test_dec1_the_party_org_and_every_member_are_transferred():
    r = refused(
        "transferring",
        "transfer_party_org",
        load("transfer_party_org", {"transferred_on": "2026-02-20", "member_ids": [1]}),
    )
    assert r.rule == "DEC-1" and r.details["member_ids"] == [2] and "王磊" in r.zh
    r = refused(
        "transferring",
        "transfer_party_org",
        load("transfer_party_org", {"transferred_on": "2026-02-20", "member_ids": [1, 2, 3]}),
    )
    assert r.rule == "DEC-1" and r.details["member_ids"] == [3]
    ok = M.fire(
        view("transferring"),
        "transfer_party_org",
        load("transfer_party_org", {"transferred_on": "2026-02-20", "member_ids": [1, 2]}),
    )
    updates = {(i.entity, i.id): dict(i.fields) for i in ok.intents if isinstance(i, UpdateRecord)}
    assert updates[("party_organization", 5)] == {"upper_party_org": RECEIVING}
    assert updates[("member", 2)]["party_organization_id"] == 5
    assert ("member", 1) not in updates


# ---------------------------------------------------------------- DEC-2


def leadership(**kw) -> dict:
    base = {
        "body_kind": "comprehensive_committee",
        "body_name": RECEIVING,
        "stated_on": "2026-02-25",
    }
    return load("state_leadership", {**base, **kw})


def test_dec2_decoupled_not_unmanaged_a_new_body_leads():
    r = refused("leadership", "state_leadership", leadership(body_name=ORIGINAL))
    assert r.rule == "DEC-2"
    ok = M.fire(view("leadership"), "state_leadership", leadership())
    assert ok.dest == "monitoring"
    assert UpdateOrganization({"responsible_body_kind": "comprehensive_committee"}) in ok.intents
    assert UpdateRecord("party_organization", 5, {"upper_party_org": RECEIVING}) in ok.intents


def test_dec2_receiving_party_org_cannot_be_the_original_one():
    with pytest.raises(ValidationError) as exc:
        P3.registry.schema(P3.open_schema).load(
            {
                "party_organization_id": 5,
                "original_supervisory_party_org": ORIGINAL,
                "receiving_party_org": ORIGINAL,
                "decoupling_approved_on": "2026-01-15",
                "archive_items": ["党员花名册"],
            }
        )
    assert "DEC-2" in str(exc.value.messages)


def test_dec2_leadership_deadline_runs_from_the_handover():
    rows = deadline_rows(
        P3, "complete_handover", 21, {"handover_on": "2026-02-12"}, NOW, 1, LegalCalendar()
    )
    by_key = {r["key"]: r for r in rows}
    assert by_key["leadership_relation"]["rule"] == "DEC-2"
    assert by_key["leadership_relation"]["due_date"] == date(2026, 3, 12)
    assert {d.id: d.parameter for d in P3.deadlines}[
        "leadership_relation"
    ] == "dec_leadership_period"


# ---------------------------------------------------------------- DEC-3


def test_dec3_three_months_from_the_handover():
    rows = deadline_rows(
        P3, "complete_handover", 21, {"handover_on": "2026-02-12"}, NOW, 1, LegalCalendar()
    )
    normal = next(r for r in rows if r["key"] == "normal_operation")
    assert normal["rule"] == "DEC-3" and normal["due_date"] == date(2026, 5, 12)
    spec = next(d for d in P3.deadlines if d.id == "normal_operation")
    assert spec.escalation and spec.closes_on == ("confirm_normal",)


def test_dec3_confirmation_needs_a_meeting_under_the_new_body_since_the_handover():
    data = {"handover_on": "2026-02-12", "leadership": {"body_name": RECEIVING}}
    confirm = load("confirm_normal", {"confirmed_on": "2026-03-02", "confirmed_by": "陈刚"})
    assert refused("monitoring", "confirm_normal", confirm, data=data).rule == "DEC-3"
    before = (meeting("2026-02-01"),)
    assert (
        refused("monitoring", "confirm_normal", confirm, data=data, meetings=before).rule == "DEC-3"
    )
    other = (meeting("2026-02-20", under=ORIGINAL),)
    assert (
        refused("monitoring", "confirm_normal", confirm, data=data, meetings=other).rule == "DEC-3"
    )
    ok = M.fire(
        view("monitoring", data, meetings=(meeting("2026-02-20"),)), "confirm_normal", confirm
    )
    assert ok.dest == "normal"


def test_dec3_the_number_of_meetings_is_a_local_parameter():
    data = {"handover_on": "2026-02-12", "leadership": {"body_name": RECEIVING}}
    r = refused(
        "monitoring",
        "confirm_normal",
        meetings=(meeting("2026-02-20"),),
        data=data,
        params={"dec_min_meetings": 2},
    )
    assert r.rule == "DEC-3" and r.details == {"meetings": 1, "needed": 2}


def test_dec3_a_recorded_meeting_is_a_record_under_the_new_body():
    data = {"leadership": {"body_name": RECEIVING}}
    payload = load(
        "record_meeting",
        {"held_on": "2026-02-20", "kind": "party_members_meeting", "topic": "学习", "attendees": 2},
    )
    result = M.fire(view("monitoring", data), "record_meeting", payload)
    record = next(i for i in result.intents if isinstance(i, CreateRecord))
    assert record.entity == "org_life_meeting"
    assert record.fields["under_body"] == RECEIVING and record.fields["party_organization_id"] == 5
    future = load("record_meeting", {**payload, "held_on": "2026-03-20"})
    assert "DEC-3" in invalid("monitoring", "record_meeting", future, data=data)["held_on"][0]


# ---------------------------------------------------------------- DEC-4


def test_dec4_by_default_the_comprehensive_committee():
    industry = leadership(body_kind="industry_committee", body_name="长春市物流行业党委")
    r = refused("leadership", "state_leadership", industry)
    assert r.rule == "DEC-4"
    cited = leadership(
        body_kind="industry_committee",
        body_name="长春市物流行业党委",
        local_rule="长春市行业协会商会脱钩后党建工作管理体制调整办法第五条",
    )
    assert M.fire(view("leadership"), "state_leadership", cited).dest == "monitoring"


def test_dec4_the_default_body_is_a_local_parameter():
    industry = leadership(body_kind="industry_committee", body_name="长春市物流行业党委")
    local = {"dec_default_responsible_kind": "industry_committee"}
    assert (
        M.fire(view("leadership", params=local), "state_leadership", industry).dest == "monitoring"
    )
    r = refused("leadership", "state_leadership", leadership(), params=local)
    assert r.rule == "DEC-4"
