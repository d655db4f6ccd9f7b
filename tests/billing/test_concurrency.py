"""Concurrency proofs with real processes on a SQLite file and on PostgreSQL.

N concurrent holds of price P against a budget B accept exactly ⌊B/P⌋; concurrent captures
never overdraw the wallet; and the ledger verifies afterwards.
"""

from __future__ import annotations

import pytest

from app.extensions import db
from app.models import User
from billing import holds
from billing.queries import person_balances
from billing.wallet import wallet_balances

from . import workers
from .conftest import FY2026, MARCH, assert_ledger_ok, key

pytestmark = pytest.mark.slow
WORKERS, ATTEMPTS = 6, 4


def test_concurrent_holds_accept_exactly_what_the_budget_covers(database_url, acme, make_user,
                                                                give):
    budget, price = 100_000, 7_000  # €1,000 and €70 requests: ⌊B/P⌋ = 14 of 24 attempts
    ada = make_user(acme, name="Ada")
    give(ada, budget)
    ada_id = ada.id
    db.session.remove()  # the test's own session holds no connection while the workers run
    outcomes = workers.run(workers.hold_worker, [
        (database_url, ada_id, price, ATTEMPTS, w, MARCH) for w in range(WORKERS)])
    accepted = [o for o in outcomes if o == "accepted"]
    refused = [o for o in outcomes if o != "accepted"]
    assert len(accepted) == budget // price == 14
    assert len(refused) == WORKERS * ATTEMPTS - 14
    assert all(o.startswith("Insufficient budget: this needs €70.00") for o in refused)
    b = person_balances(db.session.get(User, ada_id), FY2026)
    assert (b.held_minor, b.available_minor) == (14 * price, budget - 14 * price)
    assert_ledger_ok()


def test_concurrent_captures_never_overdraw_the_wallet(database_url, acme, admin, make_user, give,
                                                      fund):
    price = 10_000
    people = [make_user(acme) for _ in range(3)]
    hold_ids = []
    for person in people:
        give(person, 4 * price)
        hold_ids += [holds.hold(person, person, price, f"request:{person.id}-{i}", key(),
                                on=MARCH).id for i in range(4)]
    db.session.commit()
    fund(7 * price + 5_000)  # pays for 7 of the 12 purchases
    company_id = acme.id
    db.session.remove()
    outcomes = workers.run(workers.capture_worker, [
        (database_url, hold_ids[w::4], w) for w in range(4)])
    assert outcomes.count("captured") == 7
    assert all("record a bank transfer" in o for o in outcomes if o != "captured")
    assert wallet_balances(company_id)["wallet_minor"] == 5_000
    assert_ledger_ok()


def test_concurrent_allocation_runs_and_closes_move_the_money_once(database_url, acme, admin,
                                                                   make_user, policy):
    people = [make_user(acme) for _ in range(40)]
    policy(100_000, rollover_cap_minor=30_000)
    company_id, admin_id, count = acme.id, admin.id, len(people) + 1
    db.session.remove()
    outcomes = workers.run(workers.company_job_worker, [
        (database_url, company_id, admin_id, "allocate", MARCH, w) for w in range(3)])
    assert sorted(outcomes) == ["allocated 0 to 0"] * 2 + [f"allocated {count * 100_000} to "
                                                           f"{count}"]
    outcomes = workers.run(workers.company_job_worker, [
        (database_url, company_id, admin_id, "close", MARCH, w) for w in range(3)])
    assert sorted(outcomes) == ["rolled 0 expired 0"] * 2 + [
        f"rolled {count * 30_000} expired {count * 70_000}"]
    assert_ledger_ok()
