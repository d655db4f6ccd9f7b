"""Fixtures for learning requests: Acme with a reporting line, offerings, budgets, a wallet.

    Harriet (admin) ─ Dora (director, manager) ─ Max (manager) ─ Ada (employee)

The fixtures serve every test in this folder; a test elsewhere (tests/e2e) imports them with
`from tests.pathways.requests.conftest import *`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from itertools import count
from typing import Any

import pytest

from app.extensions import db
from app.models import Company, Team, User
from billing import budgets, verify, wallet
from billing.policies import period_for
from pathways.catalogue.models import Offering
from pathways.learning.models import Enrolment, Pathway, PathwayStep
from pathways.requests import approval

_keys = count(1)

__all__ = ["Acme", "acme_world", "assert_ledger_ok", "key", "make_offering", "give", "fund",
           "enrol_in_step", "set_policy"]


def key(prefix: str = "k") -> str:
    return f"{prefix}-{next(_keys)}"


def assert_ledger_ok(company_id: int | None = None) -> None:
    checks = verify.run_checks(company_id)
    assert all(c.ok for c in checks), verify.report(checks)


@dataclass
class Acme:
    company: Company
    team: Team
    harriet: User  # admin
    dora: User  # director: manager of Max
    max: User  # manager of Ada
    ada: User  # employee
    bea: User  # second admin (so Harriet's own requests have an approver)


@pytest.fixture
def acme_world(make_company: Callable[..., Company], make_team: Callable[..., Team],
               make_user: Callable[..., User]) -> Acme:
    company = make_company("Acme", "acme", currency="EUR", fiscal_year_start_month=1)
    team = make_team(company, "Robotics")
    harriet = make_user(company, email="hr@acme.test", name="Harriet",
                        roles=("admin", "employee"))
    bea = make_user(company, email="bea@acme.test", name="Bea", roles=("admin", "employee"))
    dora = make_user(company, email="dora@acme.test", name="Dora", roles=("manager", "employee"),
                     team=team)
    max_ = make_user(company, email="max@acme.test", name="Max", roles=("manager", "employee"),
                     team=team, manager=dora)
    ada = make_user(company, email="ada@acme.test", name="Ada", team=team, manager=max_)
    return Acme(company, team, harriet, dora, max_, ada, bea)


@pytest.fixture
def make_offering(app: Any) -> Callable[..., Offering]:
    def factory(company: Company, price: int, title: str = "Course", **kw: Any) -> Offering:
        offering = Offering(company_id=company.id, type=kw.pop("type", "course"), title=title,
                            price_minor=price, currency=kw.pop("currency", company.currency),
                            search_text=title.lower(), **kw)
        db.session.add(offering)
        db.session.commit()
        return offering

    return factory


@pytest.fixture
def give(app: Any) -> Callable[..., None]:
    """Give a person this fiscal year's budget of `amount` (an adjustment by an admin)."""
    def factory(user: User, amount: int, actor: User | None = None) -> None:
        admin = actor or db.session.scalars(db.select(User).where(
            User.company_id == user.company_id, User.email.like("hr@%"))).first() or user
        budgets.adjust(admin, user, amount, "Opening budget", key("give"),
                       period_for(user.company, date.today()))
        db.session.commit()

    return factory


@pytest.fixture
def fund(app: Any) -> Callable[..., None]:
    def factory(company: Company, amount: int, actor: User) -> None:
        wallet.record_bank_transfer(actor, company, amount, "SEPA-1", key("fund"))
        db.session.commit()

    return factory


@pytest.fixture
def enrol_in_step(app: Any) -> Callable[..., tuple[Enrolment, PathwayStep]]:
    """Put `user` on a published pathway whose first step is `offering`."""
    def factory(user: User, offering: Offering) -> tuple[Enrolment, PathwayStep]:
        pathway = Pathway(company_id=user.company_id, title="Robotics basics",
                          status="published")
        step = PathwayStep(company_id=user.company_id, kind="offering", title=offering.title,
                           offering=offering, position=1, required=True)
        pathway.steps.append(step)
        enrolment = Enrolment(company_id=user.company_id, pathway=pathway, user_id=user.id,
                              status="active")
        db.session.add_all([pathway, enrolment])
        db.session.commit()
        return enrolment, step

    return factory


@pytest.fixture
def set_policy(app: Any) -> Callable[..., Any]:
    def factory(actor: User, admin_threshold: int = 50_000, auto_max: int = 20_000,
                manager_approval: bool = True, purchase_mode: str = "auto") -> Any:
        row = approval.save_settings(actor, approval.PolicyData(admin_threshold, auto_max,
                                                      manager_approval, purchase_mode))
        db.session.commit()
        return row

    return factory
