"""Every TRF rule of P2, through the shipped definition and its shared machine (no database).

Each test fails if its rule is dropped, from the YAML (guard, schema, deadline, hold,
parameter reference) or from the workflow code.
"""

from __future__ import annotations

import shutil
from datetime import UTC, date, datetime
from pathlib import Path
from types import MappingProxyType

import pytest
import yaml
from marshmallow import ValidationError

from engine.calendar import LegalCalendar
from engine.cases.deadlines import deadline_rows
from engine.definitions.loader import DEFAULT_DIR, load_definitions
from engine.errors import DefinitionError, TransitionRefused
from engine.registry import load_registry
from engine.snapshot import CaseView, SetData, UpdateOrganization, UpdateRecord

DEFS = load_definitions(None, load_registry())
P2 = DEFS.get("adjustment", 1)
M = P2.machine
TODAY = date(2026, 3, 2)
NOW = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)
PO = {
    "id": 7,
    "name": "长春市南关区物流行业协会党支部",
    "kind": "branch",
    "status": "active",
    "upper_party_org": "南关区自强街道党工委",
    "organization_id": 1,
}


def member(mid: int, name: str, po: int | None = 7, status: str = "full") -> dict:
    return {
        "id": mid,
        "name": name,
        "organization_id": 1,
        "status": status,
        "party_organization_id": po,
        "relation_location": None if po else "他处",
        "role": "staff",
        "life_party_org": None,
    }


MEMBERS = (member(1, "张伟"), member(2, "刘洋"), member(3, "陈静"))


def view(
    state: str,
    data: dict | None = None,
    members: tuple = MEMBERS,
    party_orgs: tuple = (PO,),
    open_cases: tuple = (),
    params: dict | None = None,
) -> CaseView:
    base = {"party_organization_id": 7, "change_kind": "merger", "reported_on": "2026-02-25"}
    return CaseView(
        11,
        "adjustment",
        state,
        3,
        MappingProxyType({**base, **(data or {})}),
        MappingProxyType(
            {
                "id": 1,
                "name": "长春市南关区物流行业协会",
                "coverage": "party_org",
                "open_cases": open_cases,
                "party_organizations": party_orgs,
                "members": members,
                "officers": (),
                "meetings": (),
            }
        ),
        {**DEFS.parameters, **(params or {})},
        TODAY,
    )


def load(trigger: str, payload: dict) -> dict:
    return P2.registry.schema(P2.transitions_named(trigger)[0].schema).load(payload)


def refused(state: str, trigger: str, payload: dict | None = None, **kw) -> object:
    with pytest.raises(TransitionRefused) as exc:
        M.fire(view(state, **kw), trigger, payload or {})
    return exc.value.refusal


def invalid(state: str, trigger: str, payload: dict, **kw) -> dict:
    """The input errors a step's fact dates raise (marshmallow-style, naming the field)."""
    with pytest.raises(ValidationError) as exc:
        M.fire(view(state, **kw), trigger, payload)
    return exc.value.messages


def report(**kw) -> dict:
    base = {
        "party_organization_id": 7,
        "change_kind": "deregistration",
        "change_on": "2026-02-20",
        "reported_on": "2026-02-25",
        "reported_to": "南关区自强街道党工委",
        "summary": "协会经会员大会决议注销",
    }
    return P2.registry.schema(P2.open_schema).load({**base, **kw})


def open_intents(payload: dict, **kw) -> list:
    v = view("reported", data={}, **kw)
    return [i for name in P2.open_actions for i in P2.registry.actions[name](v, payload)]


# ---------------------------------------------------------------- TRF-1


def test_trf1_the_report_opens_the_case_for_an_active_party_org():
    intents = open_intents(report())
    data = {i.key: i.value for i in intents if isinstance(i, SetData)}
    assert data["party_organization_id"] == 7 and data["change_kind"] == "deregistration"
    assert "warnings" not in data


def test_trf1_report_of_an_unknown_or_revoked_party_org_is_invalid():
    with pytest.raises(ValidationError) as exc:
        open_intents(report(party_organization_id=99))
    assert "TRF-1" in str(exc.value.messages["party_organization_id"])
    with pytest.raises(ValidationError):
        open_intents(report(), party_orgs=({**PO, "status": "revoked"},))


def test_trf1_report_cannot_precede_the_change():
    with pytest.raises(ValidationError) as exc:
        report(reported_on="2026-02-10")
    assert "TRF-1" in str(exc.value.messages)


def test_trf1_late_report_is_accepted_and_flagged_with_the_local_period():
    intents = open_intents(report(change_on="2026-01-05", reported_on="2026-02-25"))
    warnings = next(i.value for i in intents if isinstance(i, SetData) and i.key == "warnings")
    assert "TRF-1" in warnings and "2026-02-05" in warnings["TRF-1"]["zh"]
    # a longer local period makes the same report timely
    intents = open_intents(
        report(change_on="2026-01-05", reported_on="2026-02-25"),
        params={"trf_report_period": "P2M"},
    )
    assert not [i for i in intents if isinstance(i, SetData) and i.key == "warnings"]


def test_trf1_accepting_needs_the_party_org_still_active():
    r = refused("reported", "accept_report", party_orgs=({**PO, "status": "revoked"},))
    assert r.rule == "TRF-1"
    assert M.fire(view("reported"), "accept_report", {}).dest == "contacting"


# ---------------------------------------------------------------- TRF-2


def receiving(**kw) -> dict:
    base = {
        "assigned_person": "赵磊",
        "assigned_on": "2026-03-01",
        "receiving_party_orgs": [{"name": "南关区人才中心党委", "contacted_on": "2026-02-28"}],
    }
    return {**base, **kw}


def test_trf2_a_named_person_and_a_receiving_party_org_are_required():
    bare = receiving()
    del bare["assigned_person"]
    with pytest.raises(ValidationError) as exc:
        load("assign_receiving", bare)
    assert "TRF-2" in str(exc.value.messages["assigned_person"])
    with pytest.raises(ValidationError) as exc:
        load("assign_receiving", receiving(receiving_party_orgs=[]))
    assert "TRF-2" in str(exc.value.messages["receiving_party_orgs"])
    ok = M.fire(view("contacting"), "assign_receiving", load("assign_receiving", receiving()))
    assert ok.dest == "transferring"


def test_trf2_receiving_party_org_is_another_one_and_contact_has_happened():
    same = receiving(receiving_party_orgs=[{"name": PO["name"], "contacted_on": "2026-02-28"}])
    assert refused("contacting", "assign_receiving", load("assign_receiving", same)).rule == "TRF-2"
    later = receiving(assigned_on="2026-03-09")
    errors = invalid("contacting", "assign_receiving", load("assign_receiving", later))
    assert "TRF-2" in errors["assigned_on"][0] and "today" in errors["assigned_on"][0]


def test_trf2_transfers_wait_for_the_receiving_party_org():
    r = refused("contacting", "record_destinations", {"destinations": []})
    assert r.details["allowed_from"] == ["transferring"]


def test_trf2_contact_deadline_runs_from_the_report():
    rows = deadline_rows(
        P2, "accept_report", 11, {"reported_on": "2026-02-25"}, NOW, 1, LegalCalendar()
    )
    assert [(r["key"], r["rule"], r["anchor_date"], r["due_date"]) for r in rows] == [
        ("contact_receiving", "TRF-2", date(2026, 2, 25), date(2026, 3, 25))
    ]


# ---------------------------------------------------------------- TRF-3


def destinations(*items: dict) -> dict:
    return load("record_destinations", {"destinations": list(items)})


def transfer(mid: int) -> dict:
    return {
        "member_id": mid,
        "kind": "transfer",
        "to_party_org": "南关区人才中心党委",
        "transferred_on": "2026-03-01",
    }


def test_trf3_every_destination_kind_needs_its_details():
    with pytest.raises(ValidationError) as exc:
        destinations({"member_id": 1, "kind": "transfer"})
    assert "TRF-3" in str(exc.value.messages)
    with pytest.raises(ValidationError) as exc:
        destinations({"member_id": 1, "kind": "keep_elsewhere", "relation_kept_at": "吉林大学党委"})
    assert "life_at" in str(exc.value.messages)


def test_trf3_cannot_move_on_while_a_member_has_no_destination_and_says_who():
    r = refused("transferring", "complete_transfers", {"completed_on": "2026-03-02"})
    assert r.rule == "TRF-3" and r.details["member_ids"] == [1, 2, 3]
    assert "张伟" in r.zh and "陈静" in r.en
    # 1 and 2 have left the branch (transferred / kept elsewhere); 3 stays explicitly
    left = (member(1, "张伟", po=None), member(2, "刘洋", po=None), member(3, "陈静"))
    r = refused(
        "transferring",
        "complete_transfers",
        {"completed_on": "2026-03-02"},
        members=left,
    )
    assert r.details["member_ids"] == [3] and "陈静" in r.zh
    ok = M.fire(
        view("transferring", {"destinations": {"3": {"kind": "remain"}}}, members=left),
        "complete_transfers",
        load("complete_transfers", {"completed_on": "2026-03-02"}),
    )
    assert ok.dest == "deciding"


def test_trf3_a_transfer_takes_the_member_out_and_keeps_the_record():
    keep = {
        "member_id": 2,
        "kind": "keep_elsewhere",
        "relation_kept_at": "吉林大学党委",
        "life_at": "南关区人才中心党委",
    }
    result = M.fire(view("transferring"), "record_destinations", destinations(transfer(1), keep))
    updates = {i.id: dict(i.fields) for i in result.intents if isinstance(i, UpdateRecord)}
    assert updates[1] == {
        "party_organization_id": None,
        "relation_location": "南关区人才中心党委",
        "life_party_org": None,
    }
    assert updates[2]["life_party_org"] == "南关区人才中心党委"
    recorded = next(i.value for i in result.intents if isinstance(i, SetData))
    assert recorded["1"]["name"] == "张伟" and recorded["2"]["kind"] == "keep_elsewhere"


def test_trf3_destinations_only_for_members_of_this_party_org():
    r = refused("transferring", "record_destinations", destinations(transfer(42)))
    assert r.rule == "TRF-3" and r.details["member_ids"] == [42]


def test_trf3_deregistering_members_cannot_remain():
    r = refused(
        "transferring",
        "record_destinations",
        destinations({"member_id": 3, "kind": "remain"}),
        data={"change_kind": "deregistration"},
    )
    assert r.rule == "TRF-3" and "陈静" in r.zh
    ok = M.fire(
        view("transferring", {"change_kind": "change"}),
        "record_destinations",
        destinations({"member_id": 3, "kind": "remain"}),
    )
    assert ok.dest == "transferring"


def test_trf3_revocation_refused_while_members_still_belong():
    decision = load(
        "decide_revocation",
        {"decided_on": "2026-03-02", "decision_no": "南自党〔2026〕3号", "reason": "合并"},
    )
    r = refused("deciding", "decide_revocation", decision, members=(member(3, "陈静"),))
    assert r.rule == "TRF-3" and "陈静" in r.zh


# ---------------------------------------------------------------- TRF-4


def revocation() -> dict:
    return load(
        "decide_revocation",
        {"decided_on": "2026-03-02", "decision_no": "南自党〔2026〕3号", "reason": "注销"},
    )


def test_trf4_deregistration_means_revocation_not_change():
    change = load("decide_change", {"decided_on": "2026-03-02", "decision_no": "南自党〔2026〕4号"})
    r = refused("deciding", "decide_change", change, data={"change_kind": "deregistration"})
    assert r.rule == "TRF-4"
    ok = M.fire(view("deciding", {"change_kind": "change"}), "decide_change", change)
    assert ok.dest == "changed"


def test_trf4_revocation_closes_the_party_org_and_releases_the_deregistration():
    result = M.fire(
        view("deciding", {"change_kind": "deregistration"}, members=()),
        "decide_revocation",
        revocation(),
    )
    assert result.dest == "revoked"
    update = next(i for i in result.intents if isinstance(i, UpdateRecord))
    assert (update.entity, update.id) == ("party_organization", 7)
    assert update.fields == {"status": "revoked", "revoked_on": date(2026, 3, 2)}
    assert UpdateOrganization({"coverage": "none"}) in result.intents
    assert SetData("deregistration_released", True) in result.intents


def test_trf4_decision_cannot_be_in_the_future():
    later = load(
        "decide_revocation",
        {"decided_on": "2026-03-05", "decision_no": "南自党〔2026〕3号", "reason": "注销"},
    )
    errors = invalid("deciding", "decide_revocation", later, members=())
    assert "TRF-4" in errors["decided_on"][0]
    change = load("decide_change", {"decided_on": "2026-03-05", "decision_no": "南自党〔2026〕4号"})
    errors = invalid("deciding", "decide_change", change, data={"change_kind": "change"})
    assert "TRF-4" in errors["decided_on"][0]


def test_trf4_the_definition_holds_deregistration_while_the_case_is_open():
    hold = P2.holds_operation("deregistration")
    assert hold is not None and hold.rule == "TRF-4"
    assert DEFS.get("registration").holds_operation("deregistration") is None


# ---------------------------------------------------------------- TRF-5


def test_trf5_every_step_period_is_a_local_parameter():
    by_id = {d.id: d for d in P2.deadlines}
    assert {d.parameter for d in P2.deadlines} == {
        "trf_contact_period",
        "trf_transfer_period",
        "trf_decision_period",
    }
    for d in P2.deadlines:
        described = DEFS.parameters.describe(d.parameter)
        assert described.rule == "TRF-5" and described.unit == "period"
        assert d.period_text == DEFS.parameters[d.parameter]
    assert by_id["decision"].period_text == "P1M"


def copy_definitions(tmp_path: Path) -> Path:
    target = tmp_path / "defs"
    shutil.copytree(DEFAULT_DIR, target, ignore=shutil.ignore_patterns("__*"))
    return target


def set_parameter(folder: Path, pid: str, **fields: object) -> None:
    path = folder / "parameters.yaml"
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    for p in doc["parameters"]:
        if p["id"] == pid:
            p.update(fields)
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")


def test_trf5_changing_the_parameter_changes_the_deadline(tmp_path):
    folder = copy_definitions(tmp_path)
    set_parameter(folder, "trf_transfer_period", value="P2M")
    local = load_definitions(folder, load_registry()).get("adjustment", 1)
    rows = deadline_rows(local, "assign_receiving", 11, {}, NOW, 1, LegalCalendar())
    assert rows[0]["due_date"] == date(2026, 5, 6)  # 2 months; 05-02..05-05 are holidays
    rows = deadline_rows(P2, "assign_receiving", 11, {}, NOW, 1, LegalCalendar())
    assert rows[0]["due_date"] == date(2026, 4, 2)


def test_trf5_an_unknown_or_non_period_parameter_is_a_load_error(tmp_path):
    folder = copy_definitions(tmp_path)
    path = folder / "adjustment.v1.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(
        text.replace("param:trf_contact_period", "param:no_such_period").replace(
            "param:trf_decision_period", "param:dec_min_meetings"
        ),
        encoding="utf-8",
    )
    with pytest.raises(DefinitionError) as exc:
        load_definitions(folder, load_registry())
    problems = {(p.file, p.path): p.problem for p in exc.value.problems}
    assert (
        "unknown parameter 'no_such_period'"
        in problems[("adjustment.v1.yaml", "deadlines.0.period")]
    )
    assert "not a period" in problems[("adjustment.v1.yaml", "deadlines.2.period")]


def test_trf5_a_malformed_parameter_reference_is_a_load_error(tmp_path):
    folder = copy_definitions(tmp_path)
    path = folder / "adjustment.v1.yaml"
    path.write_text(
        path.read_text(encoding="utf-8").replace("param:trf_contact_period", "param:Bad-Id"),
        encoding="utf-8",
    )
    with pytest.raises(DefinitionError) as exc:
        load_definitions(folder, load_registry())
    assert any(
        p.file == "adjustment.v1.yaml" and p.path == "deadlines.0.period"
        for p in exc.value.problems
    )
