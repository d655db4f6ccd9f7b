"""Holds and their fate: the service API the learning-request flow calls.

    hold(actor, employee, amount_minor, reference="request:42", key=…)  → Hold
    capture(actor, hold, key=…, amount_minor=None)   the purchase; any remainder is released
    release(actor, hold, key=…)                        rejection or cancellation
    refund(actor, hold, amount_minor, key=…, reason=…) full or partial, after a capture

Each call carries an idempotency key: a repeat returns the first result and moves nothing.
References are plain strings, so billing never needs to know what a request is.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from app.extensions import db
from app.models import User
from app.money import money

from . import ledger
from .budgets import find_budget
from .errors import BudgetError, HoldStateError, InsufficientBudget, InsufficientFunds
from .models import AccountKind, Budget, Hold, HoldStatus, LedgerAccount, TxKind
from .policies import period_for
from .wallet import reserved_minor


def _positive(amount_minor: int) -> None:
    if not isinstance(amount_minor, int) or isinstance(amount_minor, bool) or amount_minor <= 0:
        raise BudgetError("The amount must be a positive whole number of minor units.",
                          "amount_minor")


def _replay_hold(company_id: int, key: str, kind: str, reference: str | None) -> Hold | None:
    tx = ledger.existing(company_id, key, kind, reference)
    if tx is None:
        return None
    if kind == TxKind.HOLD.value:
        return db.session.scalars(select(Hold).where(Hold.transaction_id == tx.id)).one()
    return db.session.scalars(select(Hold).where(
        Hold.company_id == company_id, Hold.reference == tx.reference)
        .order_by(Hold.id.desc())).first()


def hold_for(company_id: int, reference: str) -> Hold | None:
    """The latest hold carrying `reference` (e.g. "request:42")."""
    return db.session.scalars(select(Hold).where(
        Hold.company_id == company_id, Hold.reference == reference)
        .order_by(Hold.id.desc())).first()


def _expire_if_closed(budget: Budget, amount: int) -> ledger.Legs:
    """Money returning to a closed period's budget lapses at once (it cannot be spent there)."""
    if budget.closed_at is None or amount <= 0:
        return []
    expired = ledger.company_account(budget.company_id, AccountKind.EXPIRED, budget.currency)
    return ledger.transfer(budget.available, expired, amount)


def hold(actor: User | None, employee: User, amount_minor: int, reference: str, key: str,
         on: date | None = None) -> Hold:
    """Reserve `amount_minor` of the employee's budget for the period containing `on` (today)."""
    _positive(amount_minor)
    again = _replay_hold(employee.company_id, key, TxKind.HOLD.value, reference)
    if again is not None:
        return again
    period = period_for(employee.company, on or date.today())
    budget = find_budget(employee, period)
    if budget is None:
        raise InsufficientBudget(
            f"{employee.name} has no {period.label} learning budget yet; an admin can allocate "
            "one on the Budgets page.", "amount_minor")
    ledger.lock([budget.available, budget.held])
    again = _replay_hold(employee.company_id, key, TxKind.HOLD.value, reference)
    if again is not None:  # a twin with the same key committed while we waited for the lock
        return again
    available = budget.available.balance_minor
    if amount_minor > available:
        raise InsufficientBudget(
            f"Insufficient budget: this needs {money(amount_minor, budget.currency)} but only "
            f"{money(available, budget.currency)} of the {period.label} budget is available.",
            "amount_minor")
    tx = ledger.post(actor, ledger.Posting(
        employee.company_id, TxKind.HOLD.value, key,
        ledger.transfer(budget.available, budget.held, amount_minor), reference=reference,
        reason="Held for a request", user_id=employee.id))
    held = Hold(company_id=employee.company_id, budget_id=budget.id, reference=reference,
                amount_minor=amount_minor, captured_minor=0, released_minor=0, refunded_minor=0,
                status=HoldStatus.OPEN.value, transaction_id=tx.id)
    db.session.add(held)
    db.session.flush()
    return held


def _lock_hold(hold: Hold, *extra: LedgerAccount) -> Budget:
    budget = hold.budget
    ledger.lock([budget.available, budget.held, budget.spent, *extra])
    db.session.refresh(hold)
    return budget


def capture(actor: User | None, hold: Hold, key: str, amount_minor: int | None = None,
            reason: str | None = None) -> Hold:
    """Turn the hold into spend (the purchase); the wallet pays. A smaller final price
    captures `amount_minor` and releases the rest of the hold."""
    again = _replay_hold(hold.company_id, key, TxKind.CAPTURE.value, hold.reference)
    if again is not None:
        return again
    currency = hold.budget.currency
    wallet = ledger.company_account(hold.company_id, AccountKind.WALLET, currency)
    payable = ledger.company_account(hold.company_id, AccountKind.PROVIDER_PAYABLE, currency)
    budget = _lock_hold(hold, wallet, payable)
    again = _replay_hold(hold.company_id, key, TxKind.CAPTURE.value, hold.reference)
    if again is not None:
        return again
    if hold.status != HoldStatus.OPEN.value:
        raise HoldStateError(f"This hold is already {hold.status}; it cannot be captured.")
    amount = hold.open_minor if amount_minor is None else amount_minor
    _positive(amount)
    if amount > hold.open_minor:
        raise BudgetError(f"Only {money(hold.open_minor, currency)} is held; capture at most that.",
                          "amount_minor")
    # Money promised elsewhere (refunds Stripe is still processing) is not spendable.
    spendable = wallet.balance_minor - reserved_minor(hold.company_id)
    if amount > spendable:
        raise InsufficientFunds(
            f"The company wallet has {money(max(0, spendable), currency)} to spend, less than the "
            f"{money(amount, currency)} this purchase costs; record a bank transfer first.",
            "amount_minor")
    rest = hold.open_minor - amount
    legs = (ledger.transfer(budget.held, budget.spent, amount)
            + ledger.transfer(wallet, payable, amount)
            + ledger.transfer(budget.held, budget.available, rest)
            + _expire_if_closed(budget, rest))
    ledger.post(actor, ledger.Posting(hold.company_id, TxKind.CAPTURE.value, key, legs,
                                      reference=hold.reference, reason=reason or "Purchased",
                                      user_id=budget.user_id))
    hold.captured_minor, hold.released_minor = amount, hold.released_minor + rest
    hold.status = HoldStatus.CAPTURED.value
    db.session.flush()
    return hold


def release(actor: User | None, hold: Hold, key: str, reason: str | None = None) -> Hold:
    """Give the whole open amount back to the budget (request rejected or cancelled)."""
    again = _replay_hold(hold.company_id, key, TxKind.RELEASE.value, hold.reference)
    if again is not None:
        return again
    budget = _lock_hold(hold)
    again = _replay_hold(hold.company_id, key, TxKind.RELEASE.value, hold.reference)
    if again is not None:
        return again
    if hold.status != HoldStatus.OPEN.value:
        raise HoldStateError(f"This hold is already {hold.status}; there is nothing to release.")
    amount = hold.open_minor
    ledger.post(actor, ledger.Posting(
        hold.company_id, TxKind.RELEASE.value, key,
        ledger.transfer(budget.held, budget.available, amount) + _expire_if_closed(budget, amount),
        reference=hold.reference, reason=reason or "Released", user_id=budget.user_id))
    hold.released_minor += amount
    hold.status = HoldStatus.RELEASED.value
    db.session.flush()
    return hold


def refund(actor: User | None, hold: Hold, amount_minor: int, key: str, reason: str) -> Hold:
    """Reverse (part of) a capture: the budget gets it back, and so does the wallet."""
    again = _replay_hold(hold.company_id, key, TxKind.REFUND.value, hold.reference)
    if again is not None:
        return again
    _positive(amount_minor)
    currency = hold.budget.currency
    wallet = ledger.company_account(hold.company_id, AccountKind.WALLET, currency)
    payable = ledger.company_account(hold.company_id, AccountKind.PROVIDER_PAYABLE, currency)
    budget = _lock_hold(hold, wallet, payable)
    again = _replay_hold(hold.company_id, key, TxKind.REFUND.value, hold.reference)
    if again is not None:
        return again
    if hold.status != HoldStatus.CAPTURED.value:
        raise HoldStateError("Only a captured purchase can be refunded.")
    refundable = hold.captured_minor - hold.refunded_minor
    if amount_minor > refundable:
        raise BudgetError(f"At most {money(refundable, currency)} of this purchase can still be "
                          "refunded.", "amount_minor")
    legs = (ledger.transfer(budget.spent, budget.available, amount_minor)
            + ledger.transfer(payable, wallet, amount_minor)
            + _expire_if_closed(budget, amount_minor))
    ledger.post(actor, ledger.Posting(hold.company_id, TxKind.REFUND.value, key, legs,
                                      reference=hold.reference, reason=reason or "Refund",
                                      user_id=budget.user_id))
    hold.refunded_minor += amount_minor
    db.session.flush()
    return hold
