"""The demo capability maps: everyone in a role, levels that grew, a story for Emma."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from app import demo
from app.extensions import db
from app.models import Company, User
from pathways.capabilities import gaps, levels
from pathways.capabilities.models import Capability, CareerMove, Role, RoleAssignment


@pytest.fixture
def database_url(tmp_path):  # type: ignore[no-untyped-def]
    """SQLite only: the demo's content does not depend on the engine, and seeding on
    PostgreSQL (its COPY path) is covered by tests/app/test_cli.py."""
    return f"sqlite:///{tmp_path}/test.sqlite3"


def test_demo_seeds_framework_roles_assignments_and_growth(app):
    world = demo.seed(60, say=lambda m: None)
    db.session.commit()
    acme = world.acme
    assert db.session.scalar(select(func.count(Capability.id))) == 30
    assert db.session.scalar(select(func.count(Role.id))) == 10
    assert db.session.scalar(select(func.count(CareerMove.id))) >= 8
    people = db.session.scalar(select(func.count(User.id)).where(User.company_id == acme.id))
    assigned = db.session.scalar(select(func.count(RoleAssignment.user_id)).where(
        RoleAssignment.company_id == acme.id, RoleAssignment.role_id.is_not(None)))
    assert assigned == people
    today = date.today()
    grown = levels.levels_gained(acme.id, today - timedelta(days=540), today)
    assert grown > people  # levels visibly grew over 18 months
    emma = world.people["employee@acme.test"]
    views = levels.levels_of(emma)
    assert views and all(v.why.startswith(f"Level {v.level} from") for v in views.values())
    assignment = db.session.get(RoleAssignment, emma.id)
    assert assignment.target_role.title == "Senior Software Engineer"
    assert gaps.gaps(emma, assignment.target_role)
    assert gaps.coverage(acme.id)
    # The snapshot agrees with the history for everyone.
    assert levels.levels_as_of(acme.id, today) == {
        (u, c): lv for u, c, lv in db.session.execute(
            select(levels.CapabilityLevel.user_id, levels.CapabilityLevel.capability_id,
                   levels.CapabilityLevel.level))}
    assert db.session.scalar(select(Company.id).where(Company.slug == "globex"))


def test_demo_pages_render_for_the_demo_logins(demo_world, client):
    world = demo_world
    for email, url in [("employee@acme.test", "/home"), ("employee@acme.test", "/me/capabilities"),
                       ("manager@acme.test", "/team/capabilities"),
                       ("exec@acme.test", "/capabilities/coverage"),
                       ("hr@acme.test", "/roles/matrix")]:
        client.post("/login", data={"email": email, "password": demo.DEMO_PASSWORD})
        assert client.get(url).status_code == 200, (email, url)
        client.post("/logout")
    assert world.people["employee@acme.test"].name == "Emma Lindqvist"
