"""`tongbu db|definitions|unit|user|org|case|demo|serve`: the core commands."""

from __future__ import annotations

import sys
from datetime import datetime

import click

from engine.cases import handover
from engine.cases import listing as case_lists
from engine.cases import read as case_read
from engine.cases import service as case_service
from engine.config import Config
from engine.definitions.loader import collect, definitions_dir
from engine.oversight.figures import Moment
from engine.registry import load_registry
from web.cli.base import Ctx, _actor, _echo_json, build_payload, handled, pass_ctx
from web.cli.instants import ZONE, local_time


@click.group()
def main() -> None:
    """tongbu (同步): synchronized Party-building procedures for social organizations."""


@main.group()
def db() -> None:
    """Database schema (Alembic)."""


@db.command("upgrade")
@click.option("--revision", default="heads", show_default=True)
@handled
def db_upgrade(revision: str) -> None:
    """Migrate the database at TONGBU_DATABASE_URL to the newest schema."""
    from engine.store.migrate import upgrade

    upgrade(Config.from_env().database_url, revision)
    click.echo(f"database at {revision}")


@main.group()
def definitions() -> None:
    """Procedure definitions: check and show."""


@definitions.command("check")
@click.option(
    "--dir",
    "directory",
    type=click.Path(file_okay=False),
    default=None,
    help="folder of definitions (default: TONGBU_DEFINITIONS_DIR or the shipped ones)",
)
@handled
def definitions_check(directory: str | None) -> None:
    """Validate every definition file, the rules catalogue and the parameters; list all problems."""
    from pathlib import Path

    folder = Path(directory) if directory else definitions_dir(Config.from_env().definitions_dir)
    defs, problems = collect(folder, load_registry())
    if problems:
        for p in problems:
            click.echo(str(p), err=True)
        click.echo(f"{len(problems)} problem(s) in {folder}", err=True)
        sys.exit(1)
    assert defs is not None
    for d in defs:
        click.echo(
            f"ok  {d.file}  {d.procedure} v{d.version}  {len(d.states)} states, "
            f"{len(d.transitions)} transitions, {len(d.deadlines)} deadlines  sha256:{d.content_hash[:12]}"
        )
    click.echo(f"ok  parameters: {len(defs.parameters)}; rules: {len(defs.catalogue.rules)}")


@definitions.command("show")
@click.argument("name")
@click.option("--version", type=click.IntRange(min=1), default=None)
@pass_ctx
@handled
def definitions_show(ctx: Ctx, name: str, version: int | None) -> None:
    """Print the states, transitions and deadlines of a procedure."""
    d = ctx.runtime.definitions.get(name, version)
    click.echo(f"{d.procedure} v{d.version} — {d.label.zh} / {d.label.en}  ({d.file})")
    click.echo("\nstates:")
    for s in d.states.values():
        mark = "*" if s.id == d.initial else (" ■" if s.terminal else "  ")
        click.echo(f" {mark} {s.id:<22} {s.label.zh} / {s.label.en}")
    click.echo("\ntransitions:")
    for t in d.transitions:
        click.echo(
            f"   {t.trigger:<24} {','.join(t.sources)} -> {t.dest}   [{', '.join(t.rules)}]  "
            f"roles={','.join(t.roles)}" + (f" schema={t.schema}" if t.schema else "")
        )
        if t.guards:
            click.echo(f"   {'':<24} guards: {', '.join(t.guards)}")
    click.echo("\ndeadlines:")
    for dl in d.deadlines:
        esc = " → ".join(f"{e.to}(+{e.after.isoformat()})" for e in dl.escalation)
        click.echo(
            f"   {dl.id:<22} {dl.period_text} from {dl.anchor} on {','.join(dl.opens_on)}; "
            f"met by {','.join(dl.closes_on)} [{dl.rule}]"
        )
        click.echo(
            f"   {'':<22} remind {dl.remind_before.isoformat() if dl.remind_before else '-'} before; "
            f"escalate: {esc or '-'}"
        )


@main.group()
def case() -> None:
    """Drive cases step by step (the caseworker's shell)."""


AS_USER = click.option(
    "--as", "username", required=True, envvar="TONGBU_USER", help="acting user (or TONGBU_USER)"
)


@case.command("open")
@click.argument("procedure")
@click.option("--org", "organization_id", type=click.IntRange(min=1), required=True)
@AS_USER
@click.option("--data", "data_text", default=None, help="payload as a JSON object")
@click.option("--set", "sets", multiple=True, help="payload field, key=value (repeatable)")
@click.option("--comment", default=None)
@pass_ctx
@handled
def case_open(
    ctx: Ctx,
    procedure: str,
    organization_id: int,
    username: str,
    data_text: str | None,
    sets: tuple[str, ...],
    comment: str | None,
) -> None:
    """Open a case of PROCEDURE for an organization."""
    rt = ctx.runtime
    payload = build_payload(data_text, sets)
    cid = case_service.open_case(
        rt.uow(),
        rt.definitions,
        procedure,
        organization_id,
        payload,
        actor=_actor(rt, username),
        comment=comment,
    )
    click.echo(f"case {cid} opened")


@case.command("actions")
@click.argument("case_id", type=click.IntRange(min=1))
@AS_USER
@click.option("--lang", type=click.Choice(["zh", "en"]), default="zh")
@pass_ctx
@handled
def case_actions(ctx: Ctx, case_id: int, username: str, lang: str) -> None:
    """List the steps of a case: allowed ones, and refused ones with their rule."""
    rt = ctx.runtime
    for a in case_service.actions(rt.uow(), rt.definitions, case_id, actor=_actor(rt, username)):
        label = a.label_zh if lang == "zh" else a.label_en
        if a.allowed:
            click.echo(
                f"  ✓ {a.trigger:<24} {label}" + (f"  (input: {a.schema})" if a.schema else "")
            )
        elif not a.role_ok:
            click.echo(f"  ✗ {a.trigger:<24} {label}  — role: needs {', '.join(a.roles)}")
        else:
            r = a.refusal
            click.echo(f"  ✗ {a.trigger:<24} {label}  — [{r.rule}] {r.message(lang)}")


@case.command("fire")
@click.argument("case_id", type=click.IntRange(min=1))
@click.argument("trigger")
@AS_USER
@click.option(
    "--version",
    "expected_version",
    type=click.IntRange(min=1),
    default=None,
    help="the version you saw (`case show`); omitted: the current one",
)
@click.option("--data", "data_text", default=None, help="payload as a JSON object")
@click.option("--set", "sets", multiple=True, help="payload field, key=value (repeatable)")
@click.option("--comment", default=None)
@pass_ctx
@handled
def case_fire(
    ctx: Ctx,
    case_id: int,
    trigger: str,
    username: str,
    expected_version: int | None,
    data_text: str | None,
    sets: tuple[str, ...],
    comment: str | None,
) -> None:
    """Fire TRIGGER on a case with its input."""
    rt = ctx.runtime
    actor = _actor(rt, username)
    payload = build_payload(data_text, sets)
    if expected_version is None:
        expected_version = case_read.get_case(rt.uow(), rt.definitions, case_id, actor=actor)[
            "version"
        ]
    out = case_service.fire(
        rt.uow(),
        rt.definitions,
        case_id,
        trigger,
        payload,
        actor=actor,
        expected_version=expected_version,
        comment=comment,
    )
    click.echo(f"case {case_id}: {trigger} → {out['state']} (version {out['version']})")


@case.command("hand-over")
@click.argument("case_id", type=click.IntRange(min=1))
@click.option("--to", "unit", required=True, help="code of the unit that takes the case over")
@click.option("--reason", required=True, help="why the case changes hands (in its history)")
@AS_USER
@click.option(
    "--version",
    "expected_version",
    type=click.IntRange(min=1),
    default=None,
    help="the version you saw (`case show`); omitted: the current one",
)
@pass_ctx
@handled
def case_hand_over(
    ctx: Ctx,
    case_id: int,
    unit: str,
    reason: str,
    username: str,
    expected_version: int | None,
) -> None:
    """Hand a case over to another unit (REG-6: to the responsible body); supervisors only."""
    rt = ctx.runtime
    actor = _actor(rt, username)
    if expected_version is None:
        expected_version = case_read.get_case(rt.uow(), rt.definitions, case_id, actor=actor)[
            "version"
        ]
    out = handover.hand_over(
        rt.uow(),
        case_id,
        {"unit": unit, "reason": reason, "expected_version": expected_version},
        actor=actor,
    )
    click.echo(f"case {case_id}: handed over to {out['unit']} (version {out['version']})")


@case.command("show")
@click.argument("case_id", type=click.IntRange(min=1))
@AS_USER
@click.option("--json", "as_json", is_flag=True)
@pass_ctx
@handled
def case_show(ctx: Ctx, case_id: int, username: str, as_json: bool) -> None:
    """Show a case: state, version, facts, deadlines and history."""
    rt = ctx.runtime
    actor = _actor(rt, username)
    c = case_read.get_case(rt.uow(), rt.definitions, case_id, actor=actor)
    hist = case_read.history(rt.uow(), case_id, actor=actor)
    if as_json:
        _echo_json(
            {**c, "label": vars(c["label"]), "state_label": vars(c["state_label"]), "history": hist}
        )
        return
    o = c["organization"]
    click.echo(f"case {c['id']}  {c['label'].zh} v{c['definition_version']}  [{c['status']}]")
    click.echo(f"  organization: {o['name']}  {o['credit_code'] or '(no credit code yet)'}")
    click.echo(
        f"  state: {c['state']} — {c['state_label'].zh} / {c['state_label'].en}   version {c['version']}"
    )
    for key, w in (c["data"].get("warnings") or {}).items():
        click.echo(f"  ⚠ [{w.get('rule', key)}] {w.get('zh', '')} / {w.get('en', '')}")
    if c["deadlines"]:
        click.echo("  deadlines:")
        for d in c["deadlines"]:
            prov = " (provisional)" if d["provisional"] else ""
            click.echo(
                f"    {d['key']:<22} due {d['due_date']}{prov}  [{d['rule']}]  {d['status']}"
            )
    click.echo(f"  history (times {ZONE}):")
    for e in hist:
        step = e["trigger"] or e["kind"]
        click.echo(
            f"    {local_time(e['at'])}  v{e['case_version']:<3} {step:<24} "
            f"{e['from_state'] or '':>18} → {e['to_state'] or '':<18} {e['actor_name']}"
            + (f"  «{e['comment']}»" if e["comment"] else "")
        )


@case.command("list")
@AS_USER
@click.option(
    "--view",
    type=click.Choice(case_lists.VIEWS),
    default="open",
    show_default=True,
    help="the inbox's tabs: due_soon, overdue and stalled as the ACC-1 figures count them",
)
@click.option(
    "--owner",
    type=click.Choice(case_lists.OWNERS),
    default="all",
    show_default=True,
    help="mine (yours or delegated to you), unassigned, unit (your own unit's), all",
)
@click.option("--procedure", default=None)
@click.option("--limit", type=click.IntRange(1, 1000), default=50)
@click.option("--offset", type=click.IntRange(min=0), default=0)
@click.option("--json", "as_json", is_flag=True)
@pass_ctx
@handled
def case_list(
    ctx: Ctx,
    username: str,
    view: str,
    owner: str,
    procedure: str | None,
    limit: int,
    offset: int,
    as_json: bool,
) -> None:
    """The cases the inbox lists, in its order: the same reader as the UI and the API."""
    rt = ctx.runtime
    found = case_lists.list_cases(
        rt.reader(),
        _actor(rt, username),
        case_lists.CaseFilter(view=view, procedure=procedure, owner=owner),
        Moment.of(rt.definitions, rt.clock.now()),
        per_page=limit,
        offset=offset,
    )
    if as_json:
        _echo_json({"total": found.total, "items": found.rows})
        return
    click.echo(f"{view}: {found.total} case(s)")
    for r in found.rows:
        due = ""
        if r["next_due"]:
            due = f"  next deadline {r['next_due']}" + (
                " (provisional)" if r["provisional"] else ""
            )
        click.echo(
            f"{r['id']:>6}  {r['procedure']:<14} {r['state']:<22} v{r['version']:<3} "
            f"{r['organization']}{due}"
        )


@main.command()
@click.option(
    "--today",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="pretend today is this date (default: today)",
)
@pass_ctx
@handled
def demo(ctx: Ctx, today: datetime | None) -> None:
    """Load demo units, users, organizations and cases in every state (some overdue)."""
    from web.demo import load_demo

    summary = load_demo(ctx.runtime, today=today.date() if today else None)
    click.echo(summary)


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=click.IntRange(1, 65535), default=5000, show_default=True)
@pass_ctx
@handled
def serve(ctx: Ctx, host: str, port: int) -> None:
    """Start the web app (threaded) with the scheduler in-process unless TONGBU_SCHEDULER=0."""
    from werkzeug.serving import run_simple

    from web import create_app

    app = create_app(runtime=ctx.runtime)
    scheduler = None
    if ctx.runtime.config.scheduler:
        from web.cli.escalation import start_in_process_scheduler

        scheduler = start_in_process_scheduler(ctx.runtime)
    click.echo(
        f"tongbu on http://{host}:{port}/ (scheduler "
        f"{'in-process' if scheduler else 'off: run `tongbu scheduler`'})"
    )
    try:
        run_simple(host, port, app, threaded=True, use_reloader=False)
    finally:
        if scheduler is not None:
            scheduler.shutdown(wait=True)
