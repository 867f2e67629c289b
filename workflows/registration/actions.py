"""Actions of P1: they return intents; the service applies them in the transaction."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from engine.snapshot import (
    CaseView,
    CreateRecord,
    Intent,
    SetData,
    UpdateOrganization,
)
from workflows import routing
from workflows.common import dated
from workflows.registration.schemas import FACT_DATES

# REG-7's routing steps (workflows/routing.py, shared with the coverage procedure), each
# checking the dates P1 records against the registration (REG-8).
route_standalone = routing.route_standalone
route_joint_partners = routing.route_joint_partners
affiliate_to_host = dated(FACT_DATES["registration.affiliation"])(routing.affiliate_to_host)
join_joint_branch = dated(FACT_DATES["registration.join_joint_branch"])(routing.join_joint_branch)
establish_party_organization = dated(FACT_DATES["registration.party_org"])(
    routing.establish_party_organization
)


@dated(FACT_DATES["registration.application"])
def record_application(case: CaseView, payload: Mapping[str, Any]) -> Iterable[Intent]:
    yield SetData("application", dict(payload))


def record_documents(case: CaseView, payload: Mapping[str, Any]) -> Iterable[Intent]:
    """REG-1/REG-2: remember what has been received; the survey's counts go on the organization."""
    docs = dict(case.data.get("documents", {}))
    if payload.get("commitment_letter"):
        docs["commitment_letter"] = True
    survey = payload.get("member_survey")
    if survey is not None:
        docs["member_survey"] = True
        yield from routing.survey_intents(survey)
    yield SetData("documents", docs)


def record_charter_review(case: CaseView, payload: Mapping[str, Any]) -> Iterable[Intent]:
    reviews = list(case.data.get("charter_reviews", []))
    reviews.append(dict(payload))
    yield SetData("charter_reviews", reviews)


@dated(FACT_DATES["registration.decision"])
def record_registration(case: CaseView, payload: Mapping[str, Any]) -> Iterable[Intent]:
    """REG-4 / INF-1: registration issues the credit code and fixes the management mode."""
    yield SetData("registered_on", payload["registered_on"])
    yield UpdateOrganization(
        {
            "credit_code": payload["credit_code"],
            "registered_on": payload["registered_on"],
            "registration_mode": payload["registration_mode"],
            "supervisory_unit": payload.get("supervisory_unit")
            or case.organization.get("supervisory_unit"),
            "status": "registered",
        }
    )


@dated(FACT_DATES["registration.forwarding"])
def record_forwarding(case: CaseView, payload: Mapping[str, Any]) -> Iterable[Intent]:
    yield SetData("forwarding", dict(payload))


def record_responsible_body(case: CaseView, payload: Mapping[str, Any]) -> Iterable[Intent]:
    yield SetData("responsible_body", dict(payload))
    yield UpdateOrganization({"responsible_body_kind": payload["kind"]})


def route_joint(case: CaseView, payload: Mapping[str, Any]) -> Iterable[Intent]:
    yield SetData("coverage_route", {"mode": "joint", **payload})


def route_affiliated(case: CaseView, payload: Mapping[str, Any]) -> Iterable[Intent]:
    yield SetData("coverage_route", {"mode": "affiliated", **payload})


@dated(FACT_DATES["registration.party_org"])
def create_party_organization(case: CaseView, payload: Mapping[str, Any]) -> Iterable[Intent]:
    """REG-7/REG-8: the Party organization exists from here on; the organization is covered."""
    route = case.data.get("coverage_route", {})
    covered = [case.organization.get("name"), *route.get("partner_organizations", [])]
    yield CreateRecord(
        "party_organization",
        {
            "name": payload["name"],
            "kind": payload["kind"],
            "formation_mode": route.get("mode", "standalone"),
            "upper_party_org": payload["approved_by"],
            "approved_by": payload["approved_by"],
            "established_on": payload["established_on"],
            "covered_organizations": covered,
            "status": "active",
        },
    )
    yield UpdateOrganization({"coverage": "party_org", "coverage_reminder": False})
    yield SetData("party_organization", dict(payload))


@dated(FACT_DATES["registration.instructor"])
def dispatch_instructor(case: CaseView, payload: Mapping[str, Any]) -> Iterable[Intent]:
    """REG-7/REG-8: no blank spot: an instructor, a stationed branch or a lead organization."""
    yield CreateRecord(
        "instructor",
        {
            "name": payload["name"],
            "mode": payload["mode"],
            "dispatched_by": payload["dispatched_by"],
            "dispatched_on": payload["dispatched_on"],
        },
    )
    yield UpdateOrganization({"coverage": "instructor", "coverage_reminder": False})
    yield SetData("instructor", dict(payload))


def flag_uncovered(case: CaseView, payload: Mapping[str, Any]) -> Iterable[Intent]:
    """REG-9: the registration authority reminds it at its next change registration or filing."""
    yield UpdateOrganization({"coverage_reminder": True})
    yield SetData("deferred", dict(payload))


# ---------------------------------------------------------------- version 2 (issue 13)


def record_responsible_unit(case: CaseView, payload: Mapping[str, Any]) -> Iterable[Intent]:
    """REG-6: the responsible body is a unit; the organization records it, and the step hands
    the case to it (`hand_over: data.responsible_body.unit_id` in registration.v2.yaml)."""
    unit = case.lookup("unit", payload["unit_id"]) or {}
    yield SetData(
        "responsible_body",
        {**payload, "unit_code": unit.get("code"), "unit_name": unit.get("name_zh")},
    )
    yield UpdateOrganization(
        {"responsible_body_kind": payload["kind"], "responsible_unit_id": payload["unit_id"]}
    )


ACTIONS = {
    "registration.record_application": record_application,
    "registration.record_documents": record_documents,
    "registration.record_charter_review": record_charter_review,
    "registration.record_registration": record_registration,
    "registration.record_forwarding": record_forwarding,
    "registration.record_responsible_body": record_responsible_body,
    "registration.route_standalone": route_standalone,
    "registration.route_joint": route_joint,
    "registration.route_affiliated": route_affiliated,
    "registration.create_party_organization": create_party_organization,
    "registration.dispatch_instructor": dispatch_instructor,
    "registration.flag_uncovered": flag_uncovered,
    "registration.record_responsible_unit": record_responsible_unit,
    "registration.route_joint_partners": route_joint_partners,
    "registration.affiliate_to_host": affiliate_to_host,
    "registration.join_joint_branch": join_joint_branch,
    "registration.establish_party_organization": establish_party_organization,
}
