"""Charts as server-side SVG: readable without JavaScript, in the page's language, accessible.

Looked at first: pygal (maintained, SVG) draws its tooltips with a script, brings its own style
sheet and has no `role`/`aria-labelledby`; matplotlib's SVG is heavy and its text is glyph
paths, which a screen reader cannot read and Chinese needs font setup for. What these pages
need — a line per series over a dozen dates, and horizontal bars with a marker — is a few
dozen coordinates, so the SVG is built here from a small template: every chart carries
`role="img"`, a `<title>` and a `<desc>` it is labelled by, real `<text>` for axis titles,
ticks and values (so the page's CJK font draws them), a `<title>` on each point or bar as a
tooltip, and the page prints the same numbers as a table beside it (the fallback).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

WIDTH, HEIGHT = 640, 260
LEFT, RIGHT, TOP, BOTTOM = 56, 196, 16, 52
#: Colours that stay apart for colour-blind readers (Okabe–Ito) and on grey print.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9")


@dataclass(frozen=True)
class Series:
    name: str
    values: Sequence[float]


def _axis(v: float, ticks: int = 4) -> tuple[float, float]:
    """A round top for the axis and its tick step (1, 2 or 5 times a power of ten), so that
    counts get whole-number ticks: (top, step) with top >= v."""
    if v <= 0:
        return 1.0, 1.0
    raw = v / ticks
    exp = 10 ** math.floor(math.log10(raw))
    step = next(m * exp for m in (1, 2, 5, 10) if m * exp >= raw)
    if float(v).is_integer() and step < 1:
        step = 1.0
    return step * math.ceil(v / step), float(step)


def _num(v: float) -> str:
    return f"{v:.0f}" if float(v).is_integer() else f"{v:.1f}"


def _head(chart_id: str, title: str, desc: str, width: int, height: int, cls: str) -> list[str]:
    return [
        f'<svg class="chart {cls}" id="{escape(chart_id)}" viewBox="0 0 {width} {height}" '
        f'width="100%" role="img" aria-labelledby="{escape(chart_id)}-title '
        f'{escape(chart_id)}-desc" xmlns="http://www.w3.org/2000/svg" '
        f'font-family="Noto Sans CJK SC, sans-serif" font-size="12">',
        f'<title id="{escape(chart_id)}-title">{escape(title)}</title>',
        f'<desc id="{escape(chart_id)}-desc">{escape(desc)}</desc>',
    ]


def line_chart(
    chart_id: str,
    title: str,
    desc: str,
    x_labels: Sequence[str],
    series: Sequence[Series],
    x_title: str,
    y_title: str,
) -> Markup:
    """Lines over the `x_labels` (dates), one per series, legend at the right."""
    top, tick = _axis(max((v for s in series for v in s.values), default=0))
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    n = len(x_labels)

    def x(i: int) -> float:
        return LEFT + (plot_w * i / (n - 1) if n > 1 else plot_w / 2)

    def y(v: float) -> float:
        return TOP + plot_h - plot_h * v / top

    out = _head(chart_id, title, desc, WIDTH, HEIGHT, "line-chart")
    for k in range(round(top / tick) + 1):  # grid and y ticks
        v = tick * k
        out.append(
            f'<line x1="{LEFT}" x2="{LEFT + plot_w}" y1="{y(v):.1f}" y2="{y(v):.1f}" '
            f'stroke="#e5e7eb"/><text x="{LEFT - 6}" y="{y(v) + 4:.1f}" text-anchor="end" '
            f'fill="#374151" class="tick">{_num(v)}</text>'
        )
    step = max(1, math.ceil(n / 6))
    shown = [i for i in range(n) if i % step == 0]
    if shown and shown[-1] != n - 1:  # the last point always; its neighbour gives way
        shown = [*shown[:-1], n - 1] if n - 1 - shown[-1] < step else [*shown, n - 1]
    for i, label in enumerate(x_labels):
        if i in shown:
            out.append(
                f'<text x="{x(i):.1f}" y="{TOP + plot_h + 16}" text-anchor="middle" '
                f'fill="#374151" class="tick">{escape(label)}</text>'
            )
    out.append(
        f'<line x1="{LEFT}" x2="{LEFT + plot_w}" y1="{TOP + plot_h}" y2="{TOP + plot_h}" '
        f'stroke="#6b7280"/><line x1="{LEFT}" x2="{LEFT}" y1="{TOP}" y2="{TOP + plot_h}" '
        f'stroke="#6b7280"/>'
    )
    out.append(
        f'<text x="{LEFT + plot_w / 2:.1f}" y="{HEIGHT - 8}" text-anchor="middle" '
        f'fill="#111827" class="axis-title">{escape(x_title)}</text>'
        f'<text transform="translate(14 {TOP + plot_h / 2:.1f}) rotate(-90)" '
        f'text-anchor="middle" fill="#111827" class="axis-title">{escape(y_title)}</text>'
    )
    for si, s in enumerate(series):
        colour = PALETTE[si % len(PALETTE)]
        dash = ' stroke-dasharray="6 3"' if si % 2 else ""
        pts = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, v in enumerate(s.values))
        out.append(
            f'<g class="series" data-series="{escape(s.name)}"><polyline points="{pts}" '
            f'fill="none" stroke="{colour}" stroke-width="2.5"{dash}/>'
        )
        for i, v in enumerate(s.values):
            out.append(
                f'<circle cx="{x(i):.1f}" cy="{y(v):.1f}" r="3.5" fill="{colour}">'
                f"<title>{escape(s.name)} · {escape(x_labels[i])}: {_num(v)}</title></circle>"
            )
        ly = TOP + 8 + 20 * si
        last = s.values[-1] if s.values else 0
        out.append(
            f'<line x1="{WIDTH - RIGHT + 12}" x2="{WIDTH - RIGHT + 32}" y1="{ly}" y2="{ly}" '
            f'stroke="{colour}" stroke-width="2.5"{dash}/><text x="{WIDTH - RIGHT + 38}" '
            f'y="{ly + 4}" fill="#111827" class="legend">{escape(s.name)} ({_num(last)})</text></g>'
        )
    out.append("</svg>")
    return Markup("".join(out))


@dataclass(frozen=True)
class Bar:
    label: str
    median: float
    p90: float
    n: int
    highlight: bool = False


def step_chart(
    chart_id: str,
    title: str,
    desc: str,
    bars: Sequence[Bar],
    x_title: str,
    median_word: str,
    p90_word: str,
    slowest_word: str,
) -> Markup:
    """Per step a bar to its median and a tick at its 90th percentile (days); the slowest
    step's bar is drawn in the warning colour and says so in its label and tooltip."""
    label_w, row_h = 190, 30
    height = TOP + row_h * max(1, len(bars)) + BOTTOM
    plot_w = WIDTH - label_w - 70
    top, tick = _axis(max((b.p90 for b in bars), default=0))

    def x(v: float) -> float:
        return label_w + plot_w * v / top

    out = _head(chart_id, title, desc, WIDTH, height, "step-chart")
    base = TOP + row_h * max(1, len(bars))
    for k in range(round(top / tick) + 1):
        v = tick * k
        out.append(
            f'<line x1="{x(v):.1f}" x2="{x(v):.1f}" y1="{TOP}" y2="{base}" stroke="#e5e7eb"/>'
            f'<text x="{x(v):.1f}" y="{base + 16}" text-anchor="middle" fill="#374151" '
            f'class="tick">{_num(v)}</text>'
        )
    for i, b in enumerate(bars):
        y0 = TOP + row_h * i
        colour = "#D55E00" if b.highlight else "#0072B2"
        mark = f" · {slowest_word}" if b.highlight else ""
        tip = f"{b.label}: {median_word} {_num(b.median)}, {p90_word} {_num(b.p90)} (n={b.n}){mark}"
        label = b.label if len(b.label) <= 14 else b.label[:13] + "…"
        out.append(
            f'<g class="bar{" slowest" if b.highlight else ""}" data-state-label="{escape(b.label)}">'
            f"<title>{escape(tip)}</title>"
            f'<text x="{label_w - 8}" y="{y0 + 19}" text-anchor="end" fill="#111827" '
            f'font-weight="{"bold" if b.highlight else "normal"}">{escape(label)}</text>'
            f'<rect x="{label_w}" y="{y0 + 6}" width="{max(1.0, x(b.median) - label_w):.1f}" '
            f'height="16" fill="{colour}" rx="2"/>'
            f'<line x1="{x(b.p90):.1f}" x2="{x(b.p90):.1f}" y1="{y0 + 2}" y2="{y0 + 26}" '
            f'stroke="#111827" stroke-width="2"/>'
            f'<text x="{x(b.p90) + 5:.1f}" y="{y0 + 19}" fill="#374151" class="value">'
            f"{_num(b.median)} / {_num(b.p90)}</text></g>"
        )
    out.append(
        f'<text x="{label_w + plot_w / 2:.1f}" y="{height - 8}" text-anchor="middle" '
        f'fill="#111827" class="axis-title">{escape(x_title)}</text></svg>'
    )
    return Markup("".join(out))
