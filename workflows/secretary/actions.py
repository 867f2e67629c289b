"""Actions of P4: they return intents; the service applies them in the transaction.

The case is the secretary post of one Party organization: it fills the post, then carries
the post's recurring duties (annual report, SEC-7; term renewal, SEC-9) as deadlines, and
returns to a vacancy when the secretary's position changes (SEC-8) or the term ends.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from marshmallow import ValidationError

from engine.calendar import LegalCalendar, Period
from engine.snapshot import CaseView, CreateRecord, Intent, SetData, UpdateRecord
from workflows.common import (
    active_party_org,
    as_date,
    dated,
    party_org,
    record_withdrawal,
    running_cases,
)
from workflows.secretary.fact_dates import FACT_DATES
from workflows.secretary.guards import (
    SOURCE_ROLE,
    active_officers,
    inside_members,
    member,
    worker_floor,
)
from workflows.secretary.schemas import SOURCES

SYSTEM_REASON = "本组织没有此类正式党员（系统核对） / no full member of this kind (checked)"


def end_officer(officer_id: int, on: Any, reason: Any) -> UpdateRecord:
    """The officer's term ends: on `on`, for `reason` (a change, a successor, a revocation)."""
    return UpdateRecord(
        "party_officer", officer_id, {"status": "ended", "ended_on": on, "end_reason": reason}
    )


@dated(FACT_DATES["secretary.vacancy"])
def open_vacancy(case: CaseView, payload: Mapping[str, Any]) -> Iterable[Intent]:
    """The post of an active Party organization is vacant; one case per post. A vacancy from a
    position change carries its report to the upper Party organization (SEC-8) and ends the
    outgoing officer's record."""
    po = active_party_org(
        case,
        payload["party_organization_id"],
        "not an active Party organization of this organization",
    )
    if running := running_cases(case, po["id"]):
        raise ValidationError(
            {"party_organization_id": [f"the secretary post is already case #{running[0]}"]}
        )
    report = payload.get("position_change")
    if report is not None:
        if report["reported_to"].strip() != (po.get("upper_party_org") or "").strip():
            raise ValidationError(
                {
                    "position_change": {
                        "reported_to": [
                            "SEC-8: the change is reported to the upper Party organization "
                            f"({po.get('upper_party_org') or 'not recorded'})"
                        ]
                    }
                }
            )
        if report.get("officer_id") is not None:
            officer = next(
                (
                    o
                    for o in case.organization.get("officers", ())
                    if o["id"] == report["officer_id"]
                    and o["party_organization_id"] == po["id"]
                    and o["status"] == "active"
                ),
                None,
            )
            if officer is None:
                raise ValidationError(
                    {
                        "position_change": {
                            "officer_id": [
                                "SEC-8: not an active officer of this Party organization"
                            ]
                        }
                    }
                )
            yield end_officer(officer["id"], report["changed_on"], report["change"])
    yield SetData("party_organization_id", po["id"])
    yield SetData("party_organization_name", po["name"])
    yield SetData("vacancy", payload["vacancy"])
    if report is not None:
        yield SetData("position_change", dict(report))


@dated(FACT_DATES["secretary.nomination"])
def record_nomination(case: CaseView, payload: Mapping[str, Any]) -> Iterable[Intent]:
    """SEC-1/SEC-2: the nomination with its assessment; for each higher source the reason it was
    passed over — given by the caseworker, or checked by the system where it has no member."""
    source = payload["source"]
    unavailable = {
        s: {"reason": reason, "by": "caseworker"}
        for s, reason in (payload.get("unavailable") or {}).items()
    }
    for higher in SOURCES[: SOURCES.index(source)]:
        if higher in unavailable:
            continue
        people = [
            m
            for m in inside_members(case)
            if m["status"] == "full" and (m.get("role") or "staff") == SOURCE_ROLE[higher]
        ]
        if not people:
            unavailable[higher] = {"reason": SYSTEM_REASON, "by": "system"}
    m = member(case, payload.get("member_id")) if payload.get("member_id") else None
    dispatched = payload.get("dispatched")
    yield SetData(
        "nomination",
        {
            "source": source,
            "member_id": payload.get("member_id"),
            "name": m["name"] if m else dispatched["name"],
            "role": m.get("role") if m else None,
            "dispatched": dict(dispatched) if dispatched else None,
            "unavailable": unavailable,
            "assessment": dict(payload["assessment"]),
        },
    )
    yield SetData("election", None)
    yield SetData("dispatch", None)


@dated(FACT_DATES["secretary.election"])
def record_election(case: CaseView, payload: Mapping[str, Any]) -> Iterable[Intent]:
    yield SetData("election", dict(payload))


@dated(FACT_DATES["secretary.dispatch"])
def record_dispatch(case: CaseView, payload: Mapping[str, Any]) -> Iterable[Intent]:
    yield SetData("dispatch", dict(payload))


def drop_candidate(case: CaseView, payload: Mapping[str, Any]) -> Iterable[Intent]:
    """The candidate is not taken further; the vacancy stays, the reason is kept."""
    rejected = list(case.data.get("rejected", []))
    rejected.append({**dict(payload), "name": (case.data.get("nomination") or {}).get("name")})
    yield SetData("rejected", rejected)
    for key in ("nomination", "election", "dispatch"):
        yield SetData(key, None)


def _term(case: CaseView, start_default: Any) -> tuple[Any, int, bool]:
    """(term start, years, new term?) — a new organization or a renewal starts a term (SEC-9);
    a successor after a position change serves the rest of the running one."""
    po = party_org(case) or {}
    if (
        case.data.get("vacancy") == "position_change"
        and po.get("term_started_on")
        and po.get("term_years")
    ):
        return as_date(po["term_started_on"]), int(po["term_years"]), False
    years = int(case.params[f"sec_term_years_{po.get('kind', 'branch')}"])
    return start_default, years, True


def full_time_deputy_warning(
    case: CaseView, *, adding_full_time: bool = False, ending_id: int | None = None
) -> dict | None:
    """SEC-5: a large Party organization (local threshold) without a full-time deputy."""
    pid = case.data.get("party_organization_id")
    threshold = int(case.params["sec_full_time_deputy_min_members"])
    count = sum(
        1 for m in case.organization.get("members", ()) if m["party_organization_id"] == pid
    )
    has_one = adding_full_time or any(
        o["full_time"] and o["id"] != ending_id for o in active_officers(case, "deputy_secretary")
    )
    if count < threshold or has_one:
        return None
    return {
        "rule": "SEC-5",
        "zh": f"党员{count}名，达到{threshold}名（地方默认值），应配备专职副书记",
        "en": f"{count} members (threshold {threshold}, local default): appoint a full-time "
        "deputy secretary",
        "members": count,
        "threshold": threshold,
    }


def _warnings(case: CaseView, **changes: dict | None) -> dict:
    """The case's warnings with some keys set (a dict) or cleared (None)."""
    out = dict(case.data.get("warnings") or {})
    for key, value in changes.items():
        if value is None:
            out.pop(key, None)
        else:
            out[key] = value
    return out


def _stipend_warning(
    case: CaseView, stipend: int, floor: int, who_zh: str, who_en: str
) -> dict | None:
    """SEC-6 in `flag` mode: approved, but the stipend below the floor stays visible."""
    if stipend >= floor:
        return None
    return {
        "rule": "SEC-6",
        "zh": f"{who_zh}工作补贴{stipend}元/月，低于{floor}元/月的标准（地方默认值）",
        "en": f"The {who_en}'s stipend of {stipend} yuan/month is below the floor of {floor} "
        "(local default)",
    }


@dated(FACT_DATES["secretary.approval"])
def appoint(case: CaseView, payload: Mapping[str, Any]) -> Iterable[Intent]:
    """SEC-3: approved by the upper body, the secretary takes office. The predecessor's record
    ends, a new term starts where one is due (SEC-9), and the annual report (SEC-7) and term
    renewal (SEC-9) deadlines are anchored here."""
    nomination = case.data["nomination"]
    election = case.data.get("election") or {}
    dispatched = nomination.get("dispatched") or {}
    approved_on = payload["approved_on"]
    for officer in active_officers(case, "secretary"):
        yield end_officer(officer["id"], approved_on, case.data.get("vacancy") or "succeeded")
    elected_on = as_date(election.get("elected_on"))
    yield CreateRecord(
        "party_officer",
        {
            "party_organization_id": case.data["party_organization_id"],
            "member_id": nomination.get("member_id"),
            "name": nomination["name"],
            "position": "secretary",
            "full_time": payload["full_time"],
            "origin": "dispatched" if nomination["source"] == "dispatched" else "internal",
            "source": nomination["source"],
            "cadre_status": dispatched.get("cadre_status", "none"),
            "dispatched_from": dispatched.get("from_unit"),
            "compensation": dispatched.get("compensation"),
            "stipend_yuan_per_month": payload["stipend_yuan_per_month"],
            "stipend_paid_by": payload["stipend_paid_by"],
            "elected_on": elected_on,
            "approved_by": payload["approved_by"],
            "approved_on": approved_on,
            "status": "active",
            "case_id": case.id,
        },
        store_id_as="officer_id",
    )
    start, years, new_term = _term(case, elected_on or approved_on)
    if new_term:
        yield UpdateRecord(
            "party_organization",
            case.data["party_organization_id"],
            {"term_started_on": start, "term_years": years},
        )
    term_ends_on = LegalCalendar.add(start, Period(years=years))
    yield SetData("term_started_on", start)
    yield SetData("term_ends_on", term_ends_on)
    yield SetData("annual_report_from", approved_on)
    appointments = list(case.data.get("appointments", []))
    appointments.append(
        {
            "name": nomination["name"],
            "vacancy": case.data.get("vacancy"),
            "source": nomination["source"],
            "approved_on": approved_on,
            "approved_by": payload["approved_by"],
            "elected": bool(election),
        }
    )
    yield SetData("appointments", appointments)
    floor = int(case.params["sec_stipend_floor_secretary"])
    yield SetData(
        "warnings",
        _warnings(
            case,
            **{
                "SEC-5": full_time_deputy_warning(case),
                "SEC-6": _stipend_warning(
                    case, payload["stipend_yuan_per_month"], floor, "党组织书记", "secretary"
                ),
            },
        ),
    )
    yield SetData("vacancy", None)


@dated(FACT_DATES["secretary.annual_report"])
def record_annual_report(case: CaseView, payload: Mapping[str, Any]) -> Iterable[Intent]:
    """SEC-7: the next report is due a year after this one; SEC-5 is looked at again, since the
    membership grows."""
    reports = list(case.data.get("annual_reports", []))
    reports.append(dict(payload))
    yield SetData("annual_reports", reports)
    yield SetData("annual_report_from", payload["reported_on"])
    yield SetData("warnings", _warnings(case, **{"SEC-5": full_time_deputy_warning(case)}))


@dated(FACT_DATES["secretary.deputy"])
def appoint_deputy(case: CaseView, payload: Mapping[str, Any]) -> Iterable[Intent]:
    """SEC-3: an approved deputy secretary (a full-time one answers SEC-5's warning), or another
    Party-affairs worker; a full-time one's stipend below its SEC-6 floor is flagged."""
    position = payload.get("position", "deputy_secretary")
    m = member(case, payload.get("member_id")) if payload.get("member_id") else None
    yield CreateRecord(
        "party_officer",
        {
            "party_organization_id": case.data["party_organization_id"],
            "member_id": payload.get("member_id"),
            "name": m["name"] if m else payload["name"],
            "position": position,
            "full_time": payload["full_time"],
            "origin": payload["origin"],
            "source": None,
            "cadre_status": payload["cadre_status"],
            "dispatched_from": payload.get("dispatched_from"),
            "compensation": dict(payload.get("compensation") or {}),
            "stipend_yuan_per_month": payload["stipend_yuan_per_month"],
            "stipend_paid_by": payload["stipend_paid_by"],
            "elected_on": payload.get("elected_on"),
            "approved_by": payload["approved_by"],
            "approved_on": payload["approved_on"],
            "status": "active",
            "case_id": case.id,
        },
    )
    stipend = None
    if payload["full_time"]:
        floor, who_zh, who_en = worker_floor(case, position)
        stipend = _stipend_warning(
            case,
            payload["stipend_yuan_per_month"],
            floor,
            f"{who_zh}{payload['name']}",
            f"{who_en} {payload['name']}",
        )
    full_time_deputy = payload["full_time"] and position == "deputy_secretary"
    yield SetData(
        "warnings",
        _warnings(
            case,
            **{
                "SEC-5": full_time_deputy_warning(case, adding_full_time=full_time_deputy),
                f"SEC-6:{payload['name']}": stipend,
            },
        ),
    )


@dated(FACT_DATES["secretary.deputy_change"])
def end_deputy(case: CaseView, payload: Mapping[str, Any]) -> Iterable[Intent]:
    """SEC-8: a deputy's or another Party-affairs worker's position change, reported; SEC-5
    is looked at again."""
    officer = next(o for o in active_officers(case) if o["id"] == payload["officer_id"])
    yield end_officer(officer["id"], payload["changed_on"], payload["change"])
    changes = list(case.data.get("position_changes", []))
    changes.append({**dict(payload), "name": officer["name"], "position": officer["position"]})
    yield SetData("position_changes", changes)
    yield SetData(
        "warnings",
        _warnings(
            case,
            **{
                "SEC-5": full_time_deputy_warning(case, ending_id=officer["id"]),
                f"SEC-6:{officer['name']}": None,
            },
        ),
    )


@dated(FACT_DATES["secretary.secretary_change"])
def vacate(case: CaseView, payload: Mapping[str, Any]) -> Iterable[Intent]:
    """SEC-8: the secretary's position changed and was reported: the post is vacant again."""
    officer_id = case.data.get("officer_id")
    name = None
    for officer in active_officers(case, "secretary"):
        if officer["id"] == officer_id:
            name = officer["name"]
            yield end_officer(officer["id"], payload["changed_on"], payload["change"])
    changes = list(case.data.get("position_changes", []))
    changes.append({**dict(payload), "name": name, "position": "secretary"})
    yield SetData("position_changes", changes)
    yield SetData("position_change", {**dict(payload), "name": name})
    yield SetData("vacancy", "position_change")
    yield SetData("warnings", _warnings(case, **{"SEC-6": None}))


@dated(FACT_DATES["secretary.term_renewal"])
def start_renewal(case: CaseView, payload: Mapping[str, Any]) -> Iterable[Intent]:
    """SEC-9: the renewal election begins; the incumbent serves until the new secretary is
    approved, and the term-renewal deadline stays open until then."""
    yield SetData("vacancy", "term_renewal")
    yield SetData("renewal", dict(payload))


@dated(FACT_DATES["secretary.closing"])
def close_post(case: CaseView, payload: Mapping[str, Any]) -> Iterable[Intent]:
    """TRF-4: the Party organization was revoked; its officers' records end with it."""
    for officer in active_officers(case):
        yield end_officer(officer["id"], payload["closed_on"], "party_org_revoked")
    yield SetData("closed", dict(payload))


ACTIONS = {
    "secretary.open_vacancy": open_vacancy,
    "secretary.record_nomination": record_nomination,
    "secretary.record_election": record_election,
    "secretary.record_dispatch": record_dispatch,
    "secretary.drop_candidate": drop_candidate,
    "secretary.appoint": appoint,
    "secretary.record_annual_report": record_annual_report,
    "secretary.appoint_deputy": appoint_deputy,
    "secretary.end_deputy": end_deputy,
    "secretary.vacate": vacate,
    "secretary.start_renewal": start_renewal,
    "secretary.close_post": close_post,
    "secretary.record_withdrawal": record_withdrawal,
}
