"""A Party organization's money per year: dues and funding (INF-1, FUND-1), recorded and read.

INF-1 asks the platform to keep the Party dues collected; FUND-1 fixes a floor of Party work
funding per member and year (a local parameter, `fund_floor_yuan_per_member_year`), has the
dues returned in full for Party work, and gives a newly formed Party organization start-up
support. None of this is a step of a procedure: it is a yearly figure a Party-affairs worker
records (and corrects) for a Party organization they see, so it is written here, one
transaction per recording, with its audit row in the same transaction.

Recording is idempotent and optimistic: the caller says which version it saw (0: none yet).
The same figures again change nothing and write no audit row; a version someone else moved
meanwhile is refused naming the `version` field, so two people correcting the same year do
not silently overwrite each other, on any number of workers.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from marshmallow import ValidationError, fields, validate
from sqlalchemy import func, insert, select, update
from sqlalchemy.exc import IntegrityError

from engine.access.actor import Actor
from engine.access.scope import require_visible
from engine.errors import NotFound
from engine.inputs import InputSchema
from engine.store.tables import Organization, PartyOrganization
from engine.store.tables_yearly import PartyOrgFunds, PartyOrgFundsAudit
from engine.store.unit_of_work import UnitOfWork

funds_t = PartyOrgFunds.__table__
audit_t = PartyOrgFundsAudit.__table__
party_t = PartyOrganization.__table__
orgs_t = Organization.__table__

#: The amounts of a year, in the order forms, tables and exports show them.
AMOUNTS = ("dues_collected", "dues_returned", "funding_received", "startup_support")
#: The largest amount one field takes (yuan): far above any Party organization's year, well
#: inside the INTEGER the fen are stored in.
MAX_YUAN = Decimal("10000000")
YEAR_MIN, YEAR_MAX = 2000, 2199


def _whole_fen(value: Decimal) -> None:
    """Money has two decimals at most: 1.234 yuan is a typing error, not an amount to round;
    and an amount lies between 0 and `MAX_YUAN` (a function, not `validate.Range`, whose
    Decimal bounds the OpenAPI description would print as strings)."""
    if not 0 <= value <= MAX_YUAN:
        raise ValidationError(
            "FUND-1: an amount from 0 to 10,000,000 yuan / 金额应在0至1000万元之间"
        )
    if value != value.quantize(Decimal("0.01")):
        raise ValidationError("FUND-1: at most two decimals (fen) / 金额最多保留两位小数（分）")


def _yuan(zh: str, en: str) -> fields.Decimal:
    return fields.Decimal(
        required=True,
        allow_nan=False,
        validate=_whole_fen,
        metadata={"label": {"zh": zh, "en": en}, "minimum": 0, "maximum": int(MAX_YUAN)},
    )


class FundsSchema(InputSchema):
    """One year's figures of one Party organization (yuan, two decimals at most)."""

    year = fields.Integer(
        required=True,
        strict=False,
        validate=validate.Range(min=YEAR_MIN, max=YEAR_MAX),
        metadata={"label": {"zh": "年度", "en": "Year"}},
    )
    dues_collected = _yuan("收缴党费（元）", "Party dues collected (yuan)")
    dues_returned = _yuan("下拨用于党建工作的党费（元）", "Dues returned for Party work (yuan)")
    funding_received = _yuan(
        "工作和活动经费（元，社会组织列支及上级党组织拨付）",
        "Work and activity funding received (yuan, from the organization and the upper Party organization)",
    )
    startup_support = _yuan(
        "新组建党组织启动经费（元）", "Start-up support for a new Party organization (yuan)"
    )
    note = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.Length(max=500),
        metadata={"label": {"zh": "说明", "en": "Note"}},
    )
    version = fields.Integer(
        load_default=0,
        strict=False,
        validate=validate.Range(min=0),
        metadata={"label": {"zh": "所见版本", "en": "Version seen"}},
    )
    reason = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.Length(max=500),
        metadata={"label": {"zh": "更正原因", "en": "Reason for the correction"}},
    )


@dataclass(frozen=True)
class Recorded:
    """What a recording did: the row's id and version, and whether anything changed."""

    funds_id: int
    version: int
    changed: bool


def to_fen(yuan: Decimal) -> int:
    return int((yuan * 100).to_integral_value())


def to_yuan(fen: int | None) -> Decimal | None:
    return None if fen is None else (Decimal(fen) / 100).quantize(Decimal("0.01"))


def _party_org_unit(uow: UnitOfWork, party_organization_id: int) -> Any:
    row = uow.conn.execute(
        select(
            party_t.c.id,
            party_t.c.name,
            func.coalesce(orgs_t.c.unit_id, party_t.c.upper_unit_id).label("unit_id"),
        )
        .outerjoin(orgs_t, orgs_t.c.id == party_t.c.organization_id)
        .where(party_t.c.id == party_organization_id)
    ).first()
    if row is None:
        raise NotFound("party organization", party_organization_id)
    return row


def record_funds(
    uow: UnitOfWork,
    actor: Actor,
    party_organization_id: int,
    payload: Mapping[str, Any],
    now: datetime,
) -> Recorded:
    """Record or correct one year's figures (FUND-1, INF-1), audited, in one transaction.

    A correction needs a reason (kept in the audit row). Raises ValidationError naming the
    field (an amount out of range, a stale `version`, a correction without reason),
    NotFound, Forbidden (a Party organization outside the actor's units)."""
    if not isinstance(payload, Mapping):
        raise ValidationError({"_schema": ["send the figures as an object / 请以对象形式提交"]})
    data = FundsSchema().load(payload)  # not a mapping: 422 "Invalid input type"
    values = {f"{k}_fen": to_fen(data[k]) for k in AMOUNTS}
    values["note"] = data["note"]
    with uow:
        po = _party_org_unit(uow, party_organization_id)
        require_visible(uow, actor, po.unit_id, "this Party organization")
        row = _current(uow, party_organization_id, data["year"], lock=True)
        who = {"actor_id": actor.id, "actor_name": actor.display_name}
        if row is None:
            if data["version"] != 0:
                raise _stale(0)
            try:
                with uow.conn.begin_nested():
                    fid = uow.conn.execute(
                        insert(funds_t)
                        .values(
                            party_organization_id=party_organization_id,
                            year=data["year"],
                            version=1,
                            recorded_at=now,
                            recorded_by_id=actor.id,
                            recorded_by_name=actor.display_name,
                            **values,
                        )
                        .returning(funds_t.c.id)
                    ).scalar_one()
            except IntegrityError:  # another worker recorded the same year first
                raise _stale(1) from None
            details = {k: [None, v] for k, v in values.items() if v is not None}
            _audit(
                uow,
                fid,
                party_organization_id,
                data["year"],
                now,
                who,
                "recorded",
                1,
                None,
                details,
            )
            uow.commit()
            return Recorded(fid, 1, True)
        changes = {k: [row[k], v] for k, v in values.items() if row[k] != v}
        if not changes:
            return Recorded(row["id"], row["version"], False)  # the same figures: nothing to do
        if data["version"] != row["version"]:
            raise _stale(row["version"])
        if not (data["reason"] or "").strip():
            raise ValidationError(
                {
                    "reason": [
                        "FUND-1: a correction of recorded figures needs its reason / 更正已记录的数字须说明原因"
                    ]
                }
            )
        version = row["version"] + 1
        n = uow.conn.execute(
            update(funds_t)
            .where(funds_t.c.id == row["id"], funds_t.c.version == row["version"])
            .values(
                version=version,
                recorded_at=now,
                recorded_by_id=actor.id,
                recorded_by_name=actor.display_name,
                **values,
            )
        ).rowcount
        if n != 1:
            raise _stale(row["version"])
        _audit(
            uow, row["id"], party_organization_id, data["year"], now, who, "corrected", version,
            data["reason"].strip(), changes,
        )  # fmt: skip
        uow.commit()
        return Recorded(row["id"], version, True)


def _stale(current: int) -> ValidationError:
    return ValidationError(
        {
            "version": [
                f"someone recorded these figures meanwhile (now version {current}); reload and "
                f"check them / 他人已修改该年度数字（现为第{current}版），请刷新后核对"
            ]
        }
    )


def _audit(
    uow: UnitOfWork,
    funds_id: int,
    party_organization_id: int,
    year: int,
    now: datetime,
    who: dict[str, Any],
    action: str,
    version: int,
    reason: str | None,
    details: dict[str, Any],
) -> None:
    uow.conn.execute(
        insert(audit_t).values(
            funds_id=funds_id,
            party_organization_id=party_organization_id,
            year=year,
            at=now,
            action=action,
            version=version,
            reason=reason,
            details=details,
            **who,
        )
    )


def _current(uow: UnitOfWork, party_organization_id: int, year: int, lock: bool = False) -> Any:
    q = select(funds_t).where(
        funds_t.c.party_organization_id == party_organization_id, funds_t.c.year == year
    )
    if lock:
        q = q.with_for_update()
    row = uow.conn.execute(q).mappings().first()
    return dict(row) if row else None


def funds(uow: UnitOfWork, actor: Actor, party_organization_id: int, year: int) -> dict[str, Any]:
    """One Party organization's year as the form and the API show it: its name, the figures
    in yuan (None where nothing is recorded yet), the version, and the audit trail."""
    with uow.reader() as r:
        po = _party_org_unit(r, party_organization_id)
        require_visible(r, actor, po.unit_id, "this Party organization")
        row = _current(r, party_organization_id, year)
        trail = []
        if row:
            trail = [
                {**x, "changes": _changes(x["details"])}
                for x in r.conn.execute(
                    select(audit_t).where(audit_t.c.funds_id == row["id"]).order_by(audit_t.c.id)
                ).mappings()
            ]
    out: dict[str, Any] = {
        "party_organization_id": po.id,
        "party_organization": po.name,
        "year": year,
        "version": row["version"] if row else 0,
        "note": row["note"] if row else None,
        "recorded_at": row["recorded_at"] if row else None,
        "recorded_by": row["recorded_by_name"] if row else None,
        "audit": trail,
    }
    for k in AMOUNTS:
        out[k] = to_yuan(row[f"{k}_fen"]) if row else None
    return out


def _changes(details: Mapping[str, Any] | None) -> list[tuple[str, Any, Any]]:
    """An audit row's changes for people: (field, before, after), amounts in yuan."""
    out = []
    for key, (before, after) in (details or {}).items():
        if key.endswith("_fen"):
            out.append((key.removesuffix("_fen"), to_yuan(before), to_yuan(after)))
        else:
            out.append((key, before, after))
    return out
