"""The ledger's invariants, checked in SQL by `flask ledger verify` and GET /api/v1/ledger/verify.

1. every transaction sums to zero (and has at least two entries);
2. no budget's available or held balance, no team pool and no wallet is negative;
3. each budget's held balance equals the sum of its open holds;
4. every account's running balance equals the sum of its entries;
5. idempotency keys are unique per company;
6. a team pool of a closed period is empty (what was left expired at the close);
7. no balance is beyond ±MAX_MINOR (app.money);
8. every open reference another room registered (`add_expected_holds`: every open learning
   request) has exactly one open hold of its amount.

Every query is scoped to one company (its subqueries too): one company's data can never make
another company's check fail or error.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from flask import Flask, current_app
from sqlalchemy import func, select

from app.extensions import db
from app.models import Company
from app.money import MAX_MINOR

from .models import (
    AccountKind,
    Budget,
    Hold,
    HoldStatus,
    LedgerAccount,
    LedgerEntry,
    LedgerTransaction,
    TeamPool,
)

SAMPLE = 5  # offending rows shown per failed check


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str

    def json(self) -> dict[str, Any]:
        return {"name": self.name, "ok": self.ok, "detail": self.detail}


def _check(name: str, good: str, rows: Sequence[Any], describe: Any) -> Check:
    if not rows:
        return Check(name, True, good)
    shown = "; ".join(describe(r) for r in rows[:SAMPLE])
    more = f" (and {len(rows) - SAMPLE} more)" if len(rows) > SAMPLE else ""
    return Check(name, False, f"{len(rows)} found: {shown}{more}")


def run_checks(company_id: int | None = None) -> list[Check]:
    """All invariants for one company, or for each company of the installation (None): every
    query is scoped to one company, so one company's data can never fail another's check."""
    if company_id is not None:
        return company_checks(company_id)
    companies = db.session.scalars(select(Company.id).order_by(Company.id)).all()
    per_company = [company_checks(cid) for cid in companies] or [company_checks(0)]
    merged = []
    for same in zip(*per_company, strict=True):
        failed = [(cid, c) for cid, c in zip(companies, same, strict=False) if not c.ok]
        merged.append(Check(same[0].name, not failed, "; ".join(
            f"company {cid}: {c.detail}" for cid, c in failed) if failed else same[0].detail))
    return merged


def company_checks(company_id: int) -> list[Check]:
    """Every invariant of one company's ledger."""
    return [_transactions_balance(company_id), _no_negative_balances(company_id),
            _held_matches_open_holds(company_id), _balances_match_entries(company_id),
            _idempotency_keys_unique(company_id), _closed_pools_empty(company_id),
            _balances_within_bound(company_id), _open_references_held(company_id)]


def _transactions_balance(company_id: int) -> Check:
    total = func.coalesce(func.sum(LedgerEntry.amount_minor), 0)
    rows = db.session.execute(
        select(LedgerTransaction.id, LedgerTransaction.idempotency_key, total,
               func.count(LedgerEntry.id))
        .outerjoin(LedgerEntry, LedgerEntry.transaction_id == LedgerTransaction.id)
        .where(LedgerTransaction.company_id == company_id)
        .group_by(LedgerTransaction.id, LedgerTransaction.idempotency_key)
        .having((total != 0) | (func.count(LedgerEntry.id) < 2))).all()
    return _check("transactions_balance", "every transaction sums to zero", rows,
                  lambda r: f"transaction {r[0]} ({r[1]}) sums to {r[2]} over {r[3]} entries")


def _no_negative_balances(company_id: int) -> Check:
    rows = db.session.execute(
        select(LedgerAccount.id, LedgerAccount.code, LedgerAccount.balance_minor)
        .where(LedgerAccount.company_id == company_id,
               LedgerAccount.kind.in_([AccountKind.AVAILABLE.value, AccountKind.HELD.value,
                                       AccountKind.WALLET.value, AccountKind.TEAM_POOL.value]),
               LedgerAccount.balance_minor < 0)).all()
    return _check("no_negative_balances",
                  "no available, held, team pool or wallet balance is negative", rows,
                  lambda r: f"account {r[1]} is {r[2]}")


def _held_matches_open_holds(company_id: int) -> Check:
    open_holds = (select(Hold.budget_id, func.sum(Hold.amount_minor - Hold.captured_minor
                                                  - Hold.released_minor).label("open_minor"))
                  .where(Hold.company_id == company_id, Hold.status == HoldStatus.OPEN.value)
                  .group_by(Hold.budget_id).subquery())
    open_minor = func.coalesce(open_holds.c.open_minor, 0)
    rows = db.session.execute(
        select(Budget.id, LedgerAccount.code, LedgerAccount.balance_minor, open_minor)
        .join(LedgerAccount, LedgerAccount.id == Budget.held_account_id)
        .outerjoin(open_holds, open_holds.c.budget_id == Budget.id)
        .where(Budget.company_id == company_id, LedgerAccount.balance_minor != open_minor)).all()
    return _check("held_matches_open_holds", "every held balance equals its open holds", rows,
                  lambda r: f"budget {r[0]}: {r[1]} is {r[2]}, open holds {r[3]}")


def _balances_match_entries(company_id: int) -> Check:
    # The sums are taken over this company's accounts only: another company's entries (however
    # large) are never added up here.
    sums = (select(LedgerEntry.account_id, func.sum(LedgerEntry.amount_minor).label("total"))
            .join(LedgerAccount, LedgerAccount.id == LedgerEntry.account_id)
            .where(LedgerAccount.company_id == company_id)
            .group_by(LedgerEntry.account_id).subquery())
    total = func.coalesce(sums.c.total, 0)
    rows = db.session.execute(
        select(LedgerAccount.id, LedgerAccount.code, LedgerAccount.balance_minor, total)
        .outerjoin(sums, sums.c.account_id == LedgerAccount.id)
        .where(LedgerAccount.company_id == company_id, LedgerAccount.balance_minor != total)
    ).all()
    return _check("balances_match_entries", "every balance equals the sum of its entries", rows,
                  lambda r: f"account {r[1]} says {r[2]}, entries sum to {r[3]}")


def _idempotency_keys_unique(company_id: int) -> Check:
    rows = db.session.execute(
        select(LedgerTransaction.idempotency_key, func.count())
        .where(LedgerTransaction.company_id == company_id)
        .group_by(LedgerTransaction.idempotency_key).having(func.count() > 1)).all()
    return _check("idempotency_keys_unique", "idempotency keys are unique", rows,
                  lambda r: f"key {r[0]!r} used {r[1]} times")


def _closed_pools_empty(company_id: int) -> Check:
    rows = db.session.execute(
        select(TeamPool.id, LedgerAccount.code, LedgerAccount.balance_minor)
        .join(LedgerAccount, LedgerAccount.id == TeamPool.account_id)
        .where(TeamPool.company_id == company_id, TeamPool.closed_at.is_not(None),
               LedgerAccount.balance_minor != 0)).all()
    return _check("closed_pools_empty", "every team pool of a closed period is empty", rows,
                  lambda r: f"closed pool {r[0]}: {r[1]} still holds {r[2]}")


def _balances_within_bound(company_id: int) -> Check:
    balance = LedgerAccount.balance_minor
    rows = db.session.execute(
        select(LedgerAccount.id, LedgerAccount.code, balance)
        .where(LedgerAccount.company_id == company_id,
               (balance > MAX_MINOR) | (balance < -MAX_MINOR))).all()
    return _check("balances_within_bound",
                  f"every balance is within ±{MAX_MINOR:,} minor units", rows,
                  lambda r: f"account {r[1]} is {r[2]}")


# --- holds other rooms expect: each registers what must be held, billing checks it --------------

ExpectedHolds = Callable[[int], Iterable[tuple[str, int]]]  # company id -> (reference, amount)
_SOURCES = "billing_expected_holds"


def add_expected_holds(app: Flask, name: str, source: ExpectedHolds) -> None:
    """Register what must be held right now (the requests room: every open learning request
    holds exactly its price under "request:<id>"); `ledger verify` checks each reference has
    exactly one open hold of that amount. Billing never learns what a request is."""
    app.extensions.setdefault(_SOURCES, []).append((name, source))


def _open_references_held(company_id: int) -> Check:
    problems: list[str] = []
    for name, source in current_app.extensions.get(_SOURCES, []):
        expected = dict(source(company_id))
        held: dict[str, list[int]] = {}
        for start in range(0, len(expected), 1000):
            refs = list(expected)[start:start + 1000]
            for ref, amount in db.session.execute(
                    select(Hold.reference, Hold.amount_minor - Hold.captured_minor
                           - Hold.released_minor)
                    .where(Hold.company_id == company_id, Hold.status == HoldStatus.OPEN.value,
                           Hold.reference.in_(refs))):
                held.setdefault(ref, []).append(int(amount))
        problems += [f"{name} {ref} should hold {amount}, holds "
                     f"{', '.join(map(str, held[ref])) if ref in held else 'nothing'}"
                     for ref, amount in expected.items() if held.get(ref) != [amount]]
    return _check("open_references_held", "every open request has exactly its hold", problems,
                  lambda r: r)


def report(checks: list[Check]) -> str:
    lines = [f"{'ok  ' if c.ok else 'FAIL'} {c.name}: {c.detail}" for c in checks]
    failed = sum(not c.ok for c in checks)
    lines.append("Ledger verified: all invariants hold." if not failed
                 else f"{failed} of {len(checks)} ledger checks FAILED.")
    return "\n".join(lines)
