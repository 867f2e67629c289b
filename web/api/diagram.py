"""A procedure definition drawn as SVG, from its states and transitions alone.

No layout tool is needed for graphs this size (a dozen states): states go in rows by their
distance from the initial state (breadth-first), forward steps run downwards, a step back
up or within a row is drawn as a curve beside the boxes, a step that stays in its state is a
loop. Every box and arrow has a `<title>` (the tooltip names the rules), so the picture is
also a reference.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from xml.sax.saxutils import escape

from engine.definitions import Definition, StateDef, TransitionDef

FONT = 13
SMALL = 11
ROW_GAP = 90
COL_GAP = 40
PAD_X = 14
BOX_H = 46
MARGIN = 60


def _text_width(text: str, size: int) -> float:
    """Wide (CJK) characters take about a full em, others about half of one."""
    return sum(size if ord(ch) > 0x2E80 else size * 0.58 for ch in text)


@dataclass
class _Box:
    state: StateDef
    row: int
    x: float = 0.0
    y: float = 0.0
    w: float = 0.0

    @property
    def cx(self) -> float:
        return self.x + self.w / 2


def _rows(definition: Definition) -> dict[str, int]:
    """Breadth-first distance from the initial state; unreachable ones (none in a valid
    definition) go last."""
    edges: dict[str, list[str]] = {s: [] for s in definition.states}
    for t in definition.transitions:
        for s in t.sources:
            edges[s].append(t.dest)
    rows = {definition.initial: 0}
    queue = deque([definition.initial])
    while queue:
        s = queue.popleft()
        for d in edges[s]:
            if d not in rows:
                rows[d] = rows[s] + 1
                queue.append(d)
    last = max(rows.values(), default=0) + 1
    return {s: rows.get(s, last) for s in definition.states}


def _order_rows(boxes: dict[str, _Box], definition: Definition) -> dict[int, list[_Box]]:
    """Boxes per row, each row sorted by where its predecessors sit (fewer crossings)."""
    by_row: dict[int, list[_Box]] = {}
    for b in boxes.values():
        by_row.setdefault(b.row, []).append(b)
    parents: dict[str, list[str]] = {sid: [] for sid in boxes}
    for t in definition.transitions:
        for src in t.sources:
            if boxes[src].row < boxes[t.dest].row:
                parents[t.dest].append(src)
    position: dict[str, float] = {}
    for r in sorted(by_row):
        row = by_row[r]
        if r > 0:
            order = list(definition.states)
            row.sort(
                key=lambda b: (
                    sum(position.get(p, 0) for p in parents[b.state.id])
                    / max(1, len(parents[b.state.id])),
                    order.index(b.state.id),
                )
            )
        for i, b in enumerate(row):
            position[b.state.id] = i - (len(row) - 1) / 2
    return by_row


def render_svg(definition: Definition) -> str:
    """The definition as a standalone SVG document (labels in Chinese and English)."""
    rows = _rows(definition)
    boxes = {sid: _Box(s, rows[sid]) for sid, s in definition.states.items()}
    for b in boxes.values():
        b.w = max(_text_width(b.state.label.zh, FONT), _text_width(b.state.label.en, SMALL))
        b.w += 2 * PAD_X
    by_row = _order_rows(boxes, definition)
    widths = {r: sum(b.w for b in bs) + COL_GAP * (len(bs) - 1) for r, bs in by_row.items()}
    inner = max(widths.values())
    side = 190  # room beside the boxes for the curves of steps going back
    width = inner + 2 * MARGIN + 2 * side
    for r, bs in by_row.items():
        x = MARGIN + side + (inner - widths[r]) / 2
        for b in bs:
            b.x, b.y = x, MARGIN + r * (BOX_H + ROW_GAP)
            x += b.w + COL_GAP
    height = MARGIN * 2 + (max(by_row) + 1) * (BOX_H + ROW_GAP) - ROW_GAP + 40
    centre = width / 2

    title = f"{definition.label.zh} / {definition.label.en} (v{definition.version})"
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" height="{height:.0f}" '
        f'viewBox="0 0 {width:.0f} {height:.0f}" font-family="sans-serif" role="img" '
        f'aria-label="{escape(title, {chr(34): "&quot;"})}">',
        f"<title>{escape(title)}</title>",
        "<defs><marker id='arrow' viewBox='0 0 10 10' refX='10' refY='5' markerWidth='7' "
        "markerHeight='7' orient='auto-start-reverse'><path d='M0,0 L10,5 L0,10 z' "
        "fill='#555'/></marker></defs>",
        f'<rect width="{width:.0f}" height="{height:.0f}" fill="#fff"/>',
        f'<text x="{MARGIN}" y="28" font-size="15" font-weight="bold">{escape(title)}</text>',
        '<g class="transitions" fill="none" stroke="#555" stroke-width="1.3">',
    ]
    labels: list[str] = []
    grouped: dict[tuple[str, str], list[TransitionDef]] = {}
    back_edges: dict[bool, int] = {}
    for t in definition.transitions:
        for src in t.sources:
            grouped.setdefault((src, t.dest), []).append(t)
    for (src, dest), ts in grouped.items():
        tip = escape(
            "; ".join(
                f"{t.trigger}: {t.label.zh} / {t.label.en} [{', '.join(t.rules)}] "
                f"({', '.join(t.roles)})"
                for t in ts
            )
            + f" — {src} → {dest}"
        )
        path, lx, ly = _edge(boxes[src], boxes[dest], centre, back_edges)
        out.append(f'<path d="{path}" marker-end="url(#arrow)"><title>{tip}</title></path>')
        for i, t in enumerate(ts):
            labels.append(
                f'<text x="{lx:.1f}" y="{ly + i * (SMALL + 2):.1f}" font-size="{SMALL}" '
                f'fill="#224" text-anchor="middle">{escape(t.trigger)}'
                f"<title>{tip}</title></text>"
            )
    out.append("</g>")
    out.append('<g class="labels" paint-order="stroke" stroke="#fff" stroke-width="3">')
    out.extend(labels)
    out.append("</g>")
    out.append('<g class="states">')
    for sid, b in boxes.items():
        initial = sid == definition.initial
        fill = "#e8f0fe" if initial else ("#eee" if b.state.terminal else "#fff")
        stroke_w = 2.5 if initial else 1.3
        tip = escape(f"{sid}: {b.state.label.zh} / {b.state.label.en}")
        out.append(
            f'<g class="state" id="state-{escape(sid)}"><title>{tip}</title>'
            f'<rect x="{b.x:.1f}" y="{b.y:.1f}" width="{b.w:.1f}" height="{BOX_H}" rx="8" '
            f'fill="{fill}" stroke="#333" stroke-width="{stroke_w}"/>'
        )
        if b.state.terminal:
            out.append(
                f'<rect x="{b.x + 3:.1f}" y="{b.y + 3:.1f}" width="{b.w - 6:.1f}" '
                f'height="{BOX_H - 6}" rx="6" fill="none" stroke="#333"/>'
            )
        out.append(
            f'<text x="{b.cx:.1f}" y="{b.y + 20:.1f}" font-size="{FONT}" '
            f'text-anchor="middle">{escape(b.state.label.zh)}</text>'
            f'<text x="{b.cx:.1f}" y="{b.y + 36:.1f}" font-size="{SMALL}" fill="#555" '
            f'text-anchor="middle">{escape(b.state.label.en)}</text></g>'
        )
    out.append("</g></svg>")
    return "\n".join(out)


def _edge(a: _Box, b: _Box, centre: float, back: dict[bool, int]) -> tuple[str, float, float]:
    """SVG path of one arrow and where its label goes; `back` counts the curves drawn on
    each side so far, so each new one runs outside the last."""
    if a is b:  # a step that stays: a loop on the outer side
        right = a.cx >= centre
        x = a.x + a.w if right else a.x
        r = 30 if right else -30
        y = a.y + BOX_H / 2
        path = (
            f"M{x:.1f},{y - 10:.1f} C{x + r:.1f},{y - 34:.1f} "
            f"{x + r:.1f},{y + 34:.1f} {x:.1f},{y + 10:.1f}"
        )
        return path, x + r * 1.9, y - 18
    if b.row > a.row:  # forward: down from the bottom to the top
        x1, y1 = a.cx, a.y + BOX_H
        x2, y2 = b.cx, b.y
        my = (y1 + y2) / 2 if b.row == a.row + 1 else y1 + ROW_GAP / 2
        path = f"M{x1:.1f},{y1:.1f} C{x1:.1f},{my:.1f} {x2:.1f},{my:.1f} {x2:.1f},{y2:.1f}"
        return path, (x1 + x2) / 2, (y1 + my) / 2 + 8
    if b.row == a.row:  # sideways: an arc under the row
        x1, x2 = a.cx + (8 if b.x > a.x else -8), b.cx
        y = a.y + BOX_H
        dip = y + 26 + 0.08 * abs(x2 - x1)
        path = f"M{x1:.1f},{y:.1f} C{x1:.1f},{dip:.1f} {x2:.1f},{dip:.1f} {x2:.1f},{y:.1f}"
        return path, (x1 + x2) / 2, dip - 2
    # back up: out of the outer side, round, into the outer side
    right = (a.cx + b.cx) / 2 >= centre
    k = back[right] = back.get(right, 0) + 1
    reach = 40 + 36 * k
    if right:
        x1, x2 = a.x + a.w, b.x + b.w
        bulge = max(x1, x2) + reach
    else:
        x1, x2 = a.x, b.x
        bulge = min(x1, x2) - reach
    y1, y2 = a.y + BOX_H / 2 + 6, b.y + BOX_H / 2 - 6
    path = f"M{x1:.1f},{y1:.1f} C{bulge:.1f},{y1:.1f} {bulge:.1f},{y2:.1f} {x2:.1f},{y2:.1f}"
    apex = bulge * 0.75 + (x1 + x2) / 2 * 0.25
    return path, apex, (y1 + y2) / 2 + 4 + 14 * (k - 1)
