"""Recommendation stories on a small catalogue whose order is worked out by hand.

Ada is an Engineer: the role needs Python 3, SQL 3 and Communication 2; she is at Python 1,
SQL 2 and has no Communication evidence (0). effort = hours + price/50 (at least 1);
score = levels gained / effort.

| candidate                 | develops               | price  | hours | gain | effort | score  |
|---------------------------|------------------------|--------|-------|------|--------|--------|
| Talk skills               | Comm 1→2 (from 0 is ok)| €0     | 2     | 2    | 2      | 1.0    |
| Data path (pathway)       | A required, B optional | €500   | 10    | 3    | 20     | 0.15   |
| SQL book                  | SQL 2→4 (capped at 3)  | €40    | 8     | 1    | 8.8    | 0.114  |
| Python deep dive (A)      | Python 1→3             | €500   | 10    | 2    | 20     | 0.1    |
| Bootcamp                  | Python 1→3, SQL 2→3    | €2,000 | 40    | 3    | 80     | 0.0375 |
| Advanced Python           | Python 3→5: too far from level 1, gain 0 — left out        |
| Old workshop (retired)    | never suggested                                               |
"""

from __future__ import annotations

import pytest

from app.extensions import db
from pathways.catalogue import offerings
from pathways.learning import recommend
from pathways.learning.builder import StepData
from tests.pathways.catalogue.conftest import make_offering  # noqa: F401  (fixtures)
from tests.pathways.conftest import admin_of


@pytest.fixture
def ada_story(make_company, make_user, make_capability, make_role, assign, evidence,
              make_offering, make_pathway):  # noqa: F811
    acme = make_company(name="Acme")
    python, sql = make_capability(acme, "Python"), make_capability(acme, "SQL")
    comm = make_capability(acme, "Communication")
    engineer = make_role(acme, "Engineer", {python: 3, sql: 3, comm: 2})
    lead = make_role(acme, "Tech lead", {python: 4, comm: 3})
    ada = make_user(acme, name="Ada")
    assign(ada, engineer)
    evidence(ada, python, 1)
    evidence(ada, sql, 2)
    a = make_offering(acme, "Python deep dive", 50_000, 10, {python: (1, 3)})
    b = make_offering(acme, "SQL book", 4_000, 8, {sql: (2, 4)}, type="book")
    make_offering(acme, "Bootcamp", 200_000, 40, {python: (1, 3), sql: (2, 3)})
    make_offering(acme, "Advanced Python", 10_000, 5, {python: (3, 5)})
    make_offering(acme, "Talk skills", 0, 2, {comm: (1, 2)})
    old = make_offering(acme, "Old workshop", 0, 1, {comm: (0, 2)})
    offerings.set_offering_retired(admin_of(acme), old, True)
    make_pathway(acme, "Data path", [StepData("offering", offering_id=a.id),
                                     StepData("offering", offering_id=b.id, required=False)])
    make_pathway(acme, "Draft path", [StepData("offering", offering_id=b.id)], publish=False)
    db.session.commit()
    return dict(acme=acme, ada=ada, engineer=engineer, lead=lead, python=python)


def ranked(recs):
    return [(c.kind, c.title) for c in recs.candidates]


def test_ranking_is_levels_gained_per_unit_of_cost_and_time(ada_story):
    recs = recommend.recommend(ada_story["ada"])
    assert recs.available_minor is None  # no budget yet: everything fits
    assert ranked(recs) == [("offering", "Talk skills"), ("pathway", "Data path"),
                            ("offering", "SQL book"), ("offering", "Python deep dive"),
                            ("offering", "Bootcamp")]
    by_title = {c.title: c for c in recs.candidates}
    assert by_title["Data path"].levels == 3 and by_title["Data path"].cost_minor == 50_000
    assert by_title["Talk skills"].reason == "Closes Communication 0 → 2; €0.00; 2 hours."
    assert by_title["SQL book"].reason == "Closes SQL 2 → 3; €40.00; 8 hours."
    assert by_title["Bootcamp"].reason == (
        "Closes Python 1 → 3, closes SQL 2 → 3; €2,000.00; 40 hours.")


def test_only_what_fits_the_remaining_budget_is_suggested(ada_story):
    from billing import budgets

    ada = ada_story["ada"]
    budgets.adjust(admin_of(ada_story["acme"]), ada, 60_000, "Learning budget", "rec-test-1")
    db.session.commit()
    recs = recommend.recommend(ada)
    assert recs.available_minor == 60_000
    assert "Bootcamp" not in [c.title for c in recs.candidates] and recs.over_budget == 1


def test_a_chosen_target_role_changes_the_gaps_and_the_reasons(ada_story):
    recs = recommend.recommend(ada_story["ada"], ada_story["lead"])
    # Tech lead: Python 4 and Communication 3. Advanced Python still starts too high (3→5 from
    # level 1); the deep dive narrows Python 1 → 3 of 4.
    assert ranked(recs)[0] == ("offering", "Talk skills")
    deep = next(c for c in recs.candidates if c.title == "Python deep dive")
    assert deep.reason == "Narrows Python 1 → 3 (target 4); €500.00; 10 hours."


def test_other_packages_plug_in_their_own_candidates(ada_story, app):
    def mentors(employee, gaps):
        g = next(g for g in gaps if g.name == "Python")
        return [recommend.Candidate("mentor", 7, "Grace (internal mentor)", 1, 0, 3, "EUR",
                                    [(g.name, g.level, g.level + 1, g.target)],
                                    note="with an internal mentor")]

    recommend.add_candidate_source(app, mentors)
    recs = recommend.recommend(ada_story["ada"])
    mentor = next(c for c in recs.candidates if c.kind == "mentor")
    assert mentor.reason == "Narrows Python 1 → 2 (target 3); €0.00 with an internal mentor; 3 hours."
    assert ranked(recs)[:2] == [("offering", "Talk skills"), ("mentor", "Grace (internal mentor)")]


def test_career_plan_adds_up_a_typical_cost_and_time(ada_story):
    plan = recommend.career_plan(ada_story["ada"], ada_story["engineer"])
    # Greedy by score: Talk skills (Comm), SQL book (SQL), then the deep dive (Python).
    assert [c.title for c in plan.plan] == ["Talk skills", "SQL book", "Python deep dive"]
    assert (plan.cost_minor, plan.hours, plan.uncovered) == (54_000, 20, [])
    assert [c.title for c in plan.pathways] == ["Data path"]


def test_nothing_to_recommend_without_a_role_or_gaps(ada_story, make_user):
    loner = make_user(ada_story["acme"], name="Loner")
    recs = recommend.recommend(loner)
    assert recs.candidates == [] and recs.gaps == []


def test_career_plan_simulates_each_step_before_choosing_the_next(ada_story):
    """Tech lead needs Python 4 and Communication 3. Talk skills (score 1.0) first, then the
    deep dive (Python 1 → 3, 0.1); only then is Advanced Python (3 → 5) within reach: from
    level 3 it adds 1 level for 5 h + €100 (effort 7, score 0.14). The bootcamp adds nothing
    any more. Nothing takes Communication past 2."""
    plan = recommend.career_plan(ada_story["ada"], ada_story["lead"])
    assert [c.title for c in plan.plan] == ["Talk skills", "Python deep dive", "Advanced Python"]
    assert plan.plan[2].reason == "Closes Python 3 → 4; €100.00; 5 hours."
    assert (plan.cost_minor, plan.hours) == (60_000, 17)
    assert [g.name for g in plan.uncovered] == ["Communication"]
