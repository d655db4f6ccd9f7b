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
    team_pool:T:P      team T's pool for period P: grants → pool → available; the rest → expired.
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
each other in a cycle); on SQLite every write transaction already began `IMMEDIATE`. Balances
move by a relative `UPDATE … SET balance_minor = balance_minor + delta … RETURNING`, so even an
account a caller forgot to lock can never lose an update; the returned balance is written back
onto the loaded objects.

Two write paths, one set of rules:

- `post()` / `post_many()` write ORM objects and return them (a hold needs its transaction row);
- `post_bulk()` writes thousands of transactions with a handful of statements per batch
  (executemany INSERTs, one balance UPDATE per batch) for allocation runs and period closes.
  Legs may name accounts by id. It locks every touched account in ascending id order, then
  skips postings whose idempotency key is already written (returning the first transaction's
  id), so a rerun moves nothing.

Back-fill and demo data only: `posted_at=` (or, for postings made deep inside other services,
a `backfill(at)` block) stamps the transactions with a past time instead of now. It changes
nothing else: the legs, balances, idempotency and every invariant are the same, and a time in
the future is refused.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.models import User

from .errors import IdempotencyConflict
from .ledger_bulk import BulkResult as BulkResult
from .ledger_bulk import post_bulk as post_bulk
from .ledger_sql import COMPANY_JOBS as COMPANY_JOBS
from .ledger_sql import ID_CHUNK as ID_CHUNK
from .ledger_sql import bulk_insert as bulk_insert
from .ledger_sql import bulk_update as bulk_update
from .ledger_sql import lock_ids as lock_ids
from .ledger_sql import move_balances
from .ledger_sql import one_of as one_of
from .ledger_sql import serialise as serialise
from .ledger_sql import table_of as table_of
from .ledger_sql import write_back as write_back
from .models import AccountKind, LedgerAccount, LedgerEntry, LedgerTransaction
from .postings import AmountTooLarge as AmountTooLarge
from .postings import Legs as Legs
from .postings import Posting as Posting
from .postings import UnbalancedTransaction as UnbalancedTransaction
from .postings import account_id, legs, stamp
from .postings import backfill as backfill
from .postings import transfer as transfer

COMPANY_ACCOUNTS = (AccountKind.BANK_CLEARING, AccountKind.WALLET, AccountKind.PROVIDER_PAYABLE,
                    AccountKind.GRANTS, AccountKind.EXPIRED)


def company_account(company_id: int, kind: AccountKind, currency: str) -> LedgerAccount:
    """The company-level account of `kind`, created on first use."""
    return account(company_id, kind.value, kind, currency)


def account(company_id: int, code: str, kind: AccountKind, currency: str) -> LedgerAccount:
    """Get or create an account by its code (safe when two workers create it at once)."""
    found: LedgerAccount | None = db.session.scalar(select(LedgerAccount).where(
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


def post(actor: User | None, posting: Posting, *,
         posted_at: datetime | None = None) -> LedgerTransaction:
    """Write one balanced transaction and move the running balances. Flushes, never commits.
    `posted_at`: back-fill and demo data only (see the module docstring)."""
    return post_many(actor, [posting], posted_at=posted_at)[0]


def post_many(actor: User | None, postings: Sequence[Posting], *,
              posted_at: datetime | None = None) -> list[LedgerTransaction]:
    """Write several balanced transactions as ORM objects. Flushes, never commits.
    `posted_at`: back-fill and demo data only (see the module docstring)."""
    txs = []
    deltas: dict[int, int] = {}
    when = stamp(posted_at)
    for p in postings:
        checked = legs(p)
        if any(isinstance(acc, int) for acc, _a in checked):
            raise TypeError("post() takes loaded accounts; post_bulk() takes account ids")
        if any(acc.company_id != p.company_id for acc, _a in checked):
            raise UnbalancedTransaction(f"{p.kind} {p.key}: an account of another company")
        tx = LedgerTransaction(company_id=p.company_id, idempotency_key=p.key, kind=p.kind,
                               reference=p.reference, reason=p.reason, user_id=p.user_id,
                               actor_id=actor.id if actor is not None else None,
                               created_at=when)
        tx.entries = [LedgerEntry(account=acc, amount_minor=amount) for acc, amount in checked]
        txs.append(tx)
    db.session.add_all(txs)
    db.session.flush()  # assigns ids to accounts created in this transaction
    for p in postings:
        for acc, amount in p.legs:
            if amount:
                deltas[account_id(acc)] = deltas.get(account_id(acc), 0) + amount
    move_balances(deltas)
    return txs
