"""The double-entry ledger: the ONLY module that writes ledger entries.

Money is integer minor units in the company currency. A transaction is a set of entries whose
amounts sum to zero; every account's balance is the sum of its entries (kept as a running
balance in the same database transaction and checked by `verify`). Entries are never updated or
deleted: a correction is a new transaction that reverses the first.

Chart of accounts (per company; sign: a transfer of X from A to B writes A −X, B +X)

    bank_clearing      money arriving from outside. Goes negative by everything ever funded.
    wallet             prepaid cash. funding: bank_clearing → wallet. Must cover captures.
    provider_payable   cash paid for purchases. capture: wallet → provider_payable;
                       refund: provider_payable → wallet.
    grants             source of all allowance. Goes negative by everything ever granted.
    expired            allowance that lapsed at a period end (expiry: available → expired).
    team_pool:T:P      a team's pool for period P (grants → pool; pool → employee available).
    available:U:P      employee U's budget for period P that can still be requested.
    held:U:P           reserved by open holds (hold: available → held; release: held → available).
    spent:U:P          consumed (capture: held → spent; refund: spent → available).

So for a budget: allocated = available + held + spent; utilisation = (spent + held) ÷ allocated.
Two ledgers run side by side in one chart: the *cash* side (bank_clearing, wallet,
provider_payable) and the *allowance* side (grants, expired, pools, budgets). A capture or a
refund moves both in one balanced transaction.

Transaction kinds: funding, allocation, hold, capture, release, refund, expiry, rollover,
adjustment. Each carries an idempotency key (unique per company; a repeat returns the first
transaction), a plain reference such as "request:42", the actor and a reason.

Concurrency: callers `lock()` the accounts they will read and write before reading balances.
On PostgreSQL that is `SELECT … FOR UPDATE` in ascending id order (so two workers never wait on
each other in a cycle); on SQLite every write transaction already began `IMMEDIATE`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.models import User

from .errors import IdempotencyConflict
from .models import AccountKind, LedgerAccount, LedgerEntry, LedgerTransaction

COMPANY_ACCOUNTS = (AccountKind.BANK_CLEARING, AccountKind.WALLET, AccountKind.PROVIDER_PAYABLE,
                    AccountKind.GRANTS, AccountKind.EXPIRED)


@dataclass(frozen=True)
class Posting:
    """One transaction to write: `legs` are (account, signed amount) pairs summing to zero."""

    company_id: int
    kind: str
    key: str
    legs: Sequence[tuple[LedgerAccount, int]]
    reference: str | None = None
    reason: str | None = None
    user_id: int | None = None


class UnbalancedTransaction(ValueError):
    """A programming error: the legs of a transaction do not sum to zero."""


def company_account(company_id: int, kind: AccountKind, currency: str) -> LedgerAccount:
    """The company-level account of `kind`, created on first use."""
    return account(company_id, kind.value, kind, currency)


def account(company_id: int, code: str, kind: AccountKind, currency: str) -> LedgerAccount:
    """Get or create an account by its code (safe when two workers create it at once)."""
    found = db.session.scalar(select(LedgerAccount).where(
        LedgerAccount.company_id == company_id, LedgerAccount.code == code))
    if found is not None:
        return found
    try:
        with db.session.begin_nested():
            created = LedgerAccount(company_id=company_id, code=code, kind=kind.value,
                                    currency=currency, balance_minor=0)
            db.session.add(created)
        return created
    except IntegrityError:
        return db.session.scalars(select(LedgerAccount).where(
            LedgerAccount.company_id == company_id, LedgerAccount.code == code)).one()


def lock(accounts: Iterable[LedgerAccount]) -> None:
    """Lock the accounts (PostgreSQL: FOR UPDATE, ascending id) and reload their balances."""
    ids = sorted({a.id for a in accounts})
    if not ids:
        return
    db.session.flush()
    db.session.scalars(
        select(LedgerAccount).where(LedgerAccount.id.in_(ids)).order_by(LedgerAccount.id)
        .with_for_update().execution_options(populate_existing=True)
    ).all()


def existing(company_id: int, key: str, kind: str | None = None,
             reference: str | None = None) -> LedgerTransaction | None:
    """The transaction already written under `key`, if any. A key reused for a different kind
    or reference is refused: the caller sent one key for two different operations."""
    tx = db.session.scalar(select(LedgerTransaction).where(
        LedgerTransaction.company_id == company_id, LedgerTransaction.idempotency_key == key))
    if tx is not None and ((kind and tx.kind != kind) or (reference and tx.reference != reference)):
        raise IdempotencyConflict(
            "This idempotency key was already used for a different operation; send a new key.")
    return tx


def post(actor: User | None, posting: Posting) -> LedgerTransaction:
    """Write one balanced transaction and move the running balances. Flushes, never commits."""
    return post_many(actor, [posting])[0]


def post_many(actor: User | None, postings: Sequence[Posting]) -> list[LedgerTransaction]:
    """Write several balanced transactions at once (allocation runs). Flushes, never commits."""
    txs = []
    for p in postings:
        legs = [(acc, amount) for acc, amount in p.legs if amount != 0]
        if len(legs) < 2 or sum(amount for _a, amount in legs) != 0:
            raise UnbalancedTransaction(f"{p.kind} {p.key}: legs {legs!r} do not balance")
        if any(acc.company_id != p.company_id for acc, _a in legs):
            raise UnbalancedTransaction(f"{p.kind} {p.key}: an account of another company")
        tx = LedgerTransaction(company_id=p.company_id, idempotency_key=p.key, kind=p.kind,
                               reference=p.reference, reason=p.reason, user_id=p.user_id,
                               actor_id=actor.id if actor is not None else None)
        tx.entries = [LedgerEntry(account=acc, amount_minor=amount) for acc, amount in legs]
        for acc, amount in legs:
            acc.balance_minor += amount
        txs.append(tx)
    db.session.add_all(txs)
    db.session.flush()
    return txs


def transfer(source: LedgerAccount, target: LedgerAccount,
             amount_minor: int) -> list[tuple[LedgerAccount, int]]:
    """The two legs that move `amount_minor` from `source` to `target`."""
    return [(source, -amount_minor), (target, amount_minor)]
