"""The ledger's invariants, checked in SQL by `flask ledger verify` and GET /api/v1/ledger/verify.

1. every transaction sums to zero (and has at least two entries);
2. no budget's available or held balance, no team pool and no wallet is negative;
3. each budget's held balance equals the sum of its open holds;
4. every account's running balance equals the sum of its entries;
5. idempotency keys are unique per company;
6. a team pool of a closed period is empty (what was left expired at the close).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select

from app.extensions import db

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


def _scope(query: Any, column: Any, company_id: int | None) -> Any:
    return query if company_id is None else query.where(column == company_id)


def _check(name: str, good: str, rows: Sequence[Any], describe: Any) -> Check:
    if not rows:
        return Check(name, True, good)
    shown = "; ".join(describe(r) for r in rows[:SAMPLE])
    more = f" (and {len(rows) - SAMPLE} more)" if len(rows) > SAMPLE else ""
    return Check(name, False, f"{len(rows)} found: {shown}{more}")


def run_checks(company_id: int | None = None) -> list[Check]:
    """All invariants for one company (or the whole installation when None)."""
    tx_sums = db.session.execute(_scope(
        select(LedgerTransaction.id, LedgerTransaction.idempotency_key,
               func.coalesce(func.sum(LedgerEntry.amount_minor), 0), func.count(LedgerEntry.id))
        .outerjoin(LedgerEntry, LedgerEntry.transaction_id == LedgerTransaction.id)
        .group_by(LedgerTransaction.id, LedgerTransaction.idempotency_key)
        .having((func.coalesce(func.sum(LedgerEntry.amount_minor), 0) != 0)
                | (func.count(LedgerEntry.id) < 2)),
        LedgerTransaction.company_id, company_id)).all()
    negative = db.session.execute(_scope(
        select(LedgerAccount.id, LedgerAccount.code, LedgerAccount.balance_minor)
        .where(LedgerAccount.kind.in_([AccountKind.AVAILABLE.value, AccountKind.HELD.value,
                                       AccountKind.WALLET.value, AccountKind.TEAM_POOL.value]),
               LedgerAccount.balance_minor < 0),
        LedgerAccount.company_id, company_id)).all()
    open_holds = (select(Hold.budget_id, func.sum(Hold.amount_minor - Hold.captured_minor
                                                  - Hold.released_minor).label("open_minor"))
                  .where(Hold.status == HoldStatus.OPEN.value).group_by(Hold.budget_id)
                  .subquery())
    held_mismatch = db.session.execute(_scope(
        select(Budget.id, LedgerAccount.code, LedgerAccount.balance_minor,
               func.coalesce(open_holds.c.open_minor, 0))
        .join(LedgerAccount, LedgerAccount.id == Budget.held_account_id)
        .outerjoin(open_holds, open_holds.c.budget_id == Budget.id)
        .where(LedgerAccount.balance_minor != func.coalesce(open_holds.c.open_minor, 0)),
        Budget.company_id, company_id)).all()
    sums = (select(LedgerEntry.account_id, func.sum(LedgerEntry.amount_minor).label("total"))
            .group_by(LedgerEntry.account_id).subquery())
    drift = db.session.execute(_scope(
        select(LedgerAccount.id, LedgerAccount.code, LedgerAccount.balance_minor,
               func.coalesce(sums.c.total, 0))
        .outerjoin(sums, sums.c.account_id == LedgerAccount.id)
        .where(LedgerAccount.balance_minor != func.coalesce(sums.c.total, 0)),
        LedgerAccount.company_id, company_id)).all()
    dupes = db.session.execute(_scope(
        select(LedgerTransaction.company_id, LedgerTransaction.idempotency_key, func.count())
        .group_by(LedgerTransaction.company_id, LedgerTransaction.idempotency_key)
        .having(func.count() > 1), LedgerTransaction.company_id, company_id)).all()
    closed_pools = db.session.execute(_scope(
        select(TeamPool.id, LedgerAccount.code, LedgerAccount.balance_minor)
        .join(LedgerAccount, LedgerAccount.id == TeamPool.account_id)
        .where(TeamPool.closed_at.is_not(None), LedgerAccount.balance_minor != 0),
        TeamPool.company_id, company_id)).all()
    return [
        _check("transactions_balance", "every transaction sums to zero", tx_sums,
               lambda r: f"transaction {r[0]} ({r[1]}) sums to {r[2]} over {r[3]} entries"),
        _check("no_negative_balances", "no available, held, team pool or wallet balance is negative",
               negative, lambda r: f"account {r[1]} is {r[2]}"),
        _check("held_matches_open_holds", "every held balance equals its open holds",
               held_mismatch, lambda r: f"budget {r[0]}: {r[1]} is {r[2]}, open holds {r[3]}"),
        _check("balances_match_entries", "every balance equals the sum of its entries", drift,
               lambda r: f"account {r[1]} says {r[2]}, entries sum to {r[3]}"),
        _check("idempotency_keys_unique", "idempotency keys are unique", dupes,
               lambda r: f"company {r[0]} key {r[1]!r} used {r[2]} times"),
        _check("closed_pools_empty", "every team pool of a closed period is empty",
               closed_pools, lambda r: f"closed pool {r[0]}: {r[1]} still holds {r[2]}"),
    ]


def report(checks: list[Check]) -> str:
    lines = [f"{'ok  ' if c.ok else 'FAIL'} {c.name}: {c.detail}" for c in checks]
    failed = sum(not c.ok for c in checks)
    lines.append("Ledger verified: all invariants hold." if not failed
                 else f"{failed} of {len(checks)} ledger checks FAILED.")
    return "\n".join(lines)
