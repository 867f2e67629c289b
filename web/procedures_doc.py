"""Generate docs/procedures.md — the procedures as a caseworker reads them — from the definitions.

    python -m web.procedures_doc            write docs/procedures.md
    python -m web.procedures_doc --check    exit 1 if the committed file differs
    python -m web.procedures_doc --dir FOLDER --output FILE    another folder's procedures

Everything in the document comes from the loaded definitions, the rules catalogue, the policy
parameters and the registered guards and schemas (their docstrings and fields), so it cannot
drift: tests/unit/test_procedures_doc.py fails when the committed file is not what this
module generates. It names no procedure: whatever a folder defines and the installed packages
register is documented (the committed file: the shipped folder, so the shipped procedures).
"""

from __future__ import annotations

import argparse
import inspect
import sys
from pathlib import Path

from marshmallow import Schema, fields

from engine.calendar import Period
from engine.definitions.loader import load_definitions
from engine.definitions.model import (
    CAMPAIGN_TRIGGER,
    OPEN_TRIGGER,
    Definition,
    Definitions,
    Label,
    TransitionDef,
)
from engine.registry import load_registry

DOC_PATH = Path(__file__).resolve().parent.parent / "docs" / "procedures.md"
ROLE = {
    "caseworker": ("经办人", "caseworker"),
    "supervisor": ("负责人（上级）", "supervisor"),
    "admin": ("管理员", "admin"),
}
TARGET = {
    "assignee": ("经办人", "the assignee"),
    "unit_supervisor": ("本单位负责人", "the unit's supervisor"),
    "upper_body": ("上级机关", "the upper body"),
}


def period_text(p: Period) -> tuple[str, str]:
    """A period in words, both languages ("1个月", "1 month")."""
    parts = [(p.years, "年", "year"), (p.months, "个月", "month"), (p.days, "天", "day")]
    zh = "".join(f"{n}{u}" for n, u, _ in parts if n) or "0天"
    en = ", ".join(f"{n} {u}{'s' if n != 1 else ''}" for n, _, u in parts if n) or "0 days"
    return zh, en


def _first_paragraph(doc: str | None) -> str:
    text = inspect.cleandoc(doc or "").split("\n\n")[0]
    return " ".join(text.split())


def _label(label: Label) -> str:
    return f"{label.zh} / {label.en}"


def _fields(schema: Schema, prefix: str = "") -> list[str]:
    out = []
    for name, f in schema.fields.items():
        desc = f.metadata.get("description")
        mark = "" if f.required else " (optional)"
        line = f"`{prefix}{name}`{mark}" + (f" — {desc}" if desc else "")
        out.append(line)
        if isinstance(f, fields.Nested) and isinstance(f.schema, Schema):
            out.extend(_fields(f.schema, f"{prefix}{name}."))
        elif isinstance(f, fields.List) and isinstance(f.inner, fields.Nested):
            out.extend(_fields(f.inner.schema, f"{prefix}{name}[]."))
    return out


def _schema_block(d: Definition, name: str | None) -> str:
    if name is None:
        return "—"
    return "<br>".join(_fields(d.registry.schema(name)))


def _materials(t: TransitionDef) -> tuple[list[str], list[str]]:
    """What a step requires before it is allowed, and every document its form takes."""
    required = [
        f"须先附上 / requires: {m.label.zh} / {m.label.en} ({m.rule})" for m in t.required_materials
    ]
    taken = [
        f"材料 / document `{m.id}`: {m.label.zh} / {m.label.en} "
        f"({m.rule}; {'必需 required' if m.required else '可附 accepted'})"
        for m in t.materials
    ]
    return required, taken


def _anchor(d: Definition, anchor: str) -> tuple[str, str]:
    if anchor == "event":
        return "该步骤办理之日", "the day of the step"
    if anchor.startswith("payload."):
        key = anchor.removeprefix("payload.")
        return (
            f"该步骤填报的日期 `{key}`（未填报的，该步骤办理之日）",
            f"the date entered as `{key}` (if none, the day of the step)",
        )
    key = anchor.removeprefix("data.")
    return f"案件记录的日期 `{key}`", f"the date recorded as `{key}`"


def _steps(d: Definition, triggers: tuple[str, ...]) -> str:
    labels = []
    for trig in triggers:
        if trig == OPEN_TRIGGER:
            labels.append(f"立案（`{trig}`, the case opens）")
            continue
        if trig == CAMPAIGN_TRIGGER:
            labels.append(f"集中攻坚开启或纳入本案（`{trig}`, a campaign opens or joins the case）")
            continue
        t = d.transitions_named(trig)[0]
        labels.append(f"{t.label.zh}（`{trig}`）")
    return "、".join(labels)


def procedure_section(d: Definition, number: int, defs: Definitions) -> list[str]:
    out = [f"## P{number} — {d.label.zh} / {d.label.en}", ""]
    out.append(f"Definition `{d.file}` (procedure `{d.procedure}`, version {d.version}).")
    older = [o.file for o in defs if o.procedure == d.procedure and o.version < d.version]
    if older:
        out.append(
            f"New cases open on it; cases opened earlier finish on the version they were opened "
            f"on ({', '.join(f'`{f}`' for f in older)}) / 新立案件按本版本办理，此前立案的案件按原版本办结。"
        )
    out.append("")
    params = {defs.parameters.describe(dl.parameter).rule for dl in d.deadlines if dl.parameter}
    params |= {defs.parameters.describe(pid).rule for pid in d.parameters}
    rules = sorted(
        {*d.cited_rules} | {h.rule for h in d.holds} | params,
        key=lambda r: (r.split("-")[0], int(r.split("-")[1])),
    )
    out += ["### Rules / 依据", ""]
    for rid in rules:
        rule = defs.catalogue.get(rid)
        if rule is None:  # pragma: no cover - the loader refuses unknown rules
            continue
        src = f" [{'] ['.join(rule.sources)}]" if rule.sources else " (local policy)"
        out.append(f"- **{rid}** {rule.zh} / {rule.en}{src}")
    out.append("")
    out += ["### How a case starts / 立案", ""]
    out.append(f"A caseworker opens the case at **{_label(d.states[d.initial].label)}** with:")
    out.append("")
    if d.open_schema:
        out += [f"- {line}" for line in _fields(d.registry.schema(d.open_schema))]
    else:
        out.append("- (no input)")
    for name in d.open_actions:
        doc = _first_paragraph(d.registry.actions[name].__doc__)
        if doc:
            out += ["", f"On opening: {doc}"]
    out.append("")
    out += [
        "### States / 环节",
        "",
        "| state | 环节 | stage | ends the case |",
        "|---|---|---|---|",
    ]
    for s in d.states.values():
        start = " (start)" if s.id == d.initial else ""
        start += " (waiting / 等待)" if s.waiting else ""
        out.append(
            f"| `{s.id}`{start} | {s.label.zh} | {s.label.en} | {'yes' if s.terminal else ''} |"
        )
    out.append("")
    out += [
        "### Steps / 步骤",
        "",
        "| step / 步骤 | from → to | who acts / 办理人 | checked before it is allowed | rules | form |",
        "|---|---|---|---|---|---|",
    ]
    for t in d.transitions:
        who = (
            "、".join(ROLE[r][0] for r in t.roles) + " / " + ", ".join(ROLE[r][1] for r in t.roles)
        )
        required, documents = _materials(t)
        checks = "<br>".join(
            required
            + [_first_paragraph(d.registry.guards[g].__doc__) or f"`{g}`" for g in t.guards]
        )
        form = _schema_block(d, t.schema)
        if documents:
            form = "<br>".join(([] if t.schema is None else [form]) + documents)
        sources = ", ".join(d.states[s].label.zh for s in t.sources)
        out.append(
            f"| {t.label.zh}<br>{t.label.en}<br>`{t.trigger}` | {sources} → "
            f"{d.states[t.dest].label.zh} | {who} | {checks or '—'} | {', '.join(t.rules)} | "
            f"{form} |"
        )
    out.append("")
    if d.deadlines:
        out += ["### Deadlines / 期限", ""]
        for dl in d.deadlines:
            zh, en = period_text(dl.period)
            local = ""
            if dl.parameter:
                rule = defs.parameters.describe(dl.parameter).rule
                local = f" — **local default / 地方默认值**, parameter `{dl.parameter}` [{rule}]"
            anchor_zh, anchor_en = _anchor(d, dl.anchor)
            out.append(f"- **{dl.label.zh} / {dl.label.en}** [{dl.rule}]")
            out.append(f"  - period / 期限: {zh} / {en}{local}")
            out.append(f"  - counted from / 起算: {anchor_zh} / {anchor_en}")
            out.append(f"  - starts with / 开始于: {_steps(d, dl.opens_on)}")
            out.append(f"  - met by / 完成于: {_steps(d, dl.closes_on)}")
            if dl.cancels_on:
                out.append(f"  - lapses with / 随之取消: {_steps(d, dl.cancels_on)}")
            if dl.remind_before:
                rz, re = period_text(dl.remind_before)
                out.append(f"  - reminder / 提醒: {rz}前 / {re} before")
            if dl.escalation:
                chain = "; ".join(
                    f"{TARGET[e.to][0]} / {TARGET[e.to][1]} "
                    + ("at once" if e.after.is_zero() else f"+{period_text(e.after)[1]}")
                    for e in dl.escalation
                )
                out.append(f"  - if overdue, escalated to / 逾期上报: {chain}")
        out.append("")
    used = [*d.parameters, *(dl.parameter for dl in d.deadlines if dl.parameter)]
    if used:
        out += ["### Local parameters it uses / 所用地方参数", ""]
        for pid in dict.fromkeys(used):
            p = defs.parameters.describe(pid)
            out.append(
                f"- `{pid}` = {p.value} ({p.unit}) [{p.rule}] — local default / 地方默认值: "
                f"{p.zh} / {p.en}"
            )
        out.append("")
    out += _links_section(d, defs)
    if d.holds:
        out += ["### While a case is open / 在办期间", ""]
        for h in d.holds:
            out.append(f"- `{h.operation}` waits [{h.rule}]: {h.zh} / {h.en}")
        out.append("")
    return out


_DO = {
    "open": ("开启", "opens"),
    "fire": ("办理", "moves"),
    "notify": ("提示", "notifies"),
}


def _links_section(d: Definition, defs: Definitions) -> list[str]:
    """Steps that hand the case to another unit, and steps that act on other procedures."""
    lines = []
    for t in d.transitions:
        if t.hand_over:
            key = t.hand_over.removeprefix("data.")
            lines.append(
                f"- {t.label.zh} / {t.label.en} (`{t.trigger}`) 将案件移交至记录为 `{key}` 的单位，"
                f"其期限、逾期上报和问责统计随之归属该单位 / hands the case to the unit recorded as "
                f"`{key}`: its deadlines, their escalation and the accountability figures go with "
                f"it [{', '.join(t.rules)}]"
            )
    for r in d.reactions:
        other = defs.get(r.procedure)
        steps = "、".join(d.transitions_named(trig)[0].label.zh for trig in r.on)
        step_en = ", ".join(d.transitions_named(trig)[0].label.en for trig in r.on)
        target = ""
        if r.trigger:
            named = [
                t
                for o in defs
                if o.procedure == r.procedure
                for t in o.transitions_named(r.trigger)
            ]
            if named:
                target = f"「{named[0].label.zh}」 / '{named[0].label.en}' "
        zh_do, en_do = _DO[r.do]
        lines.append(
            f"- {steps} / {step_en}: {r.label.zh} / {r.label.en} — {zh_do}{other.label.zh}案件"
            f"{target}/ {en_do} the {other.label.en} case (`{r.procedure}`) [{r.rule}]"
        )
    if not lines:
        return []
    return [
        "### Linked procedures and hand-overs / 联动与移交",
        "",
        "A linked step runs in the same transaction as the step that sets it off, as the system, "
        "and both cases record it; where the other case cannot take the step, its owner is "
        "notified instead / 联动在同一事务中由系统办理并记入双方案件；对方案件不能办理的，通知其经办人。",
        "",
        *lines,
        "",
    ]


def in_catalogue_order(defs: Definitions) -> list[Definition]:
    """The newest version of each procedure, in the catalogue's order of the rule each one
    opens with (its first step's first rule): rules.yaml follows DOMAIN.md, so P1 … P4 come
    out as DOMAIN.md numbers them. A procedure whose first step cites no catalogued rule
    follows, by name."""
    position = {rule_id: n for n, rule_id in enumerate(defs.catalogue.rules)}

    def key(d: Definition) -> tuple[int, str]:
        opening = d.transitions[0].rules[:1] if d.transitions else ()
        return (
            min((position.get(r, len(position)) for r in opening), default=len(position)),
            d.procedure,
        )

    return sorted(defs.latest(), key=key)


def generate(defs: Definitions | None = None) -> str:
    """The whole document, deterministic for given definitions and parameters."""
    defs = defs or load_definitions(None, load_registry())
    ordered = in_catalogue_order(defs)
    out = [
        "# The procedures, as a caseworker reads them / 办理程序",
        "",
        "<!-- Generated by `python -m web.procedures_doc` from definitions/*.yaml; do not edit. -->",
        "",
        "Each procedure is a case that moves step by step. A step is offered only when its checks",
        "pass; a refused step names its rule (an ID such as REG-8, listed under each procedure's",
        "Rules with the articles of the policy documents it follows) and says why, in Chinese and",
        "English.",
        "Deadlines are counted per the Civil Code (the starting day not counted; a period ending on",
        "a rest day moves to the next working day, adjusted working days honoured) and end at",
        "midnight Asia/Shanghai. Figures the policy documents leave open are local policy parameters,",
        "marked **local default / 地方默认值** (see the last section).",
        "",
        "Roles: 经办人 / caseworker — registration authority staff and Party-affairs staff; "
        "负责人（上级） / supervisor — heads of those units and the upper Party bodies.",
        "",
    ]
    for n, d in enumerate(ordered, start=1):
        out += procedure_section(d, n, defs)
    out += [
        "## Local policy parameters / 地方政策参数",
        "",
        "Every value below is a **local default / 地方默认值**, set in `definitions/parameters.yaml`,",
        "never a figure of the policy documents unless the description says so.",
        "",
        "| parameter | value | unit | rule | 说明 | description |",
        "|---|---|---|---|---|---|",
    ]
    for p in defs.parameters.all():
        out.append(f"| `{p.id}` | {p.value} | {p.unit} | {p.rule} | {p.zh} | {p.en} |")
    out.append("")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if the file differs")
    parser.add_argument("--output", type=Path, default=DOC_PATH)
    parser.add_argument(
        "--dir", type=Path, default=None, help="definitions folder (default: the shipped one)"
    )
    args = parser.parse_args(argv)
    text = generate(load_definitions(args.dir, load_registry()))
    if args.check:
        current = args.output.read_text(encoding="utf-8") if args.output.exists() else ""
        if current != text:
            print(
                f"{args.output} is out of date: run python -m web.procedures_doc", file=sys.stderr
            )
            return 1
        print(f"{args.output} is up to date")
        return 0
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(text, encoding="utf-8")
    print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
