"""`tongbu case claim|assign|delegate|end-delegation|step-back|cancel|suspend|resume|control`:
owners and supervisor correction (issue 15) from the shell, as the acting user (`--as`).

Each command calls one engine function (`engine.cases.owners`, `engine.cases.correction`) and
prints what it did; refusals are the engine's, with the documented exit codes
(`web.cli.base.handled`). A correction takes the version the user saw (`--version`, from
`tongbu case show`) or, without it, the current one.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click

from engine.access.actor import Actor
from engine.cases import correction, owners
from engine.cases import read as case_read
from engine.cases.control import case_control
from web.cli.base import Ctx, _actor, _echo_json, handled, pass_ctx
from web.cli.instants import ZONE, local_time

CASE_ID = click.argument("case_id", type=click.IntRange(min=1, max=2**31 - 1))
AS_USER = click.option(
    "--as", "username", required=True, envvar="TONGBU_USER", help="acting user (or TONGBU_USER)"
)
VERSION = click.option(
    "--version",
    "expected_version",
    type=click.IntRange(min=1, max=2**31 - 1),
    default=None,
    help="the version you saw (`case show`); omitted: the current one",
)
REASON = click.option("--reason", required=True, help="why (shown in the case's history)")


def _who(p: owners.Person | None) -> str:
    return f"{p.display_name} ({p.username})" if p else "—"


def _print_control(ctx: Ctx, case_id: int, actor: Actor) -> None:
    rt = ctx.runtime
    c = case_control(rt.reader(), rt.definitions, case_id, actor=actor)
    click.echo(f"case {c.case_id}  state {c.state}  version {c.version}  [{c.status}]")
    click.echo(f"  owner: {_who(c.owner)}")
    if c.delegate:
        click.echo(f"  delegated to {_who(c.delegate)} until {c.delegated_until} (inclusive)")
    if c.suspended_at:
        click.echo(
            f"  suspended since {local_time(c.suspended_at)} ({ZONE}): {c.suspension_reason or ''}"
        )
    if c.cancelled:
        click.echo("  cancelled")
    for action, reason in c.denials.items():
        name = action.replace("_", "-")
        click.echo(f"  ✓ {name}" if reason is None else f"  ✗ {name:<15} {reason}")
    if c.earlier_states:
        click.echo("  may step back to: " + ", ".join(s.state for s in c.earlier_states))


def _version(ctx: Ctx, case_id: int, actor: Actor, given: int | None) -> int:
    if given is not None:
        return given
    return int(
        case_read.get_case(ctx.runtime.uow(), ctx.runtime.definitions, case_id, actor=actor)[
            "version"
        ]
    )


def register(main: click.Group) -> None:
    """Add the owner and correction commands to the `case` group."""
    group = main.commands["case"]
    assert isinstance(group, click.Group)

    @group.command("control")
    @CASE_ID
    @AS_USER
    @click.option("--json", "as_json", is_flag=True)
    @pass_ctx
    @handled
    def case_control_command(ctx: Ctx, case_id: int, username: str, as_json: bool) -> None:
        """Who owns a case, its delegation and suspension, and what you may do about them."""
        actor = _actor(ctx.runtime, username)
        if as_json:
            rt = ctx.runtime
            _echo_json(case_control(rt.reader(), rt.definitions, case_id, actor=actor))
            return
        _print_control(ctx, case_id, actor)

    def owner_command(
        name: str, fn: Callable[..., dict[str, Any]], doc: str, *options: Callable
    ) -> None:
        def command(ctx: Ctx, case_id: int, username: str, **payload: Any) -> None:
            actor = _actor(ctx.runtime, username)
            body = {k: v for k, v in payload.items() if v is not None}
            fn(ctx.runtime.uow(), case_id, body, actor=actor)
            click.echo(f"case {case_id}: {name} done")
            _print_control(ctx, case_id, actor)

        command.__doc__ = doc
        for option in reversed((CASE_ID, AS_USER, *options)):
            command = option(command)
        group.command(name)(pass_ctx(handled(command)))

    def correction_command(
        name: str, fn: Callable[..., dict[str, Any]], doc: str, *options: Callable
    ) -> None:
        def command(
            ctx: Ctx, case_id: int, username: str, expected_version: int | None, **payload: Any
        ) -> None:
            rt = ctx.runtime
            actor = _actor(rt, username)
            version = _version(ctx, case_id, actor, expected_version)
            out = fn(
                rt.uow(),
                rt.definitions,
                case_id,
                {**payload, "expected_version": version},
                actor=actor,
            )
            click.echo(f"case {case_id}: {name} → {out['state']} (version {out['version']})")

        command.__doc__ = doc
        for option in reversed((CASE_ID, AS_USER, VERSION, REASON, *options)):
            command = option(command)
        group.command(name)(pass_ctx(handled(command)))

    optional_reason = click.option("--reason", default=None, help="a note for the history")
    owner_command(
        "claim",
        owners.claim,
        "Take an unassigned case of your unit.",
        optional_reason,
    )
    owner_command(
        "assign",
        owners.assign,
        "Make USER (a caseworker or supervisor of the case's unit) its owner; supervisors. "
        "Reassigning needs --reason.",
        click.option("--to", "user", required=True, help="username of the new owner"),
        optional_reason,
    )
    owner_command(
        "delegate",
        owners.delegate,
        "Have a colleague act as owner until a day (inclusive, Asia/Shanghai).",
        click.option("--to", "user", required=True, help="username of the colleague"),
        click.option("--until", required=True, help="last day, YYYY-MM-DD"),
        REASON,
    )
    owner_command(
        "end-delegation",
        owners.end_delegation,
        "End a running delegation before its day.",
        optional_reason,
    )
    correction_command(
        "step-back",
        correction.step_back,
        "Return a case to a state it was in (`case control` lists them); supervisors.",
        click.option("--to", "to_state", required=True, help="the state to return to"),
    )
    correction_command("cancel", correction.cancel, "End a case where it stands; supervisors.")
    correction_command(
        "suspend",
        correction.suspend,
        "Stop reminders, escalation and steps until resumed; supervisors.",
    )
    correction_command("resume", correction.resume, "Resume a suspended case; supervisors.")
