"""Helpers of the annual-cycle tests (INS-1, SUP-1, EVA-1): registered organizations, the
inspection's step inputs, the bulk opening."""

from __future__ import annotations

from typing import Any

from stdnum.cn import uscc

from engine.access.actor import SYSTEM
from engine.cases import bulk_open
from engine.directory import service as directory
from tests.world import World
from workflows.inspection.checklist import checklist

UPPER = "南关区自强街道党工委"


def credit_code(n: int) -> str:
    base = f"51220102MJB{n:06d}"
    return base + uscc.calc_check_digit(base)


def registered(world: World, key: str, n: int, *, unit: str = "cc-ng", party_org: bool) -> int:
    """A registered organization (it has its credit code), with a Party branch or none."""
    org = directory.create_organization(
        world.uow(),
        {
            "name": f"南关区第{n}社会组织",
            "org_type": "social_group",
            "category": "other",
            "unit": unit,
            "credit_code": credit_code(n),
            "district": "南关区",
        },
    )
    world.orgs[key] = org
    if party_org:
        pid = directory.create_party_organization(
            world.uow(),
            {
                "organization_id": org,
                "name": f"南关区第{n}社会组织党支部",
                "kind": "branch",
                "upper_party_org": UPPER,
                "established_on": "2024-05-10",
            },
        )
        world.orgs[key + ".po"] = pid
    return org


def open_year(world: World, year: int = 2025, *, unit: str = "cc-ng", by: str = "wang") -> Any:
    return bulk_open.open_for_unit(
        world.uow(),
        world.rt.definitions,
        "inspection",
        unit_code=unit,
        series=str(year),
        payload={"year": year},
        actor=world.actors[by] if by != "system" else SYSTEM,
    )


def case_of(world: World, key: str, year: int = 2025) -> int:
    from sqlalchemy import select

    from engine.store.tables_annual import CaseKey

    t = CaseKey.__table__
    with world.rt.reader() as r:
        return r.conn.execute(
            select(t.c.case_id).where(
                t.c.organization_id == world.orgs[key],
                t.c.series == str(year),
                t.c.procedure == "inspection",
            )
        ).scalar_one()


def self_check(on: str = "2026-02-20", **answers: str) -> dict[str, Any]:
    out: dict[str, Any] = dict.fromkeys(checklist().ids, "met")
    out.update(answers)
    return {**out, "checked_on": on}


STATISTICS = {
    "filed_on": "2026-02-25",
    "party_organizations": 1,
    "full_members": 4,
    "probationary_members": 1,
    "dues_collected_yuan": 1200,
}
REPORT = {
    "filed_on": "2026-03-01",
    "party_work_summary": "全年开展主题党日12次，三会一课按期落实。",
}


def through_to_review(world: World, cid: int, **answers: str) -> None:
    world.fire(cid, "record_self_check", self_check(**answers))
    world.fire(cid, "file_statistics", STATISTICS)
    world.fire(cid, "file_annual_report", REPORT)
