"""Coverage demo (COV-1, REG-10, INS-2): the existing stock of a district surveyed and covered,
a 60-day drive running in Nanguan, an ended one in Chaoyang, and instructors at every stage.

* Coverage cases in every state, each on its own organization: one still being surveyed past
  its formation deadline, one whose figures are in, one forming its Party organization, one
  covered by a Party organization (the approval uploaded with the step), several covered by an
  instructor, one closed uncovered (REG-9: the registration authority reminds it).
* The instructor register (INS-2): one just appointed, one whose reports are all in, one with
  a report overdue, one whose term ended (the scheduler's daily pass ended it and the
  organization it served is uncovered again, a new case surveying it), one whose term ends
  within the reminder window (the unit's caseworkers were told).
* Nanguan's "奋战60天" drive (REG-10) started 20 days ago: it joined the running cases of
  organizations with three full members among the full-time staff and opened one for the
  organization whose earlier case was closed; two of them have since formed their branch, so
  the board and its burndown move. Chaoyang's drive ended 40 days ago with one organization
  still uncovered: overdue on its board.
"""

from __future__ import annotations

from datetime import date, timedelta

from engine.calendar import LegalCalendar
from engine.registry import DemoCase, DemoContext
from workflows.demo_support import DemoRecords, sample

NANGUAN, CHAOYANG, KUANCHENG = "cc-ng", "cc-cy", "cc-kc"
UPPER = "长春市社会组织综合党委"


def _survey(on: date, full: int, full_time: int, probationary: int = 0) -> dict:
    return {
        "full_members": full,
        "full_time_full_members": full_time,
        "probationary_members": probationary,
        "members_elsewhere": 0,
        "surveyed_on": on.isoformat(),
    }


def _approval(name: str) -> list:
    return [
        sample(
            "workflows.registration",
            "party_org_approval",
            "party_org_approval",
            f"{name}-成立党组织的批复.pdf",
        )
    ]


def _dispatch(name: str) -> list:
    return [
        sample(
            "workflows.registration",
            "instructor_dispatch_letter",
            "instructor_dispatch_letter",
            f"{name}-选派党建工作指导员的通知.pdf",
        )
    ]


class _Stock:
    """The demo's records and steps, each on its own day."""

    def __init__(self, ctx: DemoContext) -> None:
        self.ctx = ctx
        self.rec = DemoRecords(ctx)

    def org(self, unit: str, suffix: str, category: str = "other") -> tuple[int, str]:
        oid = self.rec.organization(unit, suffix, "social_group", category)
        return oid, f"{self.rec.district[unit]}{suffix}"

    def surveyed(
        self, unit: str, suffix: str, opened: int, figures: tuple[int, int]
    ) -> tuple[int, str, DemoCase]:
        oid, name = self.org(unit, suffix)
        case = self.rec.open("coverage", oid, {}, self.rec.ago(opened))
        day = self.rec.ago(opened - 5)
        self.rec.step(case, "record_survey", _survey(day, *figures), day)
        return oid, name, case

    def establish(self, case: DemoCase, name: str, routed: int, established: int) -> None:
        self.rec.step(case, "route_standalone", {}, self.rec.ago(routed))
        day = self.rec.ago(established)
        self.rec.step(
            case,
            "establish_party_org",
            {
                "name": f"{name}党支部",
                "kind": "branch",
                "approved_by": UPPER,
                "established_on": day.isoformat(),
            },
            day,
            documents=_approval(name),
        )

    def instructor(
        self, unit: str, name: str, source: str, starts: date, ends: date, role: str = "instructor"
    ) -> int:
        return self.ctx.instructor(
            unit,
            {
                "name": name,
                "role": role,
                "source": source,
                "phone": f"0431-8861{self.rec.serial:04d}",
                "term_starts_on": starts.isoformat(),
                "term_ends_on": ends.isoformat(),
            },
            on=starts,
        )

    def served(self, unit: str, suffix: str, instructor: int, appointed: date) -> int:
        """An organization without a full member surveyed and given the instructor."""
        oid, name = self.org(unit, suffix)
        opened = appointed - timedelta(days=4)
        case = self.rec.open("coverage", oid, {}, opened)
        surveyed = opened + timedelta(days=2)
        self.rec.step(case, "record_survey", _survey(surveyed, 0, 0, 1), surveyed)
        self.rec.step(
            case,
            "appoint_instructor",
            {"instructor_id": instructor, "appointed_on": appointed.isoformat()},
            appointed,
            documents=_dispatch(name),
        )
        return oid

    def reports(self, instructor: int, unit: str, starts: date, filed: list[int]) -> None:
        """File the reports of the first periods, each `filed[i]` days before the period's end."""
        every = str(self.ctx.parameters.get("instructor_report_period", "P3M"))
        period = starts
        for early in filed:
            due = LegalCalendar.add(period, every)
            self.ctx.instructor_report(
                instructor,
                unit,
                period,
                f"本期指导党员学习{2 + early % 3}次，走访社会组织负责人，协助发展入党积极分子。",
                on=due - timedelta(days=early),
            )
            period = due


def load(ctx: DemoContext) -> None:
    """The instructors first (cases appoint them), then the stock, then the two drives."""
    s = _Stock(ctx)
    ago = s.rec.ago
    # INS-2: the register at five stages.
    just = s.instructor(NANGUAN, "张建国", "cadre_left_post", ago(40), ago(40) + timedelta(730))
    reported = s.instructor(NANGUAN, "李秀英", "retired_cadre", ago(200), ago(200) + timedelta(730))
    late = s.instructor(CHAOYANG, "王志强", "young_cadre", ago(250), ago(250) + timedelta(730))
    ended = s.instructor(NANGUAN, "赵玉兰", "social_org_party_org", ago(760), ago(30))
    ending = s.instructor(CHAOYANG, "钱卫东", "other", ago(710), ago(0) + timedelta(20), "liaison")
    s.served(NANGUAN, "家政服务行业协会", just, ago(38))
    s.served(NANGUAN, "棋类运动协会", reported, ago(195))
    s.served(CHAOYANG, "茶文化研究会", late, ago(245))
    bare = s.served(NANGUAN, "花卉盆景协会", ended, ago(755))
    s.served(CHAOYANG, "钓鱼协会", ending, ago(700))
    s.reports(reported, NANGUAN, ago(200), [3, 2])
    s.reports(late, CHAOYANG, ago(250), [1])  # the second report is overdue
    s.reports(ending, CHAOYANG, ago(710), [5, 4, 6, 2, 3, 1, 2])
    s.reports(ended, NANGUAN, ago(760), [2, 3, 1, 4, 2, 5, 3, 2])
    ctx.daily(on=ago(29))  # the term ended yesterday: the organization is uncovered again
    again = s.rec.open("coverage", bare, {}, ago(25))
    del again  # surveying, a new instructor or a branch to come

    # COV-1: the stock, case by case.
    oid, _ = s.org(NANGUAN, "摄影爱好者协会")
    s.rec.open("coverage", oid, {}, ago(100))  # still surveying: formation overdue
    _, name, covered = s.surveyed(KUANCHENG, "汽车维修行业协会", 150, (5, 4))
    s.establish(covered, name, 140, 100)
    closed_org, _, closed = s.surveyed(NANGUAN, "电子商务协会", 80, (3, 3))
    s.rec.step(
        closed,
        "close",
        {"reason": "该组织正在换届、负责人空缺，暂缓组建，纳入集中攻坚统一推进"},
        ago(40),
        "supervisor",
    )
    _, _, routing = s.surveyed(NANGUAN, "物业管理协会", 60, (4, 3))
    _, name3, forming = s.surveyed(NANGUAN, "建筑装饰协会", 120, (3, 3))
    s.rec.step(forming, "route_standalone", {}, ago(110))
    _, name7, routing7 = s.surveyed(NANGUAN, "广告协会", 50, (3, 3))
    _, _, stale = s.surveyed(CHAOYANG, "健身运动协会", 110, (3, 3))

    # REG-10: Chaoyang's drive ended 40 days ago; its organization is still uncovered.
    ctx.campaign("formation_drive", CHAOYANG, ago(100), "朝阳区“奋战60天”集中组建", on=ago(100))
    # Nanguan's runs now: it joins the three running cases (a join adds an event, not a
    # version) and opens a new one for the organization whose earlier case was closed.
    drive = ctx.campaign(
        "formation_drive", NANGUAN, ago(20), "南关区“奋战60天”集中抓组建", on=ago(20)
    )
    reopened = drive[closed_org]
    s.rec.step(reopened, "record_survey", _survey(ago(15), 3, 3, 1), ago(15))
    s.rec.step(reopened, "route_standalone", {}, ago(12))
    s.rec.step(
        forming,
        "establish_party_org",
        {
            "name": f"{name3}党支部",
            "kind": "branch",
            "approved_by": UPPER,
            "established_on": ago(6).isoformat(),
        },
        ago(6),
        documents=_approval(name3),
    )
    s.establish(routing7, name7, 10, 2)
    del routing, stale
    ctx.daily(on=ago(0))  # today's pass: the liaison's term ends within the window
