"""The report dataset against Small Co's hand-computed answer key (see conftest.py)."""

from __future__ import annotations

from datetime import date
from fractions import Fraction

import pytest

from app.errors import ValidationError
from reports import datasets
from reports.format import HIDDEN

from .conftest import END, START, World


def build(world: World, team_id: int | None = None) -> datasets.Dataset:
    params = datasets.Params(world.company.id, START, END, team_id)
    return datasets.build(world.company, params, today=date(2026, 12, 1))


def approx(fraction: Fraction) -> object:
    return pytest.approx(float(fraction))


def test_headline_numbers_match_the_answer_key(small: World) -> None:
    d = build(small)
    h = {x.key: (x.value, x.previous) for x in d.headlines}
    assert h["people"] == (10, 10)
    # Levels: A1 +1, A2 +3 (writing 0→3), A3 +2 (0→4→2), A4 +2, B1 +3, B2 +2; A5's is in July.
    # Before: A1 +4 and A2 +3 in the autumn of 2024.
    assert h["levels_gained"] == (13, 7)
    # Spend: A1 400 + A2 300 − 100 refund + B1 600; A3's hold and A4's July capture excluded.
    assert h["spend_minor"] == (120_000, 15_000)
    assert h["budget_minor"] == (1_000_000, 1_000_000)
    assert h["cost_per_level_minor"] == (round(120_000 / 13), round(15_000 / 7))
    # Utilisation of FY2025 budgets: spent 1,700 (A4's July capture included) + held 250.
    assert h["utilisation"] == (pytest.approx(0.195), pytest.approx(0.015))
    assert h["coverage"][0] == approx(Fraction(8, 18))
    assert h["coverage"][1] == approx(Fraction(3, 18))
    assert h["readiness"][0] == approx(Fraction(11, 27))
    assert h["readiness"][1] == approx(Fraction(4, 27))
    assert d.previous == (date(2024, 7, 4), date(2024, 12, 31))


def test_team_rows_and_the_privacy_rule(small: World) -> None:
    d = build(small)
    rows = {t.name: t for t in d.teams}
    alpha = rows["Alpha"]
    assert (alpha.people, alpha.levels_gained, alpha.spend_minor, alpha.allocated_minor) == (
        6, 8, 60_000, 600_000)
    assert alpha.coverage == pytest.approx(0.5)
    assert alpha.readiness == approx(Fraction(4, 9))
    assert alpha.utilisation == pytest.approx(135_000 / 600_000)
    assert alpha.cost_per_level_minor == 7_500
    beta = rows["Beta"]  # three people: every figure hidden
    assert beta.hidden
    for name in ("people", "readiness", "coverage", "levels_gained", "spend_minor",
                 "allocated_minor", "utilisation", "cost_per_level_minor",
                 "projected_unspent_minor"):
        assert getattr(beta, name) == HIDDEN, name
    assert rows["No team"].people == HIDDEN  # the admin alone


def test_heatmap_cells(small: World) -> None:
    d = build(small)
    assert [c.name for c in d.heat_categories] == ["Data", "Communication"]
    cells = {r.name: r.cells for r in d.heat_rows}
    assert cells["Alpha"] == {small.data.id: pytest.approx(2 / 6),
                              small.writing.id: pytest.approx(4 / 6)}
    assert cells["Beta"] == {small.data.id: HIDDEN, small.writing.id: HIDDEN}
    assert cells["All teams"] == {small.data.id: pytest.approx(3 / 9),
                                  small.writing.id: pytest.approx(5 / 9)}


def test_growth_per_month(small: World) -> None:
    d = build(small)
    assert d.months == [date(2025, m, 1) for m in range(1, 7)]
    overall = d.growth[0]
    # June: A3 drops 4→2 (no gain), A4 gains 2. Months need not add up to the period (13).
    assert overall.values == [1, 4, 3, 3, 2, 2]
    assert {s.name: sum(s.values) for s in d.growth[1:]} == {"Data": 8, "Communication": 7}


def test_forecast_gaps_and_findings(small: World) -> None:
    d = build(small)
    # FY2025 has ended by "today": everything still available goes unspent.
    assert d.forecast_unspent_minor == d.forecast_available_minor == 805_000
    assert d.people_at_risk[0].projected_unspent_minor == 100_000
    gaps = [(g.capability, g.weighted_gap, g.levels_missing, g.people_with_gap,
             g.people_required) for g in d.gaps]
    assert gaps == [("Data analysis", 26, 13, 5, 9), ("Writing", 8, 8, 4, 9)]
    assert d.findings[0] == "Writing coverage rose from 22% to 56%."
    assert d.findings[1] == ("People gained 13 capability levels, 86% more than in the "
                             "previous period, at €92.31 per level gained.")
    assert d.findings[2].startswith("€8,050 (8")


def test_forecast_at_each_budgets_own_pace(small: World) -> None:
    params = datasets.Params(small.company.id, START, END)
    d = datasets.build(small.company, params, today=date(2025, 6, 30))
    # 181 days elapsed, 184 left: A1 spent 400 of 1,000 → projects 406.62 more; 600 − 406.62.
    a1 = next(p for p in d.people_at_risk if p.name == "Person A1")
    assert a1.projected_unspent_minor == round(60_000 - 40_000 * 184 / 181) == 19_337
    # B1 spent 600 with 400 left: at that pace all of it goes, nothing is at risk for B1.
    assert all(p.name != "Person B1" for p in d.people_at_risk)


def test_a_small_team_hides_the_whole_report(small: World) -> None:
    d = build(small, team_id=small.beta.id)
    assert d.scope_hidden
    assert all(h.value == HIDDEN for h in d.headlines)
    assert d.gaps == [] and d.growth == [] and d.people_at_risk == []
    assert "fewer than 5" in d.findings[0]
    summary = d.summary_json()
    assert summary["spend_minor"] == HIDDEN and summary["levels_gained"] == HIDDEN


def test_team_filter(small: World) -> None:
    d = build(small, team_id=small.alpha.id)
    h = {x.key: x.value for x in d.headlines}
    assert (h["people"], h["levels_gained"], h["spend_minor"]) == (6, 8, 60_000)
    assert d.team_name == "Alpha"


@pytest.mark.parametrize(("raw_from", "raw_to", "team", "field"), [
    ("2025-13-01", None, None, "from"), (None, "soon", None, "to"),
    ("2025-06-01", "2025-01-01", None, "from"), (None, None, "abc", "team_id"),
    (None, None, "999999", "team_id"), ("1990-01-01", "2025-01-01", None, "from"),
])
def test_bad_parameters_name_the_field(small: World, raw_from: str | None, raw_to: str | None,
                                       team: str | None, field: str) -> None:
    with pytest.raises(ValidationError) as caught:
        datasets.parse_params(small.company, raw_from, raw_to, team)
    assert caught.value.field == field


def test_default_period_is_the_fiscal_year_to_date(small: World) -> None:
    params = datasets.parse_params(small.company, None, None, None, today=date(2026, 5, 17))
    assert (params.start, params.end, params.team_id) == (date(2026, 1, 1), date(2026, 5, 17),
                                                          None)
