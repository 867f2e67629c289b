"""Every SEC rule of P4, through the shipped definition and its shared machine (no database).

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
from engine.snapshot import CaseView, CreateRecord, SetData, UpdateRecord

DEFS = load_definitions(None, load_registry())
P4 = DEFS.get("secretary", 1)
M = P4.machine
TODAY = date(2026, 3, 2)
NOW = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)
UPPER = "南关区自强街道党工委"
PO = {
    "id": 9,
    "name": "物流行业协会党支部",
    "kind": "branch",
    "status": "active",
    "upper_party_org": UPPER,
    "term_started_on": None,
    "term_years": None,
}


def member(mid: int, name: str, role: str, status: str = "full", po: int | None = 9) -> dict:
    return {
        "id": mid,
        "name": name,
        "organization_id": 1,
        "status": status,
        "role": role,
        "party_organization_id": po,
        "relation_location": None,
    }


MEMBERS = (
    member(1, "张伟", "head"),
    member(2, "刘洋", "management"),
    member(3, "陈静", "backbone"),
    member(4, "李娜", "staff", status="probationary"),
    member(5, "周强", "staff"),
)
ASSESSED = {
    **dict.fromkeys(
        ("conviction", "dedication", "capability", "conduct", "political_strength", "mass_work"),
        True,
    ),
    "assessed_by": "南关区自强街道党工委组织委员",
    "assessed_on": "2026-03-01",
}


def view(
    state: str,
    data: dict | None = None,
    members: tuple = MEMBERS,
    officers: tuple = (),
    party_org: dict | None = None,
    params: dict | None = None,
):
    return CaseView(
        31,
        "secretary",
        state,
        5,
        MappingProxyType(
            {"party_organization_id": 9, "vacancy": "new_organization", **(data or {})}
        ),
        MappingProxyType(
            {
                "id": 1,
                "open_cases": (),
                "party_organizations": (party_org or PO,),
                "members": members,
                "officers": officers,
                "meetings": (),
            }
        ),
        {**DEFS.parameters, **(params or {})},
        TODAY,
    )


def load(trigger: str, payload: dict) -> dict:
    return P4.registry.schema(P4.transitions_named(trigger)[0].schema).load(payload)


def refused(state: str, trigger: str, payload: dict | None = None, **kw):
    with pytest.raises(TransitionRefused) as exc:
        M.fire(view(state, **kw), trigger, payload or {})
    return exc.value.refusal


def invalid(state: str, trigger: str, payload: dict, **kw) -> dict:
    """The input errors a step's fact dates raise (marshmallow-style, naming the field)."""
    with pytest.raises(ValidationError) as exc:
        M.fire(view(state, **kw), trigger, payload)
    return exc.value.messages


def nominate(**kw) -> dict:
    return load("nominate", {"source": "head", "member_id": 1, "assessment": ASSESSED, **kw})


def dispatched(cadre_status: str = "serving", **pay: int) -> dict:
    return nominate(
        source="dispatched",
        member_id=None,
        dispatched={
            "name": "孙海",
            "from_unit": "南关区商务局",
            "cadre_status": cadre_status,
            "compensation": pay,
        },
        unavailable={s: "无合适人选" for s in ("head", "management", "backbone", "other_member")},
    )


def approval(**kw) -> dict:
    base = {
        "approved_by": UPPER,
        "approved_on": "2026-03-02",
        "approval_no": "南自党〔2026〕5号",
        "stipend_yuan_per_month": 300,
        "stipend_paid_by": "party_funds",
    }
    return load("approve", {**base, **kw})


NOMINATED_HEAD = {
    "nomination": {"source": "head", "member_id": 1, "name": "张伟", "dispatched": None},
    "election": {"elected_on": "2026-03-01"},
}


def appoint(data: dict | None = None, **kw) -> list:
    v = view("awaiting_approval", {**NOMINATED_HEAD, **(data or {})}, **kw)
    return list(M.fire(v, "approve", approval()).intents)


def warnings_of(intents: list) -> dict:
    return next(i.value for i in intents if isinstance(i, SetData) and i.key == "warnings")


# ---------------------------------------------------------------- SEC-1


def test_sec1_standard_assessment_is_recorded_and_met():
    with pytest.raises(ValidationError) as exc:
        load("nominate", {"source": "head", "member_id": 1})
    assert "SEC-1" in str(exc.value.messages["assessment"])
    r = refused("vacancy", "nominate", nominate(assessment={**ASSESSED, "conduct": False}))
    assert r.rule == "SEC-1" and r.details["failing"] == ["conduct"] and "重品行" in r.zh
    ok = M.fire(view("vacancy"), "nominate", nominate())
    recorded = next(i.value for i in ok.intents if i.key == "nomination")
    assert ok.dest == "nominated" and recorded["assessment"]["assessed_by"]


# ---------------------------------------------------------------- SEC-2


def test_sec2_a_lower_source_needs_reasons_for_each_higher_one():
    r = refused("vacancy", "nominate", nominate(source="backbone", member_id=3))
    assert r.rule == "SEC-2" and r.details["missing_reasons"] == ["head", "management"]
    assert "张伟" in r.zh and "刘洋" in r.en
    r = refused(
        "vacancy",
        "nominate",
        nominate(source="backbone", member_id=3, unavailable={"head": "兼职过多"}),
    )
    assert r.details["missing_reasons"] == ["management"]
    ok = M.fire(
        view("vacancy"),
        "nominate",
        nominate(
            source="backbone",
            member_id=3,
            unavailable={"head": "兼职过多", "management": "即将调离"},
        ),
    )
    unavailable = next(i.value for i in ok.intents if i.key == "nomination")["unavailable"]
    assert unavailable["management"] == {"reason": "即将调离", "by": "caseworker"}


def test_sec2_system_records_why_a_source_without_members_is_skipped():
    no_head = tuple(m for m in MEMBERS if m["role"] != "head")
    ok = M.fire(
        view("vacancy", members=no_head),
        "nominate",
        nominate(source="management", member_id=2),
    )
    unavailable = next(i.value for i in ok.intents if i.key == "nomination")["unavailable"]
    assert unavailable["head"]["by"] == "system"


def test_sec2_dispatch_only_after_every_inside_source():
    r = refused(
        "vacancy",
        "nominate",
        nominate(
            source="dispatched",
            member_id=None,
            dispatched={"name": "孙海", "from_unit": "南关区商务局", "cadre_status": "none"},
        ),
    )
    assert r.rule == "SEC-2"
    assert set(r.details["missing_reasons"]) == {"head", "management", "backbone", "other_member"}


def test_sec2_candidate_must_be_a_full_member_in_the_role_of_the_source():
    r = refused("vacancy", "nominate", nominate(source="other_member", member_id=4))
    assert r.rule == "SEC-2" and "预备党员" in r.zh
    r = refused("vacancy", "nominate", nominate(source="head", member_id=3))
    assert r.rule == "SEC-2" and r.details["role"] == "backbone"
    assert refused("vacancy", "nominate", nominate(member_id=99)).rule == "SEC-2"


def test_sec2_an_internal_deputy_is_a_full_member():
    deputy = load(
        "appoint_deputy",
        {
            "name": "李娜",
            "member_id": 4,
            "origin": "internal",
            "full_time": False,
            "approved_by": UPPER,
            "approved_on": "2026-03-02",
        },
    )
    assert refused("in_office", "appoint_deputy", deputy).rule == "SEC-2"


def test_sec2_only_a_dispatched_candidate_is_dispatched():
    dispatch = load(
        "dispatch", {"dispatched_on": "2026-03-01", "dispatched_by": UPPER, "order_no": "1号"}
    )
    r = refused("nominated", "dispatch", dispatch, data=NOMINATED_HEAD)
    assert r.rule == "SEC-2"


# ---------------------------------------------------------------- SEC-3


def test_sec3_an_elected_secretary_is_approved_by_the_upper_body():
    elect = load(
        "elect", {"elected_on": "2026-03-01", "eligible_voters": 5, "votes_cast": 5, "votes_for": 4}
    )
    assert M.fire(view("nominated", NOMINATED_HEAD), "elect", elect).dest == "awaiting_approval"
    r = refused(
        "awaiting_approval", "approve", approval(approved_by="朝阳区某党委"), data=NOMINATED_HEAD
    )
    assert r.rule == "SEC-3" and UPPER in r.zh
    errors = invalid(
        "awaiting_approval", "approve", approval(approved_on="2026-02-27"), data=NOMINATED_HEAD
    )
    assert "SEC-3" in errors["approved_on"][0] and "2026-03-01" in errors["approved_on"][0]
    assert (
        M.fire(view("awaiting_approval", NOMINATED_HEAD), "approve", approval()).dest == "in_office"
    )


def test_sec3_a_deputy_is_approved_by_the_upper_body_too():
    deputy = load(
        "appoint_deputy",
        {
            "name": "刘洋",
            "member_id": 2,
            "origin": "internal",
            "full_time": False,
            "approved_by": "别的党委",
            "approved_on": "2026-03-02",
        },
    )
    assert refused("in_office", "appoint_deputy", deputy).rule == "SEC-3"


# ---------------------------------------------------------------- SEC-4


def test_sec4_dispatched_cadre_with_pay_refused():
    r = refused("vacancy", "nominate", dispatched("serving", salary=3000))
    assert r.rule == "SEC-4" and "现职" in r.zh
    r = refused("vacancy", "nominate", dispatched("retired", allowance=500))
    assert r.rule == "SEC-4"
    assert M.fire(view("vacancy"), "nominate", dispatched("serving")).dest == "nominated"
    assert M.fire(view("vacancy"), "nominate", dispatched("none", salary=3000)).dest == "nominated"


def test_sec4_dispatched_cadre_takes_no_stipend_from_the_organization():
    data = {
        "nomination": {
            "source": "dispatched",
            "name": "孙海",
            "dispatched": {"name": "孙海", "cadre_status": "retired", "compensation": {}},
        }
    }
    r = refused("awaiting_approval", "approve", approval(stipend_paid_by="organization"), data=data)
    assert r.rule == "SEC-4"
    assert M.fire(view("awaiting_approval", data), "approve", approval()).dest == "in_office"


def test_sec4_dispatched_cadre_deputy_with_pay_refused():
    deputy = load(
        "appoint_deputy",
        {
            "name": "孙海",
            "origin": "dispatched",
            "dispatched_from": "南关区商务局",
            "cadre_status": "serving",
            "full_time": False,
            "approved_by": UPPER,
            "approved_on": "2026-03-02",
            "compensation": {"bonus": 1000},
        },
    )
    assert refused("in_office", "appoint_deputy", deputy).rule == "SEC-4"


# ---------------------------------------------------------------- SEC-5


def big(n: int) -> tuple:
    return tuple(member(100 + i, f"党员{i}", "staff") for i in range(n)) + MEMBERS


def test_sec5_warning_action_for_large_org_without_full_time_deputy():
    threshold = DEFS.parameters["sec_full_time_deputy_min_members"]
    warned = warnings_of(appoint(members=big(threshold)))
    assert warned["SEC-5"]["rule"] == "SEC-5" and str(threshold) in warned["SEC-5"]["zh"]
    assert "SEC-5" not in warnings_of(appoint(members=big(threshold - len(MEMBERS) - 1)))
    deputy = {
        "id": 50,
        "party_organization_id": 9,
        "position": "deputy_secretary",
        "status": "active",
        "full_time": True,
        "name": "刘洋",
    }
    assert "SEC-5" not in warnings_of(appoint(members=big(threshold), officers=(deputy,)))


def test_sec5_appointing_a_full_time_deputy_answers_the_warning():
    threshold = DEFS.parameters["sec_full_time_deputy_min_members"]
    data = {"warnings": {"SEC-5": {"rule": "SEC-5", "zh": "…", "en": "…"}}}
    deputy = load(
        "appoint_deputy",
        {
            "name": "刘洋",
            "member_id": 2,
            "origin": "internal",
            "full_time": True,
            "approved_by": UPPER,
            "approved_on": "2026-03-02",
            "stipend_yuan_per_month": 300,
        },
    )
    result = M.fire(view("in_office", data, members=big(threshold)), "appoint_deputy", deputy)
    assert "SEC-5" not in warnings_of(list(result.intents))
    created = next(i for i in result.intents if isinstance(i, CreateRecord))
    assert created.fields["position"] == "deputy_secretary" and created.fields["full_time"]


def test_sec5_threshold_is_a_local_parameter():
    assert "SEC-5" in warnings_of(appoint(params={"sec_full_time_deputy_min_members": 3}))


# ---------------------------------------------------------------- SEC-6


def test_sec6_stipend_below_floor_refused_by_default():
    floor = DEFS.parameters["sec_stipend_floor_secretary"]
    r = refused(
        "awaiting_approval",
        "approve",
        approval(stipend_yuan_per_month=floor - 1),
        data=NOMINATED_HEAD,
    )
    assert r.rule == "SEC-6" and r.details == {"floor": floor, "stipend": floor - 1}
    ok = M.fire(
        view("awaiting_approval", NOMINATED_HEAD),
        "approve",
        approval(stipend_yuan_per_month=floor),
    )
    assert ok.dest == "in_office"


def test_sec6_stipend_below_floor_flagged_when_the_parameter_says_flag():
    v = view("awaiting_approval", NOMINATED_HEAD, params={"sec_stipend_below_floor": "flag"})
    result = M.fire(v, "approve", approval(stipend_yuan_per_month=150))
    assert result.dest == "in_office"
    assert warnings_of(list(result.intents))["SEC-6"]["rule"] == "SEC-6"


def test_sec6_full_time_deputy_floor_and_none_for_other_deputies():
    base = {
        "name": "刘洋",
        "member_id": 2,
        "origin": "internal",
        "approved_by": UPPER,
        "approved_on": "2026-03-02",
        "stipend_yuan_per_month": 100,
    }
    full_time = load("appoint_deputy", {**base, "full_time": True})
    assert refused("in_office", "appoint_deputy", full_time).rule == "SEC-6"
    part_time = load("appoint_deputy", {**base, "full_time": False})
    assert M.fire(view("in_office"), "appoint_deputy", part_time).dest == "in_office"


WORKER = {
    "position": "party_affairs_worker",
    "name": "周强",
    "member_id": 5,
    "origin": "internal",
    "approved_by": UPPER,
    "approved_on": "2026-03-02",
}


def test_sec6_full_time_party_affairs_worker_at_least_100_yuan():
    """SEC-6: a full-time Party-affairs worker's stipend floor is its own local parameter
    (Jilin: 100 yuan/month), below the deputy's 200; a part-time worker has none."""
    assert DEFS.parameters["sec_stipend_floor_party_affairs_worker"] == 100
    below = load("appoint_deputy", {**WORKER, "full_time": True, "stipend_yuan_per_month": 99})
    r = refused("in_office", "appoint_deputy", below)
    assert r.rule == "SEC-6" and r.details == {"floor": 100, "stipend": 99}
    assert "专职党务工作者" in r.zh and "Party-affairs worker" in r.en
    at = load("appoint_deputy", {**WORKER, "full_time": True, "stipend_yuan_per_month": 100})
    result = M.fire(view("in_office"), "appoint_deputy", at)
    created = next(i for i in result.intents if isinstance(i, CreateRecord))
    assert created.fields["position"] == "party_affairs_worker"
    part_time = load("appoint_deputy", {**WORKER, "full_time": False})
    assert M.fire(view("in_office"), "appoint_deputy", part_time).dest == "in_office"


def test_sec6_party_affairs_worker_below_floor_flagged_when_the_parameter_says_flag():
    below = load("appoint_deputy", {**WORKER, "full_time": True, "stipend_yuan_per_month": 50})
    v = view("in_office", params={"sec_stipend_below_floor": "flag"})
    result = M.fire(v, "appoint_deputy", below)
    warning = warnings_of(list(result.intents))["SEC-6:周强"]
    assert warning["rule"] == "SEC-6" and "100" in warning["zh"]


def test_sec5_a_full_time_party_affairs_worker_is_not_a_full_time_deputy():
    """SEC-5 asks for a full-time deputy secretary: a full-time Party-affairs worker does not
    answer it."""
    threshold = DEFS.parameters["sec_full_time_deputy_min_members"]
    big = tuple(member(100 + i, f"党员{i}", "staff") for i in range(threshold))
    worker = load("appoint_deputy", {**WORKER, "full_time": True, "stipend_yuan_per_month": 100})
    result = M.fire(view("in_office", members=MEMBERS + big), "appoint_deputy", worker)
    assert warnings_of(list(result.intents))["SEC-5"]["rule"] == "SEC-5"


# ---------------------------------------------------------------- SEC-7


def test_sec7_annual_report_deadline_opened_on_appointment():
    intents = appoint()
    data = {i.key: i.value for i in intents if isinstance(i, SetData)}
    rows = deadline_rows(P4, "approve", 31, data, NOW, 1, LegalCalendar())
    report = next(r for r in rows if r["key"] == "annual_report")
    assert report["rule"] == "SEC-7" and report["due_date"] == date(2027, 3, 2)


def test_sec7_filing_the_report_opens_the_next_one():
    payload = load(
        "file_annual_report",
        {
            "reported_on": "2026-12-20",
            "reported_to": UPPER,
            "members_present": 5,
            "evaluation": "good",
            "summary": "年度述职",
        },
    )
    spec = next(d for d in P4.deadlines if d.id == "annual_report")
    assert "file_annual_report" in spec.opens_on and "file_annual_report" in spec.closes_on
    today = date(2026, 12, 21)
    v = view("in_office", {"annual_report_from": "2026-03-02"})
    v = CaseView(v.id, v.procedure, v.state, v.version, v.data, v.organization, v.params, today)
    result = M.fire(v, "file_annual_report", payload)
    data = {i.key: i.value for i in result.intents if isinstance(i, SetData)}
    assert data["annual_report_from"] == date(2026, 12, 20)
    rows = deadline_rows(P4, "file_annual_report", 31, data, NOW, 1, LegalCalendar())
    assert [r["due_date"] for r in rows if r["key"] == "annual_report"] == [date(2027, 12, 20)]


def test_sec7_the_report_is_made_to_members_present():
    """SEC-7: the secretary reports to the members too: a report with nobody present is not
    one."""
    base = {
        "reported_on": "2026-03-01",
        "reported_to": UPPER,
        "evaluation": "good",
        "summary": "年度述职",
    }
    with pytest.raises(ValidationError) as exc:
        load("file_annual_report", {**base, "members_present": 0})
    assert "SEC-7" in str(exc.value.messages["members_present"])
    assert load("file_annual_report", {**base, "members_present": 1})["members_present"] == 1


def test_sec7_the_report_goes_to_the_upper_party_org():
    payload = load(
        "file_annual_report",
        {
            "reported_on": "2026-03-01",
            "reported_to": "本支部",
            "members_present": 5,
            "evaluation": "good",
            "summary": "年度述职",
        },
    )
    assert refused("in_office", "file_annual_report", payload).rule == "SEC-7"


def test_sec7_a_case_carrying_the_duties_cannot_be_withdrawn():
    reason = load("withdraw", {"reason": "误开"})
    r = refused("vacancy", "withdraw", reason, data={"appointments": [{"name": "张伟"}]})
    assert r.rule == "SEC-7"
    assert M.fire(view("vacancy"), "withdraw", reason).dest == "withdrawn"


# ---------------------------------------------------------------- SEC-8


def vacancy_payload(**kw) -> dict:
    return P4.registry.schema(P4.open_schema).load({"party_organization_id": 9, **kw})


def test_sec8_vacancy_from_a_position_change_report():
    with pytest.raises(ValidationError) as exc:
        vacancy_payload(vacancy="position_change")
    assert "SEC-8" in str(exc.value.messages["position_change"])
    secretary = {
        "id": 40,
        "party_organization_id": 9,
        "position": "secretary",
        "status": "active",
        "full_time": False,
        "name": "张伟",
    }
    report = {
        "officer_id": 40,
        "name": "张伟",
        "change": "left_organization",
        "changed_on": "2026-02-20",
        "reported_on": "2026-02-22",
        "reported_to": UPPER,
    }
    payload = vacancy_payload(vacancy="position_change", position_change=report)
    v = view("vacancy", data={}, officers=(secretary,))
    intents = list(P4.registry.actions["secretary.open_vacancy"](v, payload))
    assert (
        UpdateRecord(
            "party_officer",
            40,
            {"status": "ended", "ended_on": date(2026, 2, 20), "end_reason": "left_organization"},
        )
        in intents
    )
    assert SetData("vacancy", "position_change") in intents
    with pytest.raises(ValidationError) as exc:
        list(
            P4.registry.actions["secretary.open_vacancy"](
                v,
                vacancy_payload(
                    vacancy="position_change", position_change={**report, "reported_to": "别处"}
                ),
            )
        )
    assert "SEC-8" in str(exc.value.messages)


def test_sec8_the_secretary_position_change_reopens_the_vacancy():
    change = load(
        "report_secretary_change",
        {
            "change": "transferred",
            "changed_on": "2026-02-27",
            "reported_on": "2026-03-01",
            "reported_to": UPPER,
        },
    )
    secretary = {
        "id": 40,
        "party_organization_id": 9,
        "position": "secretary",
        "status": "active",
        "full_time": False,
        "name": "张伟",
    }
    result = M.fire(
        view("in_office", {"officer_id": 40}, officers=(secretary,)),
        "report_secretary_change",
        change,
    )
    assert result.dest == "vacancy"
    assert any(isinstance(i, UpdateRecord) and i.id == 40 for i in result.intents)
    rows = deadline_rows(P4, "report_secretary_change", 31, {}, NOW, 1, LegalCalendar())
    assert [(r["key"], r["rule"]) for r in rows] == [("fill_vacancy", "SEC-8")]
    wrong = load(
        "report_secretary_change", {**change, "reported_to": "本支部", "changed_on": "2026-02-27"}
    )
    assert (
        refused("in_office", "report_secretary_change", wrong, data={"officer_id": 40}).rule
        == "SEC-8"
    )


def test_sec8_a_deputy_change_names_an_active_deputy():
    change = load(
        "report_deputy_change",
        {
            "officer_id": 77,
            "change": "resigned",
            "changed_on": "2026-02-27",
            "reported_on": "2026-03-01",
            "reported_to": UPPER,
        },
    )
    assert refused("in_office", "report_deputy_change", change).rule == "SEC-8"


def test_sec8_a_party_affairs_worker_position_change_is_reported():
    """SEC-8 covers every Party-affairs worker, not only the secretary and deputies: a
    worker's reported change ends their record."""
    officer = {
        "id": 78,
        "name": "周强",
        "party_organization_id": 9,
        "position": "party_affairs_worker",
        "status": "active",
        "full_time": True,
    }
    change = load(
        "report_deputy_change",
        {
            "officer_id": 78,
            "change": "transferred",
            "changed_on": "2026-02-27",
            "reported_on": "2026-03-01",
            "reported_to": UPPER,
        },
    )
    result = M.fire(view("in_office", officers=(officer,)), "report_deputy_change", change)
    ended = next(i for i in result.intents if isinstance(i, UpdateRecord))
    assert ended.entity == "party_officer" and ended.id == 78
    changes = next(
        i.value for i in result.intents if isinstance(i, SetData) and i.key == "position_changes"
    )
    assert changes[-1]["position"] == "party_affairs_worker"
    wrong = load("report_deputy_change", {**change, "reported_to": "本支部"})
    r = refused("in_office", "report_deputy_change", wrong, officers=(officer,))
    assert r.rule == "SEC-8"


# ---------------------------------------------------------------- SEC-9


def test_sec9_term_renewal_deadline_before_term_end():
    intents = appoint()
    data = {i.key: i.value for i in intents if isinstance(i, SetData)}
    years = DEFS.parameters["sec_term_years_branch"]
    assert data["term_ends_on"] == date(2026 + years, 3, 1)
    term = next(
        i for i in intents if isinstance(i, UpdateRecord) and i.entity == "party_organization"
    )
    assert term.fields == {"term_started_on": date(2026, 3, 1), "term_years": years}
    rows = deadline_rows(P4, "approve", 31, data, NOW, 1, LegalCalendar())
    renewal = next(r for r in rows if r["key"] == "term_renewal")
    assert renewal["rule"] == "SEC-9" and renewal["due_date"] == date(2029, 3, 1)
    assert renewal["remind_at"].date() < date(2028, 12, 2)


def test_sec9_term_length_per_kind_of_party_org():
    committee = {**PO, "kind": "committee"}
    data = {i.key: i.value for i in appoint(party_org=committee) if isinstance(i, SetData)}
    assert data["term_ends_on"] == date(2026 + DEFS.parameters["sec_term_years_committee"], 3, 1)


def test_sec9_a_successor_after_a_position_change_serves_the_running_term():
    running = {**PO, "term_started_on": date(2025, 6, 1), "term_years": 3}
    data = {"vacancy": "position_change"}
    intents = appoint(data, party_org=running)
    facts = {i.key: i.value for i in intents if isinstance(i, SetData)}
    assert facts["term_ends_on"] == date(2028, 6, 1)
    assert not [
        i for i in intents if isinstance(i, UpdateRecord) and i.entity == "party_organization"
    ]


def test_trf4_the_post_closes_only_with_a_revoked_party_org():
    closing = load("close_post", {"closed_on": "2026-03-02", "reason": "协会注销，党支部撤销"})
    assert refused("in_office", "close_post", closing).rule == "TRF-4"
    deputy = {
        "id": 51,
        "party_organization_id": 9,
        "position": "deputy_secretary",
        "status": "active",
        "full_time": False,
        "name": "刘洋",
    }
    result = M.fire(
        view("in_office", party_org={**PO, "status": "revoked"}, officers=(deputy,)),
        "close_post",
        closing,
    )
    assert result.dest == "closed"
    assert any(isinstance(i, UpdateRecord) and i.id == 51 for i in result.intents)
