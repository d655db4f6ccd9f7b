"""What a ledger posting is and the rules every write path checks: the legs balance, each leg
is within the money bound, and the posting time (back-fill and demo data only) is not in the
future. Both write paths (`billing.ledger.post`, `billing.ledger_bulk.post_bulk`) use these."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from app.extensions import db
from app.models import utcnow
from app.money import MAX_MINOR

from .errors import BudgetError
from .models import LedgerAccount


@dataclass(frozen=True)
class Posting:
    """One transaction to write: `legs` are (account, signed amount) pairs summing to zero."""

    company_id: int
    kind: str
    key: str
    legs: Sequence[tuple[LedgerAccount | int, int]]  # an account, or its id (post_bulk only)
    reference: str | None = None
    reason: str | None = None
    user_id: int | None = None


class UnbalancedTransaction(ValueError):
    """A programming error: the legs of a transaction do not sum to zero."""


class AmountTooLarge(BudgetError):
    """A posting would move more than `MAX_MINOR`, or take a balance past it."""

    code = "amount_too_large"


def too_large(field: str = "amount_minor") -> AmountTooLarge:
    return AmountTooLarge(f"The amount is too large: no amount or balance may pass "
                          f"{MAX_MINOR:,} minor units.", field)


def legs(p: Posting) -> list[tuple[Any, int]]:
    """The posting's non-zero legs, checked: at least two, summing to zero, each in bounds."""
    found = [(acc, amount) for acc, amount in p.legs if amount != 0]
    if len(found) < 2 or sum(amount for _a, amount in found) != 0:
        raise UnbalancedTransaction(f"{p.kind} {p.key}: legs {found!r} do not balance")
    if any(abs(amount) > MAX_MINOR for _a, amount in found):
        raise too_large()
    return found


def account_id(acc: LedgerAccount | int) -> int:
    return acc if isinstance(acc, int) else acc.id


Legs = list[tuple[LedgerAccount | int, int]]


def transfer(source: LedgerAccount | int, target: LedgerAccount | int,
             amount_minor: int) -> Legs:
    """The two legs that move `amount_minor` from `source` to `target`."""
    return [(source, -amount_minor), (target, amount_minor)]


BACKFILL = "ledger_backfill_at"  # session.info key set by `backfill()`


@contextmanager
def backfill(at: datetime) -> Iterator[None]:
    """Back-fill and demo data only: transactions posted in the block are dated `at` (naive
    UTC), also when a service posts them on the caller's behalf."""
    db.session.info[BACKFILL] = at
    try:
        yield
    finally:
        db.session.info.pop(BACKFILL, None)


def stamp(posted_at: datetime | None) -> datetime:
    """When a posting happens: now, or the back-fill time (never in the future)."""
    when = posted_at or db.session.info.get(BACKFILL)
    now = utcnow()
    if when is None:
        return now
    if when > now:
        raise ValueError(f"A ledger transaction cannot be dated in the future ({when}).")
    return when
