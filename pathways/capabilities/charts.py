"""Server-side SVG charts (the same markup works on pages and in the PDF reports).

No inline styles or scripts (CSP): only SVG presentation attributes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

from .gaps import CoverageRow, Gap

ACCENT = "#1f6f63"
TARGET = "#9fb8b3"
TRACK = "#eef2f1"
GAP = "#c0392b"
TEXT = "#1d2b28"
MUTED = "#5b6b67"


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    target: float | None = None
    note: str = ""


def _f(x: float) -> str:
    return f"{x:.1f}".rstrip("0").rstrip(".")


def level_bars(bars: Sequence[Bar], max_value: float, title: str, width: int = 640,
               unit: str = "level") -> Markup:
    """Horizontal bars: the value filled, the target as an outlined box, the gap marked in red."""
    row, label_w, pad = 30, 210, 8
    plot_w = width - label_w - 70
    height = max(1, len(bars)) * row + 34
    scale = plot_w / max(max_value, 1)
    parts = [
        f'<svg class="chart" xmlns="http://www.w3.org/2000/svg" role="img" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'aria-labelledby="chart-title chart-desc">',
        f'<title id="chart-title">{escape(title)}</title>',
        '<desc id="chart-desc">' + escape("; ".join(
            f"{b.label}: {_f(b.value)} %" if unit == "%" else
            f"{b.label}: {unit} {_f(b.value)}" + (f" of {_f(b.target)}" if b.target is not None
                                                  else "") for b in bars)) + "</desc>",
    ]
    step = 1 if max_value <= 10 else max_value / 4
    for i in [k * step for k in range(int(max_value / step) + 1)]:  # axis ticks
        x = label_w + i * scale
        parts.append(f'<line x1="{_f(x)}" y1="4" x2="{_f(x)}" y2="{height - 26}" '
                     f'stroke="{TRACK}" stroke-width="1"/>')
        parts.append(f'<text x="{_f(x)}" y="{height - 10}" font-size="11" fill="{MUTED}" '
                     f'text-anchor="middle">{_f(i)}</text>')
    for n, b in enumerate(bars):
        y = 6 + n * row
        label = b.label if len(b.label) <= 30 else b.label[:29] + "…"
        parts.append(f'<text x="{label_w - pad}" y="{y + 15}" font-size="13" fill="{TEXT}" '
                     f'text-anchor="end">{escape(label)}</text>')
        parts.append(f'<rect x="{label_w}" y="{y + 3}" width="{_f(plot_w)}" height="16" '
                     f'fill="{TRACK}"/>')
        if b.value:
            parts.append(f'<rect class="bar-value" x="{label_w}" y="{y + 3}" '
                         f'width="{_f(b.value * scale)}" height="16" fill="{ACCENT}"/>')
        if b.target is not None:
            if b.target > b.value:
                parts.append(f'<rect class="bar-gap" x="{_f(label_w + b.value * scale)}" '
                             f'y="{y + 3}" width="{_f((b.target - b.value) * scale)}" height="16" '
                             f'fill="{GAP}" fill-opacity="0.18"/>')
            parts.append(f'<rect class="bar-target" x="{label_w}" y="{y + 1}" '
                         f'width="{_f(b.target * scale)}" height="20" fill="none" '
                         f'stroke="{TARGET}" stroke-width="2"/>')
        text = (f"{_f(b.value)} %" if unit == "%" else
                _f(b.value) + (f" / {_f(b.target)}" if b.target is not None else ""))
        parts.append(f'<text x="{_f(label_w + plot_w + 8)}" y="{y + 15}" font-size="12" '
                     f'fill="{MUTED}">{escape(text)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def gap_chart(gaps: Sequence[Gap], max_level: int, title: str) -> Markup:
    """Current level against the role's target for each requirement (`pathways.capabilities.gaps.Gap`)."""
    return level_bars([Bar(g.name, g.level, g.target) for g in gaps],
                      max_level, title)


def coverage_bars(rows: Sequence[CoverageRow], title: str) -> Markup:
    """Coverage share per capability (0–100 %) from `pathways.capabilities.gaps.CoverageRow`."""
    return level_bars([Bar(r.name, round((r.coverage or 0) * 100), 100)
                       for r in rows], 100, title, unit="%")
