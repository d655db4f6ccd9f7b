"""Factories for capability maps: frameworks, capabilities, roles, assignments, evidence."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from flask import Flask

from app.extensions import db
from app.models import Company, User
from pathways.capabilities import frameworks, levels, roles
from pathways.capabilities.models import Capability, Framework, Role


def admin_of(company: Company) -> User:
    from sqlalchemy import select

    from app.models import UserRole

    found = db.session.scalar(select(User).join(UserRole).where(
        User.company_id == company.id, UserRole.role == "admin").limit(1))
    if found is None:
        found = User(company_id=company.id, email=f"fixture-admin@{company.slug}.test",
                     name="Fixture Admin")
        found.set_roles(["admin"])
        db.session.add(found)
        db.session.flush()
    return found


@pytest.fixture
def make_framework(app: Flask) -> Callable[..., Framework]:
    def factory(company: Company, name: str = "Engineering", levels: int = 5) -> Framework:
        actor = admin_of(company)
        scale = frameworks.create_scale(actor, f"{name} scale", [
            frameworks.LevelData(i, f"L{i}", f"Descriptor {i}") for i in range(1, levels + 1)])
        fw = frameworks.create_framework(actor, name, scale)
        db.session.commit()
        return fw

    return factory


@pytest.fixture
def make_capability(app: Flask, make_framework: Callable[..., Framework]
                    ) -> Callable[..., Capability]:
    frameworks_by_company: dict[int, Framework] = {}
    counter = iter(range(1, 10_000))

    def factory(company: Company, name: str | None = None, category: str = "Craft",
                framework: Framework | None = None, **kw: Any) -> Capability:
        fw = framework or frameworks_by_company.get(company.id)
        if fw is None:
            fw = frameworks_by_company[company.id] = make_framework(company)
        cap = frameworks.create_capability(admin_of(company), fw, frameworks.CapabilityData(
            category, name or f"Capability {next(counter)}", **kw))
        db.session.commit()
        return cap

    return factory


@pytest.fixture
def make_role(app: Flask) -> Callable[..., Role]:
    def factory(company: Company, title: str = "Engineer",
                requires: dict[Capability, int | tuple[int, int]] | None = None,
                **kw: Any) -> Role:
        actor = admin_of(company)
        role = roles.create_role(actor, roles.RoleData(title, **kw))
        reqs = [roles.Requirement(c.id, *(v if isinstance(v, tuple) else (v, 1)))
                for c, v in (requires or {}).items()]
        roles.set_requirements(actor, role, reqs)
        db.session.commit()
        return role

    return factory


@pytest.fixture
def assign(app: Flask) -> Callable[..., None]:
    def factory(person: User, role: Role | None, target: Role | None = None) -> None:
        company = db.session.get(Company, person.company_id)
        actor = admin_of(company)
        roles.assign_role(actor, person, role)
        if target is not None:
            roles.set_target(actor, person, target)
        db.session.commit()

    return factory


@pytest.fixture
def evidence(app: Flask) -> Callable[..., Any]:
    """Record evidence without permission checks (the stories set the scene with it)."""

    def factory(person: User, cap: Capability, level: int, source: str = "manager",
                on: date | None = None, author: User | None = None, note: str | None = None) -> Any:
        actor = author or person
        row = levels.record_evidence(actor, person, cap, level, source, note=note, on=on,
                                     check=False)
        db.session.commit()
        return row

    return factory
