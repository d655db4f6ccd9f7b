"""Gaps, readiness and coverage on a small company whose numbers are worked out by hand."""

from __future__ import annotations

import pytest

from app.extensions import db
from pathways.capabilities import gaps


def test_gaps_are_target_minus_level_biggest_weighted_first(small_company):
    s = small_company
    rows = gaps.gaps(s["Bob"], s["engineer"])
    assert [(g.name, g.target, g.level, g.gap) for g in rows] == [
        ("Testing", 3, 2, 1), ("Design", 2, 2, 0)]
    # Against the target role Senior, Ada misses one level of Testing and two of Design.
    rows = gaps.gaps(s["Ada"], s["senior"])
    assert [(g.name, g.gap) for g in rows] == [("Design", 2), ("Testing", 1)]
    assert gaps.gaps(s["Ada"], None) == []


def test_readiness_is_the_weighted_share_of_requirements_met(small_company):
    s = small_company
    # Ada meets Testing (weight 2) but not Design (weight 1): 2/3.
    assert gaps.readiness_of(gaps.gaps(s["Ada"], s["engineer"])) == pytest.approx(2 / 3)
    assert gaps.readiness_of(gaps.gaps(s["Bob"], s["engineer"])) == pytest.approx(1 / 3)
    assert gaps.readiness_of(gaps.gaps(s["Cy"], s["senior"])) == 1
    many = gaps.readiness_by_person(s["acme"].id, [s[n].id for n in ("Ada", "Bob", "Cy", "Dee")])
    assert many == {s["Ada"].id: pytest.approx(2 / 3), s["Bob"].id: pytest.approx(1 / 3),
                    s["Cy"].id: 1, s["Dee"].id: pytest.approx(2 / 3)}


def test_company_coverage_counts_active_people_whose_role_requires_it(small_company):
    s = small_company
    by_name = {r.name: r for r in gaps.coverage(s["acme"].id)}
    # Testing: Ada 3≥3, Bob 2<3, Cy 4≥4, Dee 5≥3 → 3 of 4 (Eve has left).
    assert (by_name["Testing"].required, by_name["Testing"].met) == (4, 3)
    # Design: Ada 1<2, Bob 2≥2, Cy 3≥3, Dee 0<2 → 2 of 4.
    assert (by_name["Design"].required, by_name["Design"].met) == (4, 2)
    assert by_name["Design"].coverage == 0.5


def test_coverage_filters_by_team_role_and_category(small_company):
    s = small_company
    platform = {r.name: (r.required, r.met) for r in gaps.coverage(
        s["acme"].id, team_ids=[s["platform"].id])}
    assert platform == {"Testing": (3, 2), "Design": (3, 2)}
    engineers = {r.name: (r.required, r.met) for r in gaps.coverage(
        s["acme"].id, role_id=s["engineer"].id)}
    assert engineers == {"Testing": (3, 2), "Design": (3, 1)}
    craft = gaps.coverage(s["acme"].id, category_id=s["testing"].category_id)
    assert [r.name for r in craft] == ["Testing"]
    per_team = {(r.group, r.name): (r.required, r.met)
                for r in gaps.coverage(s["acme"].id, by_team=True)}
    assert per_team[(s["data"].id, "Design")] == (1, 0)
    assert per_team[(s["platform"].id, "Testing")] == (3, 2)


def test_team_heatmap_shows_reports_by_the_capabilities_of_their_roles(small_company):
    s = small_company
    people = list(db.session.scalars(gaps.team_query(s["morgan"])))
    assert [p.name for p in people] == ["Ada", "Bob", "Cy", "Dee"]
    heat = gaps.team_heatmap(s["morgan"], people)
    assert [n for _c, n in heat.capabilities] == ["Design", "Testing"]
    assert heat.cells[(s["Ada"].id, s["design"].id)] == (2, 1)
    assert heat.cells[(s["Cy"].id, s["testing"].id)] == (4, 4)
    assert heat.team_readiness == pytest.approx((2 / 3 + 1 / 3 + 1 + 2 / 3) / 4)
    assert gaps.heat_class(2, 1) == "heat-3" and gaps.heat_class(4, 4) == "heat-4"
    assert heat.roles[s["Cy"].id] == "Senior"


def test_team_includes_subteams(small_company, make_team):
    s = small_company
    sub = make_team(s["acme"], "Platform SRE", parent=s["platform"])
    assert gaps.team_and_descendants(s["acme"].id, s["platform"].id) == sorted(
        [s["platform"].id, sub.id])
