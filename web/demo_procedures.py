"""Demo data for P2–P4: Party organizations, members and cases in every state, some overdue.

    load(rt: web.runtime.Runtime, units: dict[str, int], orgs: list[int], today: date) -> str

Called by `web.demo.load_demo` after the P1 demo: `units` maps unit codes to ids, `orgs` lists
the organizations P1 created (not modified here), `today` is the demo's "today". It creates
its own social organizations (valid credit codes) in the districts among `units` — falling
back to any registration authority in the database — with Party organizations and members,
then drives adjustment (P2), decoupling (P3) and secretary (P4) cases through the service
layer with a clock set in the past, so that some deadlines are overdue today. Returns a
one-line summary.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import select
from stdnum.cn import uscc

from engine.access import actor as access
from engine.access.actor import Actor
from engine.cases import service as case_service
from engine.clock import FixedClock
from engine.directory import service as directory
from engine.store.tables import Deadline, Unit, User
from engine.store.unit_of_work import UnitOfWork
from web.runtime import Runtime

DISTRICTS = ("cc-ng", "cc-cy", "cc-kc", "cc-ly")
DIVISION = {"cc-ng": "220102", "cc-kc": "220103", "cc-cy": "220104", "cc-ly": "220106"}
TALENT_CENTRE = "长春市人才服务中心党委"
COMPREHENSIVE = "长春市社会组织综合党委"
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
GIVEN = (
    "伟",
    "芳",
    "娜",
    "敏",
    "静",
    "丽",
    "强",
    "磊",
    "军",
    "洋",
    "勇",
    "艳",
    "杰",
    "娟",
    "涛",
    "明",
)
ASSESSED = {
    "conviction": True,
    "dedication": True,
    "capability": True,
    "conduct": True,
    "political_strength": True,
    "mass_work": True,
}


def _name(i: int) -> str:
    return (
        SURNAMES[i % len(SURNAMES)] + GIVEN[(i * 7) % len(GIVEN)] + ("" if i < 40 else GIVEN[i % 5])
    )


class _Demo:
    """Creates the records and ages the cases: each step runs with a clock on its own day."""

    def __init__(self, rt: Runtime, units: Mapping[str, int], today: date) -> None:
        self.rt = rt
        self.today = today
        self.serial = 0
        self.person = 0
        self.counts = {
            "party_orgs": 0,
            "members": 0,
            "adjustment": 0,
            "decoupling": 0,
            "secretary": 0,
        }
        with rt.reader() as r:
            rows = r.conn.execute(
                select(
                    Unit.__table__.c.code,
                    Unit.__table__.c.path,
                    Unit.__table__.c.district,
                    Unit.__table__.c.kind,
                )
            ).all()
            self.users = r.conn.execute(
                select(User.__table__.c.username, User.__table__.c.role, Unit.__table__.c.path)
                .join(Unit.__table__, Unit.__table__.c.id == User.__table__.c.unit_id)
                .where(User.__table__.c.active.is_(True))
            ).all()
        self.unit_path = {r.code: r.path for r in rows}
        self.unit_district = {r.code: r.district or "长春市" for r in rows}
        self.districts = [c for c in DISTRICTS if c in units and c in self.unit_path] or [
            r.code for r in rows if r.kind == "registration_authority"
        ]
        self._actors: dict[str, Actor] = {}

    # ------------------------------------------------------------ who acts

    def actor(self, unit: str, role: str) -> Actor:
        """The nearest user with the role at the unit or above it; the admin otherwise."""
        path = self.unit_path[unit]
        candidates = sorted(
            (u for u in self.users if u.role == role and path.startswith(u.path)),
            key=lambda u: -len(u.path),
        )
        username = (
            candidates[0].username
            if candidates
            else next((u.username for u in self.users if u.role == "admin"), None)
        )
        if username is None:
            raise RuntimeError("the P2–P4 demo needs at least an admin user")
        if username not in self._actors:
            self._actors[username] = access.actor_for(self.rt.uow(), username)
        return self._actors[username]

    def uow(self, day: date) -> UnitOfWork:
        clock = FixedClock(datetime.combine(min(day, self.today), time(2, 0), tzinfo=UTC))
        return UnitOfWork(self.rt.engine, clock, self.rt.calendar)

    # ------------------------------------------------------------ records

    def organization(self, unit: str, suffix: str, org_type: str, category: str) -> int:
        self.serial += 1
        kind = {"social_group": "1", "social_service": "2", "foundation": "3"}[org_type]
        body = f"5{kind}{DIVISION.get(unit, '220100')}MK{self.serial:07d}"
        district = self.unit_district[unit]
        return directory.create_organization(
            self.rt.uow(),
            {
                "name": f"{district}{suffix}",
                "org_type": org_type,
                "category": category,
                "unit": unit,
                "credit_code": body + uscc.calc_check_digit(body),
                "industry_regulator": f"{district}商务局",
                "local_party_org": f"{district}南湖街道党工委",
                "district": district,
            },
        )

    def party_org(
        self, org: int, name: str, upper: str, established: date, kind: str = "branch"
    ) -> int:
        self.counts["party_orgs"] += 1
        return directory.create_party_organization(
            self.rt.uow(),
            {
                "organization_id": org,
                "name": name,
                "kind": kind,
                "upper_party_org": upper,
                "established_on": established.isoformat(),
            },
        )

    def members(self, org: int, po: int, roles: list[str], probationary: int = 0) -> list[int]:
        out = []
        for n, role in enumerate([*roles, *["staff"] * probationary]):
            self.person += 1
            self.counts["members"] += 1
            out.append(
                directory.create_member(
                    self.rt.uow(),
                    {
                        "organization_id": org,
                        "name": _name(self.person),
                        "status": "probationary" if n >= len(roles) else "full",
                        "role": role,
                        "party_organization_id": po,
                    },
                )
            )
        return out

    # ------------------------------------------------------------ cases

    def open(self, procedure: str, org: int, unit: str, payload: dict, day: date) -> list[Any]:
        cid = case_service.open_case(
            self.uow(day),
            self.rt.definitions,
            procedure,
            org,
            payload,
            actor=self.actor(unit, "caseworker"),
        )
        self.counts[procedure] += 1
        return [cid, 1, unit]

    def step(
        self,
        case: list[Any],
        trigger: str,
        payload: dict | None,
        day: date,
        role: str = "caseworker",
    ) -> None:
        cid, version, unit = case
        out = case_service.fire(
            self.uow(day),
            self.rt.definitions,
            cid,
            trigger,
            payload or {},
            actor=self.actor(unit, role),
            expected_version=version,
        )
        case[1] = out["version"]

    def ago(self, days: int) -> date:
        return self.today - timedelta(days=days)


# ---------------------------------------------------------------- P2


P2_PLAN = {
    # target: (change kind, days since the change)
    "reported": ("change", 6),
    "contacting": ("merger", 50),  # contact deadline overdue
    "transferring": ("split", 30),
    "transferring_overdue": ("deregistration", 75),
    "deciding": ("merger", 40),
    "changed": ("change", 90),
    "revoked": ("deregistration", 120),
    "withdrawn": ("split", 60),
}
P2_SUFFIX = {
    "reported": ("汽车维修行业协会", "social_group", "industry_association"),
    "contacting": ("家政服务业协会", "social_group", "industry_association"),
    "transferring": ("电子商务协会", "social_group", "industry_association"),
    "transferring_overdue": ("老年大学校友会", "social_group", "other"),
    "deciding": ("会计学会", "social_group", "science_technology"),
    "changed": ("环保科技促进会", "social_group", "science_technology"),
    "revoked": ("青年志愿者服务中心", "social_service", "charity"),
    "withdrawn": ("文化创意产业协会", "social_group", "industry_association"),
}


def _adjustment(demo: _Demo, target: str, unit: str) -> None:
    kind, days = P2_PLAN[target]
    suffix, org_type, category = P2_SUFFIX[target]
    org = demo.organization(unit, suffix, org_type, category)
    upper = f"{demo.unit_district[unit]}南湖街道党工委"
    po = demo.party_org(
        org, f"{demo.unit_district[unit]}{suffix}党支部", upper, demo.ago(days + 900)
    )
    members = demo.members(org, po, ["head", "management", "staff", "staff"])
    change = demo.ago(days)
    case = demo.open(
        "adjustment",
        org,
        unit,
        {
            "party_organization_id": po,
            "change_kind": kind,
            "change_on": change.isoformat(),
            "reported_on": (change + timedelta(days=3)).isoformat(),
            "reported_to": upper,
            "summary": {
                "change": "社会组织名称及住所变更，党支部向上级党组织报告",
                "merger": "经会员大会决议与同业协会合并",
                "split": "拟分立为两个社会组织",
                "deregistration": "经会员大会决议注销",
            }[kind],
        },
        change + timedelta(days=3),
    )
    if target == "reported":
        return
    demo.step(case, "accept_report", None, change + timedelta(days=5))
    if target == "contacting":
        return
    receiving = {
        "assigned_person": _name(900 + demo.serial),
        "assigned_on": (change + timedelta(days=12)).isoformat(),
        "receiving_party_orgs": [
            {"name": TALENT_CENTRE, "contacted_on": (change + timedelta(days=10)).isoformat()}
        ],
    }
    demo.step(case, "assign_receiving", receiving, change + timedelta(days=12))
    if target == "withdrawn":
        demo.step(
            case,
            "withdraw",
            {"reason": "分立方案经会员大会否决，变更事项撤回"},
            change + timedelta(days=20),
            "supervisor",
        )
        return
    moved = change + timedelta(days=18)
    if kind in ("change", "merger"):
        destinations = [{"member_id": m, "kind": "remain"} for m in members]
    else:
        destinations = [
            {
                "member_id": m,
                "kind": "transfer",
                "to_party_org": TALENT_CENTRE,
                "transferred_on": moved.isoformat(),
            }
            for m in members[:-1]
        ] + [
            {
                "member_id": members[-1],
                "kind": "keep_elsewhere",
                "relation_kept_at": "吉林大学党委",
                "life_at": TALENT_CENTRE,
            }
        ]
    if target.startswith("transferring"):
        demo.step(case, "record_destinations", {"destinations": destinations[:1]}, moved)
        return
    demo.step(case, "record_destinations", {"destinations": destinations}, moved)
    demo.step(
        case,
        "complete_transfers",
        {"completed_on": (moved + timedelta(days=2)).isoformat()},
        moved + timedelta(days=2),
    )
    if target == "deciding":
        return
    decided = moved + timedelta(days=15)
    if target == "changed":
        demo.step(
            case,
            "decide_change",
            {
                "decided_on": decided.isoformat(),
                "decision_no": f"党发〔{decided.year}〕{demo.serial}号",
                "new_name": f"{demo.unit_district[unit]}环保科技促进会联合党支部",
            },
            decided,
            "supervisor",
        )
        return
    demo.step(
        case,
        "decide_revocation",
        {
            "decided_on": decided.isoformat(),
            "decision_no": f"党发〔{decided.year}〕{demo.serial}号",
            "reason": "社会组织注销，党支部按规定撤销",
        },
        decided,
        "supervisor",
    )
    directory.deregister_organization(
        demo.uow(decided), demo.rt.definitions, org, actor=demo.actor(unit, "caseworker")
    )


# ---------------------------------------------------------------- P3

P3_PLAN = {
    # target: days since the decoupling was approved
    "handing_over": 12,
    "transferring": 25,
    "leadership_overdue": 70,
    "monitoring_overdue": 130,
    "monitoring": 60,
    "normal": 150,
    "withdrawn": 40,
}
P3_SUFFIX = {
    "handing_over": "建筑业协会",
    "transferring": "物流与采购协会",
    "leadership_overdue": "食品工业协会",
    "monitoring_overdue": "旅游饭店协会",
    "monitoring": "软件行业协会",
    "normal": "医疗器械行业协会",
    "withdrawn": "印刷行业协会",
}
ARCHIVES = ["党组织成立批复", "历届党组织选举材料", "党员花名册", "党费收缴台账", "“三会一课”记录"]


def _decoupling(demo: _Demo, target: str, unit: str) -> None:
    days = P3_PLAN[target]
    district = demo.unit_district[unit]
    suffix = P3_SUFFIX[target]
    org = demo.organization(unit, suffix, "social_group", "industry_association")
    original = f"{district}工业和信息化局机关党委"
    po = demo.party_org(org, f"{district}{suffix}党支部", original, demo.ago(days + 1500))
    members = demo.members(org, po, ["head", "backbone", "staff"], probationary=1)
    approved = demo.ago(days)
    case = demo.open(
        "decoupling",
        org,
        unit,
        {
            "party_organization_id": po,
            "original_supervisory_party_org": original,
            "receiving_party_org": COMPREHENSIVE,
            "decoupling_approved_on": approved.isoformat(),
            "archive_items": ARCHIVES,
        },
        approved,
    )
    received = approved + timedelta(days=6)

    def receipt(item: str) -> dict:
        return {
            "item": item,
            "handed_over_by": f"{original} {_name(700 + demo.serial)}",
            "received_by": f"综合党委 {_name(800 + demo.serial)}",
            "received_on": received.isoformat(),
        }

    if target == "handing_over":
        demo.step(case, "receive_archives", {"items": [receipt(i) for i in ARCHIVES[:2]]}, received)
        return
    demo.step(case, "receive_archives", {"items": [receipt(i) for i in ARCHIVES]}, received)
    if target == "withdrawn":
        demo.step(
            case,
            "withdraw",
            {"reason": "脱钩改革方案调整，暂缓脱钩"},
            received + timedelta(days=3),
            "supervisor",
        )
        return
    handover = received + timedelta(days=2)
    demo.step(case, "complete_handover", {"handover_on": handover.isoformat()}, handover)
    if target == "transferring":
        return
    moved = handover + timedelta(days=10)
    demo.step(
        case,
        "transfer_party_org",
        {"transferred_on": moved.isoformat(), "member_ids": members},
        moved,
    )
    if target == "leadership_overdue":
        return
    stated = moved + timedelta(days=5)
    demo.step(
        case,
        "state_leadership",
        {
            "body_kind": "comprehensive_committee",
            "body_name": COMPREHENSIVE,
            "stated_on": stated.isoformat(),
        },
        stated,
    )
    if target == "monitoring_overdue":
        return
    held = stated + timedelta(days=12)
    demo.step(
        case,
        "record_meeting",
        {
            "held_on": held.isoformat(),
            "kind": "party_members_meeting",
            "topic": "学习脱钩后党建工作管理体制调整要求",
            "attendees": 3,
        },
        held,
    )
    if target == "monitoring":
        return
    demo.step(
        case,
        "confirm_normal",
        {
            "confirmed_on": (held + timedelta(days=20)).isoformat(),
            "confirmed_by": "长春市社会组织综合党委组织委员",
        },
        held + timedelta(days=20),
        "supervisor",
    )


# ---------------------------------------------------------------- P4

P4_SUFFIX = {
    "vacancy": "心理咨询师协会",
    "nominated": "律师协会",
    "awaiting_approval": "注册税务师协会",
    "in_office_report_overdue": "摄影家协会",
    "in_office_large": "民营企业家商会",
    "in_office_renewal_soon": "围棋协会",
    "vacancy_after_change": "钢琴协会",
    "closed": "社区养老服务中心",
    "withdrawn": "书法家协会",
}


def _secretary(demo: _Demo, target: str, unit: str) -> None:
    district = demo.unit_district[unit]
    suffix = P4_SUFFIX[target]
    org_type = "social_service" if target == "closed" else "social_group"
    org = demo.organization(
        unit, suffix, org_type, "community_service" if target == "closed" else "other"
    )
    upper = f"{district}南湖街道党工委"
    start = {
        "in_office_report_overdue": demo.ago(420),
        "in_office_renewal_soon": demo.ago(3 * 365 - 50),
        "closed": demo.ago(200),
    }.get(target, demo.ago(30))
    po = demo.party_org(org, f"{district}{suffix}党支部", upper, start - timedelta(days=20))
    roles = ["head", "management", "backbone", "staff"]
    if target == "in_office_large":
        roles += ["staff"] * int(demo.rt.definitions.parameters["sec_full_time_deputy_min_members"])
    members = demo.members(org, po, roles)
    case = demo.open(
        "secretary", org, unit, {"party_organization_id": po, "vacancy": "new_organization"}, start
    )
    if target == "vacancy":
        return
    if target == "withdrawn":
        demo.step(
            case,
            "withdraw",
            {"reason": "该支部书记已在任，误开案件"},
            start + timedelta(days=2),
            "supervisor",
        )
        return
    assessed = {
        **ASSESSED,
        "assessed_by": f"{upper}组织委员",
        "assessed_on": (start + timedelta(days=3)).isoformat(),
    }
    demo.step(
        case,
        "nominate",
        {"source": "head", "member_id": members[0], "assessment": assessed},
        start + timedelta(days=3),
    )
    if target == "nominated":
        return
    voters = len(members)
    elected = start + timedelta(days=10)
    demo.step(
        case,
        "elect",
        {
            "elected_on": elected.isoformat(),
            "eligible_voters": voters,
            "votes_cast": voters,
            "votes_for": voters - 1,
        },
        elected,
    )
    if target == "awaiting_approval":
        return
    approved = elected + timedelta(days=7)
    demo.step(
        case,
        "approve",
        {
            "approved_by": upper,
            "approved_on": approved.isoformat(),
            "approval_no": f"党组〔{approved.year}〕{demo.serial}号",
            "stipend_yuan_per_month": 300,
            "stipend_paid_by": "party_funds",
        },
        approved,
        "supervisor",
    )
    if target == "in_office_renewal_soon":
        report = demo.ago(300)
        demo.step(
            case,
            "file_annual_report",
            {
                "reported_on": report.isoformat(),
                "reported_to": upper,
                "members_present": len(members),
                "evaluation": "excellent",
                "summary": "年度抓党建工作述职",
            },
            report,
        )
        return
    if target == "vacancy_after_change":
        changed = approved + timedelta(days=5)
        demo.step(
            case,
            "report_secretary_change",
            {
                "change": "left_organization",
                "changed_on": changed.isoformat(),
                "reported_on": changed.isoformat(),
                "reported_to": upper,
            },
            changed,
        )
        return
    if target == "closed":
        report = approved + timedelta(days=100)
        demo.step(
            case,
            "file_annual_report",
            {
                "reported_on": report.isoformat(),
                "reported_to": upper,
                "members_present": len(members),
                "evaluation": "good",
                "summary": "年度抓党建工作述职",
            },
            report,
        )
        p2 = demo.open(
            "adjustment",
            org,
            unit,
            {
                "party_organization_id": po,
                "change_kind": "deregistration",
                "change_on": (report + timedelta(days=5)).isoformat(),
                "reported_on": (report + timedelta(days=7)).isoformat(),
                "reported_to": upper,
                "summary": "养老服务中心停办注销",
            },
            report + timedelta(days=7),
        )
        day = report + timedelta(days=9)
        demo.step(p2, "accept_report", None, day)
        demo.step(
            p2,
            "assign_receiving",
            {
                "assigned_person": _name(950),
                "assigned_on": day.isoformat(),
                "receiving_party_orgs": [{"name": upper, "contacted_on": day.isoformat()}],
            },
            day,
        )
        demo.step(
            p2,
            "record_destinations",
            {
                "destinations": [
                    {
                        "member_id": m,
                        "kind": "transfer",
                        "to_party_org": upper,
                        "transferred_on": day.isoformat(),
                    }
                    for m in members
                ]
            },
            day,
        )
        demo.step(p2, "complete_transfers", {"completed_on": day.isoformat()}, day)
        decided = day + timedelta(days=6)
        demo.step(
            p2,
            "decide_revocation",
            {
                "decided_on": decided.isoformat(),
                "decision_no": f"党发〔{decided.year}〕{demo.serial}号",
                "reason": "社会组织注销",
            },
            decided,
            "supervisor",
        )
        demo.step(
            case,
            "close_post",
            {"closed_on": decided.isoformat(), "reason": "党支部随社会组织注销撤销"},
            decided,
            "supervisor",
        )


def load(rt: Runtime, units: dict[str, int], orgs: list[int], today: date) -> str:
    """Create P2–P4 demo data in every state, some overdue; see the module docstring."""
    del orgs  # P1's organizations stay as P1 left them; P2–P4 get their own
    demo = _Demo(rt, units, today)
    if not demo.districts:
        return "P2–P4 demo skipped: no registration authority unit"
    plans = [
        *((_adjustment, t) for t in P2_PLAN),
        *((_decoupling, t) for t in P3_PLAN),
        *((_secretary, t) for t in P4_SUFFIX),
    ]
    for n, (make, target) in enumerate(plans):
        make(demo, target, demo.districts[n % len(demo.districts)])
    with rt.reader() as r:
        overdue = len(
            r.conn.execute(
                select(Deadline.__table__.c.id).where(
                    Deadline.__table__.c.status == "open",
                    Deadline.__table__.c.due_at < datetime.combine(today, time.min, tzinfo=UTC),
                )
            ).all()
        )
    c = demo.counts
    return (
        f"P2–P4: {c['party_orgs']} Party organizations, {c['members']} members; "
        f"{c['adjustment']} adjustment, {c['decoupling']} decoupling, {c['secretary']} secretary "
        f"cases; {overdue} open deadlines overdue today (all procedures)"
    )
