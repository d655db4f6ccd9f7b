"""The report's three plain-language findings, written from its numbers: the coverage that
moved most, growth and what it cost, and the budget at risk of going unspent."""

from __future__ import annotations

from .figures import Dataset, Snapshot
from .format import HIDDEN, MIN_GROUP


def findings(data: Dataset, now: Snapshot, then: Snapshot, cap_names: dict[int, str]) -> list[str]:
    """Three plain-language sentences generated from the numbers."""
    if data.scope_hidden:
        return [f"This selection has {HIDDEN} people, so its figures are hidden to protect "
                "individuals; choose a larger team or the whole company."]
    return [coverage_finding(data, now, then, cap_names), growth_finding(data),
            budget_finding(data)]


def coverage_finding(data: Dataset, now: Snapshot, then: Snapshot,
                     cap_names: dict[int, str]) -> str:
    """The capability whose coverage moved most (groups of at least five at both dates)."""
    f = data.fmt
    before, after = then.by_capability(), now.by_capability()
    moves = []
    for c, (r, m) in after.items():
        r0, m0 = before.get(c, (0, 0))
        if r >= MIN_GROUP and r0 >= MIN_GROUP and c in cap_names:
            moves.append((m / r - m0 / r0, cap_names[c], m0 / r0, m / r))
    rises = sorted((x for x in moves if x[0] > 0), key=lambda x: (-x[0], x[1]))
    falls = sorted((x for x in moves if x[0] < 0), key=lambda x: (x[0], x[1]))
    if rises:
        _d, name, a, b = rises[0]
        return f"{name} coverage rose from {f.percent(a)} to {f.percent(b)}."
    if falls:
        _d, name, a, b = falls[0]
        return f"{name} coverage fell from {f.percent(a)} to {f.percent(b)}."
    cov = data.headline("coverage").value
    return (f"Coverage held steady at {f.percent(cov)}." if cov is not None else
            "No role requirements are set yet, so coverage cannot be measured.")


def growth_finding(data: Dataset) -> str:
    """Levels gained, against the previous period, and the cost per level."""
    f = data.fmt
    lv, prev = data.headline("levels_gained").value, data.headline("levels_gained").previous
    cpl = data.headline("cost_per_level_minor").value
    if not lv:
        spent = data.headline("spend_minor").value
        return "No capability levels were gained in this period" + (
            f"; {f.money(spent)} was spent." if spent else ".")
    trend = ""
    if prev:
        pct = round((lv - prev) / prev * 100)
        trend = (f", {abs(pct)}% {'more' if pct > 0 else 'fewer'} than in the previous period"
                 if pct else ", as many as in the previous period")
    cost = f", at {f.money(cpl)} per level gained" if cpl is not None else ""
    return f"People gained {f.number(lv)} capability level{'s' if lv != 1 else ''}{trend}{cost}."


def budget_finding(data: Dataset) -> str:
    """The budget on track to go unspent by the fiscal year's end, and the team with most."""
    f = data.fmt
    avail, unspent = data.forecast_available_minor, data.forecast_unspent_minor
    budget = data.headline("budget_minor").value
    if unspent:
        worst = max((t for t in data.teams if isinstance(t.projected_unspent_minor, int)
                     and t.projected_unspent_minor > 0),
                    key=lambda t: (t.projected_unspent_minor, t.name), default=None)
        share = f" ({f.percent(unspent / budget)} of the budget)" if budget else ""
        tail = f"; {worst.name} has the most at risk" if worst else ""
        return (f"{f.money(unspent)}{share} is on track to go unspent by the end of "
                f"{data.fiscal_label} on {f.date(data.fiscal_end)}{tail}.")
    if avail:
        return (f"At the current pace the remaining {f.money(avail)} of the {data.fiscal_label} "
                "budget will be used by the end of the year.")
    util = data.headline("utilisation").value
    return (f"Budget utilisation is {f.percent(util)}." if util is not None else
            "No learning budgets have been allocated for this period yet.")
