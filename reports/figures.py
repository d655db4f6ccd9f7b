"""What the capability report holds: the `Dataset` every consumer prints (PDF, dashboard, CSV,
API), its rows, and a `Snapshot` of the figures as of one date.

A `Value` is a number, None (undefined) or `HIDDEN` ("fewer than 5"): an aggregate over fewer
than five people is replaced here, in the data, so no consumer can print it by mistake.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from . import sources, states
from .format import Fmt
from .params import Params

Value = Any  # a number, None (undefined) or HIDDEN


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


def ratio(num: int, den: int) -> float | None:
    """num ÷ den, None when there is nothing to divide by."""
    return num / den if den else None


def cost_per_level(spend: int, levels: int) -> int | None:
    """Spend per level gained, None when no level was gained."""
    return None if not levels else round(spend / levels)




class Snapshot:
    """Figures as of one date (coverage, readiness, people) for the whole scope."""

    def __init__(self, state: states.State) -> None:
        self.people, self.cells, self.readiness = state.people, state.cells, state.readiness

    def total_people(self) -> int:
        return sum(self.people.values())

    def coverage(self, team: Any = "all") -> float | None:
        req = sum(r for t, _c, r, _m in self.cells if team == "all" or t == team)
        met = sum(int(m or 0) for t, _c, _r, m in self.cells if team == "all" or t == team)
        return ratio(met, req)

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

