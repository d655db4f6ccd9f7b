"""Capabilities fixtures. The factories every room builds on (make_framework, make_capability,
make_role, assign, evidence, admin_of) live one level up in tests/pathways/conftest.py; this
holds the room's own story: a small company whose gaps and coverage are worked out by hand."""

from __future__ import annotations

from datetime import date

import pytest

from app.extensions import db
from app.models import UserStatus


@pytest.fixture
def small_company(make_company, make_user, make_team, make_capability, make_role, assign,
                  evidence):
    """Platform team: Ada and Bob (Engineers), Cy (Senior). Data team: Dee (Engineer).

    Engineer needs Testing 3 (weight 2) and Design 2; Senior needs Testing 4 and Design 3.
    Levels today: Ada T3 D1 · Bob T2 D2 · Cy T4 D3 · Dee T5 (no Design) · Eve left, T0.
    """
    acme = make_company(name="Acme")
    platform, data = make_team(acme, "Platform"), make_team(acme, "Data")
    morgan = make_user(acme, name="Morgan", roles=("manager", "employee"), team=platform)
    testing = make_capability(acme, "Testing", category="Craft")
    design = make_capability(acme, "Design", category="Architecture")
    engineer = make_role(acme, "Engineer", {testing: (3, 2), design: 2})
    senior = make_role(acme, "Senior", {testing: 4, design: 3})
    people = {}
    for name, team, role, t, d in [("Ada", platform, engineer, 3, 1),
                                   ("Bob", platform, engineer, 2, 2),
                                   ("Cy", platform, senior, 4, 3),
                                   ("Dee", data, engineer, 5, 0),
                                   ("Eve", platform, engineer, 0, 0)]:
        person = make_user(acme, name=name, team=team, manager=morgan)
        assign(person, role)
        for cap, level in ((testing, t), (design, d)):
            if level:
                evidence(person, cap, level, on=date(2026, 1, 5), author=morgan)
        people[name] = person
    people["Eve"].status = UserStatus.LEFT.value
    db.session.commit()
    return {"acme": acme, "platform": platform, "data": data, "morgan": morgan,
            "testing": testing, "design": design, "engineer": engineer, "senior": senior,
            **people}
