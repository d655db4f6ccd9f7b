"""Stories of the level rule: trusted evidence first, newer beats older, levels as of a date."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from app.errors import PermissionDenied, ValidationError
from app.extensions import db
from pathways.capabilities import levels
from pathways.capabilities.models import CapabilityLevel, LevelChange


def test_without_evidence_the_level_is_zero(make_company, make_user, make_capability):
    acme = make_company()
    ada = make_user(acme)
    cap = make_capability(acme, "Testing")
    assert levels.current_level(ada, cap) == 0
    assert levels.levels_of(ada) == {}


def test_self_assessment_alone_sets_the_level(make_company, make_user, make_capability, evidence):
    acme = make_company()
    ada = make_user(acme, name="Ada")
    cap = make_capability(acme, "Testing")
    evidence(ada, cap, 2, "self", on=date(2026, 1, 10))
    assert levels.current_level(ada, cap) == 2
    view = levels.levels_of(ada)[cap.id]
    assert view.level == 2
    assert view.why.startswith("Level 2 from own self-assessment on 2026-01-10")


def test_manager_rating_overrides_a_newer_self_assessment(make_company, make_user,
                                                          make_capability, evidence):
    acme = make_company()
    morgan = make_user(acme, name="Morgan Avery", roles=("manager", "employee"))
    ada = make_user(acme, name="Ada", manager=morgan)
    cap = make_capability(acme, "Testing")
    evidence(ada, cap, 2, "self", on=date(2026, 1, 10))
    evidence(ada, cap, 3, "manager", on=date(2026, 3, 2), author=morgan)
    evidence(ada, cap, 5, "self", on=date(2026, 4, 1))  # a bold claim, not yet validated
    assert levels.current_level(ada, cap) == 3
    why = levels.levels_of(ada)[cap.id].why
    assert why.startswith("Level 3 from Morgan Avery's manager rating on 2026-03-02")
    assert "1 newer, less trusted assessment does not override it" in why


def test_newer_trusted_evidence_beats_older_even_downwards(make_company, make_user,
                                                           make_capability, evidence):
    acme = make_company()
    morgan = make_user(acme, roles=("manager",))
    ada = make_user(acme, manager=morgan)
    cap = make_capability(acme, "Testing")
    evidence(ada, cap, 4, "manager", on=date(2025, 6, 1), author=morgan)
    evidence(ada, cap, 3, "external", on=date(2026, 2, 1), author=morgan)
    assert levels.current_level(ada, cap) == 3


def test_peer_rating_outranks_self_but_not_manager(make_company, make_user, make_capability,
                                                   evidence):
    acme = make_company()
    ada, bob = make_user(acme), make_user(acme)
    cap = make_capability(acme)
    evidence(ada, cap, 1, "self", on=date(2026, 1, 1))
    evidence(ada, cap, 2, "peer", on=date(2025, 12, 1), author=bob)
    assert levels.current_level(ada, cap) == 2
    evidence(ada, cap, 4, "manager", on=date(2025, 1, 1), author=bob)
    assert levels.current_level(ada, cap) == 4


def test_level_as_of_a_past_date_and_back_dated_evidence(make_company, make_user,
                                                         make_capability, evidence):
    acme = make_company()
    ada = make_user(acme)
    cap = make_capability(acme)
    evidence(ada, cap, 1, "self", on=date(2025, 1, 1))
    evidence(ada, cap, 3, "manager", on=date(2025, 7, 1))
    evidence(ada, cap, 4, "manager", on=date(2026, 1, 1))
    assert levels.current_level(ada, cap, date(2024, 12, 31)) == 0
    assert levels.current_level(ada, cap, date(2025, 3, 1)) == 1
    assert levels.current_level(ada, cap, date(2025, 7, 1)) == 3
    assert levels.current_level(ada, cap, date(2025, 12, 31)) == 3
    assert levels.current_level(ada, cap) == 4
    # Evidence found later and dated in the past rewrites the history from that date on.
    evidence(ada, cap, 2, "mentor", on=date(2025, 3, 1))
    assert levels.current_level(ada, cap, date(2025, 4, 1)) == 2
    changes = db.session.execute(
        db.select(LevelChange.changed_on, LevelChange.previous_level, LevelChange.level)
        .order_by(LevelChange.changed_on)).all()
    assert changes == [(date(2025, 1, 1), 0, 1), (date(2025, 3, 1), 1, 2),
                       (date(2025, 7, 1), 2, 3), (date(2026, 1, 1), 3, 4)]
    # The history agrees with the rule applied directly to the evidence, on every date.
    for at in (date(2025, 2, 1), date(2025, 5, 1), date(2025, 8, 1), date(2026, 2, 1)):
        assert levels.levels_of(ada, at=at)[cap.id].level == levels.current_level(ada, cap, at)


def test_levels_as_of_and_levels_gained_for_many_people(make_company, make_user,
                                                        make_capability, evidence):
    acme = make_company()
    ada, bob = make_user(acme), make_user(acme)
    testing, design = make_capability(acme), make_capability(acme)
    evidence(ada, testing, 2, on=date(2025, 1, 1))
    evidence(ada, testing, 4, on=date(2025, 9, 1))
    evidence(bob, design, 3, on=date(2025, 10, 1))
    evidence(bob, testing, 3, on=date(2025, 2, 1))
    evidence(bob, testing, 2, on=date(2025, 11, 1))  # went down: counts as 0, not −1
    start, end = date(2025, 6, 30), date(2025, 12, 31)
    assert levels.levels_as_of(acme.id, start) == {(ada.id, testing.id): 2,
                                                   (bob.id, testing.id): 3}
    assert levels.levels_gained(acme.id, start, end) == 2 + 3
    snapshot = {(r.user_id, r.capability_id): r.level
                for r in db.session.scalars(db.select(CapabilityLevel))}
    assert snapshot == levels.levels_as_of(acme.id, date.today())


def test_an_employee_cannot_rate_themselves_as_manager(make_company, make_user, make_capability):
    acme = make_company()
    boss = make_user(acme, roles=("manager", "employee"))
    cap = make_capability(acme)
    with pytest.raises(PermissionDenied, match="cannot rate yourself as a manager"):
        levels.record_evidence(boss, boss, cap, 3, "manager")


def test_a_manager_rates_only_their_own_reports(make_company, make_user, make_capability):
    acme = make_company()
    morgan = make_user(acme, roles=("manager",))
    other = make_user(acme, roles=("manager",))
    ada = make_user(acme, manager=morgan)
    cap = make_capability(acme)
    with pytest.raises(PermissionDenied, match="line manager"):
        levels.record_evidence(other, ada, cap, 3, "manager")
    levels.record_evidence(morgan, ada, cap, 3, "manager", note="Led the test overhaul")
    with pytest.raises(PermissionDenied, match="only be made by the person"):
        levels.record_evidence(morgan, ada, cap, 3, "self")


def test_evidence_is_validated(make_company, make_user, make_capability):
    from pathways.capabilities import frameworks

    acme = make_company()
    ada = make_user(acme)
    cap = make_capability(acme)
    with pytest.raises(ValidationError, match="from 1 to 5"):
        levels.record_evidence(ada, ada, cap, 6, "self")
    with pytest.raises(ValidationError, match="future"):
        levels.record_evidence(ada, ada, cap, 2, "self", on=date.today() + timedelta(days=1))
    frameworks.set_retired(ada, cap, True)
    with pytest.raises(ValidationError, match="retired"):
        levels.record_evidence(ada, ada, cap, 2, "self")
