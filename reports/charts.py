"""SVG charts of the capability report, in the house style of `pathways.capabilities.charts`.

The same markup goes into the dashboards and the PDF (WeasyPrint renders inline SVG). Only SVG
presentation attributes (no inline styles or scripts, for the pages' CSP); every label is
escaped. Each chart has a <title> and a <desc> listing its numbers for screen readers.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from itertools import count

from markupsafe import Markup, escape

from pathways.capabilities.charts import ACCENT, MUTED, TEXT, TRACK

PALETTE = (ACCENT, "#c77d1a", "#4a6fa5", "#8a4f9e")
BUDGET = "#9fb8b3"
_ids = count(1)


def _f(x: float) -> str:
    return f"{x:.1f}".rstrip("0").rstrip(".")


def _head(width: int, height: int, title: str, desc: str) -> list[str]:
    n = next(_ids)
    return [f'<svg class="chart" xmlns="http://www.w3.org/2000/svg" role="img" '
            f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
            f'aria-labelledby="rc{n}-t rc{n}-d" font-family="DejaVu Sans, sans-serif">',
            f'<title id="rc{n}-t">{escape(title)}</title>',
            f'<desc id="rc{n}-d">{escape(desc)}</desc>']


def _nice_max(value: float) -> float:
    if value <= 0:
        return 1
    for exp in range(0, 15):
        for step in (1, 2, 2.5, 5):
            top = step * 10 ** exp
            if top >= value:
                return float(top)
    return value


def monthly_columns(months: Sequence[date], series: Sequence[tuple[str, Sequence[int]]],
                    title: str, width: int = 680, height: int = 240) -> Markup:
    """Levels gained per month: the first series as columns, the others as lines."""
    left, right, top, bottom = 40, 12, 12, 46
    plot_w, plot_h = width - left - right, height - top - bottom
    peak = _nice_max(max([max(v, default=0) for _n, v in series] + [1]))
    n = max(1, len(months))
    slot = plot_w / n
    desc = "; ".join(f"{name}: " + ", ".join(f"{m:%b %Y} {v}" for m, v in zip(months, values,
                                                                                 strict=False))
                     for name, values in series)
    parts = _head(width, height, title, desc)
    for k in range(5):  # grid and axis labels
        y = top + plot_h - plot_h * k / 4
        parts.append(f'<line x1="{left}" y1="{_f(y)}" x2="{width - right}" y2="{_f(y)}" '
                     f'stroke="{TRACK}" stroke-width="1"/>')
        parts.append(f'<text x="{left - 6}" y="{_f(y + 4)}" font-size="10" fill="{MUTED}" '
                     f'text-anchor="end">{_f(peak * k / 4)}</text>')
    for i, m in enumerate(months):
        x = left + slot * i + slot / 2
        label = f"{m:%b}" + (f" {m:%y}" if i == 0 or m.month == 1 else "")
        parts.append(f'<text x="{_f(x)}" y="{height - bottom + 16}" font-size="10" '
                     f'fill="{MUTED}" text-anchor="middle">{escape(label)}</text>')
    if series:
        _name, values = series[0]
        bar_w = min(34, slot * 0.62)
        for i, v in enumerate(values):
            h = plot_h * v / peak
            x = left + slot * i + (slot - bar_w) / 2
            parts.append(f'<rect x="{_f(x)}" y="{_f(top + plot_h - h)}" width="{_f(bar_w)}" '
                         f'height="{_f(h)}" fill="{ACCENT}" fill-opacity="0.85"/>')
            if v:
                parts.append(f'<text x="{_f(x + bar_w / 2)}" y="{_f(top + plot_h - h - 3)}" '
                             f'font-size="9" fill="{TEXT}" text-anchor="middle">{v}</text>')
    for k, (_name, values) in enumerate(series[1:], start=1):
        colour = PALETTE[k % len(PALETTE)]
        points = " ".join(f"{_f(left + slot * i + slot / 2)},{_f(top + plot_h - plot_h * v / peak)}"
                          for i, v in enumerate(values))
        parts.append(f'<polyline points="{points}" fill="none" stroke="{colour}" '
                     f'stroke-width="2"/>')
        for i, v in enumerate(values):
            parts.append(f'<circle cx="{_f(left + slot * i + slot / 2)}" '
                         f'cy="{_f(top + plot_h - plot_h * v / peak)}" r="2.5" fill="{colour}"/>')
    x = left
    for k, (name, _values) in enumerate(series):  # legend
        colour = PALETTE[k % len(PALETTE)]
        label = name if len(name) <= 30 else name[:29] + "…"
        parts.append(f'<rect x="{x}" y="{height - 16}" width="10" height="10" fill="{colour}"/>')
        parts.append(f'<text x="{x + 14}" y="{height - 7}" font-size="10" fill="{TEXT}">'
                     f'{escape(label)}</text>')
        x += 24 + int(len(label) * 6.2)
    parts.append("</svg>")
    return Markup("".join(parts))


def money_bars(rows: Sequence[tuple[str, int | None, int | None]], title: str,
               money: Callable[[int], str], width: int = 680,
               value_label: str = "Spend", target_label: str = "Budget") -> Markup:
    """Horizontal bars: spend filled, budget as an outline (rows hidden by privacy are
    passed as None and drawn as a note)."""
    row, label_w = 28, 190
    plot_w = width - label_w - 120
    height = max(1, len(rows)) * row + 30
    peak = max([max(v or 0, t or 0) for _l, v, t in rows] + [1])
    scale = plot_w / peak
    desc = "; ".join(f"{label}: {value_label.lower()} {money(v)}"
                     + (f" of {target_label.lower()} {money(t)}" if t is not None else "")
                     if v is not None else f"{label}: fewer than 5 people"
                     for label, v, t in rows)
    parts = _head(width, height, title, desc)
    for n, (label, value, target) in enumerate(rows):
        y = 4 + n * row
        short = label if len(label) <= 28 else label[:27] + "…"
        parts.append(f'<text x="{label_w - 8}" y="{y + 15}" font-size="11" fill="{TEXT}" '
                     f'text-anchor="end">{escape(short)}</text>')
        if value is None:
            parts.append(f'<text x="{label_w}" y="{y + 15}" font-size="10" fill="{MUTED}" '
                         f'font-style="italic">fewer than 5 people</text>')
            continue
        parts.append(f'<rect x="{label_w}" y="{y + 3}" width="{_f(plot_w)}" height="16" '
                     f'fill="{TRACK}"/>')
        if value > 0:
            parts.append(f'<rect x="{label_w}" y="{y + 3}" width="{_f(value * scale)}" '
                         f'height="16" fill="{ACCENT}"/>')
        if target:
            parts.append(f'<rect x="{label_w}" y="{y + 1}" width="{_f(target * scale)}" '
                         f'height="20" fill="none" stroke="{BUDGET}" stroke-width="2"/>')
        text = money(value) + (f" / {money(target)}" if target is not None else "")
        parts.append(f'<text x="{_f(label_w + plot_w + 8)}" y="{y + 15}" font-size="10" '
                     f'fill="{MUTED}">{escape(text)}</text>')
    y = height - 14
    parts.append(f'<rect x="{label_w}" y="{y}" width="10" height="10" fill="{ACCENT}"/>'
                 f'<text x="{label_w + 14}" y="{y + 9}" font-size="10" fill="{TEXT}">'
                 f'{escape(value_label)}</text>')
    if any(t is not None for _l, _v, t in rows):
        parts.append(f'<rect x="{label_w + 90}" y="{y}" width="10" height="10" fill="none" '
                     f'stroke="{BUDGET}" stroke-width="2"/><text x="{label_w + 104}" '
                     f'y="{y + 9}" font-size="10" fill="{TEXT}">{escape(target_label)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def heat_class(share: float) -> str:
    """CSS class of a coverage cell: heat-0 (under 20 %) … heat-4 (80 % and more)."""
    return f"heat-{min(4, int(share * 5))}"
