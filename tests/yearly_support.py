"""A world with a year behind it, for the statistics, the charts and the year-end report.

On top of `tests.world` (Nanguan cc-ng and Chaoyang cc-cy), at the fixed clock (2 March 2026):
three Nanguan organizations and one in Chaoyang registered, Party organizations with members
(one formed in 2025), 2025's money recorded for some of them, and registration cases whose
steps and deadlines are staged at known instants of 2025 — so every figure of 2025 has one
right value the tests can state.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import insert, select, update

from engine.calendar import SHANGHAI
from engine.directory import funds
from engine.directory import service as directory
from engine.store.tables import Case, Deadline, Event, Organization, Unit
from tests.world import World, make_world

YEAR = 2025
REGISTERED = {
    "logistics": date(2024, 3, 1),
    "health": date(2025, 2, 10),
    "community": date(2025, 6, 20),
    "chaoyang": date(2023, 9, 1),
}


def sh(y: int, m: int, d: int, hour: int = 10) -> datetime:
    return datetime(y, m, d, hour, tzinfo=SHANGHAI).astimezone(UTC)


@dataclass
class YearWorld:
    w: World
    party_orgs: dict[str, int] = field(default_factory=dict)
    cases: dict[str, int] = field(default_factory=dict)


def register(w: World) -> None:
    orgs = Organization.__table__
    with w.uow() as u:
        for key, day in REGISTERED.items():
            u.conn.execute(
                update(orgs)
                .where(orgs.c.id == w.orgs[key])
                .values(status="registered", registered_on=day)
            )
        u.commit()


def party_orgs(w: World) -> dict[str, int]:
    """logistics: a branch since 2024 (3 full + 1 probationary); health: a joint branch formed
    in 2025 that also covers community from its founding (2 full); chaoyang: a branch (3)."""
    made = {
        "logistics": directory.create_party_organization(
            w.uow(),
            {
                "organization_id": w.orgs["logistics"],
                "name": "长春市南关区物流行业协会党支部",
                "kind": "branch",
                "upper_party_org": "南关区社会组织综合党委",
                "established_on": "2024-05-10",
            },
        ),
        "health": directory.create_party_organization(
            w.uow(),
            {
                "organization_id": w.orgs["health"],
                "name": "南关区健康养生促进会联合党支部",
                "kind": "joint_branch",
                "formation_mode": "joint",
                "upper_party_org": "南关区社会组织综合党委",
                "established_on": "2025-08-01",
                "covers": [w.orgs["community"]],
            },
        ),
        "chaoyang": directory.create_party_organization(
            w.uow(),
            {
                "organization_id": w.orgs["chaoyang"],
                "name": "朝阳区青少年科技创新协会党支部",
                "kind": "branch",
                "upper_party_org": "朝阳区社会组织综合党委",
                "established_on": "2023-10-01",
            },
        ),
    }
    members = {
        "logistics": ["full", "full", "full", "probationary"],
        "health": ["full", "full"],
        "chaoyang": ["full", "full", "full"],
    }
    for key, statuses in members.items():
        for i, status in enumerate(statuses):
            directory.create_member(
                w.uow(),
                {
                    "organization_id": w.orgs[key],
                    "name": f"{key}-{i}",
                    "status": status,
                    "party_organization_id": made[key],
                },
            )
    return made


#: 2025's money (yuan): logistics 1,000 for 4 members (250 each, above the floor); health
#: 300 for 2 (150 each, below it), dues not all returned, formed in 2025 without start-up
#: support; chaoyang 900 for 3 (300 each). Nothing recorded for 2024.
MONEY_2025 = {
    "logistics": ("1200.00", "1200.00", "1000.00", "0"),
    "health": ("600.50", "400.00", "300.00", "0"),
    "chaoyang": ("900.00", "900.00", "900.00", "0"),
}


def record_money(w: World, made: dict[str, int], by: str = "wang") -> None:
    for key, (collected, returned, funding, startup) in MONEY_2025.items():
        who = "zhao" if key == "chaoyang" else by
        funds.record_funds(
            w.uow(),
            w.actors[who],
            made[key],
            {
                "year": YEAR,
                "dues_collected": collected,
                "dues_returned": returned,
                "funding_received": funding,
                "startup_support": startup,
            },
            w.clock.now(),
        )


# ---------------------------------------------------------------- staged cases of 2025


@dataclass(frozen=True)
class Staged:
    """A registration case's states at instants (the first is its opening) and its REG-5
    deadline: due, and met at (None: still open)."""

    org: str
    unit: str
    states: tuple[tuple[str, datetime], ...]
    due: datetime
    met: datetime | None
    closed: datetime | None = None


STAGED = {
    # applied 10 days, charter review 30, registered thereafter; REG-5 met late (due 1 Apr)
    "a": Staged(
        "logistics", "cc-ng",
        (("applied", sh(2025, 1, 6)), ("charter_review", sh(2025, 1, 16)),
         ("registered", sh(2025, 2, 15))),
        sh(2025, 4, 1, 0), sh(2025, 5, 10),
    ),
    # applied 20 days, charter review 10; REG-5 overdue since 1 Jul and never met
    "b": Staged(
        "health", "cc-ng",
        (("applied", sh(2025, 3, 3)), ("charter_review", sh(2025, 3, 23)),
         ("registered", sh(2025, 4, 2))),
        sh(2025, 7, 1, 0), None,
    ),
    # applied 40 days, then in charter review; Chaoyang; REG-5 overdue from 1 Sep, met 15 Oct
    "c": Staged(
        "chaoyang", "cc-cy",
        (("applied", sh(2025, 7, 1)), ("charter_review", sh(2025, 8, 10))),
        sh(2025, 9, 1, 0), sh(2025, 10, 15),
    ),
}  # fmt: skip


def stage_cases(w: World) -> dict[str, int]:
    """Cases with events and one deadline each at the instants of `STAGED`, written as rows
    (the history the charts derive is what is under test, not the steps' rules)."""
    cases_t, events_t, deadlines_t = Case.__table__, Event.__table__, Deadline.__table__
    out = {}
    with w.uow() as u:
        for key, s in STAGED.items():
            opened = s.states[0][1]
            cid = u.conn.execute(
                insert(cases_t)
                .values(
                    procedure="registration",
                    definition_version=3,
                    state=s.states[-1][0],
                    version=len(s.states),
                    status="closed" if s.closed else "open",
                    organization_id=w.orgs[s.org],
                    unit_id=_unit(u, s.unit),
                    data={},
                    opened_at=opened,
                    updated_at=s.states[-1][1],
                    closed_at=s.closed,
                )
                .returning(cases_t.c.id)
            ).scalar_one()
            prev = None
            for i, (state, at) in enumerate(s.states):
                u.conn.execute(
                    insert(events_t).values(
                        case_id=cid,
                        kind="opened" if i == 0 else "transition",
                        trigger=None if i == 0 else f"to_{state}",
                        from_state=prev,
                        to_state=state,
                        case_version=i + 1,
                        actor_name="王芳",
                        at=at,
                    )
                )
                prev = state
            u.conn.execute(
                insert(deadlines_t).values(
                    case_id=cid,
                    key="reg5_forward",
                    rule="REG-5",
                    status="met" if s.met else "open",
                    anchor_date=opened.date(),
                    due_date=(s.due - timedelta(days=1)).astimezone(SHANGHAI).date(),
                    due_at=s.due,
                    remind_at=s.due - timedelta(days=7),
                    provisional=False,
                    escalation_level=1 if s.met is None else 0,
                    opened_at=opened,
                    closed_at=s.met,
                )
            )
            out[key] = cid
        u.commit()
    return out


def _unit(u, code: str) -> int:
    t = Unit.__table__
    return u.conn.execute(select(t.c.id).where(t.c.code == code)).scalar_one()


def year_world(db_url: str, clock) -> YearWorld:
    w = make_world(db_url, clock)
    register(w)
    made = party_orgs(w)
    record_money(w, made)
    yw = YearWorld(w, made)
    yw.cases = stage_cases(w)
    yw.cases.update({f"secretary-{k}": v for k, v in stage_secretaries(yw).items()})
    stage_abnormal(yw)
    stage_inspections(yw)
    return yw


def ui_year_world(db_url: str, clock) -> YearWorld:
    """`year_world` whose users sign in with `tests.e2e.ui_support.PASSWORD`."""
    from engine.store.tables import User
    from tests.e2e.ui_support import _password_hash

    yw = year_world(db_url, clock)
    with yw.w.uow() as u:
        u.conn.execute(update(User.__table__).values(password_hash=_password_hash()))
        u.commit()
    return yw


# ---------------------------------------------------------------- secretaries (SEC-7) and SUP-1


def stage_secretaries(yw: YearWorld) -> dict[str, int]:
    """logistics' secretary reported on 10 June 2025 (a step citing SEC-7; its next report is
    due in 2026); chaoyang's secretary owed a report from 1 May 2025 and made none; the joint
    branch has no secretary on record."""
    from engine.store.tables import PartyOfficer

    w = yw.w
    cases_t, events_t, deadlines_t = Case.__table__, Event.__table__, Deadline.__table__
    officers_t = PartyOfficer.__table__
    out = {}
    plan = {
        "logistics": ("刘书记", "cc-ng", sh(2025, 6, 10), sh(2026, 6, 11, 0), None),
        "chaoyang": ("陈书记", "cc-cy", None, sh(2025, 5, 1, 0), None),
    }
    with w.uow() as u:
        for key, (name, unit, reported, due, _met) in plan.items():
            cid = u.conn.execute(
                insert(cases_t)
                .values(
                    procedure="secretary", definition_version=4, state="in_office", version=3,
                    status="open", organization_id=w.orgs[key], unit_id=_unit(u, unit), data={},
                    opened_at=sh(2024, 11, 1), updated_at=reported or sh(2024, 12, 1),
                )
                .returning(cases_t.c.id)
            ).scalar_one()  # fmt: skip
            u.conn.execute(
                insert(officers_t).values(
                    party_organization_id=yw.party_orgs[key], name=name, position="secretary",
                    origin="internal", cadre_status="none", status="active", case_id=cid,
                )
            )  # fmt: skip
            if reported:
                u.conn.execute(
                    insert(events_t).values(
                        case_id=cid, kind="transition", trigger="file_annual_report",
                        from_state="in_office", to_state="in_office", case_version=3,
                        actor_name="王芳", at=reported, rules=["SEC-7"],
                    )
                )  # fmt: skip
            u.conn.execute(
                insert(deadlines_t).values(
                    case_id=cid, key="annual_report", rule="SEC-7", status="open",
                    anchor_date=date(2024, 12, 1),
                    due_date=(due - timedelta(days=1)).astimezone(SHANGHAI).date(), due_at=due,
                    provisional=False, escalation_level=0, opened_at=sh(2024, 12, 1),
                )
            )  # fmt: skip
            out[key] = cid
        u.commit()
    return out


def stage_abnormal(yw: YearWorld) -> None:
    """The health association listed on 2025-07-15 as dormant (SUP-1), still listed."""
    from engine.store.tables_annual import AbnormalEntry

    w = yw.w
    with w.uow() as u:
        u.conn.execute(
            insert(AbnormalEntry.__table__).values(
                organization_id=w.orgs["health"], unit_id=_unit(u, "cc-ng"), reason="dormant",
                status="listed", listed_on=date(2025, 7, 15), listed_at=sh(2025, 7, 15),
                listed_by_name="李强",
            )
        )  # fmt: skip
        u.commit()


def module_world(request, tmp_path_factory) -> Iterator[YearWorld]:
    """A `ui_year_world` per database for a whole test module (request.param: "sqlite" or
    "postgresql"): the world takes a few seconds to build, the tests only read it."""
    import shutil
    from datetime import UTC

    from engine.clock import FixedClock
    from tests.conftest import fresh_pg_url

    clock = FixedClock(datetime(2026, 3, 2, 2, 0, tzinfo=UTC))
    if request.param == "sqlite":
        path = tmp_path_factory.mktemp("yearly") / "t.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        yw = ui_year_world(f"sqlite:///{path}", clock)
        yield yw
        yw.w.rt.engine.dispose()
    else:
        gen = fresh_pg_url(request)
        yw = ui_year_world(next(gen), clock)
        yield yw
        yw.w.rt.engine.dispose()
        next(gen, None)


DATABASES = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


def stage_inspections(yw: YearWorld) -> None:
    """2025's annual inspections (a series of the bulk opener): logistics qualified, health
    still rectifying, chaoyang unqualified; and one of 2024 (another year, not counted)."""
    from engine.store.tables_annual import CaseKey

    w = yw.w
    cases_t, keys_t = Case.__table__, CaseKey.__table__
    plan = [("logistics", "cc-ng", "qualified", "2025"), ("health", "cc-ng", "rectification", "2025"),
            ("chaoyang", "cc-cy", "unqualified", "2025"), ("logistics", "cc-ng", "qualified", "2024")]  # fmt: skip
    with w.uow() as u:
        for org, unit, state, series in plan:
            terminal = state != "rectification"
            opened = sh(int(series) + 1, 1, 10)
            cid = u.conn.execute(
                insert(cases_t)
                .values(
                    procedure="inspection", definition_version=1, state=state, version=4,
                    status="closed" if terminal else "open", organization_id=w.orgs[org],
                    unit_id=_unit(u, unit), data={"year": int(series)}, opened_at=opened,
                    updated_at=opened, closed_at=opened if terminal else None,
                )
                .returning(cases_t.c.id)
            ).scalar_one()  # fmt: skip
            u.conn.execute(
                insert(keys_t).values(
                    procedure="inspection", series=series, organization_id=w.orgs[org],
                    case_id=cid, opened_at=opened,
                )
            )  # fmt: skip
        u.commit()
