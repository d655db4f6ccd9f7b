"""Billing fixtures: a company with a funded wallet and a default policy, and ledger checks."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from itertools import count
from typing import Any

import pytest

from app.extensions import db
from app.models import Company, User
from billing import budgets, policies, verify, wallet
from billing.policies import Period, PolicyData

FY2026 = Period(date(2026, 1, 1), date(2026, 12, 31))
MARCH = date(2026, 3, 2)
_keys = count(1)


def key(prefix: str = "k") -> str:
    return f"{prefix}-{next(_keys)}"


def assert_ledger_ok(company_id: int | None = None) -> None:
    checks = verify.run_checks(company_id)
    assert all(c.ok for c in checks), verify.report(checks)


@pytest.fixture
def acme(make_company: Callable[..., Company]) -> Company:
    return make_company("Acme", "acme", currency="EUR", fiscal_year_start_month=1)


@pytest.fixture
def admin(acme: Company, make_user: Callable[..., User]) -> User:
    return make_user(acme, email="hr@acme.test", name="Harriet", roles=("admin", "employee"))


@pytest.fixture
def policy(admin: User) -> Callable[..., Any]:
    def factory(allowance: int = 100_000, **kw: Any) -> Any:
        result = policies.save_policy(admin, PolicyData(
            scope=kw.pop("scope", "default"), annual_allowance_minor=allowance, **kw))
        db.session.commit()
        return result

    return factory


@pytest.fixture
def fund(admin: User) -> Callable[[int], None]:
    def factory(amount: int, company: Company | None = None, actor: User | None = None) -> None:
        wallet.record_bank_transfer(actor or admin, company or admin.company, amount, "SEPA-1",
                                    key("fund"))
        db.session.commit()

    return factory


@pytest.fixture
def give(admin: User) -> Callable[..., None]:
    """Give a person a FY2026 budget of `amount` by an adjustment (no policy needed)."""
    def factory(user: User, amount: int, actor: User | None = None) -> None:
        budgets.adjust(actor or admin, user, amount, "Opening budget", key("give"), FY2026)
        db.session.commit()

    return factory


@pytest.fixture
def eng(acme: Company, admin: User, make_team: Callable[..., Any],
        make_user: Callable[..., User]) -> tuple[Any, User, User, User, User]:
    """Engineering with team pools on: Mo manages Ada and Bo; Cy (the admin's report) is in
    it too."""
    policies.save_policy(admin, PolicyData("default", 0, team_pools=True))
    team = make_team(acme, "Engineering")
    mo = make_user(acme, name="Mo", email="mo@acme.test", roles=("manager", "employee"),
                   team=team)
    ada = make_user(acme, name="Ada", team=team, manager=mo)
    bo = make_user(acme, name="Bo", team=team, manager=mo)
    cy = make_user(acme, name="Cy", team=team, manager=admin)
    db.session.commit()
    return team, mo, ada, bo, cy


# Autouse, for every billing test: nothing reaches past 127.0.0.1 (the real Stripe API).
from .stripe.conftest import no_real_stripe  # noqa: E402, F401  (fixture)
