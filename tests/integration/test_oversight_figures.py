"""Every oversight figure is one number, whichever adapter shows it (ACC-1, REG-7).

A world of cases placed on both sides of every boundary at one instant T (a Shanghai
midnight, when deadlines run out): a deadline ending exactly at T, a reminder window opening
exactly at T, a case quiet for exactly the stall threshold and one a second short of it, an
overdue deadline exactly 7 days old (the edge of an age bucket), a deadline escalated by a
drill although it has not run out, a closed case with a stale open deadline, a secretary in
office (a waiting state) quiet for 60 days with its deadlines open and one quiet for 30 days
with none open, and another
district outside the Nanguan supervisor's scope. Each figure — open, due soon, overdue,
escalated, stalled, overdue by age, oldest overdue, coverage — is read through every adapter
that shows it, for every kind of user, and must equal the one expected value:

* the engine (`dashboard.dashboard`), the dashboard page and its XLSX export;
* the inbox tabs, its lists filtered by unit and age, and their XLSX exports;
* the ACC-1 lists behind the numbers (UI page, XLSX, API, CLI);
* the API report and the API deadline lists;
* the CLI report (table and JSON), `tongbu report coverage` and `tongbu case list`;
* the daily digest's text; and the sweep's own judgement at T (dry run).
"""

from __future__ import annotations

import io
import json
import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook
from sqlalchemy import select, update

from engine.access import tokens
from engine.access.actor import SYSTEM
from engine.calendar import SHANGHAI, local_date
from engine.oversight import accountability, notifications
from engine.oversight import dashboard as dashboards
from engine.oversight import sweep as escalation
from engine.oversight.figures import AGE_BUCKETS, MEASURES, Moment
from engine.store.tables import Case, Deadline, Organization, Unit
from tests.e2e.ui_support import app_for, login, ui_world
from tests.integration.test_escalation import registered_cases
from tests.world import UNITS
from web.cli import main
from web.cli.base import Ctx

T = datetime(2026, 6, 1, tzinfo=SHANGHAI)  # midnight: the instant a period ending 31 May runs out
DAY = timedelta(days=1)
SECOND = timedelta(seconds=1)
FAR = (60 * DAY, 53 * DAY, 0)  # a deadline neither due soon nor overdue at T


@dataclass(frozen=True)
class Scene:
    """One case at T: its unit, when it last moved, and its two deadlines as (due_at,
    remind_at, escalation level) relative to T — None for a deadline already met."""

    unit: str
    quiet: timedelta
    reg5: tuple[timedelta, timedelta, int] | None
    reg8: tuple[timedelta, timedelta, int] | None = FAR
    status: str = "open"
    waiting: bool = False
    """Staged as a secretary in office (secretary v2 marks `in_office` waiting): its two
    deadlines become the annual report (SEC-7) and the term renewal (SEC-9)."""


SCENES = {
    # Nanguan (cc-ng)
    "due_exactly_now": Scene("cc-ng", DAY, (0 * DAY, -7 * DAY, 0)),
    "reminder_opens_now": Scene("cc-ng", DAY, (DAY, 0 * DAY, 0)),
    "reminder_tomorrow": Scene("cc-ng", 29 * DAY, (8 * DAY, DAY, 0)),
    "escalated_and_due_soon": Scene("cc-ng", 10 * DAY, (-40 * DAY, -47 * DAY, 2), (6 * DAY, -DAY, 0)),
    "overdue_exactly_7_days": Scene("cc-ng", 5 * DAY, (-7 * DAY, -14 * DAY, 1)),
    "quiet_exactly_30_days": Scene("cc-ng", 30 * DAY, None, None),
    "quiet_a_second_less": Scene("cc-ng", 30 * DAY - SECOND, None, None),
    "escalated_by_a_drill": Scene("cc-ng", DAY, (DAY, -6 * DAY, 1)),
    "waiting_quiet_with_a_deadline": Scene("cc-ng", 60 * DAY, FAR, FAR, waiting=True),
    "waiting_quiet_without_one": Scene("cc-ng", 30 * DAY, None, None, waiting=True),
    "closed_with_stale_deadline": Scene("cc-ng", 100 * DAY, (-20 * DAY, -27 * DAY, 1), status="closed"),
    # Chaoyang (cc-cy): outside the Nanguan supervisor's scope
    "chaoyang_overdue_and_stalled": Scene("cc-cy", 60 * DAY, (-100 * DAY, -107 * DAY, 3)),
    "chaoyang_due_soon": Scene("cc-cy", 2 * DAY, (5 * DAY, -2 * DAY, 0)),
}  # fmt: skip

#: The one right value of each figure per responsible unit (oldest: scene, days, level).
EXPECTED = {
    "cc-ng": {
        "open": 10,
        "due_soon": 3,  # reminder_opens_now, escalated_and_due_soon (REG-8), escalated_by_a_drill
        "overdue": 3,  # due_exactly_now, escalated_and_due_soon, overdue_exactly_7_days
        "escalated": 2,  # escalated_and_due_soon, overdue_exactly_7_days; not the drill's
        # quiet_exactly_30_days, waiting_quiet_without_one; not the waiting case whose
        # deadlines are open, however long it has been quiet
        "stalled": 2,
        "by_age": [1, 1, 1, 0],  # 0 days, exactly 7 days, 40 days
        "oldest": ("escalated_and_due_soon", 41, 2),
    },
    "cc-cy": {
        "open": 2,
        "due_soon": 1,
        "overdue": 1,
        "escalated": 1,
        "stalled": 1,
        "by_age": [0, 0, 0, 1],
        "oldest": ("chaoyang_overdue_and_stalled", 101, 3),
    },
}
SCOPE = {
    "li": ["cc-ng"],
    "chen": ["cc-ng", "cc-cy"],
    "admin": ["cc-ng", "cc-cy"],
    "zhao": ["cc-cy"],
}
SUPERVISORS = ("li", "chen", "admin")
VIEWS = ("open", "due_soon", "overdue", "stalled")  # the inbox tabs that are figures
NAMES = {code: (zh, en) for code, zh, en, *_ in UNITS}


@dataclass
class Staged:
    world: object
    ids: dict[str, int]
    units: dict[str, int]  # unit code -> id
    coverage: dict[str, dict[str, int]]  # user -> expected coverage


def _at(offset: timedelta) -> datetime:
    return T + offset


def _place(world, ids: dict[str, int]) -> None:
    """Put each case where its scene says, at T (deadline rows written as the engine would)."""
    cases, deadlines = Case.__table__, Deadline.__table__
    with world.rt.uow() as u:
        for name, s in SCENES.items():
            cid = ids[name]
            u.conn.execute(
                update(cases)
                .where(cases.c.id == cid)
                .values(
                    updated_at=T - s.quiet,
                    status=s.status,
                    closed_at=T - s.quiet if s.status == "closed" else None,
                )
            )
            if s.waiting:
                u.conn.execute(
                    update(cases)
                    .where(cases.c.id == cid)
                    .values(procedure="secretary", definition_version=2, state="in_office")
                )
            for key, spec in (("forward_documents", s.reg5), ("party_org_formation", s.reg8)):
                row = (deadlines.c.case_id == cid) & (deadlines.c.key == key)
                if s.waiting:
                    renamed = {"forward_documents": "annual_report"}.get(key, "term_renewal")
                    u.conn.execute(update(deadlines).where(row).values(key=renamed))
                    row = (deadlines.c.case_id == cid) & (deadlines.c.key == renamed)
                if spec is None:
                    u.conn.execute(update(deadlines).where(row).values(status="met"))
                    continue
                due, remind, level = spec
                due_at = _at(due)
                u.conn.execute(
                    update(deadlines)
                    .where(row)
                    .values(
                        status="open",
                        due_at=due_at,
                        due_date=local_date(due_at - timedelta(microseconds=1)),
                        remind_at=_at(remind),
                        reminded_at=_at(remind) if remind <= 0 * DAY else None,
                        escalation_level=level,
                        # only the deadline running out at T is due for the sweep at T
                        next_action_at=due_at if name == "due_exactly_now" and key == "forward_documents" else None,
                    )
                )  # fmt: skip
        u.commit()


def _coverage(world, user: str) -> dict[str, int]:
    """Coverage counted from the rows: registered organizations of the units the user sees."""
    orgs, units = Organization.__table__, Unit.__table__
    actor = world.actors[user]
    with world.rt.reader() as r:
        rows = r.conn.execute(
            select(orgs.c.coverage, units.c.path)
            .join(units, units.c.id == orgs.c.unit_id)
            .where(orgs.c.status == "registered")
        ).all()
    mine = [c for c, path in rows if actor.can_see(path)]
    return {"registered": len(mine)} | {
        k: mine.count(k) for k in ("party_org", "instructor", "none")
    }


@pytest.fixture
def scene(db_url, clock):
    world = ui_world(db_url, clock)
    names = list(SCENES)
    ng = [n for n in names if SCENES[n].unit == "cc-ng"]
    cy = [n for n in names if SCENES[n].unit == "cc-cy"]
    ids = dict(zip(ng, registered_cases(world, len(ng)), strict=True))
    ids |= dict(zip(cy, registered_cases(world, len(cy), unit="cc-cy", start=100), strict=True))
    orgs = Organization.__table__
    with world.rt.uow() as u:  # some coverage to count (REG-7)
        for i, org in enumerate(sorted(world.orgs.values())):
            value = ("party_org", "instructor", "none")[i % 3]
            u.conn.execute(update(orgs).where(orgs.c.id == org).values(coverage=value))
        u.commit()
    world.clock.at = T
    _place(world, ids)
    with world.rt.reader() as r:
        units = dict(r.conn.execute(select(Unit.__table__.c.code, Unit.__table__.c.id)).all())
    return Staged(world, ids, units, {u: _coverage(world, u) for u in SCOPE})


# ---------------------------------------------------------------- the expected values


def expected_rows(scene: Staged, user: str) -> dict[str, dict]:
    out = {}
    for code in SCOPE[user]:
        e = dict(EXPECTED[code])
        name, days, level = e.pop("oldest")
        e["oldest"] = (scene.ids[name], days, level)
        out[code] = e
    return out


def expected_totals(scene: Staged, user: str) -> dict[str, int]:
    rows = expected_rows(scene, user).values()
    return {m: sum(r[m] for r in rows) for m in MEASURES}


def check(adapter: str, user: str, got: dict, want: dict) -> None:
    """`got` must hold `want` for every key `got` shows (adapters show different subsets)."""
    shown = {k: want[k] for k in got}
    assert got == shown, f"{adapter} as {user}"


def rows_of(rows: list[dict]) -> dict[str, dict]:
    """Report rows (engine, API, CLI JSON) keyed by unit code, in the expected shape."""
    out = {}
    for r in rows:
        o = r["oldest_overdue"]
        item = {m: r[m] for m in MEASURES if m in r}
        if "by_age" in r:
            item["by_age"] = r["by_age"]
        item["oldest"] = (o["case_id"], o["days_overdue"], o["escalation_level"]) if o else None
        out[r["unit_code"]] = item
    return out


# ---------------------------------------------------------------- adapters


def through_engine(scene: Staged, user: str) -> tuple[dict, dict, dict]:
    w = scene.world
    at = Moment.of(w.rt.definitions, T)
    board = dashboards.dashboard(w.rt.reader(), w.actors[user], at)
    return rows_of(board.units), board.totals, board.coverage


def through_dashboard_page(scene: Staged, client, user: str) -> tuple[dict, dict, list, dict]:
    html = client.get("/dashboard").get_data(as_text=True)
    code_of = {v: k for k, v in scene.units.items()}
    rows = {}
    for part in html.split('<tr data-unit="')[1:]:
        unit_id = int(part.split('"', 1)[0])
        part = part.split("</tr>", 1)[0]
        fig = dict(re.findall(r'data-figure="unit-([\w-]+)">(\d+)<', part))
        oldest = re.search(r'data-figure="unit-oldest" data-case="(\d+)" data-days="(-?\d+)"', part)
        rows[code_of[unit_id]] = {
            **{m: int(fig[m]) for m in MEASURES},
            "by_age": [int(fig[f"age-{i}"]) for i in range(len(AGE_BUCKETS))],
            "oldest_case_days": (int(oldest[1]), int(oldest[2])) if oldest else None,
        }
    totals = {m: int(re.search(rf'data-figure="{m}">(\d+)<', html)[1]) for m in MEASURES}
    ages = [int(re.search(rf'data-figure="age-{i}" data-n="(\d+)"', html)[1]) for i in range(4)]
    coverage = {
        k: int(re.search(rf'data-figure="{f}">(\d+)<', html)[1])
        for k, f in (
            ("registered", "registered"),
            ("party_org", "coverage-party_org"),
            ("instructor", "coverage-instructor"),
            ("none", "coverage-none"),
        )
    }
    return rows, totals, ages, coverage


def through_dashboard_xlsx(scene: Staged, client) -> tuple[dict, dict, list, dict]:
    wb = load_workbook(io.BytesIO(client.get("/dashboard?format=xlsx").data))
    code_by_zh = {zh: code for code, (zh, _en) in NAMES.items()}
    rows, totals, ages = {}, {}, []
    n = len(MEASURES)
    for line in list(wb.worksheets[0].iter_rows(min_row=2, values_only=True)):
        figures = dict(zip(MEASURES, line[2 : 2 + n], strict=True))
        by_age = list(line[2 + n : 2 + n + len(AGE_BUCKETS)])
        oldest = line[2 + n + len(AGE_BUCKETS) :]
        if line[0] in code_by_zh:
            rows[code_by_zh[line[0]]] = {
                **figures,
                "by_age": by_age,
                "oldest_case_days": tuple(oldest) if oldest[0] is not None else None,
            }
        else:
            totals, ages = figures, by_age
    cov_rows = list(wb.worksheets[1].iter_rows(min_row=2, values_only=True))
    coverage = {"registered": cov_rows[0][1]}
    coverage |= dict(
        zip(("party_org", "instructor", "none"), (r[1] for r in cov_rows[1:]), strict=True)
    )
    return rows, totals, ages, coverage


def inbox(client, query: str) -> tuple[int, int]:
    """(the total the list says, the rows it shows) of an inbox list."""
    html = client.get(f"/cases?{query}").get_data(as_text=True)
    return int(re.search(r'data-total="(\d+)"', html)[1]), len(
        re.findall(r'<tr [^>]*data-case="', html)
    )


def xlsx_rows(client, path: str) -> int:
    ws = load_workbook(io.BytesIO(client.get(path).data)).worksheets[0]
    return sum(1 for _ in ws.iter_rows(min_row=2, values_only=True))


def cli(scene: Staged, *args: str) -> str:
    ctx = Ctx()
    ctx._runtime = scene.world.rt
    result = CliRunner().invoke(main, list(args), obj=ctx)
    assert result.exit_code == 0, result.output
    return result.output


# ---------------------------------------------------------------- the test


def test_acc1_every_figure_is_the_same_through_every_adapter(scene):
    w = scene.world
    app = app_for(w)
    token = {u: tokens.create_token(w.rt.uow(), u, "figures").token for u in SCOPE}
    api = app.test_client()

    def api_get(user: str, path: str) -> dict:
        resp = api.get(path, headers={"Authorization": f"Bearer {token[user]}"})
        assert resp.status_code == 200, (path, resp.get_json())
        return resp.get_json()

    for user in SCOPE:
        want = expected_rows(scene, user)
        want_totals = expected_totals(scene, user)
        want_ages = [sum(r["by_age"][i] for r in want.values()) for i in range(len(AGE_BUCKETS))]
        want_cov = scene.coverage[user]
        oldest_case_days = {c: (r["oldest"][0], r["oldest"][1]) for c, r in want.items()}

        # The engine.
        rows, totals, cov = through_engine(scene, user)
        assert rows == want, f"engine as {user}"
        assert totals == want_totals and cov == want_cov, f"engine as {user}"

        # The API report and the cases behind its numbers (API schema: no due_soon there);
        # the report is the supervisors', in the API as on the dashboard (issue 18).
        if user not in SUPERVISORS:
            resp = api.get(
                "/api/v1/reports/accountability",
                headers={"Authorization": f"Bearer {token[user]}"},
            )
            assert resp.status_code == 403, f"API report as {user}"
        else:
            report = api_get(user, "/api/v1/reports/accountability")
            got = rows_of(report["rows"])
            assert list(got) == SCOPE[user], f"API report order as {user}"
            for code, r in got.items():
                check("API report", user, r, want[code])
            check("API totals", user, report["totals"], want_totals)
            for code in SCOPE[user]:
                for m in ("open", "overdue", "escalated", "stalled"):
                    q = f"measure={m}&unit_id={scene.units[code]}&limit=200"
                    items = api_get(user, f"/api/v1/reports/accountability/cases?{q}")["items"]
                    assert len(items) == want[code][m], f"API cases {m} {code} as {user}"
        for kind, m in (("overdue", "overdue"), ("due", "due_soon")):
            by_unit = defaultdict(set)
            for d in api_get(user, f"/api/v1/deadlines/{kind}?limit=200")["items"]:
                by_unit[d["unit_code"]].add(d["case_id"])
            got = {code: len(by_unit[code]) for code in SCOPE[user]}
            assert set(by_unit) <= set(SCOPE[user]), f"API deadlines/{kind} scope as {user}"
            assert got == {c: want[c][m] for c in SCOPE[user]}, f"API deadlines/{kind} as {user}"

        # The CLI: report as JSON and as a table, the lists behind it, coverage, case lists.
        data = json.loads(cli(scene, "report", "overdue", "--as", user, "--json"))
        assert rows_of(data["rows"]) == want, f"CLI JSON as {user}"
        assert data["totals"] == want_totals, f"CLI JSON totals as {user}"
        table = cli(scene, "report", "overdue", "--as", user)
        for code in SCOPE[user]:
            line = next(x for x in table.splitlines() if x.startswith(f"{NAMES[code][0]} {code}"))
            numbers = [int(n) for n in line.split()[2 : 2 + len(MEASURES)]]
            oldest = re.search(r"case (\d+) \S+ \[\S+\] due \S+ \((\d+) d\)", line)
            assert dict(zip(MEASURES, numbers, strict=True)) == {m: want[code][m] for m in MEASURES}
            assert (int(oldest[1]), int(oldest[2])) == oldest_case_days[code], f"CLI {code}"
            for m in MEASURES:
                listed = cli(
                    scene, "report", "overdue", "--as", user, "--list", m, "--unit", code, "--json"
                )
                assert len(json.loads(listed)) == want[code][m], f"CLI --list {m} {code} as {user}"
        total = next(x for x in table.splitlines() if x.startswith("total"))
        assert [int(n) for n in total.split()[3:]] == [want_totals[m] for m in MEASURES]
        assert json.loads(cli(scene, "report", "coverage", "--as", user, "--json")) == want_cov
        for view in VIEWS:
            listed = json.loads(cli(scene, "case", "list", "--as", user, "--view", view, "--json"))
            assert listed["total"] == want_totals[view], f"CLI case list {view} as {user}"

        # The UI: inbox tabs, lists per unit and age, their exports.
        client = app.test_client()
        login(client, user)
        html = client.get("/cases").get_data(as_text=True)
        tabs = {k: int(n) for k, n in re.findall(r'data-count="(\w+)">(\d+)<', html)}
        assert {v: tabs[v] for v in VIEWS} == {v: want_totals[v] for v in VIEWS}, f"tabs {user}"
        for code in SCOPE[user]:
            unit = scene.units[code]
            for view in VIEWS:
                n = want[code][view]
                assert inbox(client, f"view={view}&unit={unit}") == (n, n), f"inbox {view} {code}"
                path = f"/cases?view={view}&unit={unit}&format=xlsx"
                assert xlsx_rows(client, path) == n, f"inbox XLSX {view} {code} as {user}"
            for age, n in enumerate(want[code]["by_age"]):
                got_age = inbox(client, f"view=overdue&age={age}&unit={unit}")
                assert got_age == (n, n), f"inbox age {age} {code} as {user}"
        if user not in SUPERVISORS:
            assert client.get("/dashboard").status_code == 403
            continue
        page_rows, page_totals, page_ages, page_cov = through_dashboard_page(scene, client, user)
        xlsx, xlsx_totals, xlsx_ages, xlsx_cov = through_dashboard_xlsx(scene, client)
        for adapter, got_rows in (("dashboard page", page_rows), ("dashboard XLSX", xlsx)):
            assert list(got_rows) == SCOPE[user], f"{adapter} order as {user}"
            for code, r in got_rows.items():
                assert r.pop("oldest_case_days") == oldest_case_days[code], f"{adapter} {code}"
                check(adapter, user, r, want[code])
        assert page_totals == xlsx_totals == want_totals, f"dashboard totals as {user}"
        assert page_ages == xlsx_ages == want_ages, f"dashboard ages as {user}"
        assert page_cov == xlsx_cov == want_cov, f"dashboard coverage as {user}"
        for code in SCOPE[user]:
            for m in MEASURES:
                path = f"/accountability/{m}?unit={scene.units[code]}"
                html = client.get(path).get_data(as_text=True)
                assert html.count('<tr data-case="') == want[code][m], f"UI list {m} {code}"
                assert xlsx_rows(client, path + "&format=xlsx") == want[code][m]

    # The daily digest at T: each supervisor gets the rows of their units that have
    # something late, with the same figures.
    assert accountability.daily_digest(w.uow(), w.rt.definitions, now=T) == 2
    for user in ("li", "chen"):
        (note,) = notifications.list_for_user(w.uow(), w.actors[user].id)
        lines = re.findall(
            r"- (.+): open (\d+), due soon (\d+), overdue (\d+), escalated (\d+), "
            r"stalled (\d+); oldest overdue #(\d+) \((\d+) days\)",
            note["body_en"],
        )
        code_by_en = {en: code for code, (_zh, en) in NAMES.items()}
        got = {
            code_by_en[name]: {
                **dict(zip(MEASURES, map(int, figs[:5]), strict=True)),
                "oldest": (int(figs[5]), int(figs[6])),
            }
            for name, *figs in lines
        }
        want = {
            code: {**{m: r[m] for m in MEASURES}, "oldest": r["oldest"][:2]}
            for code, r in expected_rows(scene, user).items()
        }
        assert got == want, f"digest for {user}"
        t = expected_totals(scene, user)
        assert f"{t['overdue']} overdue, {t['stalled']} stalled" in note["subject_en"]


def test_acc1_the_sweep_acts_at_the_boundaries_the_figures_count(scene):
    """At T the sweep escalates the deadline that ran out at T (overdue from its end instant)
    and would flag exactly the cases the stalled figure counts."""
    w = scene.world
    dry = escalation.sweep(w.uow(), w.rt.definitions, now=T, dry_run=True)
    assert [(x["case_id"], x["level"]) for x in dry.escalations] == [
        (scene.ids["due_exactly_now"], 1)
    ]
    at = Moment.of(w.rt.definitions, T)
    stalled = accountability.stalled_cases(w.uow(), SYSTEM, at, limit=100)
    assert sorted(s["case_id"] for s in dry.stalled) == sorted(x["case_id"] for x in stalled)
    assert sorted(x["case_id"] for x in stalled) == sorted(
        scene.ids[n]
        for n in (
            "quiet_exactly_30_days",
            "waiting_quiet_without_one",
            "chaoyang_overdue_and_stalled",
        )
    )
    assert scene.ids["waiting_quiet_with_a_deadline"] not in {s["case_id"] for s in dry.stalled}
    # After the real sweep the stalls are flagged and the figure is unchanged.
    escalation.sweep(w.uow(), w.rt.definitions, now=T)
    again = accountability.stalled_cases(w.uow(), SYSTEM, at, limit=100)
    assert [x["case_id"] for x in again] == [x["case_id"] for x in stalled]
    assert all(x["flagged_at"] == T for x in again)
