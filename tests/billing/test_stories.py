"""Money stories: allocate, hold, capture, release, refund, each ending with ledger verify."""

from __future__ import annotations

import pytest

from app.extensions import db
from billing import budgets, holds
from billing.errors import (
    HoldStateError,
    IdempotencyConflict,
    InsufficientBudget,
    InsufficientFunds,
)
from billing.queries import person_balances

from .conftest import FY2026, MARCH, assert_ledger_ok, key


def balances(user):
    b = person_balances(user, FY2026)
    return b.allocated_minor, b.held_minor, b.spent_minor, b.available_minor


def test_ada_requests_a_course_it_is_bought_then_partly_refunded(acme, admin, make_user, policy,
                                                                 fund):
    ada = make_user(acme, name="Ada")
    policy(100_000)  # €1,000 a year, upfront
    fund(500_000)
    budgets.run_allocation(admin, acme, FY2026, MARCH)
    db.session.commit()
    assert balances(ada) == (100_000, 0, 0, 100_000)

    hold = holds.hold(ada, ada, 40_000, "request:1", key(), on=MARCH)  # a €400 course
    db.session.commit()
    assert balances(ada) == (100_000, 40_000, 0, 60_000)

    holds.capture(admin, hold, key())
    db.session.commit()
    assert balances(ada) == (100_000, 0, 40_000, 60_000)

    holds.refund(admin, hold, 10_000, key(), "Provider refunded the exam fee")
    db.session.commit()
    assert balances(ada) == (100_000, 0, 30_000, 70_000)
    assert hold.refunded_minor == 10_000
    assert_ledger_ok()


def test_a_request_over_the_available_budget_is_refused_and_moves_nothing(acme, make_user, give,
                                                                          fingerprint):
    ada = make_user(acme, name="Ada")
    give(ada, 30_000)
    before = fingerprint()
    with pytest.raises(InsufficientBudget, match="Insufficient budget: this needs €400.00 but "
                                                 "only €300.00"):
        holds.hold(ada, ada, 40_000, "request:1", key(), on=MARCH)
    db.session.rollback()
    assert fingerprint() == before
    assert_ledger_ok()


def test_rejection_releases_the_whole_hold(acme, admin, make_user, give):
    ada = make_user(acme)
    give(ada, 50_000)
    hold = holds.hold(ada, ada, 20_000, "request:7", key(), on=MARCH)
    holds.release(admin, hold, key(), "Rejected by manager")
    db.session.commit()
    assert balances(ada) == (50_000, 0, 0, 50_000)
    with pytest.raises(HoldStateError):
        holds.capture(admin, hold, key())
    db.session.rollback()
    assert_ledger_ok()


def test_a_cheaper_final_price_captures_less_and_releases_the_rest(acme, admin, make_user, give,
                                                                   fund):
    ada = make_user(acme)
    give(ada, 50_000)
    fund(100_000)
    hold = holds.hold(ada, ada, 20_000, "request:8", key(), on=MARCH)
    holds.capture(admin, hold, key(), amount_minor=15_000)
    db.session.commit()
    assert balances(ada) == (50_000, 0, 15_000, 35_000)
    assert (hold.captured_minor, hold.released_minor, hold.status) == (15_000, 5_000, "captured")
    assert_ledger_ok()


def test_the_wallet_must_cover_a_capture(acme, admin, make_user, give, fund):
    ada = make_user(acme)
    give(ada, 50_000)
    fund(10_000)
    hold = holds.hold(ada, ada, 20_000, "request:9", key(), on=MARCH)
    db.session.commit()
    with pytest.raises(InsufficientFunds, match="record a bank transfer"):
        holds.capture(admin, hold, key())
    db.session.rollback()
    assert balances(ada) == (50_000, 20_000, 0, 30_000)
    assert_ledger_ok()


def test_retries_with_the_same_key_return_the_first_result(acme, admin, make_user, give, fund):
    ada = make_user(acme)
    give(ada, 50_000)
    fund(100_000)
    first = holds.hold(ada, ada, 20_000, "request:3", "hold-r3", on=MARCH)
    again = holds.hold(ada, ada, 20_000, "request:3", "hold-r3", on=MARCH)
    assert again.id == first.id
    holds.capture(admin, first, "cap-r3")
    assert holds.capture(admin, first, "cap-r3").id == first.id
    holds.refund(admin, first, 5_000, "ref-r3", "partial")
    holds.refund(admin, first, 5_000, "ref-r3", "partial")
    db.session.commit()
    assert balances(ada) == (50_000, 0, 15_000, 35_000)
    with pytest.raises(IdempotencyConflict):
        holds.hold(ada, ada, 1_000, "request:4", "hold-r3", on=MARCH)
    db.session.rollback()
    assert_ledger_ok()


def test_a_refund_cannot_exceed_what_was_captured(acme, admin, make_user, give, fund):
    ada = make_user(acme)
    give(ada, 50_000)
    fund(100_000)
    hold = holds.hold(ada, ada, 20_000, "request:5", key(), on=MARCH)
    holds.capture(admin, hold, key())
    holds.refund(admin, hold, 15_000, key(), "cancelled seat")
    db.session.commit()
    with pytest.raises(Exception, match="At most €50.00"):
        holds.refund(admin, hold, 6_000, key(), "too much")
    db.session.rollback()
    assert balances(ada) == (50_000, 0, 5_000, 45_000)
    assert_ledger_ok()


def test_a_deduction_never_goes_below_held_and_spent(acme, admin, make_user, give, fund):
    ada = make_user(acme, name="Ada")
    give(ada, 50_000)
    fund(100_000)
    holds.capture(admin, holds.hold(ada, ada, 20_000, "request:1", key(), on=MARCH), key())
    holds.hold(ada, ada, 10_000, "request:2", key(), on=MARCH)
    db.session.commit()
    with pytest.raises(InsufficientBudget, match="deduct at most €200.00 from Ada: €100.00 is "
                                                 "held for open requests and €200.00 is spent"):
        budgets.adjust(admin, ada, -25_000, "Budget cut", key(), FY2026)
    db.session.rollback()
    budgets.adjust(admin, ada, -20_000, "Budget cut", key(), FY2026)
    db.session.commit()
    assert balances(ada) == (30_000, 10_000, 20_000, 0)
    assert_ledger_ok()


def test_an_adjustment_needs_a_reason(acme, admin, make_user):
    ada = make_user(acme)
    with pytest.raises(Exception, match="Say why"):
        budgets.adjust(admin, ada, 1_000, "  ", key(), FY2026)
