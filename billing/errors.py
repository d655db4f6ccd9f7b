"""Billing's domain errors; each message tells a person what to do."""

from __future__ import annotations

from app.errors import Conflict, DomainError


class BudgetError(DomainError):
    code = "budget_error"
    status = 422


class InsufficientBudget(BudgetError):
    code = "insufficient_budget"


class InsufficientFunds(BudgetError):
    """The company wallet cannot cover a capture (purchases are prepaid)."""

    code = "insufficient_funds"


class HoldStateError(BudgetError):
    code = "hold_state"
    status = 409


class IdempotencyConflict(Conflict):
    code = "idempotency_conflict"
