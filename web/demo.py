"""`tongbu demo`: a realistic, self-consistent data set for trying the product.

First the shared base data: the Jilin organization department, Changchun's comprehensive Party
committee and civil affairs bureau, four district registration authorities, and their users.
Then every loaded procedure's own demo (`Registry.demo`, e.g. workflows/registration/demo.py):
cases in every state, driven through the services (`ServiceDemoContext`) with a clock set in
the past, so that some deadlines are overdue today. Loading twice does nothing the second
time. Passwords are for a demo on 127.0.0.1 only.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, time
from typing import Any

from stdnum.cn import uscc
from werkzeug.security import generate_password_hash

from engine.access import actor as access
from engine.access.actor import SYSTEM, Actor
from engine.cases import bulk_open, campaigns, coverage_watch
from engine.cases import documents as case_documents
from engine.cases import read as case_read
from engine.cases import service as case_service
from engine.cases.documents import Upload
from engine.clock import FixedClock
from engine.definitions import sync as definition_sync
from engine.directory import instructors
from engine.directory import service as directory
from engine.errors import NotFound
from engine.oversight import abnormal
from engine.oversight import campaigns as campaign_board
from engine.registry import DemoCase, DemoDocument
from engine.store.unit_of_work import UnitOfWork
from web import demo_funds
from web.runtime import Runtime

DEMO_PASSWORD = "demo12345"

UNITS = [
    # code, zh, en, kind, parent, district
    (
        "jl-org",
        "吉林省委组织部",
        "Jilin Provincial Organization Department",
        "organization_department",
        None,
        None,
    ),
    (
        "cc-zh",
        "长春市社会组织综合党委",
        "Changchun Comprehensive Party Committee for Social Organizations",
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
        "Nanguan District Civil Affairs Bureau",
        "registration_authority",
        "cc-mz",
        "南关区",
    ),
    (
        "cc-cy",
        "朝阳区民政局",
        "Chaoyang District Civil Affairs Bureau",
        "registration_authority",
        "cc-mz",
        "朝阳区",
    ),
    (
        "cc-kc",
        "宽城区民政局",
        "Kuancheng District Civil Affairs Bureau",
        "registration_authority",
        "cc-mz",
        "宽城区",
    ),
    (
        "cc-ly",
        "绿园区民政局",
        "Lvyuan District Civil Affairs Bureau",
        "registration_authority",
        "cc-mz",
        "绿园区",
    ),
    # REG-6's responsible bodies: a case is handed to its organization's one (registration v2),
    # so REG-8's deadline, its escalation and its lateness (ACC-1) are theirs.
    (
        "cc-wjw",
        "长春市卫生健康委员会党组",
        "Changchun Health Commission Party Group",
        "supervisory_unit",
        "cc-zh",
        None,
    ),
    (
        "cc-wlj",
        "长春市文化广电和旅游局党组",
        "Changchun Culture, Radio, Television and Tourism Bureau Party Group",
        "supervisory_unit",
        "cc-zh",
        None,
    ),
    (
        "cc-jrw",
        "长春市金融行业党委",
        "Changchun Financial Sector Party Committee",
        "industry_committee",
        "cc-zh",
        None,
    ),
    (
        "ng-zq",
        "南关区自强街道党工委",
        "Nanguan Ziqiang Sub-district Party Working Committee",
        "street_township",
        "cc-zh",
        "南关区",
    ),
]
#: Administrative division codes (GB/T 2260) of the districts, for valid credit codes.
DIVISION = {"cc-ng": "220102", "cc-kc": "220103", "cc-cy": "220104", "cc-ly": "220106"}

USERS = [
    # username, name, role, unit
    ("wang", "王芳", "caseworker", "cc-ng"),
    ("li", "李强", "supervisor", "cc-ng"),
    ("zhao", "赵敏", "caseworker", "cc-cy"),
    ("sun", "孙丽", "supervisor", "cc-cy"),
    ("zhou", "周杰", "caseworker", "cc-kc"),
    ("wu", "吴静", "caseworker", "cc-ly"),
    ("chen", "陈刚", "supervisor", "cc-zh"),
    ("zhu", "朱红", "caseworker", "cc-zh"),
    ("gao", "高洁", "caseworker", "cc-wjw"),
    ("lin", "林峰", "supervisor", "cc-wjw"),
    ("he", "何敏", "caseworker", "cc-wlj"),
    ("guo", "郭强", "supervisor", "cc-wlj"),
    ("ma", "马超", "caseworker", "cc-jrw"),
    ("luo", "罗静", "supervisor", "cc-jrw"),
    ("xu", "徐丽", "caseworker", "ng-zq"),
    ("hu", "胡军", "supervisor", "ng-zq"),
    ("admin", "系统管理员", "admin", "jl-org"),
]


class ServiceDemoContext:
    """The `engine.registry.DemoContext` a procedure's demo is handed: the base data's districts
    and users, and the services, each call with a clock fixed on its day (never after today).

    A step may hand its case to another unit (REG-6, `hand_over` in a definition): the next step
    is then taken by that unit's people, as in the product."""

    def __init__(self, rt: Runtime, today: date, usernames: list[str]) -> None:
        self.rt = rt
        self.today = today
        self.parameters: Mapping[str, Any] = rt.definitions.parameters
        with rt.reader() as r:
            units = {code: directory.unit_by_code(r, code) for code, *_ in UNITS}
        self._paths = {code: u.path for code, u in units.items()}
        self._ids = {code: u.id for code, u in units.items()}
        self._codes = {u.id: code for code, u in units.items()}
        self.districts = [
            (code, district)
            for code, _zh, _en, kind, _parent, district in UNITS
            if district and kind == "registration_authority"
        ]
        self._hands_over = {t.trigger for d in rt.definitions for t in d.transitions if t.hand_over}
        self._actors = [access.actor_for(rt.uow(), name) for name in usernames]
        self._org_unit: dict[int, str] = {}
        self._serial = 1000
        self.counts: Counter[str] = Counter()

    def _uow(self, day: date) -> UnitOfWork:
        clock = FixedClock(datetime.combine(min(day, self.today), time(2, 0), tzinfo=UTC))
        return UnitOfWork(self.rt.engine, clock, self.rt.calendar)  # 10:00 in Shanghai

    def actor(self, unit: str, role: str) -> Actor:
        """The nearest user with `role` at the unit or above it; the administrator otherwise."""
        path = self._paths[unit]
        nearest = sorted(
            (a for a in self._actors if a.role == role and path.startswith(a.unit_path)),
            key=lambda a: -len(a.unit_path),
        )
        if nearest:
            return nearest[0]
        return next(a for a in self._actors if a.is_admin)

    def unit_id(self, code: str) -> int:
        """The id of a base-data unit (a REG-6 responsible body a step names by number)."""
        return self._ids[code]

    def credit_code(self, unit: str, org_type: str) -> str:
        """A valid GB 32100-2015 code: 5 (civil affairs) + kind + division + organization code."""
        self._serial += 1
        kind = {"social_group": "1", "social_service": "2", "foundation": "3"}[org_type]
        body = f"5{kind}{DIVISION.get(unit, '220100')}MJ{self._serial:07d}"
        return body + uscc.calc_check_digit(body)

    def organization(self, payload: Mapping[str, Any]) -> int:
        oid = directory.create_organization(self.rt.uow(), payload)
        self._org_unit[oid] = payload["unit"]
        self.counts["organizations"] += 1
        return oid

    def party_organization(self, payload: Mapping[str, Any]) -> int:
        self.counts["Party organizations"] += 1
        return directory.create_party_organization(self.rt.uow(), payload)

    def member(self, payload: Mapping[str, Any]) -> int:
        self.counts["members"] += 1
        return directory.create_member(self.rt.uow(), payload)

    def open(
        self, procedure: str, organization_id: int, payload: Mapping[str, Any], *, on: date
    ) -> DemoCase:
        unit = self._org_unit[organization_id]
        cid = case_service.open_case(
            self._uow(on),
            self.rt.definitions,
            procedure,
            organization_id,
            payload,
            actor=self.actor(unit, "caseworker"),
        )
        self.counts[f"case:{procedure}"] += 1
        return DemoCase(cid, 1, unit)

    def open_series(
        self,
        procedure: str,
        unit: str,
        series: str,
        organization_ids: Sequence[int],
        payload: Mapping[str, Any],
        *,
        on: date,
    ) -> dict[int, DemoCase]:
        bulk_open.open_for_unit(
            self._uow(on),
            self.rt.definitions,
            procedure,
            unit_code=unit,
            series=series,
            payload=payload,
            actor=self.actor(unit, "caseworker"),
            organization_ids=organization_ids,
        )
        with self.rt.reader() as r:
            opened = bulk_open.cases_of_series(r.conn, procedure, series, organization_ids)
        self.counts[f"case:{procedure}"] += len(opened)
        return {org: DemoCase(cid, 1, unit) for org, cid in opened.items()}

    def fire(
        self,
        case: DemoCase,
        trigger: str,
        payload: Mapping[str, Any] | None = None,
        *,
        on: date,
        role: str = "caseworker",
        documents: Sequence[DemoDocument] = (),
    ) -> None:
        out = case_service.fire(
            self._uow(on),
            self.rt.definitions,
            case.id,
            trigger,
            payload or {},
            actor=self.actor(case.unit, role),
            expected_version=case.version,
            uploads=[Upload(d.filename, d.data, d.material) for d in documents],
        )
        self.counts["documents"] += len(documents)
        case.version = out["version"]
        if trigger in self._hands_over:  # the case may have gone to another unit: follow it
            moved = case_read.get_case(self.rt.uow(), self.rt.definitions, case.id, actor=SYSTEM)
            case.unit = self._codes.get(moved["unit_id"], case.unit)

    def attach(
        self,
        case: DemoCase,
        documents: Sequence[DemoDocument],
        *,
        on: date,
        role: str = "caseworker",
    ) -> None:
        case_documents.attach(
            self._uow(on),
            self.rt.definitions,
            case.id,
            [Upload(d.filename, d.data, d.material) for d in documents],
            actor=self.actor(case.unit, role),
        )
        self.counts["documents"] += len(documents)

    def deregister(self, organization_id: int, *, on: date) -> None:
        unit = self._org_unit[organization_id]
        directory.deregister_organization(
            self._uow(on),
            self.rt.definitions,
            organization_id,
            actor=self.actor(unit, "caseworker"),
        )

    def campaign(
        self, kind: str, unit: str, starts_on: date, title: str, *, on: date
    ) -> dict[int, DemoCase]:
        defs = self.rt.definitions
        of_kind = campaigns.campaign_kinds(defs)[kind]
        result = campaigns.open_campaign(
            self._uow(on),
            defs,
            of_kind,
            unit_id=self._ids[unit],
            starts_on=starts_on,
            title=title,
            actor=self.actor(unit, "supervisor"),
        )
        with self.rt.reader() as r:
            rows = campaign_board.organizations(r, result.campaign_id)
        self.counts["campaigns"] += 1
        self.counts[f"case:{of_kind.procedure}"] += result.opened
        return {
            row["organization_id"]: DemoCase(
                row["case_id"], row["case_version"], self._codes[row["unit_id"]]
            )
            for row in rows
        }

    def instructor(self, unit: str, payload: Mapping[str, Any], *, on: date) -> int:
        self.counts["instructors"] += 1
        return instructors.register_instructor(
            self._uow(on),
            {**payload, "unit_id": self._ids[unit]},
            actor=self.actor(unit, "caseworker"),
            report_period=str(self.parameters.get("instructor_report_period", "P3M")),
        )

    def instructor_report(
        self, instructor_id: int, unit: str, period_starts_on: date, summary: str, *, on: date
    ) -> None:
        instructors.file_report(
            self._uow(on),
            instructor_id,
            {"period_starts_on": period_starts_on.isoformat(), "summary": summary},
            actor=self.actor(unit, "caseworker"),
        )

    def daily(self, *, on: date) -> None:
        day = min(on, self.today)
        coverage_watch.watch(
            self.rt.engine,
            self.rt.calendar,
            self.rt.definitions,
            datetime.combine(day, time(2, 0), tzinfo=UTC),
        )


def run_demos(ctx: ServiceDemoContext) -> list[str]:
    """Every loaded procedure's demo, in the procedures' name order; returns their names."""
    ran = []
    for d in ctx.rt.definitions.latest():
        demo = d.registry.demos.get(d.procedure)
        if demo is not None:
            demo(ctx)
            ran.append(d.procedure)
    return ran


def _loaded(rt: Runtime) -> bool:
    with rt.reader() as r:
        try:
            directory.unit_by_code(r, UNITS[0][0])
        except NotFound:
            return False
    return True


def load_demo(rt: Runtime, today: date | None = None) -> str:
    """The base data, then every loaded procedure's demo; a summary and the demo accounts."""
    today = today or date.today()
    definition_sync.sync_definitions(rt.uow(), rt.definitions)
    if _loaded(rt):
        return "demo data already loaded\n" + accounts_text()
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
            rt.uow(),
            {
                "username": username,
                "display_name": name,
                "role": role,
                "unit": unit,
                "email": f"{username}@demo.tongbu.invalid",
                # One hash per user: each with its own salt (issue 18), the same password.
                "password_hash": generate_password_hash(DEMO_PASSWORD),
            },
        )
    ctx = ServiceDemoContext(rt, today, [u[0] for u in USERS])
    ran = run_demos(ctx)
    # SUP-1: what the scheduler's first tick would list (a late annual report, an unfinished
    # rectification), listed on the demo's today, so the abnormal list is not empty before it.
    abnormal.run_sweep(ctx._uow(today), datetime.combine(today, time(2, 0), tzinfo=UTC))
    # INF-1, FUND-1: the yearly dues and funding of the Party organizations the demos made.
    ctx.counts["yearly figures"] = demo_funds.load(rt, today)
    c = ctx.counts
    cases = ", ".join(f"{p} {c[f'case:{p}']}" for p in ran)
    return (
        f"demo data loaded: {len(UNITS)} units, {len(USERS)} users, "
        f"{c['organizations']} organizations, {c['Party organizations']} Party organizations, "
        f"{c['members']} members, {c['documents']} documents; cases opened: {cases or 'none'}\n"
        + accounts_text()
    )


def accounts_text() -> str:
    lines = [f"demo accounts (password for all: {DEMO_PASSWORD}):"]
    for username, name, role, unit in USERS:
        unit_name = next(u[1] for u in UNITS if u[0] == unit)
        lines.append(f"  {username:<6} {name:<6} {role:<10} {unit_name}")
    return "\n".join(lines)
