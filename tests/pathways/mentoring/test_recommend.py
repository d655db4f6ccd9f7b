"""Mentors among the recommendations: one candidate per large gap, fairest mentor first, priced
per session, and out of the list when the mentor is in the person's reporting line."""

from __future__ import annotations

from app.extensions import db
from pathways.learning import recommend
from pathways.mentoring import availability


def test_a_mentor_is_suggested_for_a_gap_with_the_reason_in_one_sentence(
        acme, admin, cap, make_user, make_mentor, make_coach, make_role, assign, evidence):
    ada = make_user(acme, name="Ada")
    role = make_role(acme, "Engineer", {cap: 3})
    assign(ada, role)
    evidence(ada, cap, 2)
    make_mentor(make_user(acme, name="Olga Mentor"), {cap: 4})
    db.session.commit()

    mentors = [c for c in recommend.recommend(ada).candidates if c.kind == "mentor"]
    assert [(c.title, c.levels, c.cost_minor) for c in mentors] == [
        ("Olga Mentor: Stakeholder management", 1, 0)]
    assert mentors[0].reason == ("Closes Stakeholder management 2 → 3; €0.00 with an internal "
                                 "mentor; 1 hour.")


def test_an_external_coach_costs_their_rate_and_must_fit_the_budget(
        acme, admin, cap, make_user, make_coach, make_role, assign, evidence):
    ada = make_user(acme, name="Ada")
    assign(ada, make_role(acme, "Engineer", {cap: 4}))
    evidence(ada, cap, 2)
    make_coach(admin, name="Cora Coach", rate=12_000, offers={cap: 5})
    db.session.commit()

    [coach] = [c for c in recommend.recommend(ada).candidates if c.kind == "mentor"]
    assert (coach.levels, coach.cost_minor, coach.hours) == (2, 24_000, 2.0)
    assert "with an external coach" in coach.reason


def test_no_mentor_from_the_persons_own_reporting_line(
        acme, admin, cap, make_user, make_mentor, make_role, assign, evidence):
    boss = make_user(acme, name="Bo Boss", roles=("manager", "employee"))
    ada = make_user(acme, name="Ada", manager=boss)
    assign(ada, make_role(acme, "Engineer", {cap: 3}))
    evidence(ada, cap, 1)
    make_mentor(boss, {cap: 5})
    db.session.commit()

    assert [c for c in recommend.recommend(ada).candidates if c.kind == "mentor"] == []


def test_a_mentor_at_their_cap_is_suggested_with_when_they_are_free_again(
        acme, admin, cap, make_user, make_mentor, make_role, assign, evidence, monkeypatch):
    from .test_finding import fill_this_month, freeze_clock

    ada = make_user(acme, name="Ada")
    assign(ada, make_role(acme, "Engineer", {cap: 3}))
    evidence(ada, cap, 2)
    full, _slot, now = fill_this_month(acme, make_user, make_mentor, cap)
    freeze_clock(monkeypatch, now)
    [mentor] = [c for c in recommend.recommend(ada).candidates if c.kind == "mentor"]
    first = availability.free_slots(full)[0]
    assert f"next free from {first.starts_at:%d %B}" in mentor.reason
