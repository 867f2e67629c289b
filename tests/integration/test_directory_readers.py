"""One reader per directory entity: the pages, the API, the CLI and the XLSX export list the
same organizations (and Party organizations) in the same order, on SQLite and PostgreSQL.

A search is typed literally in every adapter: `%` and `_` find only the names that contain
them, never every name (LIKE's wildcards are escaped in the one predicate).
"""

from __future__ import annotations

import io
import re

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook
from sqlalchemy import event

from engine.access import tokens
from engine.access.actor import SYSTEM
from engine.directory import party as party_read
from engine.directory import read as directory_read
from engine.directory import service as directory
from engine.errors import Forbidden
from tests.e2e.ui_support import app_for, login, ui_world
from web.cli.base import Ctx
from web.cli.core import main

#: Organizations whose names hold LIKE's wildcards, besides the world's four which do not.
LITERAL = {
    "percent_underscore": ("南关区100%_公益服务社", "cc-ng"),
    "underscore": ("南关区青年_志愿者协会", "cc-ng"),
    "percent_chaoyang": ("朝阳区50%助学协会", "cc-cy"),
}


@pytest.fixture
def world(db_url, clock):
    w = ui_world(db_url, clock)
    for key, (name, unit) in LITERAL.items():
        w.orgs[key] = directory.create_organization(
            w.uow(),
            {"name": name, "org_type": "social_group", "category": "charity", "unit": unit},
            actor=SYSTEM,
        )
    w.party = {
        key: directory.create_party_organization(
            w.uow(),
            {
                "organization_id": w.orgs[org],
                "name": name,
                "kind": "branch",
                "upper_party_org": "南关区自强街道党工委",
                "established_on": "2024-05-10",
            },
        )
        for key, org, name in (
            ("percent", "percent_underscore", "100%_公益服务社党支部"),
            ("plain", "logistics", "物流行业协会党支部"),
            ("chaoyang", "percent_chaoyang", "朝阳区助学协会党支部"),
        )
    }
    return w


class Adapters:
    """The same list through each adapter, as the ids it shows, in its order."""

    def __init__(self, world) -> None:
        self.world = world
        self.app = app_for(world)
        self.pages = {}
        self.tokens = {}
        self.ctx = Ctx()
        self.ctx._runtime = world.rt

    def page(self, user: str):
        if user not in self.pages:
            self.pages[user] = self.app.test_client()
            assert login(self.pages[user], user).status_code == 303
        return self.pages[user]

    def ui(self, user: str, search: str) -> list[int]:
        resp = self.page(user).get("/organizations", query_string={"q": search})
        assert resp.status_code == 200
        return [int(i) for i in re.findall(r'href="/organizations/(\d+)"', resp.text)]

    def xlsx(self, user: str, search: str) -> list[str]:
        resp = self.page(user).get("/organizations", query_string={"q": search, "format": "xlsx"})
        assert resp.status_code == 200
        sheet = load_workbook(io.BytesIO(resp.data)).active
        return [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)]

    def api(self, user: str, search: str) -> list[int]:
        if user not in self.tokens:
            self.tokens[user] = tokens.create_token(self.world.uow(), user, "tests").token
        resp = self.app.test_client().get(
            "/api/v1/organizations",
            query_string={"limit": 200} | ({"search": search} if search else {}),
            headers={"Authorization": f"Bearer {self.tokens[user]}"},
        )
        assert resp.status_code == 200, resp.get_json()
        return [o["id"] for o in resp.get_json()["items"]]

    def cli(self, *args: str) -> list[int]:
        result = CliRunner().invoke(main, list(args), obj=self.ctx)
        assert result.exit_code == 0, result.output
        return [int(m) for m in re.findall(r"^\s*(\d+)\s", result.output, re.MULTILINE)]

    def party_ui(self, user: str, search: str) -> list[int]:
        resp = self.page(user).get("/party-organizations", query_string={"q": search})
        assert resp.status_code == 200
        return [int(i) for i in re.findall(r'href="/party-organizations/(\d+)"', resp.text)]


@pytest.fixture
def adapters(world) -> Adapters:
    return Adapters(world)


def _names(world, ids: list[int]) -> set[str]:
    page = directory_read.list_organizations(world.rt.reader(), SYSTEM, per_page=1000)
    return {o["name"] for o in page.rows if o["id"] in ids}


@pytest.mark.parametrize("search", ["%", "_", "%_", "100%", "协会", "南关区", "no such name"])
def test_ui_api_cli_and_export_list_the_same_organizations(world, adapters, search):
    """The administrator sees every unit, as the CLI's system actor does: all four agree."""
    ui = adapters.ui("admin", search)
    assert ui == adapters.api("admin", search) == adapters.cli("org", "list", "--search", search)
    assert adapters.xlsx("admin", search) == [
        o["name"]
        for o in directory_read.iter_organizations(
            world.rt.reader(), SYSTEM, directory_read.OrgFilter(q=search)
        )
    ]
    assert len(adapters.xlsx("admin", search)) == len(ui)


@pytest.mark.parametrize("search", ["%", "_", "协会", ""])
def test_a_scoped_user_sees_the_same_rows_in_the_ui_and_the_api(world, adapters, search):
    """wang (南关区) sees the same rows on the page and through the API: none of 朝阳区's."""
    ui = adapters.ui("wang", search)
    assert ui == adapters.api("wang", search)
    assert world.orgs["percent_chaoyang"] not in ui
    assert set(ui) <= set(adapters.cli("org", "list", "--search", search))


def test_wildcards_are_typed_literally_everywhere(world, adapters):
    """`%` and `_` match only names that contain them; the search is not a LIKE pattern."""
    o = world.orgs
    percent = {o["percent_underscore"], o["percent_chaoyang"]}
    underscore = {o["percent_underscore"], o["underscore"]}
    everyone = set(adapters.cli("org", "list", "--limit", "1000"))
    assert len(everyone) == 7  # a wildcard would have matched all seven
    for search, expected in (("%", percent), ("_", underscore), ("%_", {o["percent_underscore"]})):
        for shown in (
            adapters.ui("admin", search),
            adapters.api("admin", search),
            adapters.cli("org", "list", "--search", search),
        ):
            assert set(shown) == expected, (search, _names(world, shown))
    assert adapters.ui("wang", "%") == adapters.api("wang", "%") == [o["percent_underscore"]]


def test_party_organization_search_is_literal_and_the_same_in_ui_and_cli(world, adapters):
    p = world.party
    assert adapters.party_ui("admin", "%") == [p["percent"]]
    assert adapters.cli("party-org", "list", "--search", "%") == [p["percent"]]
    assert adapters.party_ui("admin", "_") == adapters.cli("party-org", "list", "--search", "_")
    assert adapters.party_ui("admin", "党支部") == adapters.cli(
        "party-org", "list", "--search", "党支部"
    )
    assert len(adapters.party_ui("admin", "党支部")) == 3
    assert p["chaoyang"] not in adapters.party_ui("wang", "党支部")


def test_api_pages_by_offset_over_the_same_order(world, adapters):
    """limit/offset walk the list the page shows, by name, and stop at the end."""
    token = tokens.create_token(world.uow(), "admin", "tests").token
    client, seen, offset = adapters.app.test_client(), [], 0
    while offset is not None:
        body = client.get(
            "/api/v1/organizations",
            query_string={"limit": 3, "offset": offset},
            headers={"Authorization": f"Bearer {token}"},
        ).get_json()
        assert body["limit"] == 3 and body["offset"] == offset
        seen += [o["id"] for o in body["items"]]
        offset = body["next_offset"]
    assert seen == adapters.ui("admin", "") == adapters.cli("org", "list")
    assert len(seen) == 7


def test_detail_readers_are_scoped_by_the_actor(world):
    """zhao (朝阳区) reads neither 南关区's Party organization nor its members; SYSTEM does."""
    member = directory.create_member(
        world.uow(),
        {
            "organization_id": world.orgs["logistics"],
            "name": "张伟",
            "status": "full",
            "party_organization_id": world.party["plain"],
        },
    )
    zhao, reader = world.actors["zhao"], world.rt.reader()
    with pytest.raises(Forbidden):
        party_read.party_organization(reader, zhao, world.party["plain"])
    with pytest.raises(Forbidden):
        party_read.member(reader, zhao, member)
    with pytest.raises(Forbidden):
        directory_read.organization(reader, zhao, world.orgs["logistics"])
    assert party_read.list_members(reader, zhao).total == 0
    detail = party_read.party_organization(reader, SYSTEM, world.party["plain"])
    assert [m["id"] for m in detail["members"]] == [member]
    assert detail["members_count"] == 1
    assert party_read.member(reader, world.actors["wang"], member)["organization"] == (
        "长春市南关区物流行业协会"
    )
    users = directory_read.list_users(reader, world.actors["zhao"]).rows
    assert [u["username"] for u in users] == ["zhao"]


def test_readers_never_commit(world):
    """Every reader runs without a COMMIT; a write through the service commits once."""
    commits: list[int] = []
    event.listen(world.rt.engine, "commit", lambda conn: commits.append(1))
    reader, admin = world.rt.reader(), world.actors["admin"]
    directory.create_member(
        world.uow(),
        {
            "organization_id": world.orgs["logistics"],
            "name": "刘洋",
            "status": "full",
            "party_organization_id": world.party["plain"],
        },
    )
    assert commits == [1]  # the listener sees commits
    directory_read.list_organizations(reader, admin)
    list(directory_read.iter_organizations(reader, admin))
    directory_read.organization(reader, admin, world.orgs["logistics"])
    directory_read.units_in_scope(reader, admin)
    directory_read.list_users(reader, admin)
    party_read.list_party_organizations(reader, admin)
    party_read.party_organization(reader, admin, world.party["plain"])
    party_read.list_members(reader, admin)
    assert commits == [1]
