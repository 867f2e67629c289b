"""`tongbu` commands for P2–P4: Party organizations, members, deregistration and parameters.

The cases themselves run through `tongbu case open|fire|actions|show`, which serve every
procedure; these commands show and record what the cases work on:

    tongbu party-org list|show|add     Party organizations (officers, meetings, warnings)
    tongbu member list|show|add        Party members: where their relation sits, their role
    tongbu org deregister ORG --as U   complete a deregistration (waits for P2: TRF-4)
    tongbu parameters                  the local policy parameters, each marked local default
"""

from __future__ import annotations

from typing import Any

import click

from engine.access.actor import SYSTEM
from engine.directory import party as party_read
from engine.directory import service as directory
from engine.vocabulary import MEMBER_ROLES, MEMBER_STATUSES, PARTY_ORG_KINDS
from web.cli.base import Ctx, _actor, _echo_json, handled, pass_ctx
from web.cli.directory import echo_more

KIND_ZH = {
    "committee": "党委",
    "general_branch": "党总支",
    "branch": "党支部",
    "joint_branch": "联合党支部",
}
STATUS_ZH = {"full": "正式党员", "probationary": "预备党员"}
ROLE_ZH = {"head": "负责人", "management": "管理层", "backbone": "业务骨干", "staff": "一般人员"}
POSITION_ZH = {"secretary": "书记", "deputy_secretary": "副书记"}


def _date(value: Any) -> str:
    return value.isoformat() if value is not None else "-"


def _relation(m: dict) -> str:
    if m["party_organization_id"]:
        where = f"党组织 #{m['party_organization_id']}"
    else:
        where = m["relation_location"] or "-"
    life = f"；参加组织生活：{m['life_party_org']}" if m.get("life_party_org") else ""
    return where + life


def register(main: click.Group) -> None:
    """Add this module's commands to the `tongbu` group."""
    # ------------------------------------------------------------ party organizations

    @main.group("party-org")
    def party_org() -> None:
        """Party organizations (党组织): list, inspect, record."""

    @party_org.command("list")
    @click.option("--org", "organization_id", type=click.IntRange(min=1), default=None)
    @click.option("--status", type=click.Choice(["active", "revoked", "all"]), default="active")
    @click.option("--search", default=None, help="part of the name (typed literally)")
    @click.option("--limit", type=click.IntRange(1, 1000), default=50)
    @click.option("--offset", type=click.IntRange(min=0), default=0)
    @pass_ctx
    @handled
    def party_org_list(
        ctx: Ctx,
        organization_id: int | None,
        status: str,
        search: str | None,
        limit: int,
        offset: int,
    ) -> None:
        """List Party organizations by name, with their host organization and member count."""
        page = party_read.list_party_organizations(
            ctx.runtime.reader(),
            SYSTEM,
            party_read.PartyOrgFilter(
                q=search,
                status=None if status == "all" else status,
                organization_id=organization_id,
            ),
            per_page=limit,
            offset=offset,
        )
        for p in page.rows:
            click.echo(
                f"{p['id']:>5}  {KIND_ZH.get(p['kind'], p['kind']):<5} {p['status']:<8} "
                f"{p['members_count']:>4}人  {p['name']}  (上级 {p['upper_party_org'] or '-'}; "
                f"{p['organization'] or '-'})"
            )
        if not page.rows:
            click.echo("no Party organizations / 没有党组织")
        echo_more(page, "Party organizations")

    @party_org.command("show")
    @click.argument("party_organization_id", type=click.IntRange(min=1))
    @click.option("--json", "as_json", is_flag=True)
    @pass_ctx
    @handled
    def party_org_show(ctx: Ctx, party_organization_id: int, as_json: bool) -> None:
        """Show a Party organization: term, members, officers, meetings, open cases, warnings."""
        p = party_read.party_organization(ctx.runtime.reader(), SYSTEM, party_organization_id)
        if as_json:
            _echo_json(p)
            return
        click.echo(f"#{p['id']}  {p['name']}  [{KIND_ZH.get(p['kind'], p['kind'])} / {p['kind']}]")
        click.echo(
            f"  status / 状态: {p['status']}"
            + (f" (revoked {_date(p['revoked_on'])})" if p["revoked_on"] else "")
        )
        click.echo(f"  upper Party organization / 上级党组织: {p['upper_party_org'] or '-'}")
        click.echo(
            f"  established / 成立: {_date(p['established_on'])}   formation: {p['formation_mode']}"
        )
        if p["term_started_on"]:
            click.echo(
                f"  term / 任期: from {_date(p['term_started_on'])}, {p['term_years']} years (SEC-9)"
            )
        covers = [f"#{c['organization_id']} {c['name']} ({c['mode']})" for c in p["covers"]]
        click.echo(f"  covers / 覆盖: {'、'.join(covers) or '-'}")
        click.echo(f"  members / 党员 ({len(p['members'])}):")
        for m in p["members"]:
            click.echo(
                f"    #{m['id']:<5} {m['name']:<6} {STATUS_ZH.get(m['status'], m['status'])} "
                f"{ROLE_ZH.get(m['role'] or 'staff', m['role'])}"
            )
        click.echo("  officers / 书记、副书记:")
        for o in p["officers"]:
            ft = " 专职" if o["full_time"] else ""
            end = (
                f" — ended {_date(o['ended_on'])} ({o['end_reason']})"
                if o["status"] == "ended"
                else ""
            )
            click.echo(
                f"    #{o['id']:<5} {POSITION_ZH.get(o['position'], o['position'])}{ft} {o['name']} "
                f"({o['origin']}) approved by {o['approved_by'] or '-'} on "
                f"{_date(o['approved_on'])}; stipend {o['stipend_yuan_per_month']} yuan/month{end}"
            )
        if p["meetings"]:
            click.echo("  latest meetings / 最近的组织生活:")
            for mt in p["meetings"]:
                click.echo(
                    f"    {_date(mt['held_on'])}  {mt['kind']:<22} {mt['topic']}  "
                    f"(under {mt['under_body'] or '-'})"
                )
        for c in p["open_cases"]:
            click.echo(f"  open case / 在办案件 #{c['id']} {c['procedure']} at {c['state']}")
            for key, w in (c.get("warnings") or {}).items():
                click.echo(f"    ⚠ [{w.get('rule', key)}] {w['zh']} / {w['en']}")

    @party_org.command("add")
    @click.option("--org", "organization_id", type=click.IntRange(min=1), default=None)
    @click.option("--name", required=True)
    @click.option("--kind", type=click.Choice(PARTY_ORG_KINDS), required=True)
    @click.option("--upper-party-org", required=True, help="the upper Party organization")
    @click.option("--upper-unit", default=None, help="unit code of the upper body, if known")
    @click.option("--established-on", required=True, help="YYYY-MM-DD")
    @click.option("--term-started-on", default=None, help="YYYY-MM-DD (SEC-9)")
    @click.option("--term-years", type=click.IntRange(1, 10), default=None)
    @click.option(
        "--formation-mode",
        type=click.Choice(["standalone", "joint", "affiliated"]),
        default="standalone",
    )
    @click.option(
        "--covers",
        multiple=True,
        type=click.IntRange(min=1, max=2**31 - 1),
        help="id of an organization it covers besides its host: a joint branch's partner (repeat)",
    )
    @pass_ctx
    @handled
    def party_org_add(ctx: Ctx, covers: tuple[int, ...], **kw: Any) -> None:
        """Record a Party organization that exists already (formed outside P1); without --org,
        a body's own Party organization (needs --upper-unit) that others can be affiliated to."""
        kw["covers"] = list(covers)
        limit = int(ctx.runtime.definitions.parameters["joint_branch_max_units"])
        pid = directory.create_party_organization(ctx.runtime.uow(), kw, joint_limit=limit)
        click.echo(f"party organization {pid} created")

    @party_org.command("cover")
    @click.argument("party_organization_id", type=click.IntRange(min=1, max=2**31 - 1))
    @click.argument("organization_ids", nargs=-1, required=True, type=click.IntRange(min=1))
    @click.option("--since", type=click.DateTime(["%Y-%m-%d"]), required=True, help="YYYY-MM-DD")
    @pass_ctx
    @handled
    def party_org_cover(
        ctx: Ctx, party_organization_id: int, organization_ids: tuple[int, ...], since: Any
    ) -> None:
        """Link organizations to a Party organization it covers (REG-7; a joint branch at most
        joint_branch_max_units): e.g. the names migration 0007 could not match."""
        limit = int(ctx.runtime.definitions.parameters["joint_branch_max_units"])
        new = directory.cover_organizations(
            ctx.runtime.uow(), party_organization_id, list(organization_ids),
            since=since.date(), joint_limit=limit,
        )  # fmt: skip
        click.echo(f"covered / 已覆盖: {new or 'nothing new / 无新增'}")

    # ------------------------------------------------------------ members

    @main.group("member")
    def member() -> None:
        """Party members (党员): list, inspect, record."""

    @member.command("list")
    @click.option("--org", "organization_id", type=click.IntRange(min=1), default=None)
    @click.option("--party-org", "party_organization_id", type=click.IntRange(min=1), default=None)
    @click.option("--limit", type=click.IntRange(1, 1000), default=100)
    @click.option("--offset", type=click.IntRange(min=0), default=0)
    @pass_ctx
    @handled
    def member_list(
        ctx: Ctx,
        organization_id: int | None,
        party_organization_id: int | None,
        limit: int,
        offset: int,
    ) -> None:
        """List members by number, by employer (--org) or by Party organization (--party-org)."""
        page = party_read.list_members(
            ctx.runtime.reader(),
            SYSTEM,
            party_read.MemberFilter(
                organization_id=organization_id, party_organization_id=party_organization_id
            ),
            per_page=limit,
            offset=offset,
        )
        for m in page.rows:
            click.echo(
                f"{m['id']:>6}  {m['name']:<6} {STATUS_ZH.get(m['status'], m['status'])} "
                f"{ROLE_ZH.get(m['role'] or 'staff', m['role']):<4} org #{m['organization_id']}  "
                f"组织关系：{_relation(m)}"
            )
        if not page.rows:
            click.echo("no members / 没有党员")
        echo_more(page, "members")

    @member.command("show")
    @click.argument("member_id", type=click.IntRange(min=1))
    @click.option("--json", "as_json", is_flag=True)
    @pass_ctx
    @handled
    def member_show(ctx: Ctx, member_id: int, as_json: bool) -> None:
        """Show one member: status, role, employer and where the relation sits."""
        m = party_read.member(ctx.runtime.reader(), SYSTEM, member_id)
        if as_json:
            _echo_json(m)
            return
        click.echo(f"#{m['id']}  {m['name']}")
        click.echo(f"  status / 类别: {STATUS_ZH.get(m['status'], m['status'])} ({m['status']})")
        click.echo(f"  role / 岗位: {ROLE_ZH.get(m['role'] or 'staff')} ({m['role'] or 'staff'})")
        click.echo(f"  employed by / 所在社会组织: #{m['organization_id']} {m['organization']}")
        click.echo(f"  organizational relation / 组织关系: {_relation(m)}")

    @member.command("add")
    @click.option("--org", "organization_id", type=click.IntRange(min=1), required=True)
    @click.option("--name", required=True)
    @click.option("--status", type=click.Choice(MEMBER_STATUSES), required=True)
    @click.option(
        "--role",
        type=click.Choice(MEMBER_ROLES),
        default="staff",
        show_default=True,
    )
    @click.option("--party-org", "party_organization_id", type=click.IntRange(min=1), default=None)
    @click.option("--relation-location", default=None, help="where the relation sits, if elsewhere")
    @click.option("--life-party-org", default=None, help="where organizational life is joined")
    @click.option("--part-time", is_flag=True)
    @pass_ctx
    @handled
    def member_add(ctx: Ctx, part_time: bool, **kw: Any) -> None:
        """Record a Party member of a social organization."""
        kw["full_time"] = not part_time
        limit = int(ctx.runtime.definitions.parameters["joint_branch_max_units"])
        mid = directory.create_member(ctx.runtime.uow(), kw, joint_limit=limit)
        click.echo(f"member {mid} created")

    # ------------------------------------------------------------ deregistration

    org_group = main.commands.get("org")
    if not isinstance(org_group, click.Group):  # pragma: no cover - web.cli defines it

        @main.group("org")
        def org_group() -> None:
            """Social organizations."""

    @org_group.command("deregister")
    @click.argument("organization_id", type=click.IntRange(min=1))
    @click.option("--as", "username", required=True, envvar="TONGBU_USER")
    @click.option(
        "--on",
        type=click.DateTime(["%Y-%m-%d"]),
        default=None,
        help="the day it took effect, YYYY-MM-DD (default: today; never after today)",
    )
    @pass_ctx
    @handled
    def org_deregister(ctx: Ctx, organization_id: int, username: str, on: Any) -> None:
        """Complete a deregistration (注销登记); waits while the Party organization's adjustment
        is open and while a Party organization is still active (TRF-4). The day is recorded
        on the organization (deregistered_on)."""
        rt = ctx.runtime
        directory.deregister_organization(
            rt.uow(), rt.definitions, organization_id, actor=_actor(rt, username),
            on=on.date() if on else None,
        )  # fmt: skip
        click.echo(f"organization {organization_id} deregistered / 已注销")

    # ------------------------------------------------------------ parameters

    @main.command("parameters")
    @click.option("--lang", type=click.Choice(["zh", "en"]), default="zh")
    @pass_ctx
    @handled
    def parameters(ctx: Ctx, lang: str) -> None:
        """The local policy parameters: value, unit, rule — each a local default (地方默认值)."""
        for p in ctx.runtime.definitions.parameters.all():
            text = p.zh if lang == "zh" else p.en
            click.echo(
                f"{p.id:<36} {p.value!s:<24} {p.unit:<15} [{p.rule}]  "
                f"{'地方默认值' if lang == 'zh' else 'local default'} — {text}"
            )
