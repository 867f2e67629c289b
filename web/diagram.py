"""A procedure's diagram, drawn as inline SVG from its definition: no per-procedure drawing.

States are laid out top to bottom in layers (shortest path from the initial state), in the
order the definition lists them; forward steps run downwards, steps back (a return for
correction) run up the left side, and a step that stays in its state is a loop on the right.
The case's current state is highlighted, states it has passed through are shaded, terminal
states have a double border. Every box and arrow carries a <title> for screen readers.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass

from markupsafe import Markup, escape

from engine.definitions import Definition

BOX_W = 168
BOX_H = 46
GAP_X = 34
GAP_Y = 34
MARGIN = 40
CJK_PER_LINE = 12
LATIN_PER_LINE = 22


@dataclass(frozen=True)
class _Box:
    id: str
    x: int
    y: int
    layer: int


def _layers(definition: Definition) -> dict[str, int]:
    edges: dict[str, list[str]] = {s: [] for s in definition.states}
    for t in definition.transitions:
        for s in t.sources:
            if t.dest != s:
                edges[s].append(t.dest)
    layer = {definition.initial: 0}
    queue = deque([definition.initial])
    while queue:
        s = queue.popleft()
        for d in edges[s]:
            if d not in layer:
                layer[d] = layer[s] + 1
                queue.append(d)
    deepest = max(layer.values(), default=0)
    for s in definition.states:  # unreachable states (a loader error anyway) go last
        layer.setdefault(s, deepest + 1)
    return layer


def _wrap(text: str) -> list[str]:
    wide = any(ord(ch) > 0x2E80 for ch in text)
    width = CJK_PER_LINE if wide else LATIN_PER_LINE
    if wide:
        lines = [text[i : i + width] for i in range(0, len(text), width)]
    else:
        lines, cur = [], ""
        for word in text.split():
            if cur and len(cur) + 1 + len(word) > width:
                lines.append(cur)
                cur = word
            else:
                cur = f"{cur} {word}".strip()
        lines.append(cur)
    if len(lines) > 2:
        lines = [lines[0], lines[1][:-1] + "…"]
    return lines


def render(
    definition: Definition,
    current: str | None = None,
    visited: Iterable[str] = (),
    lang: str = "zh",
) -> Markup:
    """The SVG markup (safe to embed) of a definition, highlighting `current`."""
    layer = _layers(definition)
    rows: dict[int, list[str]] = {}
    for s in definition.states:
        rows.setdefault(layer[s], []).append(s)
    widest = max(len(r) for r in rows.values())
    width = MARGIN * 2 + widest * BOX_W + (widest - 1) * GAP_X
    boxes: dict[str, _Box] = {}
    for n, states in sorted(rows.items()):
        row_w = len(states) * BOX_W + (len(states) - 1) * GAP_X
        x0 = (width - row_w) // 2
        for i, s in enumerate(states):
            boxes[s] = _Box(s, x0 + i * (BOX_W + GAP_X), MARGIN // 2 + n * (BOX_H + GAP_Y), n)
    height = MARGIN + (max(rows) + 1) * (BOX_H + GAP_Y)
    visited = set(visited)
    title = definition.label.get(lang)
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="diagram" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" '
        'markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" '
        'fill="#555"/></marker></defs>',
    ]
    pairs: dict[tuple[str, str], list[str]] = {}
    for t in definition.transitions:
        for s in t.sources:
            pairs.setdefault((s, t.dest), []).append(t.label.get(lang))
    for (s, d), labels in pairs.items():
        a, b = boxes[s], boxes[d]
        tip = escape(" / ".join(dict.fromkeys(labels)))
        if s == d:
            x, y = a.x + BOX_W, a.y + BOX_H // 2
            path = f"M{x},{y - 10} C{x + 34},{y - 30} {x + 34},{y + 30} {x},{y + 10}"
        elif b.layer > a.layer:
            x1, y1 = a.x + BOX_W // 2, a.y + BOX_H
            x2, y2 = b.x + BOX_W // 2, b.y
            mid = (y1 + y2) // 2
            path = f"M{x1},{y1} C{x1},{mid} {x2},{mid} {x2},{y2}"
        elif b.layer == a.layer:
            y = a.y + BOX_H // 2
            x1, x2 = (a.x + BOX_W, b.x) if b.x > a.x else (a.x, b.x + BOX_W)
            path = f"M{x1},{y} L{x2},{y}"
        else:
            x1, y1 = a.x, a.y + BOX_H // 2
            x2, y2 = b.x, b.y + BOX_H // 2
            bend = min(a.x, b.x) - 28
            path = f"M{x1},{y1} C{bend},{y1} {bend},{y2} {x2},{y2}"
        out.append(
            f'<path class="edge" d="{path}" fill="none" stroke="#555" stroke-width="1.4" '
            f'marker-end="url(#arrow)"><title>{tip}</title></path>'
        )
    for s, box in boxes.items():
        state = definition.states[s]
        label = state.label.get(lang)
        cls = "state"
        fill, stroke, weight = "#ffffff", "#6b7280", "normal"
        if s in visited:
            cls += " visited"
            fill = "#eef2f7"
        if s == current:
            cls += " current"
            fill, stroke, weight = "#b91c1c", "#7f1d1d", "bold"
        text_fill = "#ffffff" if s == current else "#111827"
        aria = ' aria-current="step"' if s == current else ""
        out.append(f'<g class="{cls}" data-state="{escape(s)}"{aria}>')
        out.append(f"<title>{escape(label)}</title>")
        out.append(
            f'<rect x="{box.x}" y="{box.y}" width="{BOX_W}" height="{BOX_H}" rx="8" '
            f'fill="{fill}" stroke="{stroke}" stroke-width="{2.5 if s == current else 1.2}"/>'
        )
        if state.terminal:
            out.append(
                f'<rect x="{box.x + 3}" y="{box.y + 3}" width="{BOX_W - 6}" '
                f'height="{BOX_H - 6}" rx="6" fill="none" stroke="{stroke}" stroke-width="0.8"/>'
            )
        lines = _wrap(label)
        y0 = box.y + BOX_H // 2 - (len(lines) - 1) * 8 + 5
        for i, line in enumerate(lines):
            out.append(
                f'<text x="{box.x + BOX_W // 2}" y="{y0 + i * 16}" text-anchor="middle" '
                f'font-size="13" font-weight="{weight}" fill="{text_fill}">{escape(line)}</text>'
            )
        out.append("</g>")
    out.append("</svg>")
    return Markup("".join(out))
