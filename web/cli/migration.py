"""`tongbu definitions migrate`: running cases moved to a new definition version.

The adapter of `engine.cases.migration`: reads the plan file, prints the dry run case by case
or runs the migration with one line per case as it commits (so an operator — or a test —
sees how far it got), and maps a refused plan to exit code 3 (refused by a rule) and cases
that moved out of the plan's reach during the run to exit code 4 (conflict).
docs/operations.md, "Moving running cases to a new version".
"""

from __future__ import annotations

import sys
from pathlib import Path

import click
from marshmallow import ValidationError

from engine.access.actor import SYSTEM
from engine.cases import migration
from engine.cases.migration import CaseOutcome, CasePlan, DeadlineChange, MigrationReport
from web.cli.base import Ctx, _actor, _echo_json, handled, pass_ctx

_CANCELLED_WHY = {
    "gone": ("目标版本无此期限", "not in the target version"),
    "not_here": ("目标版本在该环节不运行此期限", "the target does not run it in that state"),
    "duplicate": ("重复", "a duplicate"),
}


def _deadline_line(d: DeadlineChange) -> str:
    rule = f"[{d.rule}]"
    if d.action == "cancelled":
        zh, en = _CANCELLED_WHY.get(d.why or "", (d.why, d.why))
        return f"{d.key} {rule}: cancelled / 取消 ({en} / {zh}); was due {d.old_due}"
    if d.action == "opened":
        return (
            f"{d.new_key} {rule}: opened / 新开, due {d.new_due} "
            f"(from {d.anchor_date}, {d.anchor_from})"
        )
    if d.action == "skipped":
        return (
            f"{d.new_key} {rule}: not opened again / 不再新开 "
            f"({d.why} under the old version / 原版本下已{d.why})"
        )
    parts = []
    if d.new_key != d.key:
        parts.append(f"re-keyed / 改名 {d.key} → {d.new_key}")
    if d.new_due != d.old_due:
        parts.append(f"due / 到期 {d.old_due} → {d.new_due}")
    else:
        parts.append(f"due / 到期 {d.new_due}")
    if d.values is not None and d.new_key == d.key and d.new_due == d.old_due:
        parts.append("rule or reminders updated / 规则或提醒更新")
    if d.anchor_from not in (None, "kept"):
        parts.append(f"from / 起算 {d.anchor_date} ({d.anchor_from})")
    return f"{d.key} {rule}: carried / 沿用, " + "; ".join(parts)


def _case_lines(c: CasePlan, report: MigrationReport) -> list[str]:
    arrow = f"v{report.from_version} {c.old_state} → v{report.to_version} {c.new_state or '?'}"
    lines = [f"case {c.case_id:>6}  {c.organization} (#{c.organization_id})  {arrow}"]
    lines += [f"    data: {d.op} {d.path}" + (f" → {d.to}" if d.to else "") for d in c.data_changes]
    lines += [f"    deadline: {_deadline_line(d)}" for d in c.deadlines]
    lines += [f"    note / 提示: {n}" for n in c.notes]
    lines += [f"    REFUSED / 不予迁移: {p}" for p in c.problems]
    return lines


def _print_report(report: MigrationReport, *, cases: bool = True) -> None:
    click.echo(
        f"{report.procedure} v{report.from_version} → v{report.to_version}  "
        f"plan sha256:{report.plan_sha256[:12]}"
    )
    for p in report.plan_problems:
        click.echo(f"  plan problem / 方案问题: {p}")
    if cases:
        for c in report.cases:
            for line in _case_lines(c, report):
                click.echo(line)
    moves: dict[tuple[str, str | None], int] = {}
    for c in report.cases:
        moves[(c.old_state, c.new_state)] = moves.get((c.old_state, c.new_state), 0) + 1
    for (old, new), n in sorted(moves.items(), key=lambda kv: kv[0][0]):
        click.echo(f"  {old} → {new or '?'}: {n}")
    refused = sum(1 for c in report.cases if c.refused)
    click.echo(
        f"{len(report.cases)} open case(s) on v{report.from_version} / 在办案件; "
        f"{refused} refused / 不予迁移; {report.migrated_before} already migrated / 已迁移"
    )


def _load_plan_file(path: str) -> migration.MigrationPlan:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ValidationError({"--plan": [f"cannot read / 无法读取: {exc}"]}) from exc
    return migration.load_plan(text)


def register(main: click.Group) -> None:
    """Add `migrate` to the `tongbu definitions` group."""
    definitions = main.commands["definitions"]
    assert isinstance(definitions, click.Group)

    @definitions.command("migrate")
    @click.argument("procedure")
    @click.option("--from", "from_version", type=click.IntRange(min=1), required=True)
    @click.option("--to", "to_version", type=click.IntRange(min=1), required=True)
    @click.option(
        "--plan", "plan_file", type=click.Path(dir_okay=False), required=True,
        help="YAML plan: states (old: new), data (rename, defaults, require), deadlines (rename)",
    )  # fmt: skip
    @click.option("--dry-run", is_flag=True, help="list every case and what would change")
    @click.option(
        "--as", "username", default=None, help="acting administrator (default: the system)"
    )
    @click.option(
        "--limit", type=click.IntRange(min=1), default=None,
        help="migrate at most this many cases, then stop (run again for the rest)",
    )  # fmt: skip
    @click.option("--json", "as_json", is_flag=True, help="the dry run as JSON")
    @pass_ctx
    @handled
    def definitions_migrate(
        ctx: Ctx,
        procedure: str,
        from_version: int,
        to_version: int,
        plan_file: str,
        dry_run: bool,
        username: str | None,
        limit: int | None,
        as_json: bool,
    ) -> None:
        """Move the open cases of PROCEDURE from one definition version to a newer one.

        Each case in its own transaction with a `migrated` event; stopped or killed, run it
        again: cases already moved are skipped. A plan that does not fit every case is
        refused before anything is written (exit 3).
        """
        rt = ctx.runtime
        plan = _load_plan_file(plan_file)
        args = (rt.uow(), rt.definitions, plan, procedure, from_version, to_version)
        if dry_run:
            report = migration.plan_migration(*args)
            if as_json:
                _echo_json(migration.report_dict(report))
            else:
                _print_report(report)
                click.echo(
                    "dry run, nothing written / 预演，未写入"
                    + ("; plan refused / 方案不予执行" if report.refused else "")
                )
            sys.exit(3 if report.refused else 0)
        actor = _actor(rt, username) if username else SYSTEM

        def progress(o: CaseOutcome) -> None:
            where = f"{o.plan.old_state} → {o.plan.new_state}" if o.plan else ""
            again = " (re-planned: it moved since the dry run / 已重新核算)" if o.replanned else ""
            click.echo(f"{o.outcome} case {o.case_id} {where}{again}".rstrip())
            if o.outcome == "refused" and o.plan:
                for p in o.plan.problems:
                    click.echo(f"    {p}")

        try:
            run = migration.migrate(*args, actor=actor, limit=limit, on_case=progress)
        except migration.MigrationRefused as err:
            _print_report(err.report)
            click.echo("plan refused, nothing written / 方案不予执行，未写入", err=True)
            sys.exit(3)
        _print_report(run.report, cases=False)
        counts = {k: run.count(k) for k in ("migrated", "skipped", "closed", "refused")}
        click.echo(
            f"migrated / 已迁移 {counts['migrated']}, skipped (already moved) / 跳过 "
            f"{counts['skipped']}, closed meanwhile / 已办结 {counts['closed']}, "
            f"refused (moved meanwhile) / 不予迁移 {counts['refused']}"
            + (
                "; stopped at --limit, run again / 已达上限，请再次运行"
                if run.stopped_at_limit
                else ""
            )
        )
        sys.exit(4 if counts["refused"] else 0)
