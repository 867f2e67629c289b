"""A small, realistic world for tests: a unit tree, users of two districts, organizations."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from engine.access import actor as access
from engine.access.actor import Actor
from engine.cases import documents
from engine.cases import read as case_read
from engine.cases import service as case_service
from engine.cases.documents import Upload
from engine.clock import FixedClock
from engine.config import Config
from engine.definitions import sync as definition_sync
from engine.directory import service as directory
from web.runtime import Runtime, build_runtime

UNITS = [
    # code, zh, en, kind, parent, district
    (
        "jl-org",
        "吉林省委组织部",
        "Jilin Organization Department",
        "organization_department",
        None,
        None,
    ),
    (
        "cc-zh",
        "长春市社会组织综合党委",
        "Changchun Comprehensive Committee",
        "comprehensive_committee",
        "jl-org",
        None,
    ),
    (
        "cc-mz",
        "长春市民政局",
        "Changchun Civil Affairs Bureau",
        "registration_authority",
        "cc-zh",
        None,
    ),
    (
        "cc-ng",
        "南关区民政局",
        "Nanguan District Civil Affairs",
        "registration_authority",
        "cc-mz",
        "南关区",
    ),
    (
        "cc-cy",
        "朝阳区民政局",
        "Chaoyang District Civil Affairs",
        "registration_authority",
        "cc-mz",
        "朝阳区",
    ),
]
USERS = [
    ("wang", "王芳", "caseworker", "cc-ng"),
    ("li", "李强", "supervisor", "cc-ng"),
    ("zhao", "赵敏", "caseworker", "cc-cy"),
    ("chen", "陈刚", "supervisor", "cc-zh"),
    ("admin", "管理员", "admin", "jl-org"),
]


@dataclass
class World:
    rt: Runtime
    clock: FixedClock
    actors: dict[str, Actor] = field(default_factory=dict)
    orgs: dict[str, int] = field(default_factory=dict)
    units: dict[str, int] = field(default_factory=dict)

    def uow(self):
        return self.rt.uow()

    def open(
        self,
        org: str,
        procedure: str = "registration",
        payload: dict | None = None,
        by: str = "wang",
    ) -> int:
        payload = (
            payload
            if payload is not None
            else {
                "applied_on": "2026-03-01",
                "founders": ["张伟", "刘洋"],
                "proposed_leaders": ["张伟"],
            }
        )
        return case_service.open_case(
            self.uow(),
            self.rt.definitions,
            procedure,
            self.orgs[org],
            payload,
            actor=self.actors[by],
        )

    def fire(
        self,
        case_id: int,
        trigger: str,
        payload: dict | None = None,
        by: str = "wang",
        version: int | None = None,
        uploads: Sequence[Upload] = (),
    ) -> dict[str, Any]:
        if version is None:
            version = self.case(case_id)["version"]
        return case_service.fire(
            self.uow(),
            self.rt.definitions,
            case_id,
            trigger,
            payload or {},
            actor=self.actors[by],
            expected_version=version,
            uploads=uploads,
        )

    def attach(self, case_id: int, *materials: str, by: str = "wang") -> list[int]:
        """Attach a sample PDF for each material to the case, on its own (a `document` event),
        as the caseworker does when the applicant hands the documents in."""
        return documents.attach(
            self.uow(),
            self.rt.definitions,
            case_id,
            [sample(m) for m in materials],
            actor=self.actors[by],
        )

    def case_documents(self, case_id: int) -> list[documents.DocumentInfo]:
        return documents.list_documents(
            self.uow(), self.rt.definitions, case_id, actor=self.actors["admin"]
        )

    def case(self, case_id: int, by: str = "admin") -> dict[str, Any]:
        return case_read.get_case(self.uow(), self.rt.definitions, case_id, actor=self.actors[by])

    def history(self, case_id: int) -> list[dict[str, Any]]:
        return case_read.history(self.uow(), case_id, actor=self.actors["admin"])

    def actions(self, case_id: int, by: str = "wang") -> dict[str, case_service.ActionInfo]:
        return {
            a.trigger: a
            for a in case_service.actions(
                self.uow(), self.rt.definitions, case_id, actor=self.actors[by]
            )
        }


#: REG-6's responsible bodies as units of the tree (registration v2 hands the case to one),
#: under the comprehensive committee as in the demo; each with a caseworker and a supervisor.
RESPONSIBLE_UNITS = [
    # code, zh, en, kind, parent, district
    (
        "cc-wjw",
        "长春市卫生健康委员会党组",
        "Changchun Health Commission Party Group",
        "supervisory_unit",
        "cc-zh",
        None,
    ),
    (
        "cc-hyd",
        "长春市行业协会商会党委",
        "Changchun Industry Associations Party Committee",
        "industry_committee",
        "cc-zh",
        None,
    ),
    (
        "ng-zq",
        "南关区自强街道党工委",
        "Ziqiang Sub-district Party Working Committee",
        "street_township",
        "cc-zh",
        "南关区",
    ),
    (
        "ng-nh",
        "南关区南湖园区党委",
        "Nanhu Park Party Committee (territorial)",
        "local_party_org",
        "cc-zh",
        "南关区",
    ),
]
RESPONSIBLE_USERS = [
    ("feng", "冯敏", "caseworker", "cc-wjw"),
    ("han", "韩涛", "supervisor", "cc-wjw"),
    ("qin", "秦洋", "caseworker", "cc-hyd"),
    ("xu", "许静", "supervisor", "cc-hyd"),
    ("song", "宋杰", "caseworker", "ng-zq"),
    ("tang", "唐丽", "supervisor", "ng-zq"),
    ("lu", "陆伟", "caseworker", "ng-nh"),
    ("zheng", "郑娟", "supervisor", "ng-nh"),
]


def add_responsible_units(w: World) -> dict[str, int]:
    """The REG-6 units and their users (registration v2 hands the case to one): unit code -> id.
    A separate step, so that worlds of tests about other things keep their five units."""
    ids = {}
    for code, zh, en, kind, parent, district in RESPONSIBLE_UNITS:
        ids[code] = directory.create_unit(
            w.rt.uow(),
            {
                "code": code,
                "name_zh": zh,
                "name_en": en,
                "kind": kind,
                "parent": parent,
                "district": district,
            },
        )
    for username, name, role, unit in RESPONSIBLE_USERS:
        directory.create_user(
            w.rt.uow(), {"username": username, "display_name": name, "role": role, "unit": unit}
        )
        w.actors[username] = access.actor_for(w.rt.uow(), username)
    w.units.update(ids)
    return ids


def make_world(
    db_url: str, clock: FixedClock, definitions_dir: Any = None, registry: Any = None
) -> World:
    cfg = Config(
        database_url=db_url, scheduler=False, testing=True, definitions_dir=definitions_dir
    )
    rt = build_runtime(cfg, clock=clock, registry=registry)
    definition_sync.sync_definitions(rt.uow(), rt.definitions)
    w = World(rt, clock)
    for code, zh, en, kind, parent, district in UNITS:
        directory.create_unit(
            rt.uow(),
            {
                "code": code,
                "name_zh": zh,
                "name_en": en,
                "kind": kind,
                "parent": parent,
                "district": district,
            },
        )
    for username, name, role, unit in USERS:
        directory.create_user(
            rt.uow(), {"username": username, "display_name": name, "role": role, "unit": unit}
        )
        w.actors[username] = access.actor_for(rt.uow(), username)
    orgs = {
        # key: (name, type, category, unit, supervisory_unit)
        "logistics": (
            "长春市南关区物流行业协会",
            "social_group",
            "industry_association",
            "cc-ng",
            None,
        ),
        "health": ("南关区健康养生促进会", "social_group", "health", "cc-ng", "南关区卫生健康局"),
        "community": (
            "南关区自强街道邻里互助服务中心",
            "social_service",
            "community_service",
            "cc-ng",
            None,
        ),
        "chaoyang": (
            "朝阳区青少年科技创新协会",
            "social_group",
            "science_technology",
            "cc-cy",
            None,
        ),
    }
    for key, (name, typ, cat, unit, sup) in orgs.items():
        w.orgs[key] = directory.create_organization(
            rt.uow(),
            {
                "name": name,
                "org_type": typ,
                "category": cat,
                "unit": unit,
                "supervisory_unit": sup,
                "industry_regulator": "南关区商务局",
                "local_party_org": "南关区自强街道党工委",
                "district": "南关区" if unit == "cc-ng" else "朝阳区",
            },
        )
    return w


CHARTER_OK = {
    k: True
    for k in (
        "party_status_in_general_provisions",
        "chapter_form",
        "chapter_duties",
        "chapter_funding",
        "chapter_major_matters",
        "overall_leadership",
        "core_values",
    )
}


def survey(
    full: int, full_time: int | None = None, probationary: int = 0, elsewhere: int = 0
) -> dict:
    return {
        "full_members": full,
        "full_time_full_members": full if full_time is None else full_time,
        "probationary_members": probationary,
        "members_elsewhere": elsewhere,
    }


#: The smallest file the content sniffing takes as a PDF.
SAMPLE_PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"

#: The documents the newest P1 (registration.v3.yaml) requires on its way to registration:
#: REG-1's commitment letter and member survey for `accept`, REG-3's charter for
#: `approve_charter`. Attach them (`World.attach`) before walking `registration_steps`.
P1_DOCUMENTS = ("commitment_letter", "member_survey", "charter")


def sample(material: str, data: bytes = SAMPLE_PDF) -> Upload:
    """A sample PDF upload for `material` (named after it)."""
    return Upload(f"{material}.pdf", data, material)


def registration_steps(
    full_members: int = 4,
    credit_code: str = "51220102MJY1234563",
    mode: str = "direct",
    supervisory_unit: str | None = None,
) -> list[tuple[str, dict, str]]:
    """The P1 happy path to `responsibility`, as (trigger, payload, user). On the newest
    version the case needs its documents first (`World.attach(case_id, *P1_DOCUMENTS)`); the
    payloads suit versions 2 and 3 alike (version 3 takes no checkbox for the documents)."""

    return [
        ("record_documents", {"member_survey": survey(full_members)}, "wang"),
        ("accept", {}, "wang"),
        ("approve_charter", CHARTER_OK, "wang"),
        (
            "register",
            {
                "registered_on": "2026-03-02",
                "credit_code": credit_code,
                "registration_mode": mode,
                "supervisory_unit": supervisory_unit,
                "necessity_checked": True,
                "representativeness_checked": True,
                "founders_vetted": True,
            },
            "li",
        ),
        (
            "forward_documents",
            {
                "recipients": [
                    {
                        "kind": "industry_regulator",
                        "name": "南关区商务局",
                        "delivered_on": "2026-03-02",
                    },
                    {
                        "kind": "local_party_org",
                        "name": "南关区自强街道党工委",
                        "delivered_on": "2026-03-02",
                    },
                ]
            },
            "wang",
        ),
    ]
