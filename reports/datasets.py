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
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select

from app.errors import ValidationError
from app.extensions import db
from app.models import Company, Team, utcnow
from billing.policies import period_for
from pathways.capabilities.gaps import team_and_descendants

from . import queries as q
from . import sources, states
from .format import HIDDEN, MIN_GROUP, Fmt

Value = Any  # a number, None (undefined) or HIDDEN


# --- parameters ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Params:
    company_id: int
    start: date
    end: date
    team_id: int | None = None

    @property
    def previous(self) -> tuple[date, date]:
        """The period of the same length just before."""
        days = (self.end - self.start).days
        prev_end = self.start - timedelta(days=1)
        return prev_end - timedelta(days=days), prev_end

    def query(self) -> dict[str, str]:
        args = {"from": self.start.isoformat(), "to": self.end.isoformat()}
        if self.team_id:
            args["team_id"] = str(self.team_id)
        return args


def _date(raw: str | date | None, name: str) -> date | None:
    if raw is None or raw == "":
        return None
    if isinstance(raw, date):
        return raw
    try:
        return date.fromisoformat(str(raw).strip())
    except ValueError as exc:
        raise ValidationError(f"'{name}' must be a date like 2026-01-31.", name) from exc


def parse_params(company: Company, raw_from: str | date | None, raw_to: str | date | None,
                 raw_team: str | int | None, today: date | None = None) -> Params:
    """Validated parameters; the default period is the fiscal year to date."""
    today = today or date.today()
    start, end = _date(raw_from, "from"), _date(raw_to, "to")
    fiscal = period_for(company, end or today)
    end = end or min(today, fiscal.end)
    start = start or period_for(company, end).start
    if start > end:
        raise ValidationError("'from' must be on or before 'to'.", "from")
    if (end - start).days > 3 * 366:
        raise ValidationError("Choose a period of at most three years.", "from")
    if start.year < 2000 or end.year > 2100:
        raise ValidationError("Choose dates between 2000 and 2100.", "from")
    team_id = None
    if raw_team not in (None, ""):
        try:
            team_id = int(raw_team)
        except (TypeError, ValueError) as exc:
            raise ValidationError("'team_id' must be a team's id.", "team_id") from exc
        if db.session.scalar(select(Team.id).where(Team.id == team_id,
                                                   Team.company_id == company.id)) is None:
            raise ValidationError("There is no such team in your company.", "team_id")
    return Params(company.id, start, end, team_id)


# --- the dataset -----------------------------------------------------------------------------

@dataclass
class Headline:
    key: str
    label: str
    kind: str  # number / percent / money
    value: Value
    previous: Value


@dataclass
class TeamRow:
    team_id: int | None
    name: str
    people: Value
    hidden: bool
    readiness: Value = None
    coverage: Value = None
    levels_gained: Value = 0
    spend_minor: Value = 0
    allocated_minor: Value = 0
    held_minor: Value = 0
    utilisation: Value = None
    cost_per_level_minor: Value = None
    available_minor: Value = 0
    projected_unspent_minor: Value = 0


@dataclass
class HeatCategory:
    name: str
    capabilities: list[tuple[int, str]]


@dataclass
class HeatRow:
    team_id: int | None
    name: str
    cells: dict[int, Value]  # capability id -> coverage share, HIDDEN, or absent (not required)


@dataclass
class Series:
    name: str
    values: list[int]


@dataclass
class AtRisk:
    name: str
    team: str
    available_minor: int
    projected_unspent_minor: int


@dataclass
class GapRow:
    capability: str
    category: str
    weighted_gap: int
    levels_missing: int
    people_with_gap: int
    people_required: int
    options: list[sources.Option]
    mentors: int
    cost_to_close_minor: int | None  # people with the gap × the cheapest way per person


@dataclass
class Dataset:
    company_name: str
    company_slug: str
    currency: str
    locale: str
    params: Params
    previous: tuple[date, date]
    team_name: str | None
    generated_at: datetime
    scope_hidden: bool
    headlines: list[Headline]
    findings: list[str]
    teams: list[TeamRow]
    heat_categories: list[HeatCategory]
    heat_rows: list[HeatRow]
    months: list[date]
    growth: list[Series]
    spend_by_offering: list[sources.SpendSlice]
    fiscal_label: str
    fiscal_end: date
    forecast_available_minor: Value
    forecast_unspent_minor: Value
    people_at_risk: list[AtRisk]
    gaps: list[GapRow]
    pathways: list[sources.PathwayProgress]
    sources_read: dict[str, bool] = field(default_factory=dict)

    @property
    def fmt(self) -> Fmt:
        return Fmt(self.currency, self.locale)

    def headline(self, key: str) -> Headline:
        return next(h for h in self.headlines if h.key == key)

    @property
    def period_label(self) -> str:
        f = self.fmt
        return f"{f.date(self.params.start)} – {f.date(self.params.end)}"

    @property
    def scope_label(self) -> str:
        return self.team_name or "Whole company"

    def summary_json(self) -> dict[str, Any]:
        """The API's headline metrics, keyed as in the metric definitions."""
        def val(v: Value) -> Any:
            return round(v, 4) if isinstance(v, float) else v

        out: dict[str, Any] = {
            "company": self.company_slug, "from": self.params.start.isoformat(),
            "to": self.params.end.isoformat(), "team_id": self.params.team_id,
            "currency": self.currency,
            "previous": {"from": self.previous[0].isoformat(), "to": self.previous[1].isoformat()},
            "hidden": self.scope_hidden,
            "findings": self.findings,
            "generated_at": self.generated_at.isoformat(timespec="seconds") + "Z",
        }
        for h in self.headlines:
            out[h.key] = val(h.value)
            out["previous"][h.key] = val(h.previous)
        out["teams"] = [{"team_id": t.team_id, "name": t.name, "people": t.people,
                         "readiness": val(t.readiness), "coverage": val(t.coverage),
                         "levels_gained": t.levels_gained, "spend_minor": t.spend_minor,
                         "budget_minor": t.allocated_minor, "utilisation": val(t.utilisation),
                         "cost_per_level_minor": t.cost_per_level_minor} for t in self.teams]
        return out


def _ratio(num: int, den: int) -> float | None:
    return num / den if den else None


def _cost_per_level(spend: int, levels: int) -> int | None:
    return None if not levels else round(spend / levels)


def _team_names(company_id: int) -> dict[int, str]:
    """Team names with their parents ("Engineering › Platform")."""
    rows = db.session.execute(select(Team.id, Team.name, Team.parent_id)
                              .where(Team.company_id == company_id)).all()
    by_id = {t: (n, p) for t, n, p in rows}

    def path(tid: int, depth: int = 0) -> str:
        name, parent = by_id[tid]
        return f"{path(parent, depth + 1)} › {name}" if parent in by_id and depth < 5 else name

    return {t: path(t) for t in by_id}


class _State:
    """Figures as of one date (coverage, readiness, people) for the whole scope."""

    def __init__(self, state: states.State) -> None:
        self.people, self.cells, self.readiness = state.people, state.cells, state.readiness

    def total_people(self) -> int:
        return sum(self.people.values())

    def coverage(self, team: Any = "all") -> float | None:
        req = sum(r for t, _c, r, _m in self.cells if team == "all" or t == team)
        met = sum(int(m or 0) for t, _c, _r, m in self.cells if team == "all" or t == team)
        return _ratio(met, req)

    def readiness_of(self, team: Any = "all") -> float | None:
        vals = [v for t, v in self.readiness.items() if team == "all" or t == team]
        total, n = sum(v[0] for v in vals), sum(v[1] for v in vals)
        return total / n if n else None

    def by_capability(self) -> dict[int, tuple[int, int]]:
        out: dict[int, list[int]] = defaultdict(lambda: [0, 0])
        for _t, c, r, m in self.cells:
            out[c][0] += r
            out[c][1] += int(m or 0)
        return {c: (v[0], v[1]) for c, v in out.items()}


def build(company: Company, params: Params, today: date | None = None,
          progress: Any = None, full: bool = True) -> Dataset:
    """Compute the whole report dataset (about twenty aggregate queries); `full=False` computes
    only what the summary API returns (headlines, findings, teams)."""
    step = progress or (lambda _label: None)
    today = today or date.today()
    cid = company.id
    team_ids = team_and_descendants(cid, params.team_id) if params.team_id else None
    names = _team_names(cid)
    start, end = params.start, params.end
    p_start, p_end = params.previous
    before_start = start - timedelta(days=1)

    step("coverage and readiness")
    # The previous period ends the day before this one starts: its end state is our start.
    # Both come from one pass over the level history (reports.states).
    at_start, at_end = states.states(cid, before_start, end, team_ids)
    now, then = _State(at_end), _State(at_start)

    step("levels gained")
    gained, prev_gained = states.levels_gained(cid, p_start - timedelta(days=1), before_start,
                                               end, team_ids)
    month_buckets = q.months(start, end)
    monthly = q.levels_gained(cid, month_buckets, team_ids) if full else []

    step("spend and budgets")
    spend = q.spend_by_team(cid, start, end, team_ids)
    prev_spend = q.spend_by_team(cid, p_start, p_end, team_ids)
    budgets = q.budgets_by_team(cid, start, end, team_ids)
    prev_budgets = q.budgets_by_team(cid, p_start, p_end, team_ids)
    fiscal = period_for(company, end)
    as_of = min(max(today, fiscal.start), fiscal.end)
    forecast_teams = {t: (a, u, n) for t, a, u, n in q.forecast_rows(
        cid, fiscal.start, as_of, fiscal.end, team_ids, per_team=True)}
    at_risk = (q.forecast_rows(cid, fiscal.start, as_of, fiscal.end, team_ids, limit=10)
               if full else [])

    people_total = now.total_people()
    scope_hidden = people_total < MIN_GROUP

    def hide(v: Value) -> Value:
        return HIDDEN if scope_hidden else v

    # Headline numbers, this period and the previous one.
    gain_total = sum(g for _t, _c, g in gained)
    prev_gain_total = sum(g for _t, _c, g in prev_gained)
    spend_total, prev_spend_total = sum(spend.values()), sum(prev_spend.values())

    def util(b: dict[Any, dict[str, int]]) -> float | None:
        alloc = sum(v["allocated"] for v in b.values())
        return _ratio(sum(v["held"] + v["spent"] for v in b.values()), alloc)

    prev_state = then
    headlines = [
        Headline("people", "People", "number", hide(people_total),
                 hide(prev_state.total_people())),
        Headline("readiness", "Readiness", "percent", hide(now.readiness_of()),
                 hide(prev_state.readiness_of())),
        Headline("coverage", "Coverage", "percent", hide(now.coverage()),
                 hide(prev_state.coverage())),
        Headline("levels_gained", "Levels gained", "number", hide(gain_total),
                 hide(prev_gain_total)),
        Headline("spend_minor", "Spend", "money", hide(spend_total), hide(prev_spend_total)),
        Headline("budget_minor", "Budget", "money",
                 hide(sum(v["allocated"] for v in budgets.values())),
                 hide(sum(v["allocated"] for v in prev_budgets.values()))),
        Headline("cost_per_level_minor", "Cost per level gained", "money",
                 hide(_cost_per_level(spend_total, gain_total)),
                 hide(_cost_per_level(prev_spend_total, prev_gain_total))),
        Headline("utilisation", "Utilisation", "percent", hide(util(budgets)),
                 hide(util(prev_budgets))),
    ]

    # Per team.
    gain_by_team: dict[Any, int] = defaultdict(int)
    for t, _c, g in gained:
        gain_by_team[t] += g
    team_keys = set(now.people) | set(spend) | set(budgets) | set(gain_by_team)
    if team_ids is not None:
        team_keys |= set(team_ids)
    else:
        team_keys |= set(names)
    teams: list[TeamRow] = []
    for t in sorted(team_keys, key=lambda t: (t is None, names.get(t, "") if t else "")):
        people = now.people.get(t, 0)
        hidden = people < MIN_GROUP
        b = budgets.get(t, {"allocated": 0, "held": 0, "spent": 0})
        a, u, _n = forecast_teams.get(t, (0, 0, 0))
        row = TeamRow(t, names.get(t, "No team") if t else "No team", people, hidden)
        if hidden:
            for name in ("readiness", "coverage", "levels_gained", "spend_minor",
                         "allocated_minor", "held_minor", "utilisation", "cost_per_level_minor",
                         "available_minor", "projected_unspent_minor"):
                setattr(row, name, HIDDEN)
            row.people = HIDDEN if people else 0
        else:
            row.readiness, row.coverage = now.readiness_of(t), now.coverage(t)
            row.levels_gained, row.spend_minor = gain_by_team.get(t, 0), spend.get(t, 0)
            row.allocated_minor, row.held_minor = b["allocated"], b["held"]
            row.utilisation = _ratio(b["held"] + b["spent"], b["allocated"])
            row.cost_per_level_minor = _cost_per_level(row.spend_minor, row.levels_gained)
            row.available_minor, row.projected_unspent_minor = a, u
        if people or spend.get(t) or t is not None:
            teams.append(row)

    # Heatmap: teams × capabilities by category, at the period end.
    caps = q.capabilities(cid, sorted({c for _t, c, _r, _m in now.cells}))
    cats: dict[int, HeatCategory] = {}
    for cap_id, cap_name, cat_id, cat_name, _pos in caps:
        cats.setdefault(cat_id, HeatCategory(cat_name, [])).capabilities.append((cap_id, cap_name))
    by_team_cap = {(t, c): (r, int(m or 0)) for t, c, r, m in now.cells}
    heat_rows = []
    for row in teams:
        if row.team_id is None and not now.people.get(None):
            continue
        cells: dict[int, Value] = {}
        for cap_id, *_rest in caps:
            if (row.team_id, cap_id) in by_team_cap:
                r, m = by_team_cap[(row.team_id, cap_id)]
                cells[cap_id] = HIDDEN if row.hidden or r < MIN_GROUP else m / r
        if cells:
            heat_rows.append(HeatRow(row.team_id, row.name, cells))
    overall = now.by_capability()
    heat_rows.append(HeatRow(-1, "All teams" if team_ids is None else "Whole selection", {
        c: (HIDDEN if scope_hidden or r < MIN_GROUP else m / r) for c, (r, m) in overall.items()}))

    # Growth per month, overall and for the top three categories of the period.
    cat_names = {cat_id: h.name for cat_id, h in cats.items()}
    missing = {c for _b, _t, c, _g in monthly} - set(cat_names)
    if missing:
        from pathways.capabilities.models import Category

        cat_names |= dict(db.session.execute(select(Category.id, Category.name)
                                             .where(Category.id.in_(missing))).all())
    total_by_cat: dict[int, int] = defaultdict(int)
    for _b, _t, c, g in monthly:
        total_by_cat[c] += g
    top = sorted((c for c in total_by_cat if total_by_cat[c]),
                 key=lambda c: (-total_by_cat[c], cat_names.get(c, "")))[:3]
    overall_series = [0] * len(month_buckets)
    per_cat = {c: [0] * len(month_buckets) for c in top}
    for b, _t, c, g in monthly:
        overall_series[b] += g
        if c in per_cat:
            per_cat[c][b] += g
    growth = [] if scope_hidden else [Series("All capabilities", overall_series)] + [
        Series(cat_names.get(c, "?"), per_cat[c]) for c in top]

    # Money: by offering type and provider, forecast and people at risk.
    slices = [] if scope_hidden or not full else sources.spend_by_offering(cid, start, end,
                                                                            team_ids)
    f_avail = sum(a for a, _u, _n in forecast_teams.values())
    f_unspent = sum(u for _a, u, _n in forecast_teams.values())
    risk = [] if scope_hidden else [
        AtRisk(n, names.get(t, "No team") if t else "No team", a, u)
        for _i, n, t, a, u in at_risk if u > 0]

    # Gaps and the ways to close them.
    gap_rows: list[GapRow] = []
    if full and not scope_hidden:
        largest = q.largest_gaps(cid, team_ids)
        ids = [c for c, *_ in largest]
        info = {c: (n, cn) for c, n, _ci, cn, _p in q.capabilities(cid, ids)}
        closers = sources.ways_to_close(cid, ids, q.potential_mentors(cid, ids))
        for c, w, g, p, n in largest:
            options = closers[c].options
            costs = [o.cost_minor for o in options if o.cost_minor]
            gap_rows.append(GapRow(info[c][0], info[c][1], w, g, p, n, options,
                                   closers[c].mentors, p * min(costs) if costs else None))

    step("pathways")
    pathways = ([] if scope_hidden or not full
                else sources.pathway_progress(cid, start, end, team_ids))

    team_name = names.get(params.team_id) if params.team_id else None
    data = Dataset(
        company_name=company.name, company_slug=company.slug, currency=company.currency,
        locale=company.locale or "en_GB", params=params, previous=(p_start, p_end),
        team_name=team_name, generated_at=utcnow(), scope_hidden=scope_hidden,
        headlines=headlines, findings=[], teams=teams,
        heat_categories=list(cats.values()), heat_rows=heat_rows,
        months=[b.start for b in month_buckets], growth=growth, spend_by_offering=slices,
        fiscal_label=fiscal.label, fiscal_end=fiscal.end,
        forecast_available_minor=hide(f_avail), forecast_unspent_minor=hide(f_unspent),
        people_at_risk=risk, gaps=gap_rows, pathways=pathways,
        sources_read=sources.available())
    data.findings = findings(data, now, then, {c: n for c, n, *_ in caps})
    return data


# --- findings --------------------------------------------------------------------------------

def findings(data: Dataset, now: _State, then: _State, cap_names: dict[int, str]) -> list[str]:
    """Three plain-language sentences generated from the numbers."""
    f = data.fmt
    if data.scope_hidden:
        return [f"This selection has {HIDDEN} people, so its figures are hidden to protect "
                "individuals; choose a larger team or the whole company."]
    out = []
    # 1. The capability whose coverage moved most (groups of at least five at both dates).
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
        out.append(f"{name} coverage rose from {f.percent(a)} to {f.percent(b)}.")
    elif falls:
        _d, name, a, b = falls[0]
        out.append(f"{name} coverage fell from {f.percent(a)} to {f.percent(b)}.")
    else:
        cov = data.headline("coverage").value
        out.append(f"Coverage held steady at {f.percent(cov)}." if cov is not None else
                   "No role requirements are set yet, so coverage cannot be measured.")
    # 2. Growth and what it cost.
    lv, prev = data.headline("levels_gained").value, data.headline("levels_gained").previous
    cpl = data.headline("cost_per_level_minor").value
    if lv:
        trend = ""
        if prev:
            pct = round((lv - prev) / prev * 100)
            trend = (f", {abs(pct)}% {'more' if pct > 0 else 'fewer'} than in the previous period"
                     if pct else ", as many as in the previous period")
        cost = f", at {f.money(cpl)} per level gained" if cpl is not None else ""
        out.append(f"People gained {f.number(lv)} capability level{'s' if lv != 1 else ''}"
                   f"{trend}{cost}.")
    else:
        out.append("No capability levels were gained in this period"
                   + (f"; {f.money(data.headline('spend_minor').value)} was spent."
                      if data.headline("spend_minor").value else "."))
    # 3. Budget at risk of going unspent.
    avail, unspent = data.forecast_available_minor, data.forecast_unspent_minor
    budget = data.headline("budget_minor").value
    if unspent:
        worst = max((t for t in data.teams if isinstance(t.projected_unspent_minor, int)
                     and t.projected_unspent_minor > 0),
                    key=lambda t: (t.projected_unspent_minor, t.name), default=None)
        share = f" ({f.percent(unspent / budget)} of the budget)" if budget else ""
        tail = f"; {worst.name} has the most at risk" if worst else ""
        out.append(f"{f.money(unspent)}{share} is on track to go unspent by the end of "
                   f"{data.fiscal_label} on {f.date(data.fiscal_end)}{tail}.")
    elif avail:
        out.append(f"At the current pace the remaining {f.money(avail)} of the {data.fiscal_label} "
                   "budget will be used by the end of the year.")
    else:
        util = data.headline("utilisation").value
        out.append(f"Budget utilisation is {f.percent(util)}." if util is not None else
                   "No learning budgets have been allocated for this period yet.")
    return out
