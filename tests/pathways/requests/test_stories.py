"""Money stories of learning requests, read like accounting; each ends with `ledger verify`."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import OutboxMessage
from billing import budgets
from billing.errors import InsufficientBudget
from billing.policies import period_for
from billing.queries import person_balances
from billing.wallet import wallet_balances
from pathways.catalogue.models import OfferingCompletion
from pathways.requests import errors, submit, transitions
from pathways.requests.models import RequestEvent

from .conftest import assert_ledger_ok, key


def balances(person):
    b = person_balances(person, period_for(person.company, date.today()))
    return b.available_minor, b.held_minor, b.spent_minor


def test_request_approve_capture_complete(acme_world, make_offering, give, fund):
    """Ada has €1,000 and asks for a €400 course; Max approves; it is bought and completed."""
    w = acme_world
    give(w.ada, 100_000)
    fund(w.company, 500_000, w.harriet)
    course = make_offering(w.company, 40_000, "ROS 2 in practice")

    req = submit.create_for_offering(w.ada, course, "For the arm controller project")
    db.session.commit()
    assert req.status == "pending" and req.stages == ["manager"]
    assert balances(w.ada) == (60_000, 40_000, 0)  # held at once

    transitions.approve(w.max, req, "Go for it")
    db.session.commit()
    assert req.status == "purchased"  # automatic purchase on approval (default policy)
    assert balances(w.ada) == (60_000, 0, 40_000)
    assert wallet_balances(w.company.id)["wallet_minor"] == 460_000

    transitions.complete(w.ada, req, "Certificate ROS-123")
    db.session.commit()
    assert req.status == "completed"
    completion = db.session.scalar(select(OfferingCompletion).where(
        OfferingCompletion.reference == f"request:{req.id}"))
    assert completion is not None and completion.user_id == w.ada.id
    assert [e.action for e in req.events] == ["requested", "approved", "purchased", "completed"]
    assert req.events[1].comment == "Go for it" and req.events[1].actor_id == w.max.id
    assert_ledger_ok()  # noqa: F405


def test_rejection_releases_the_hold(acme_world, make_offering, give):
    w = acme_world
    give(w.ada, 100_000)
    req = submit.create_for_offering(w.ada, make_offering(w.company, 30_000), None)
    transitions.reject(w.max, req, "Not this quarter")
    db.session.commit()
    assert req.status == "rejected"
    assert balances(w.ada) == (100_000, 0, 0)
    transitions.reject(w.max, req, "again")  # idempotent: nothing moves twice
    db.session.commit()
    assert balances(w.ada) == (100_000, 0, 0)
    assert [e.action for e in req.events] == ["requested", "rejected"]
    assert_ledger_ok()  # noqa: F405


def test_cancel_before_and_not_after_purchase(acme_world, make_offering, give, set_policy,
                                              fund):
    w = acme_world
    set_policy(w.harriet, purchase_mode="manual")
    give(w.ada, 100_000)
    fund(w.company, 100_000, w.harriet)
    first = submit.create_for_offering(w.ada, make_offering(w.company, 20_000), None)
    second = submit.create_for_offering(w.ada, make_offering(w.company, 25_000), None)
    transitions.approve(w.max, first)
    transitions.cancel(w.ada, first, "Found a free alternative")  # approved, not yet bought
    transitions.approve(w.max, second)
    transitions.purchase(w.harriet, second, "INV-77")
    db.session.commit()
    assert (first.status, second.status) == ("cancelled", "purchased")
    with pytest.raises(errors.RequestStateError, match="refund"):
        transitions.cancel(w.ada, second)
    assert balances(w.ada) == (75_000, 0, 25_000)
    assert_ledger_ok()  # noqa: F405


def test_partial_then_full_refund(acme_world, make_offering, give, fund):
    w = acme_world
    give(w.ada, 100_000)
    fund(w.company, 100_000, w.harriet)
    req = submit.create_for_offering(w.ada, make_offering(w.company, 40_000), None)
    transitions.approve(w.max, req)
    transitions.refund(w.harriet, req, 10_000, "r1", "Provider refunded the workbook")
    transitions.refund(w.harriet, req, 10_000, "r1", "retry of the same refund")  # same key: nothing
    db.session.commit()
    assert (req.status, req.refunded_minor) == ("purchased", 10_000)
    assert balances(w.ada) == (70_000, 0, 30_000)
    transitions.refund(w.harriet, req, None, "r2", "Course cancelled by the provider")
    db.session.commit()
    assert (req.status, req.refunded_minor) == ("refunded", 40_000)
    assert balances(w.ada) == (100_000, 0, 0)
    assert wallet_balances(w.company.id)["wallet_minor"] == 100_000
    assert_ledger_ok()  # noqa: F405


def test_manual_purchase_at_a_lower_price_gives_the_rest_back(acme_world, make_offering, give,
                                                              fund, set_policy):
    w = acme_world
    set_policy(w.harriet, purchase_mode="manual")
    give(w.ada, 100_000)
    fund(w.company, 100_000, w.harriet)
    req = submit.create_for_offering(w.ada, make_offering(w.company, 40_000), None)
    transitions.approve(w.max, req)
    assert req.status == "approved"
    transitions.purchase(w.harriet, req, "PO-1", 35_000, "Early-bird price")
    transitions.purchase(w.harriet, req, "PO-1", 35_000)  # a repeat captures nothing more
    db.session.commit()
    assert (req.status, req.captured_minor, req.provider_reference) == ("purchased", 35_000,
                                                                        "PO-1")
    assert balances(w.ada) == (65_000, 0, 35_000)
    assert_ledger_ok()  # noqa: F405


def test_nobody_can_over_request(acme_world, make_offering, give):
    w = acme_world
    give(w.ada, 50_000)
    course = make_offering(w.company, 30_000)
    submit.create_for_offering(w.ada, course, None)
    db.session.commit()
    with pytest.raises(InsufficientBudget, match="Insufficient budget: this needs €300.00 but "
                                                 "only €200.00"):
        submit.create_for_offering(w.ada, course, None)
    db.session.rollback()
    assert balances(w.ada) == (20_000, 30_000, 0)
    assert_ledger_ok()  # noqa: F405


def test_empty_wallet_leaves_the_request_approved_until_funded(acme_world, make_offering, give,
                                                               fund):
    w = acme_world
    give(w.ada, 100_000)
    req = submit.create_for_offering(w.ada, make_offering(w.company, 40_000), None)
    transitions.approve(w.max, req)
    db.session.commit()
    assert req.status == "approved"
    assert "record a bank transfer" in req.events[-1].comment
    assert balances(w.ada) == (60_000, 40_000, 0)  # still held, nothing spent
    fund(w.company, 50_000, w.harriet)
    transitions.purchase(w.harriet, req, "INV-1")
    db.session.commit()
    assert req.status == "purchased"
    assert_ledger_ok()  # noqa: F405


def test_reducing_a_budget_keeps_pending_holds(acme_world, make_offering, give):
    w = acme_world
    give(w.ada, 100_000)
    submit.create_for_offering(w.ada, make_offering(w.company, 70_000), None)
    db.session.commit()
    period = period_for(w.company, date.today())
    with pytest.raises(InsufficientBudget, match="at most €300.00"):
        budgets.adjust(w.harriet, w.ada, -50_000, "Budget cut", key("cut"), period)  # noqa: F405
    db.session.rollback()
    budgets.adjust(w.harriet, w.ada, -30_000, "Budget cut", key("cut"), period)  # noqa: F405
    db.session.commit()
    assert balances(w.ada) == (0, 70_000, 0)
    assert_ledger_ok()  # noqa: F405


def test_period_end_with_a_pending_hold(acme_world, make_offering, give, fund):
    """The year closes while two requests wait: one is still bought from the old budget,
    the other is rejected and its hold lapses instead of returning."""
    w = acme_world
    give(w.ada, 100_000)
    fund(w.company, 100_000, w.harriet)
    bought = submit.create_for_offering(w.ada, make_offering(w.company, 30_000), None)
    dropped = submit.create_for_offering(w.ada, make_offering(w.company, 20_000), None)
    db.session.commit()
    period = period_for(w.company, date.today())
    budgets.close_period(w.harriet, w.company, period)  # no rollover policy: 500 expires
    db.session.commit()
    assert balances(w.ada) == (0, 50_000, 0)
    transitions.approve(w.max, bought)
    transitions.reject(w.max, dropped, "Too late")
    db.session.commit()
    assert bought.status == "purchased" and dropped.status == "rejected"
    assert balances(w.ada) == (0, 0, 30_000)  # the released 200 expired with the period
    assert_ledger_ok()  # noqa: F405


def test_approvers_and_requester_get_mail_after_commit(acme_world, make_offering, give, fund):
    w = acme_world
    give(w.ada, 100_000)
    fund(w.company, 100_000, w.harriet)
    req = submit.create_for_offering(w.ada, make_offering(w.company, 60_000, "Big course"), "pls")
    db.session.commit()  # manager, then admin (above €500)
    transitions.approve(w.max, req)
    db.session.commit()
    transitions.approve(w.harriet, req)
    db.session.commit()
    mail = db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
    assert [(m.to, m.status) for m in mail if "Approval needed" in m.subject] == [
        ("max@acme.test", "logged"), ("hr@acme.test", "logged"), ("bea@acme.test", "logged")]
    assert any(m.to == "ada@acme.test" and "approved" in m.subject for m in mail)
    assert db.session.scalar(select(db.func.count(RequestEvent.id))) == 4
