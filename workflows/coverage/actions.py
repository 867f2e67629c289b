"""Actions and guards of the coverage procedure (COV-1). REG-7's routing is P1's
(workflows/routing.py), registered here under this procedure's names."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from marshmallow import ValidationError

from engine.snapshot import Appoint, CaseView, Intent, SetData, UpdateOrganization, UpdateRecord
from workflows import routing
from workflows.common import dated, running_cases
from workflows.coverage.schemas import FACT_DATES


def one_at_a_time(case: CaseView, payload: Mapping[str, Any]) -> Iterable[Intent]:
    """COV-1: one coverage case per organization at a time (a campaign joins the running one);
    an organization already covered needs none."""
    running = running_cases(case)
    if running:
        raise ValidationError(
            {
                "_schema": [
                    f"COV-1: 该组织已有进行中的覆盖案件 #{running[0]} / "
                    f"the organization has a coverage case running already (#{running[0]})"
                ]
            }
        )
    if case.organization.get("coverage") == "party_org":
        raise ValidationError(
            {
                "_schema": [
                    "COV-1: 该组织已有党组织覆盖 / the organization is covered by a Party "
                    "organization already"
                ]
            }
        )
    return ()


@dated(FACT_DATES["coverage.survey"])
def record_survey(case: CaseView, payload: Mapping[str, Any]) -> Iterable[Intent]:
    """COV-1 / REG-2: the survey's figures go on the case (REG-7's routing reads them) and on
    the organization (the campaign's condition and the figures read those)."""
    yield from routing.survey_intents(payload)


def record_member_management(case: CaseView, payload: Mapping[str, Any]) -> Iterable[Intent]:
    """COV-1 ("一方隶属、就近就便、多重管理"): each member of this organization whose relation is
    not transferred is recorded with the Party organization where they take part."""
    own = case.organization.get("id")
    ours = {m["id"] for m in case.organization.get("members", ()) if m["organization_id"] == own}
    bad = {
        i: {
            "member_id": [
                f"COV-1: 党员 #{m['member_id']} 不是本组织的党员 / member "
                f"#{m['member_id']} is not of this organization"
            ]
        }
        for i, m in enumerate(payload["members"])
        if m["member_id"] not in ours
    }
    if bad:
        raise ValidationError({"members": bad})
    for m in payload["members"]:
        yield UpdateRecord("member", m["member_id"], {"life_party_org": m["life_party_org"]})
    managed = dict(case.data.get("managed_members") or {})
    managed.update({str(m["member_id"]): m["life_party_org"] for m in payload["members"]})
    yield SetData("managed_members", managed)


@dated(FACT_DATES["coverage.instructor"])
def appoint_instructor(case: CaseView, payload: Mapping[str, Any]) -> Iterable[Intent]:
    """REG-7 / INS-2: an instructor of the register serves the organization (Party-work
    coverage); the engine refuses one whose term has ended."""
    yield Appoint(payload["instructor_id"], payload["appointed_on"])
    yield SetData("instructor", dict(payload))


def close_uncovered(case: CaseView, payload: Mapping[str, Any]) -> Iterable[Intent]:
    """REG-9: still uncovered, the organization is reminded by the registration authority at
    its next change registration or filing."""
    if case.organization.get("coverage") == "none":
        yield UpdateOrganization({"coverage_reminder": True})
    yield SetData("closed", dict(payload))


ACTIONS = {
    "coverage.one_at_a_time": one_at_a_time,
    "coverage.record_survey": record_survey,
    "coverage.record_member_management": record_member_management,
    "coverage.route_standalone": routing.route_standalone,
    "coverage.route_joint_partners": routing.route_joint_partners,
    "coverage.affiliate_to_host": dated(FACT_DATES["coverage.affiliation"])(
        routing.affiliate_to_host
    ),
    "coverage.join_joint_branch": dated(FACT_DATES["coverage.join_joint_branch"])(
        routing.join_joint_branch
    ),
    "coverage.establish_party_organization": dated(FACT_DATES["coverage.party_org"])(
        routing.establish_party_organization
    ),
    "coverage.appoint_instructor": appoint_instructor,
    "coverage.close_uncovered": close_uncovered,
}

GUARDS = {
    **routing.named("coverage", routing.GUARDS),
    "coverage.instructor_route": routing.instructor_route("COV-1"),
}
