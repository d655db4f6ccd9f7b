"""The report dataset: every figure of the capability report for (company, period, team).

`build(company, start, end, team_id)` runs the SQL aggregates of `reports.queries` (and the
catalogue reads of `reports.sources`) and assembles one `Dataset` that the PDF, the dashboards,
the CSV exports and the API all print, so they cannot disagree. Metric definitions are those
of the product (docs/reports.md):

- readiness: the average of readiness(e) over active people whose role has requirements
- coverage (headline, per team): required (person, capability) pairs at or above target ÷ all
  such pairs among active people; per capability: coverage(group, c)
- levels_gained: Σ max(0, level at period end − level at period start) over people × capabilities
- spend: captures − refunds dated in the period (holds excluded)
- cost_per_level: spend ÷ levels_gained (None when no level was gained)
- utilisation: (spent + held) ÷ allocated over the budgets whose fiscal period overlaps the period

Privacy: an aggregate over fewer than 5 people is replaced by `HIDDEN` ("fewer than 5") here,
in the data, so no consumer can print it by mistake.

Its parts: the parameters (`reports.params`), the shapes of the figures (`reports.figures`), the
findings (`reports.findings`); this module reads the numbers and assembles them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select

from app.extensions import db
from app.models import Company, Team, utcnow
from billing.policies import Period, period_for
from pathways.capabilities.gaps import team_and_descendants

from . import queries as q
from . import sources, states
from .figures import (
    AtRisk,
    Dataset,
    GapRow,
    Headline,
    HeatCategory,
    HeatRow,
    Series,
    Snapshot,
    TeamRow,
    Value,
    cost_per_level,
    ratio,
)
from .findings import findings
from .format import HIDDEN, MIN_GROUP
from .params import Params, parse_params

# What callers have always imported from here.
__all__ = ["Dataset", "Params", "Value", "build", "findings", "parse_params"]

Budgets = dict[int | None, dict[str, int]]
Capabilities = list[tuple[int, str, int, str, int]]
_HIDDEN_FIELDS = ("readiness", "coverage", "levels_gained", "spend_minor", "allocated_minor",
                  "held_minor", "utilisation", "cost_per_level_minor", "available_minor",
                  "projected_unspent_minor")


def _team_names(company_id: int) -> dict[int, str]:
    """Team names with their parents ("Engineering › Platform")."""
    rows = db.session.execute(select(Team.id, Team.name, Team.parent_id)
                              .where(Team.company_id == company_id)).all()
    by_id = {t: (n, p) for t, n, p in rows}

    def path(tid: int, depth: int = 0) -> str:
        name, parent = by_id[tid]
        return f"{path(parent, depth + 1)} › {name}" if parent in by_id and depth < 5 else name

    return {t: path(t) for t in by_id}



@dataclass
class _Reads:
    """What the aggregate queries returned for the period and the one before it."""

    now: Snapshot
    then: Snapshot
    gained: list[tuple[int | None, int, int]]
    prev_gained: list[tuple[int | None, int, int]]
    month_buckets: list[q.Bucket]
    monthly: list[tuple[int, int | None, int, int]]
    spend: dict[int | None, int]
    prev_spend: dict[int | None, int]
    budgets: Budgets
    prev_budgets: Budgets
    fiscal: Period
    forecast_teams: dict[Any, tuple[int, int, int]]
    at_risk: list[tuple[Any, ...]]


def _read(company: Company, params: Params, team_ids: Sequence[int] | None, today: date,
          step: Callable[[str], None], full: bool) -> _Reads:
    """Run the aggregate queries (about twenty), telling `step` as each stage starts."""
    cid, start, end = company.id, params.start, params.end
    p_start, p_end = params.previous
    before_start = start - timedelta(days=1)
    step("coverage and readiness")
    # The previous period ends the day before this one starts: its end state is our start.
    # Both come from one pass over the level history (reports.states).
    at_start, at_end = states.states(cid, before_start, end, team_ids)
    step("levels gained")
    gained, prev_gained = states.levels_gained(cid, p_start - timedelta(days=1), before_start,
                                               end, team_ids)
    month_buckets = q.months(start, end)
    monthly = q.levels_gained(cid, month_buckets, team_ids) if full else []
    step("spend and budgets")
    fiscal = period_for(company, end)
    as_of = min(max(today, fiscal.start), fiscal.end)
    forecast_teams = {t: (a, u, n) for t, a, u, n in q.forecast_rows(
        cid, fiscal.start, as_of, fiscal.end, team_ids, per_team=True)}
    return _Reads(
        now=Snapshot(at_end), then=Snapshot(at_start), gained=gained, prev_gained=prev_gained,
        month_buckets=month_buckets,
        monthly=monthly,
        spend=q.spend_by_team(cid, start, end, team_ids),
        prev_spend=q.spend_by_team(cid, p_start, p_end, team_ids),
        budgets=q.budgets_by_team(cid, start, end, team_ids),
        prev_budgets=q.budgets_by_team(cid, p_start, p_end, team_ids),
        fiscal=fiscal, forecast_teams=forecast_teams,
        at_risk=(q.forecast_rows(cid, fiscal.start, as_of, fiscal.end, team_ids, limit=10)
                 if full else []))


def _utilisation(budgets: Budgets) -> float | None:
    alloc = sum(v["allocated"] for v in budgets.values())
    return ratio(sum(v["held"] + v["spent"] for v in budgets.values()), alloc)


def _headlines(r: _Reads, hide: Callable[[Value], Value]) -> list[Headline]:
    """The headline numbers, this period and the previous one."""
    now, then = r.now, r.then
    gain_total = sum(g for _t, _c, g in r.gained)
    prev_gain_total = sum(g for _t, _c, g in r.prev_gained)
    spend_total, prev_spend_total = sum(r.spend.values()), sum(r.prev_spend.values())
    return [
        Headline("people", "People", "number", hide(now.total_people()),
                 hide(then.total_people())),
        Headline("readiness", "Readiness", "percent", hide(now.readiness_of()),
                 hide(then.readiness_of())),
        Headline("coverage", "Coverage", "percent", hide(now.coverage()),
                 hide(then.coverage())),
        Headline("levels_gained", "Levels gained", "number", hide(gain_total),
                 hide(prev_gain_total)),
        Headline("spend_minor", "Spend", "money", hide(spend_total), hide(prev_spend_total)),
        Headline("budget_minor", "Budget", "money",
                 hide(sum(v["allocated"] for v in r.budgets.values())),
                 hide(sum(v["allocated"] for v in r.prev_budgets.values()))),
        Headline("cost_per_level_minor", "Cost per level gained", "money",
                 hide(cost_per_level(spend_total, gain_total)),
                 hide(cost_per_level(prev_spend_total, prev_gain_total))),
        Headline("utilisation", "Utilisation", "percent", hide(_utilisation(r.budgets)),
                 hide(_utilisation(r.prev_budgets))),
    ]


def _team_rows(r: _Reads, names: dict[int, str], team_ids: Sequence[int] | None) -> list[TeamRow]:
    """One row per team in scope (and "No team"), hidden under five people."""
    gain_by_team: dict[Any, int] = defaultdict(int)
    for t, _c, g in r.gained:
        gain_by_team[t] += g
    team_keys = set(r.now.people) | set(r.spend) | set(r.budgets) | set(gain_by_team)
    team_keys |= set(team_ids) if team_ids is not None else set(names)
    teams: list[TeamRow] = []
    for t in sorted(team_keys, key=lambda t: (t is None, names.get(t, "") if t else "")):
        people = r.now.people.get(t, 0)
        row = TeamRow(t, names.get(t, "No team") if t else "No team", people, people < MIN_GROUP)
        if row.hidden:
            for name in _HIDDEN_FIELDS:
                setattr(row, name, HIDDEN)
            row.people = HIDDEN if people else 0
        else:
            _fill_team_row(row, r, gain_by_team.get(t, 0))
        if people or r.spend.get(t) or t is not None:
            teams.append(row)
    return teams


def _fill_team_row(row: TeamRow, r: _Reads, gained: int) -> None:
    t = row.team_id
    money = r.budgets.get(t, {"allocated": 0, "held": 0, "spent": 0})
    row.readiness, row.coverage = r.now.readiness_of(t), r.now.coverage(t)
    row.levels_gained, row.spend_minor = gained, r.spend.get(t, 0)
    row.allocated_minor, row.held_minor = money["allocated"], money["held"]
    row.utilisation = ratio(money["held"] + money["spent"], money["allocated"])
    row.cost_per_level_minor = cost_per_level(row.spend_minor, row.levels_gained)
    row.available_minor, row.projected_unspent_minor = r.forecast_teams.get(t, (0, 0, 0))[:2]


def _categories(caps: Capabilities) -> dict[int, HeatCategory]:
    cats: dict[int, HeatCategory] = {}
    for cap_id, cap_name, cat_id, cat_name, _pos in caps:
        cats.setdefault(cat_id, HeatCategory(cat_name, [])).capabilities.append((cap_id, cap_name))
    return cats


def _heat_rows(now: Snapshot, teams: list[TeamRow], caps: Capabilities, scope_hidden: bool,
               whole: str) -> list[HeatRow]:
    """Heatmap: teams × capabilities at the period end, and the whole scope last."""
    by_team_cap = {(t, c): (r, int(m or 0)) for t, c, r, m in now.cells}
    rows = []
    for row in teams:
        if row.team_id is None and not now.people.get(None):
            continue
        cells: dict[int, Value] = {}
        for cap_id, *_rest in caps:
            if (row.team_id, cap_id) in by_team_cap:
                req, met = by_team_cap[(row.team_id, cap_id)]
                cells[cap_id] = HIDDEN if row.hidden or req < MIN_GROUP else met / req
        if cells:
            rows.append(HeatRow(row.team_id, row.name, cells))
    rows.append(HeatRow(-1, whole, {
        c: (HIDDEN if scope_hidden or req < MIN_GROUP else met / req)
        for c, (req, met) in now.by_capability().items()}))
    return rows


def _growth(r: _Reads, cats: dict[int, HeatCategory]) -> list[Series]:
    """Levels gained per month, overall and for the top three categories of the period."""
    cat_names = {cat_id: h.name for cat_id, h in cats.items()}
    missing = {c for _b, _t, c, _g in r.monthly} - set(cat_names)
    if missing:
        from pathways.capabilities.models import Category

        cat_names |= dict(db.session.execute(select(Category.id, Category.name)
                                             .where(Category.id.in_(missing))).all())
    total_by_cat: dict[int, int] = defaultdict(int)
    for _b, _t, c, g in r.monthly:
        total_by_cat[c] += g
    top = sorted((c for c in total_by_cat if total_by_cat[c]),
                 key=lambda c: (-total_by_cat[c], cat_names.get(c, "")))[:3]
    overall = [0] * len(r.month_buckets)
    per_cat = {c: [0] * len(r.month_buckets) for c in top}
    for bucket, _t, c, g in r.monthly:
        overall[bucket] += g
        if c in per_cat:
            per_cat[c][bucket] += g
    return [Series("All capabilities", overall)] + [
        Series(cat_names.get(c, "?"), per_cat[c]) for c in top]


def _gaps(company_id: int, team_ids: Sequence[int] | None) -> list[GapRow]:
    """The largest gaps and the ways to close them (offerings, mentors, the cheapest cost)."""
    largest = q.largest_gaps(company_id, team_ids)
    ids = [c for c, *_ in largest]
    info = {c: (n, cn) for c, n, _ci, cn, _p in q.capabilities(company_id, ids)}
    closers = sources.ways_to_close(company_id, ids, q.potential_mentors(company_id, ids))
    rows = []
    for c, w, g, p, n in largest:
        options = closers[c].options
        costs = [o.cost_minor for o in options if o.cost_minor]
        rows.append(GapRow(info[c][0], info[c][1], w, g, p, n, options, closers[c].mentors,
                           p * min(costs) if costs else None))
    return rows


def build(company: Company, params: Params, today: date | None = None,
          progress: Callable[[str], None] | None = None, full: bool = True) -> Dataset:
    """Compute the whole report dataset (about twenty aggregate queries); `full=False` computes
    only what the summary API returns (headlines, findings, teams)."""
    step = progress or (lambda _label: None)
    cid = company.id
    team_ids = team_and_descendants(cid, params.team_id) if params.team_id else None
    names = _team_names(cid)
    r = _read(company, params, team_ids, today or date.today(), step, full)
    scope_hidden = r.now.total_people() < MIN_GROUP

    def hide(v: Value) -> Value:
        return HIDDEN if scope_hidden else v

    teams = _team_rows(r, names, team_ids)
    caps = q.capabilities(cid, sorted({c for _t, c, _r, _m in r.now.cells}))
    cats = _categories(caps)
    heat_rows = _heat_rows(r.now, teams, caps, scope_hidden,
                           "All teams" if team_ids is None else "Whole selection")
    growth = [] if scope_hidden else _growth(r, cats)
    slices = ([] if scope_hidden or not full
              else sources.spend_by_offering(cid, params.start, params.end, team_ids))
    risk = [] if scope_hidden else [
        AtRisk(n, names.get(t, "No team") if t else "No team", a, u)
        for _i, n, t, a, u in r.at_risk if u > 0]
    gap_rows = _gaps(cid, team_ids) if full and not scope_hidden else []
    step("pathways")
    pathways = ([] if scope_hidden or not full
                else sources.pathway_progress(cid, params.start, params.end, team_ids))
    data = Dataset(
        company_name=company.name, company_slug=company.slug, currency=company.currency,
        locale=company.locale or "en_GB", params=params, previous=params.previous,
        team_name=names.get(params.team_id) if params.team_id else None,
        generated_at=utcnow(), scope_hidden=scope_hidden,
        headlines=_headlines(r, hide), findings=[], teams=teams,
        heat_categories=list(cats.values()), heat_rows=heat_rows,
        months=[b.start for b in r.month_buckets], growth=growth, spend_by_offering=slices,
        fiscal_label=r.fiscal.label, fiscal_end=r.fiscal.end,
        forecast_available_minor=hide(sum(a for a, _u, _n in r.forecast_teams.values())),
        forecast_unspent_minor=hide(sum(u for _a, u, _n in r.forecast_teams.values())),
        people_at_risk=risk, gaps=gap_rows, pathways=pathways,
        sources_read=sources.available())
    data.findings = findings(data, r.now, r.then, {c: n for c, n, *_ in caps})
    return data
