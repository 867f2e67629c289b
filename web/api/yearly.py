"""A Party organization's money of a year (INF-1, FUND-1) and the statistics sent upward.

The same services as the pages and the CLI: `engine.directory.funds` records (audited,
versioned, idempotent), `engine.oversight.statistics` reads.
"""

from __future__ import annotations

from typing import Any

from flask import Response
from marshmallow import Schema, fields, validate

from engine.directory import funds as funds_service
from engine.inputs import InputSchema
from engine.oversight import statistics as stats
from web.api import bp
from web.api.common import actor, args, json_body, json_response, operation, runtime


def Yuan(**kwargs: Any) -> fields.Decimal:
    """An amount in yuan, sent as a string with two decimals (exact, unlike a JSON number)."""
    return fields.Decimal(
        as_string=True,
        places=2,
        metadata={"type": "string", "pattern": r"^[0-9]+\.[0-9]{2}$", "description": "yuan"},
        **kwargs,
    )


class FundsBody(funds_service.FundsSchema):
    """The year comes from the path; JSON's `version` is a whole number, never 2.0 or "2"."""

    version = fields.Integer(
        load_default=0,
        strict=True,
        validate=validate.Range(min=0),
        metadata={"description": "the version you read; 0 for a first recording"},
    )

    class Meta:
        exclude = ("year",)


class AuditEntry(Schema):
    at = fields.AwareDateTime(required=True)
    actor_name = fields.String(required=True)
    action = fields.String(required=True, metadata={"description": "recorded or corrected"})
    version = fields.Integer(required=True)
    reason = fields.String(allow_none=True)
    details = fields.Dict(allow_none=True, metadata={"description": "field: [before, after] (fen)"})


class Funds(Schema):
    party_organization_id = fields.Integer(required=True)
    party_organization = fields.String(required=True)
    year = fields.Integer(required=True)
    version = fields.Integer(required=True, metadata={"description": "0: nothing recorded yet"})
    dues_collected = Yuan(allow_none=True)
    dues_returned = Yuan(allow_none=True)
    funding_received = Yuan(allow_none=True)
    startup_support = Yuan(allow_none=True)
    note = fields.String(allow_none=True)
    recorded_at = fields.AwareDateTime(allow_none=True)
    recorded_by = fields.String(allow_none=True)
    audit = fields.List(fields.Nested(AuditEntry), required=True)


class StatisticsArgs(InputSchema):
    unit = fields.Integer(load_default=None, validate=validate.Range(min=1))
    year = fields.Integer(required=True, validate=validate.Range(min=2000, max=2199))


class KindRow(Schema):
    kind = fields.String(required=True)
    party_organizations = fields.Integer(required=True)
    new_in_year = fields.Integer(required=True)
    full_members = fields.Integer(required=True)
    probationary_members = fields.Integer(required=True)


class PartyOrgLine(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    kind = fields.String(required=True)
    organization = fields.String(allow_none=True)
    established_on = fields.Date(allow_none=True)
    new_in_year = fields.Boolean(required=True)
    members = fields.Integer(required=True)
    recorded = fields.Boolean(required=True)
    dues_collected = Yuan(allow_none=True)
    dues_returned = Yuan(allow_none=True)
    funding_received = Yuan(allow_none=True)
    startup_support = Yuan(allow_none=True)
    per_member = Yuan(allow_none=True)
    below_floor = fields.Boolean(required=True, metadata={"description": "FUND-1"})
    dues_short = fields.Boolean(required=True, metadata={"description": "FUND-1"})
    no_startup_support = fields.Boolean(required=True, metadata={"description": "FUND-1"})


class StatisticsBody(Schema):
    unit_id = fields.Integer(allow_none=True)
    unit_code = fields.String(allow_none=True)
    year = fields.Integer(required=True)
    as_of = fields.Date(required=True)
    floor_yuan = Yuan(required=True)
    kinds = fields.List(fields.Nested(KindRow), required=True)
    members = fields.Integer(required=True)
    coverage = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True)
    money = fields.Dict(keys=fields.String(), values=Yuan(), required=True)
    party_organizations = fields.List(fields.Nested(PartyOrgLine), required=True)


def _year(year: int) -> int:
    """The path's year under the same rule as the body's (422 naming `year`)."""
    return funds_service.FundsSchema(only=("year",)).load({"year": year})["year"]


def _funds(party_organization_id: int, year: int) -> Response:
    body = funds_service.funds(runtime().reader(), actor(), party_organization_id, year)
    return json_response(Funds().dump(body))


@bp.get("/party-organizations/<int:party_organization_id>/funds/<int:year>")
@operation(
    summary="A Party organization's dues and funding of a year",
    description="INF-1, FUND-1: amounts in yuan (null while nothing is recorded; version 0), "
    "and every recording and correction with who, when and why.",
    tags=["statistics"],
    scoped=True,
    errors=((422, "validation"),),
    responses={200: (Funds, "the year's figures and their audit trail")},
)
def get_funds(party_organization_id: int, year: int) -> Response:
    return _funds(party_organization_id, _year(year))


@bp.put("/party-organizations/<int:party_organization_id>/funds/<int:year>")
@operation(
    summary="Record or correct a Party organization's dues and funding of a year",
    description="FUND-1, INF-1. Send `version`: 0 for a first recording, else the version you "
    "read; a stale version is 422 on `version`. The same figures again change nothing. "
    "A correction needs `reason` (kept in the audit trail). Amounts in yuan, two decimals.",
    tags=["statistics"],
    body=FundsBody,
    scoped=True,
    errors=((400, "bad-request"), (415, "unsupported-media-type")),
    responses={200: (Funds, "the year's figures as now recorded")},
)
def put_funds(party_organization_id: int, year: int) -> Response:
    raw: Any = json_body()
    if isinstance(raw, dict):
        FundsBody().load(raw)  # JSON's own types first (strict version), then the service's
    payload = {**raw, "year": _year(year)} if isinstance(raw, dict) else raw
    rt = runtime()
    funds_service.record_funds(rt.uow(), actor(), party_organization_id, payload, rt.clock.now())
    return _funds(party_organization_id, year)


@bp.get("/reports/statistics")
@operation(
    summary="Party-building statistics of a unit and year",
    description="INF-1, FUND-1: Party organizations by kind, members, coverage on the year's "
    "last day (today for the running year), dues and funding, and one line per Party "
    "organization with the FUND-1 questions (below the per-member floor, dues not returned "
    "in full, new without start-up support). `unit` defaults to yours, with every unit "
    "below it.",
    tags=["statistics"],
    args=StatisticsArgs,
    scoped=True,
    responses={200: (StatisticsBody, "the year's statistics")},
)
def get_statistics() -> Response:
    a = args(StatisticsArgs)
    rt = runtime()
    s = stats.statistics(rt.reader(), actor(), rt.definitions, a["unit"], a["year"], rt.clock.now())
    body = {
        "unit_id": s.unit.id,
        "unit_code": s.unit.code,
        "year": s.year,
        "as_of": s.as_of,
        "floor_yuan": s.floor_yuan,
        "kinds": [vars(k) for k in s.kinds],
        "members": s.members,
        "coverage": s.coverage,
        "money": s.money,
        "party_organizations": s.party_organizations,
    }
    return json_response(StatisticsBody().dump(body))
