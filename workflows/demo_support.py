"""What the shipped procedures' demos share: plausible people, and social organizations with a
Party organization and its members, recorded through a `DemoContext` (the services, no SQL).

A separately installed procedure needs none of this: its demo talks to the context directly
(tests/toy/toyproc/demo.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

from engine.registry import DemoCase, DemoContext, DemoDocument
from workflows import sample_documents

SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明"


def person(i: int) -> str:
    """A plausible Chinese name, the same for the same number."""
    return (
        SURNAMES[i % len(SURNAMES)] + GIVEN[(i * 7) % len(GIVEN)] + ("" if i < 40 else GIVEN[i % 5])
    )


class DemoRecords:
    """The records a demo needs around its cases, each step run with a clock on its own day."""

    def __init__(self, ctx: DemoContext) -> None:
        self.ctx = ctx
        self.serial = 0
        self.people = 0
        self.district = dict(ctx.districts)

    def ago(self, days: int) -> date:
        return self.ctx.today - timedelta(days=days)

    def organization(self, unit: str, suffix: str, org_type: str, category: str) -> int:
        """A registered social organization of the district `unit` serves."""
        self.serial += 1
        district = self.district[unit]
        return self.ctx.organization(
            {
                "name": f"{district}{suffix}",
                "org_type": org_type,
                "category": category,
                "unit": unit,
                "credit_code": self.ctx.credit_code(unit, org_type),
                "industry_regulator": f"{district}商务局",
                "local_party_org": f"{district}南湖街道党工委",
                "district": district,
            }
        )

    def party_org(
        self, org: int, name: str, upper: str, established: date, kind: str = "branch"
    ) -> int:
        return self.ctx.party_organization(
            {
                "organization_id": org,
                "name": name,
                "kind": kind,
                "upper_party_org": upper,
                "established_on": established.isoformat(),
            }
        )

    def members(self, org: int, po: int, roles: list[str], probationary: int = 0) -> list[int]:
        """Full members with the given roles, then `probationary` probationary staff members."""
        out = []
        for n, role in enumerate([*roles, *["staff"] * probationary]):
            self.people += 1
            out.append(
                self.ctx.member(
                    {
                        "organization_id": org,
                        "name": person(self.people),
                        "status": "probationary" if n >= len(roles) else "full",
                        "role": role,
                        "party_organization_id": po,
                    }
                )
            )
        return out

    def open(self, procedure: str, org: int, payload: dict, day: date) -> DemoCase:
        return self.ctx.open(procedure, org, payload, on=day)

    def step(
        self,
        case: DemoCase,
        trigger: str,
        payload: dict | None,
        day: date,
        role: str = "caseworker",
        documents: Sequence[DemoDocument] = (),
    ) -> None:
        self.ctx.fire(case, trigger, payload, on=day, role=role, documents=documents)


def sample(package: str, material: str, stem: str, filename: str) -> DemoDocument:
    """A shipped sample PDF of `package`'s demo files (`demo_files/<stem>.pdf`, made by its
    `samples.py`) as the document `material`, uploaded under `filename`."""
    return DemoDocument(material, filename, sample_documents.read(package, stem))
