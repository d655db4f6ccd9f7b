"""Catalogue fixtures: factories of providers and offerings, upload samples, and two small
worlds (the pages' and the API's). A test in another room imports what it uses from here."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask

from app.extensions import db
from app.models import Company
from pathways.capabilities.models import Capability
from pathways.catalogue import offerings, providers
from pathways.catalogue.models import Offering, Provider
from pathways.learning.builder import StepData
from tests.pathways.conftest import admin_of
from tests.pathways.learning.conftest import make_pathway  # noqa: F401  (a fixture `world` uses)

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64


@pytest.fixture
def make_provider(app: Flask) -> Callable[..., Provider]:
    def factory(company: Company, name: str = "Acme Academy") -> Provider:
        provider = providers.save_provider(admin_of(company), name, "https://academy.example")
        db.session.commit()
        return provider

    return factory


@pytest.fixture
def make_offering(app: Flask) -> Callable[..., Offering]:
    counter = iter(range(1, 100_000))

    def factory(company: Company, title: str | None = None, price_minor: int = 10_000,
                hours: float = 8, develops: dict[Capability, tuple[int, int]] | None = None,
                **kw: Any) -> Offering:
        data = offerings.OfferingData(
            title=title or f"Offering {next(counter)}", type=kw.pop("type", "course"),
            price_minor=price_minor, duration_hours=hours,
            capabilities=[offerings.Delta(c.id, f, t) for c, (f, t) in (develops or {}).items()],
            **kw)
        offering = offerings.save_offering(admin_of(company), data)
        db.session.commit()
        return offering

    return factory


@pytest.fixture
def world(make_company: Any, make_user: Any, make_capability: Any, make_role: Any, assign: Any,
          make_offering: Any, make_pathway: Any) -> dict[str, Any]:  # noqa: F811
    """Acme: an admin, a manager, Ada (an engineer, Testing 3) and "Testing 101" (Testing 1 → 3),
    a step of the published pathway "Testing journey"."""
    acme = make_company(name="Acme")
    admin = make_user(acme, roles=("admin", "employee"), name="Hana Admin")
    boss = make_user(acme, roles=("manager", "employee"), name="Morgan")
    ada = make_user(acme, name="Ada", manager=boss)
    testing = make_capability(acme, "Testing")
    assign(ada, make_role(acme, "Engineer", {testing: 3}))
    course = make_offering(acme, "Testing 101", 30_000, 8, {testing: (1, 3)})
    path = make_pathway(acme, "Testing journey", [StepData("offering", offering_id=course.id),
                                                  StepData("reading", "Read",
                                                           url="https://read.test")])
    return dict(acme=acme, admin=admin, boss=boss, ada=ada, testing=testing, course=course,
                path=path)


@pytest.fixture
def api_world(make_company: Any, make_user: Any, make_capability: Any, make_role: Any,
              assign: Any, make_team: Any) -> dict[str, Any]:
    """Acme for the API tests: an admin, a manager, Ada (his report) and Bob in Platform, and
    Ada's role needing Testing 3."""
    acme = make_company(name="Acme")
    admin = make_user(acme, roles=("admin",), name="Admin")
    boss = make_user(acme, roles=("manager", "employee"), name="Boss")
    team = make_team(acme, "Platform")
    ada = make_user(acme, name="Ada", manager=boss, team=team)
    bob = make_user(acme, name="Bob", team=team)
    testing = make_capability(acme, "Testing")
    role = make_role(acme, "Engineer", {testing: 3})
    assign(ada, role)
    return dict(acme=acme, admin=admin, boss=boss, ada=ada, bob=bob, team=team,
                testing=testing, role=role)
