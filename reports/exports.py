"""Every table of the report as CSV rows (the dashboards link one export per table).

Money is in major units of the company currency (a Decimal, so a spreadsheet reads a number);
shares are fractions (0.4167); hidden figures read "fewer than 5". Text cells pass through
`app.csvout.safe_cell`, which neutralises formulas (= + - @).
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from babel.numbers import get_currency_precision

from .datasets import Dataset
from .format import HIDDEN

Table = tuple[list[str], list[list[Any]]]


def _money(data: Dataset) -> Callable[[Any], Any]:
    digits = get_currency_precision(data.currency)

    def convert(minor: Any) -> Any:
        if minor is None or minor == HIDDEN:
            return minor
        return Decimal(int(minor)).scaleb(-digits)

    return convert


def _share(v: Any) -> Any:
    return round(v, 4) if isinstance(v, float) else v


def summary(d: Dataset) -> Table:
    m = _money(d)
    rows = []
    for h in d.headlines:
        conv = m if h.kind == "money" else _share
        rows.append([h.key, h.label, conv(h.value), conv(h.previous)])
    rows += [["finding", f"Finding {i}", text, ""] for i, text in enumerate(d.findings, 1)]
    return ["metric", "label", f"{d.params.start}–{d.params.end}",
            f"{d.previous[0]}–{d.previous[1]}"], rows


def teams(d: Dataset) -> Table:
    m, c = _money(d), d.currency
    return (["team", "people", "readiness", "coverage", "levels_gained", f"spend ({c})",
             f"budget ({c})", f"held ({c})", "utilisation", f"cost_per_level ({c})",
             f"available ({c})", f"projected_unspent ({c})"],
            [[t.name, t.people, _share(t.readiness), _share(t.coverage), t.levels_gained,
              m(t.spend_minor), m(t.allocated_minor), m(t.held_minor), _share(t.utilisation),
              m(t.cost_per_level_minor), m(t.available_minor), m(t.projected_unspent_minor)]
             for t in d.teams])


def heatmap(d: Dataset) -> Table:
    caps = [(cat.name, cid, name) for cat in d.heat_categories for cid, name in cat.capabilities]
    return (["team"] + [f"{cat} / {name}" for cat, _cid, name in caps],
            [[r.name] + [_share(r.cells.get(cid, "")) for _cat, cid, _n in caps]
             for r in d.heat_rows])


def growth(d: Dataset) -> Table:
    return (["month"] + [s.name for s in d.growth],
            [[m.strftime("%Y-%m")] + [s.values[i] for s in d.growth]
             for i, m in enumerate(d.months)])


def spend(d: Dataset) -> Table:
    m = _money(d)
    return (["type", "provider", f"spend ({d.currency})"],
            [[s.kind, s.provider, m(s.spend_minor)] for s in d.spend_by_offering])


def at_risk(d: Dataset) -> Table:
    m = _money(d)
    return (["person", "team", f"available ({d.currency})", f"projected_unspent ({d.currency})"],
            [[p.name, p.team, m(p.available_minor), m(p.projected_unspent_minor)]
             for p in d.people_at_risk])


def gaps(d: Dataset) -> Table:
    m = _money(d)
    return (["capability", "category", "weighted_gap", "levels_missing", "people_with_gap",
             "people_required", "could_close_it", f"cost_to_close ({d.currency})"],
            [[g.capability, g.category, g.weighted_gap, g.levels_missing, g.people_with_gap,
              g.people_required, "; ".join(f"{o.kind}: {o.title}" for o in g.options),
              m(g.cost_to_close_minor)] for g in d.gaps])


def pathways(d: Dataset) -> Table:
    return (["pathway", "enrolled", "completed", "completed_in_period", "completion"],
            [[p.title, p.enrolled, p.completed, p.completed_in_period, _share(p.completion)]
             for p in d.pathways])


TABLES: dict[str, Callable[[Dataset], Table]] = {
    "summary": summary, "teams": teams, "heatmap": heatmap, "growth": growth, "spend": spend,
    "at-risk": at_risk, "gaps": gaps, "pathways": pathways}
