"""Evaluation gating (等级评估, EVA-1): one evaluation record per organization and year.

《关于在社会组织登记和管理中同步加强党建工作的若干意见》（吉组通字〔2017〕66号）第7条: Party building is an
important indicator of the evaluation, and an organization that has the conditions for a Party
organization but has not formed one is generally not admitted to the rating; 第9条: 3A or
better with outstanding Party work is recommended first (and a weak Party organization lowers
or cancels the rating); 《2018年宁波市社会组织综合党委党建工作要点》（甬民党〔2018〕14号）第6条: raise the
Party-building indicator's score and weight. The weight and the score that counts as
"outstanding" are local parameters (`eva_party_weight_pct`, `eva_outstanding_party_score`);
"the conditions" are REG-2's three full members, counted as `reg_standalone_count` says.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from marshmallow import fields, validate
from sqlalchemy import Connection, select, update

from engine.access.actor import Actor
from engine.calendar import local_date
from engine.errors import Forbidden, NotFound
from engine.inputs import InputSchema
from engine.rules import Refusal
from engine.store.tables import Organization, Unit
from engine.store.tables_annual import Evaluation
from engine.store.unit_of_work import UnitOfWork

evaluations_t = Evaluation.__table__
orgs_t = Organization.__table__
units_t = Unit.__table__

RULE = "EVA-1"
#: The rating from which an organization with outstanding Party work is recommended (第9条).
RECOMMEND_FROM_LEVEL = 3


class EvaluationSchema(InputSchema):
    """EVA-1: the evaluation of one organization in one year, with its Party-building part."""

    organization_id = fields.Integer(
        required=True,
        strict=True,
        validate=validate.Range(min=1),
        metadata={"label": {"zh": "社会组织", "en": "Organization"}},
    )
    year = fields.Integer(
        required=True,
        strict=True,
        validate=validate.Range(min=2000, max=2100),
        metadata={"label": {"zh": "评估年度", "en": "Year"}},
    )
    level = fields.Integer(
        required=True,
        strict=True,
        validate=validate.Range(
            min=1, max=5, error="EVA-1: a rating from 1A to 5A (1 to 5) / 评估等级为1A至5A（1至5）"
        ),
        metadata={"label": {"zh": "评估等级（A）", "en": "Rating (A)"}},
    )
    total_score = fields.Integer(
        required=True,
        strict=True,
        validate=validate.Range(min=0, max=1000),
        metadata={"label": {"zh": "评估总分", "en": "Total score"}},
    )
    party_score = fields.Integer(
        required=True,
        strict=True,
        validate=validate.Range(min=0, max=100, error="EVA-1: out of 100 / 百分制（0至100）"),
        metadata={"label": {"zh": "党建工作得分（百分制）", "en": "Party-building score (of 100)"}},
    )


def _meets_conditions(org: Mapping[str, Any], params: Mapping[str, Any]) -> bool:
    counted = params.get("reg_standalone_count", "full_time_full_members")
    members = (
        org["full_members"] if counted == "all_full_members" else org["full_time_full_members"]
    )
    return (members or 0) >= 3


def eligibility(org: Mapping[str, Any], params: Mapping[str, Any]) -> Refusal | None:
    """EVA-1: refused when the organization meets the conditions (≥3 full members) but has
    no Party organization."""
    if _meets_conditions(org, params) and org["coverage"] != "party_org":
        return Refusal(
            RULE,
            zh="具备条件（3名以上正式党员）而未组建党组织的社会组织，一般应取消其参加等级评估资格"
            "（《关于在社会组织登记和管理中同步加强党建工作的若干意见》第7条）",
            en="An organization that meets the conditions (three or more full members) but "
            "has formed no Party organization is generally not admitted to the rating",
        )
    return None


def record(
    uow: UnitOfWork, params: Mapping[str, Any], payload: Mapping[str, Any], *, actor: Actor
) -> dict[str, Any]:
    """Record (or correct) the year's evaluation; a refused eligibility is recorded as such,
    with its rule, and carries no rating."""
    if actor.role not in ("caseworker", "supervisor", "admin"):
        raise Forbidden(
            "only caseworkers and supervisors record evaluations / 只有经办人和督办人可以登记评估结果"
        )
    data = EvaluationSchema().load(payload)  # not a mapping: 422 "Invalid input type"
    with uow:
        org = (
            uow.conn.execute(
                select(orgs_t, units_t.c.path)
                .join(units_t, units_t.c.id == orgs_t.c.unit_id)
                .where(orgs_t.c.id == data["organization_id"])
            )
            .mappings()
            .first()
        )
        if org is None:
            raise NotFound("organization", data["organization_id"])
        if not actor.can_see(org["path"]):
            raise Forbidden("the organization belongs to another unit")
        now = uow.clock.now()
        refusal = eligibility(org, params)
        outstanding = data["party_score"] >= int(params["eva_outstanding_party_score"])
        values: dict[str, Any] = {
            "unit_id": org["unit_id"],
            "status": "refused" if refusal else "rated",
            "refusal_rule": refusal.rule if refusal else None,
            "refusal_zh": refusal.zh if refusal else None,
            "refusal_en": refusal.en if refusal else None,
            "level": None if refusal else data["level"],
            "total_score": data["total_score"],
            "party_score": data["party_score"],
            "party_weight_pct": int(params["eva_party_weight_pct"]),
            "party_work_outstanding": outstanding,
            "recommended": not refusal and outstanding and data["level"] >= RECOMMEND_FROM_LEVEL,
            "recorded_on": local_date(now),
            "recorded_at": now,
            "recorded_by_name": actor.display_name,
        }
        key = (
            evaluations_t.c.organization_id == data["organization_id"],
            evaluations_t.c.year == data["year"],
        )
        done = uow.conn.execute(update(evaluations_t).where(*key).values(values)).rowcount
        if not done:
            uow.conn.execute(
                evaluations_t.insert().values(
                    organization_id=data["organization_id"], year=data["year"], **values
                )
            )
        row = uow.conn.execute(select(evaluations_t).where(*key)).mappings().one()
        uow.commit()
    return dict(row)


def of_year(conn: Connection, actor: Actor, year: int) -> list[dict[str, Any]]:
    """The year's evaluations in the actor's scope, with the organization's name."""
    return [
        dict(r)
        for r in conn.execute(
            select(evaluations_t, orgs_t.c.name.label("organization_name"))
            .join(orgs_t, orgs_t.c.id == evaluations_t.c.organization_id)
            .join(units_t, units_t.c.id == evaluations_t.c.unit_id)
            .where(evaluations_t.c.year == year, actor.scope(units_t.c.path))
            .order_by(evaluations_t.c.recommended.desc(), evaluations_t.c.level.desc())
        ).mappings()
    ]
