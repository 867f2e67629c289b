"""P4's recorded dates: every date a step records and the facts it may not precede.

Checked by `workflows.common.dated` on each step's action (and never after the case's today),
so a date out of order is a field error naming the field, and the case is unchanged.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from workflows.common import Earlier, FactDate


def _officer_approved_on(officer_id: Any, case: Any) -> Any:
    return next(
        (
            o.get("approved_on")
            for o in case.organization.get("officers", ())
            if o["id"] == officer_id
        ),
        None,
    )


def _reported_officer(case: Any, payload: Mapping[str, Any]) -> Any:
    """SEC-8: the approval of the officer whose change a vacancy report names."""
    return _officer_approved_on((payload.get("position_change") or {}).get("officer_id"), case)


def _changed_officer(case: Any, payload: Mapping[str, Any]) -> Any:
    """SEC-8: the approval of the deputy or Party-affairs worker whose change is reported."""
    return _officer_approved_on(payload.get("officer_id"), case)


ASSESSED = Earlier("data.nomination.assessment.assessed_on", "考察日期", "the assessment")
APPOINTED = Earlier(
    "data.appointments[].approved_on", "书记任命日期", "the secretary's appointment"
)
CHANGED = Earlier("payload.changed_on", "变动日期", "the change")

#: Every date a P4 step records, and the facts it may not precede (checked by
#: `workflows.common.dated` on the step's action; never after today either).
FACT_DATES: dict[str, tuple[FactDate, ...]] = {
    "secretary.vacancy": (
        FactDate(
            "position_change.changed_on",
            "SEC-8",
            "变动日期",
            "The change",
            (Earlier(_reported_officer, "该党务工作者的任命日期", "the officer's appointment"),),
        ),
        FactDate(
            "position_change.reported_on",
            "SEC-8",
            "报告日期",
            "The report",
            (Earlier("payload.position_change.changed_on", "变动日期", "the change"),),
        ),
    ),
    "secretary.nomination": (
        FactDate("assessment.assessed_on", "SEC-1", "考察日期", "The assessment"),
    ),
    "secretary.election": (
        FactDate("elected_on", "SEC-3", "选举日期", "The election", (ASSESSED,)),
    ),
    "secretary.dispatch": (
        FactDate("dispatched_on", "SEC-2", "选派日期", "The dispatch", (ASSESSED,)),
    ),
    "secretary.approval": (
        FactDate(
            "approved_on",
            "SEC-3",
            "审批日期",
            "The approval",
            (
                ASSESSED,
                Earlier("data.election.elected_on", "选举日期", "the election"),
                Earlier("data.dispatch.dispatched_on", "选派日期", "the dispatch"),
            ),
        ),
    ),
    "secretary.annual_report": (
        FactDate(
            "reported_on",
            "SEC-7",
            "述职日期",
            "The report",
            (
                Earlier(
                    "data.annual_report_from",
                    "任命或上次述职日期",
                    "the appointment or the last report",
                ),
            ),
        ),
    ),
    "secretary.deputy": (
        FactDate("elected_on", "SEC-3", "选举日期", "The election"),
        FactDate(
            "approved_on",
            "SEC-3",
            "审批日期",
            "The approval",
            (Earlier("payload.elected_on", "选举日期", "the election"),),
        ),
    ),
    "secretary.secretary_change": (
        FactDate("changed_on", "SEC-8", "变动日期", "The change", (APPOINTED,)),
        FactDate("reported_on", "SEC-8", "报告日期", "The report", (CHANGED,)),
    ),
    "secretary.deputy_change": (
        FactDate(
            "changed_on",
            "SEC-8",
            "变动日期",
            "The change",
            (Earlier(_changed_officer, "该党务工作者的任命日期", "the officer's appointment"),),
        ),
        FactDate("reported_on", "SEC-8", "报告日期", "The report", (CHANGED,)),
    ),
    "secretary.term_renewal": (
        FactDate(
            "started_on",
            "SEC-9",
            "换届启动日期",
            "The start of the renewal",
            (
                APPOINTED,
                Earlier("data.term_started_on", "本届任期开始日期", "the start of the term"),
            ),
        ),
    ),
    "secretary.closing": (
        FactDate(
            "closed_on",
            "TRF-4",
            "办结日期",
            "The closing",
            (
                Earlier(
                    "party_org.revoked_on",
                    "党组织撤销日期",
                    "the revocation of the Party organization",
                ),
            ),
        ),
    ),
}
