"""A supervisor's request to open a drive (REG-10), as the form, the API and the CLI send it:
validated once here (marshmallow), then `campaigns.open_campaign` opens it in one pass.

The condition a drive targets is its kind (a procedure package registers the kinds and their
criteria, e.g. the coverage package's `formation_drive`: uncovered, three or more full members
among the full-time staff). A kind the scheduler runs by itself (INS-2's matured conditions)
cannot be requested.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from marshmallow import ValidationError, fields, validate

from engine.access.actor import Actor
from engine.cases import campaigns
from engine.cases.campaigns import CampaignResult
from engine.definitions.model import Definitions
from engine.errors import Forbidden
from engine.inputs import InputSchema, check
from engine.registry import CampaignKind
from engine.store.unit_of_work import UnitOfWork


class CampaignRequest(InputSchema):
    """REG-10: which unit's tree, which condition, from which day, under which title."""

    unit_id = fields.Integer(required=True, strict=True, validate=validate.Range(min=1))
    kind = fields.String(required=True, validate=validate.Length(min=1, max=60))
    starts_on = fields.Date(required=True)
    title = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=200))


def requestable(defs: Definitions) -> dict[str, CampaignKind]:
    """The kinds a supervisor may open (not those the scheduler runs), by id."""
    return {k: v for k, v in campaigns.campaign_kinds(defs).items() if not v.automatic}


def default_kind(defs: Definitions) -> str | None:
    """The condition a form offers first: the first one a package registers (the coverage
    package's REG-10 drive); the engine names none."""
    return next(iter(requestable(defs)), None)


def request_campaign(
    uow: UnitOfWork, defs: Definitions, payload: Mapping[str, Any], *, actor: Actor
) -> CampaignResult:
    """Validate the request and open (or run again) the drive: refused citing REG-10 for
    anyone but a supervisor or an administrator, for a kind that does not exist or that the
    scheduler runs, for a unit outside the actor's."""
    data = check(CampaignRequest(), payload)
    if actor.role not in ("supervisor", "admin"):
        raise Forbidden("REG-10: 集中攻坚由主管人员发起 / only supervisors open campaigns")
    kinds = requestable(defs)
    kind = kinds.get(data["kind"])
    if kind is None:
        raise ValidationError(
            {
                "kind": [
                    f"REG-10: 可发起的攻坚条件为 {', '.join(kinds)} / the conditions a "
                    f"campaign may target are {', '.join(kinds)}"
                ]
            }
        )
    title = (data["title"] or "").strip() or kind.label_zh
    return campaigns.open_campaign(
        uow,
        defs,
        kind,
        unit_id=data["unit_id"],
        starts_on=data["starts_on"],
        title=title,
        actor=actor,
    )
