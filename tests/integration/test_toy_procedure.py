"""A procedure is a package: a fifth one, installed the way a province would ship its own, works
everywhere with no line of engine/ or web/ about it.

The toy (tests/toy) is the package `toyproc`: guards, actions, schemas with labels, demo, and
its own `definitions/` folder (activity_room.v1.yaml with its rules and parameter), which it
hands the registry. It is installed here as a separate distribution would be — the package and
a `*.dist-info` declaring `activity_room = toyproc:register` in the `tongbu.workflows`
entry-point group, on sys.path — and the deployment keeps the shipped definitions folder
untouched. Then the services, the API, the UI, the CLI, the diagram, the procedures doc and
`tongbu demo` all serve it, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import json
import re
import shutil
import sys
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from engine.access import actor as access
from engine.access import tokens
from engine.cases import read as case_read
from engine.cases import service as case_service
from engine.clock import FixedClock
from engine.config import Config
from engine.definitions.loader import collect, load_definitions
from engine.directory import service as directory
from engine.errors import Forbidden, TransitionRefused
from engine.registry import Registry, load_registry
from engine.store.tables import Case, Deadline
from tests.conftest import fresh_pg_url
from web import create_app, diagram, procedures_doc
from web.cli import main as cli
from web.demo import DEMO_PASSWORD, load_demo
from web.runtime import Runtime, build_runtime

TOY = Path(__file__).resolve().parents[1] / "toy"
ROOT = Path(__file__).resolve().parents[2]
TODAY = date(2026, 5, 11)
CLOCK = FixedClock(datetime(2026, 5, 11, 2, 0, tzinfo=UTC))  # 10:00 in Shanghai
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


# ---------------------------------------------------------------- installing the toy


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """`toyproc` installed as its own distribution: the package and its dist-info in a
    site-packages folder on sys.path, as `pip install` would leave them."""
    site = tmp_path_factory.mktemp("site-packages")
    shutil.copytree(TOY / "toyproc", site / "toyproc")
    info = site / "tongbu_toyproc-0.1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: tongbu-toyproc\nVersion: 0.1.0\n", encoding="utf-8"
    )
    (info / "entry_points.txt").write_text(
        "[tongbu.workflows]\nactivity_room = toyproc:register\n", encoding="utf-8"
    )
    with pytest.MonkeyPatch.context() as mp:
        mp.syspath_prepend(str(site))
        yield site
    for name in [m for m in sys.modules if m == "toyproc" or m.startswith("toyproc.")]:
        del sys.modules[name]


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def database(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):
    """A migrated database of each kind for the module (the demo is loaded once per kind)."""
    if request.param == "sqlite":
        path = tmp_path_factory.mktemp("toy-db") / "tongbu.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        yield f"sqlite:///{path}"
    else:
        yield from fresh_pg_url(request)


@pytest.fixture(scope="module")
def demo(database: str, installed: Path) -> Iterator[tuple[Runtime, str]]:
    """The product as a province runs it: the registry from the installed entry points (no
    registry handed in), the shipped definitions folder as it is, and `tongbu demo` loaded."""
    config = Config(database_url=database, scheduler=False, testing=True)
    rt = build_runtime(config, clock=CLOCK)
    summary = load_demo(rt, TODAY)
    yield rt, summary
    rt.engine.dispose()


@pytest.fixture
def rt(demo: tuple[Runtime, str]) -> Runtime:
    return demo[0]


def _organization(rt: Runtime, name: str) -> int:
    return directory.create_organization(
        rt.uow(),
        {
            "name": name,
            "org_type": "social_group",
            "category": "community_service",
            "unit": "cc-ng",
            "district": "南关区",
        },
    )


ROOM = {"room_name": "党员活动室", "area_m2": 45, "requested_on": "2026-05-08"}


def _inspection(area: int, sign: bool) -> dict[str, Any]:
    return {"inspected_on": "2026-05-10", "measured_area_m2": area, "sign_displayed": sign}


# ---------------------------------------------------------------- the proofs


def test_it_is_registered_by_its_entry_point_and_nothing_in_engine_or_web_names_it(installed):
    registry = load_registry()
    assert {"activity_room.request", "activity_room.inspection"} <= set(registry.schemas)
    assert "activity_room.large_enough" in registry.guards
    assert "activity_room" in registry.demos
    assert "registration" in registry.demos  # the shipped packages are still there
    # Its definitions come from where it is installed, not from the deployment's folder.
    # (a shipped package may bring a folder of its own too: the coverage procedure does)
    folder = installed / "toyproc" / "definitions"
    assert folder in registry.definition_folders
    assert all(f == folder or ROOT in f.parents for f in registry.definition_folders)
    out = CliRunner().invoke(cli, ["definitions", "check"])
    assert out.exit_code == 0, out.output
    assert "toyproc/definitions/activity_room.v1.yaml  activity_room v1" in out.output
    assert "registration.v1.yaml  registration v1" in out.output  # the shipped ones too
    defs = load_definitions(None, registry)
    assert defs.parameters["toy_min_area_m2"] == 20 and "TOY-1" in defs.catalogue
    # Its folder alone, without its package's names, does not load: names come from the registry.
    _, problems = collect(TOY / "toyproc" / "definitions", Registry())
    assert any("activity_room.large_enough" in str(p) for p in problems)
    for folder in ("engine", "web"):
        for path in (ROOT / folder).rglob("*"):
            if path.is_file() and path.suffix in (".py", ".html", ".po", ".yaml"):
                text = path.read_text(encoding="utf-8", errors="replace")
                assert "activity_room" not in text and "toyproc" not in text, path


def test_the_demo_loader_runs_its_demo(demo):
    rt, summary = demo
    assert "activity_room 4" in summary
    cases, deadlines = Case.__table__, Deadline.__table__
    with rt.reader() as r:
        states = set(
            r.conn.execute(select(cases.c.state).where(cases.c.procedure == "activity_room"))
            .scalars()
            .all()
        )
        overdue = (
            r.conn.execute(
                select(deadlines.c.key)
                .join(cases, cases.c.id == deadlines.c.case_id)
                .where(cases.c.procedure == "activity_room", deadlines.c.status == "open")
                .where(deadlines.c.due_date < TODAY)
            )
            .scalars()
            .all()
        )
    assert states == set(rt.definitions.get("activity_room").states)
    assert overdue == ["decision"]  # TOY-3: the inspected room nobody decided on


def test_services_open_and_fire_with_its_guards_rules_and_deadline(rt):
    wang, li = (access.actor_for(rt.uow(), u) for u in ("wang", "li"))
    org = _organization(rt, "南关区服务测试协会")
    cid = case_service.open_case(rt.uow(), rt.definitions, "activity_room", org, ROOM, actor=wang)
    case = case_read.get_case(rt.uow(), rt.definitions, cid, actor=wang)
    assert (case["state"], case["data"]["request"]["area_m2"]) == ("requested", 45)
    offered = {
        a.trigger: a for a in case_service.actions(rt.uow(), rt.definitions, cid, actor=wang)
    }
    assert offered["inspect"].allowed and not offered["refuse"].role_ok

    with pytest.raises(TransitionRefused) as refused:
        case_service.fire(
            rt.uow(), rt.definitions, cid, "inspect", _inspection(12, True), actor=wang,
            expected_version=1,
        )  # fmt: skip
    assert refused.value.refusal.rule == "TOY-1"
    assert "20" in refused.value.refusal.zh  # the local parameter toy_min_area_m2

    out = case_service.fire(
        rt.uow(), rt.definitions, cid, "inspect", _inspection(30, False), actor=wang,
        expected_version=1,
    )  # fmt: skip
    assert out["state"] == "inspected"
    case = case_read.get_case(rt.uow(), rt.definitions, cid, actor=wang)
    assert [(d["key"], d["status"], d["rule"]) for d in case["deadlines"]] == [
        ("decision", "open", "TOY-3")
    ]
    with pytest.raises(Forbidden):
        case_service.fire(
            rt.uow(), rt.definitions, cid, "approve", {}, actor=wang, expected_version=2
        )
    approval = {"approved_on": "2026-05-11", "approval_no": "党建〔2026〕9号"}
    with pytest.raises(TransitionRefused) as refused:
        case_service.fire(
            rt.uow(), rt.definitions, cid, "approve", approval, actor=li, expected_version=2
        )
    assert refused.value.refusal.rule == "TOY-2"
    out = case_service.fire(
        rt.uow(), rt.definitions, cid, "refuse", {"ground": "no_sign"}, actor=li,
        expected_version=2,
    )  # fmt: skip
    assert (out["state"], out["status"]) == ("refused", "closed")


def test_the_api_opens_fires_describes_and_draws_it(rt):
    app = create_app(runtime=rt)
    client = app.test_client()
    bearer = {
        u: {"Authorization": f"Bearer {tokens.create_token(rt.uow(), u, 'toy').token}"}
        for u in ("wang", "li")
    }
    org = _organization(rt, "南关区接口测试协会")
    resp = client.post(
        "/api/v1/cases",
        json={"procedure": "activity_room", "organization_id": org, "data": ROOM},
        headers=bearer["wang"],
    )
    assert resp.status_code == 201, resp.get_json()
    case = resp.get_json()
    fire = f"/api/v1/cases/{case['id']}/fire/inspect"
    resp = client.post(
        fire, json={"data": {"inspected_on": "2026-05-10"}},
        headers={**bearer["wang"], "If-Match": resp.headers["ETag"]},
    )  # fmt: skip
    assert resp.status_code == 422 and "measured_area_m2" in json.dumps(resp.get_json())
    resp = client.post(
        fire, json={"data": _inspection(10, True)},
        headers={**bearer["wang"], "If-Match": f'"{case["version"]}"'},
    )  # fmt: skip
    assert resp.status_code == 409 and "TOY-1" in json.dumps(resp.get_json())
    resp = client.post(
        fire, json={"data": _inspection(25, True)},
        headers={**bearer["wang"], "If-Match": f'"{case["version"]}"'},
    )  # fmt: skip
    assert resp.status_code == 200 and resp.get_json()["state"] == "inspected"
    resp = client.post(
        f"/api/v1/cases/{case['id']}/fire/approve",
        json={"data": {"approved_on": "2026-05-11", "approval_no": "党建〔2026〕8号"}},
        headers={**bearer["li"], "If-Match": resp.headers["ETag"]},
    )
    assert resp.status_code == 200 and resp.get_json()["state"] == "approved"

    described = client.get("/api/v1/definitions/activity_room", headers=bearer["wang"])
    assert described.status_code == 200
    assert "Inspect the room" in described.get_data(as_text=True)
    svg = client.get("/api/v1/definitions/activity_room/diagram.svg", headers=bearer["wang"])
    assert svg.status_code == 200 and svg.mimetype == "image/svg+xml"
    assert "实地检查" in svg.get_data(as_text=True)


def _csrf(page: Any) -> str:
    found = CSRF.search(page.get_data(as_text=True))
    assert found, page.get_data(as_text=True)[:500]
    return found.group(1)


def _signed_in(app: Any, username: str) -> Any:
    """A browser signed in as a demo user, the CSRF token taken from the page as a browser does."""
    c = app.test_client()
    login = c.get("/login")
    form = {"username": username, "password": DEMO_PASSWORD, "csrf_token": _csrf(login)}
    assert c.post("/login", data=form).status_code == 303
    return c


def test_the_ui_lists_opens_labels_and_fires_it_in_both_languages(rt):
    app = create_app(runtime=rt)
    c = _signed_in(app, "wang")
    inbox = c.get("/cases?view=all").get_data(as_text=True)
    assert "党员活动室登记" in inbox and "已检查（待批准）" in inbox  # the demo's cases

    org = _organization(rt, "南关区界面测试协会")
    new = c.get(f"/organizations/{org}/cases/new")
    html = new.get_data(as_text=True)
    assert "活动室名称" in html and "申报面积（平方米）" in html
    resp = c.post(
        f"/organizations/{org}/cases/new",
        data={"_procedure": "activity_room", "csrf_token": _csrf(new), **ROOM, "area_m2": "45"},
    )
    assert resp.status_code == 303, resp.get_data(as_text=True)[:2000]
    case_url = resp.headers["Location"].split("#")[0]

    page = c.get(case_url)
    html = page.get_data(as_text=True)
    assert 'class="diagram"' in html and 'aria-current="step"' in html
    assert "实测面积（平方米）" in html and "已悬挂党旗和党组织标识" in html
    c.get("/lang/en")
    html = c.get(case_url).get_data(as_text=True)
    assert "Measured area (m²)" in html and "Flag and sign displayed" in html

    step = f"{case_url}/steps/inspect"
    form = {"csrf_token": _csrf(page), "_version": "1", "inspected_on": "2026-05-10"}
    refused = c.post(step, data={**form, "measured_area_m2": "8"})
    assert refused.status_code == 409 and "TOY-1" in refused.get_data(as_text=True)
    done = c.post(step, data={**form, "measured_area_m2": "30", "sign_displayed": "y"})
    assert done.status_code == 303
    html = c.get(case_url).get_data(as_text=True)
    assert "Inspected (to approve)" in html and "Flag and sign displayed" in html  # the payload

    procedure = c.get("/procedures/activity_room").get_data(as_text=True)
    assert "Ground for refusing" in procedure and "Measured area (m²)" in procedure

    supervisor = _signed_in(app, "li")  # the refusal form, its choices in the schema's words
    html = supervisor.get(case_url).get_data(as_text=True)
    assert "不予登记的理由" in html and "未悬挂标识" in html and "申请人撤回" in html


def test_the_cli_opens_fires_and_shows_it(rt, database):
    org = _organization(rt, "南关区命令行测试协会")
    env = {
        "TONGBU_DATABASE_URL": database,
        "TONGBU_SCHEDULER": "0",
    }
    today = date.today()
    room = {**ROOM, "requested_on": str(today - timedelta(days=3))}

    def run(*args: str) -> str:
        out = CliRunner().invoke(cli, list(args), env=env)
        assert out.exit_code == 0, out.output
        return out.output

    opened = run("case", "open", "activity_room", "--org", str(org), "--as", "wang",
                 "--data", json.dumps(room, ensure_ascii=False))  # fmt: skip
    cid = re.search(r"case (\d+) opened", opened).group(1)
    inspection = {**_inspection(33, False), "inspected_on": str(today)}
    fired = run("case", "fire", cid, "inspect", "--as", "wang", "--data", json.dumps(inspection))
    assert "inspect → inspected" in fired
    listed = run("case", "actions", cid, "--as", "li", "--lang", "en")
    assert "[TOY-2]" in listed
    shown = run("case", "show", cid, "--as", "wang")
    assert "党员活动室登记" in shown and "inspected" in shown and "decision" in shown


def test_its_diagram_and_its_section_of_the_procedures_doc(rt):
    d = rt.definitions.get("activity_room")
    svg = str(diagram.render(d, "inspected", ("requested",), "en"))
    assert "Inspect the room" in svg and 'aria-current="step"' in svg
    text = procedures_doc.generate(rt.definitions)
    # numbered after the shipped procedures (P1…P6), like any procedure a package adds
    assert re.search(rf"^## P7 — {re.escape(d.label.zh)} / {re.escape(d.label.en)}$", text, re.M)
    assert "`toyproc/definitions/activity_room.v1.yaml`" in text and "`toy_min_area_m2`" in text
    assert "TOY-1: the measured area is at least the local minimum" in text  # its guard's doc
    # The shipped doc covers the shipped procedures only: without the toy's folder it is
    # exactly what the definitions folder in the repository generates.
    registry = load_registry()
    registry.definition_folders[:] = [
        f for f in registry.definition_folders if "toyproc" not in f.parts
    ]
    shipped = load_definitions(None, registry)
    assert procedures_doc.DOC_PATH.read_text(encoding="utf-8") == procedures_doc.generate(shipped)
