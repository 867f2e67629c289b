"""The one case-list reader (`engine.cases.listing`): the inbox, its XLSX export, the API and
`tongbu case list` show the same rows, and each row's next deadline carries its own flag."""

from __future__ import annotations

import io
import json
import re

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook
from sqlalchemy import update

from engine.access import tokens
from engine.cases import listing as case_lists
from engine.oversight.figures import Moment
from engine.store.tables import Case, Deadline
from tests.e2e.ui_support import app_for, login, ui_world
from tests.integration.test_escalation import deadline, registered_cases
from web.cli import main
from web.cli.base import Ctx


@pytest.fixture
def world(db_url, clock):
    return ui_world(db_url, clock)


def cli(world, *args: str) -> str:
    ctx = Ctx()
    ctx._runtime = world.rt
    result = CliRunner().invoke(main, list(args), obj=ctx)
    assert result.exit_code == 0, result.output
    return result.output


def set_provisional(world, case_id: int, flags: dict[str, bool]) -> None:
    dl = Deadline.__table__
    with world.rt.uow() as u:
        for key, flag in flags.items():
            u.conn.execute(
                update(dl).where(dl.c.case_id == case_id, dl.c.key == key).values(provisional=flag)
            )
        u.commit()


@pytest.mark.parametrize(
    ("reg5", "reg8"),
    [(False, True), (True, False)],
    ids=["only-the-later-deadline-provisional", "the-shown-deadline-provisional"],
)
def test_the_case_list_shows_the_provisional_flag_of_the_deadline_it_shows(world, reg5, reg8):
    """A case's next deadline is its earliest open one (REG-5, one month); the provisional
    flag beside it is that deadline's, not REG-8's (three months, perhaps in a year the
    holiday calendar does not cover yet)."""
    (cid,) = registered_cases(world, 1)
    set_provisional(world, cid, {"forward_documents": reg5, "party_org_formation": reg8})
    reg5_due = deadline(world, cid, "forward_documents")["due_date"]
    assert reg5_due < deadline(world, cid, "party_org_formation")["due_date"]

    at = Moment.of(world.rt.definitions, world.clock.now())
    wang = world.actors["wang"]
    (row,) = case_lists.list_cases(world.rt.reader(), wang, case_lists.CaseFilter(), at).rows
    assert (row["next_due"], row["provisional"]) == (reg5_due, reg5)

    client = app_for(world).test_client()
    login(client, "wang")
    html = client.get("/cases").get_data(as_text=True)
    line = re.search(rf'<tr [^>]*data-case="{cid}">(.*?)</tr>', html, re.S)[1]
    assert str(reg5_due) in line
    assert ('class="provisional"' in line) is reg5
    sheet = load_workbook(io.BytesIO(client.get("/cases?format=xlsx").data)).worksheets[0]
    (exported,) = list(sheet.iter_rows(min_row=2, values_only=True))
    assert (exported[0], exported[-2].date(), exported[-1]) == (cid, reg5_due, reg5)
    listed = cli(world, "case", "list", "--as", "wang")
    assert f"next deadline {reg5_due}" in listed
    assert ("(provisional)" in listed) is reg5


def test_inbox_api_and_cli_list_the_same_cases_in_the_same_order(world):
    ids = registered_cases(world, 3)
    cases = Case.__table__
    with world.rt.uow() as u:  # one closed, for the closed and all views
        u.conn.execute(update(cases).where(cases.c.id == ids[1]).values(status="closed"))
        u.commit()
    token = tokens.create_token(world.rt.uow(), "wang", "lists").token
    api = app_for(world).test_client()
    at = Moment.of(world.rt.definitions, world.clock.now())
    for view in ("open", "closed", "all"):
        page = case_lists.list_cases(
            world.rt.reader(), world.actors["wang"], case_lists.CaseFilter(view=view), at
        )
        expected = [r["id"] for r in page.rows]
        body = api.get(
            f"/api/v1/cases?status={view}", headers={"Authorization": f"Bearer {token}"}
        ).get_json()
        assert [c["id"] for c in body["items"]] == expected, view
        assert all(c["unit"] == "南关区民政局" for c in body["items"])
        listed = json.loads(cli(world, "case", "list", "--as", "wang", "--view", view, "--json"))
        assert [c["id"] for c in listed["items"]] == expected, view
        assert listed["total"] == page.total == len(expected)
    assert sorted(expected) == sorted(ids)
    # Paging by offset (the API's and the CLI's) walks the same list.
    first = api.get(
        "/api/v1/cases?status=all&limit=2", headers={"Authorization": f"Bearer {token}"}
    ).get_json()
    rest = api.get(
        f"/api/v1/cases?status=all&limit=2&offset={first['next_offset']}",
        headers={"Authorization": f"Bearer {token}"},
    ).get_json()
    assert [c["id"] for c in first["items"] + rest["items"]] == expected
    assert rest["next_offset"] is None
