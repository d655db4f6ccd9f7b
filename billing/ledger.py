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

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import ARRAY, Table, any_, bindparam, case, func, insert, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.util import identity_key

from app.extensions import db
from app.models import User, utcnow

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
    legs: Sequence[tuple[LedgerAccount | int, int]]  # an account, or its id (post_bulk only)
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


def _posted_at(posted_at: datetime | None) -> datetime:
    when = posted_at or db.session.info.get(BACKFILL)
    now = utcnow()
    if when is None:
        return now
    if when > now:
        raise ValueError(f"A ledger transaction cannot be dated in the future ({when}).")
    return when


def post(actor: User | None, posting: Posting, *,
         posted_at: datetime | None = None) -> LedgerTransaction:
    """Write one balanced transaction and move the running balances. Flushes, never commits.
    `posted_at`: back-fill and demo data only (see the module docstring)."""
    return post_many(actor, [posting], posted_at=posted_at)[0]


def _legs(p: Posting) -> list[tuple[Any, int]]:
    legs = [(acc, amount) for acc, amount in p.legs if amount != 0]
    if len(legs) < 2 or sum(amount for _a, amount in legs) != 0:
        raise UnbalancedTransaction(f"{p.kind} {p.key}: legs {legs!r} do not balance")
    return legs


def _account_id(acc: LedgerAccount | int) -> int:
    return acc if isinstance(acc, int) else acc.id


def post_many(actor: User | None, postings: Sequence[Posting], *,
              posted_at: datetime | None = None) -> list[LedgerTransaction]:
    """Write several balanced transactions as ORM objects. Flushes, never commits.
    `posted_at`: back-fill and demo data only (see the module docstring)."""
    txs = []
    deltas: dict[int, int] = {}
    when = _posted_at(posted_at)
    for p in postings:
        legs = _legs(p)
        if any(isinstance(acc, int) for acc, _a in legs):
            raise TypeError("post() takes loaded accounts; post_bulk() takes account ids")
        if any(acc.company_id != p.company_id for acc, _a in legs):
            raise UnbalancedTransaction(f"{p.kind} {p.key}: an account of another company")
        tx = LedgerTransaction(company_id=p.company_id, idempotency_key=p.key, kind=p.kind,
                               reference=p.reference, reason=p.reason, user_id=p.user_id,
                               actor_id=actor.id if actor is not None else None,
                               created_at=when)
        tx.entries = [LedgerEntry(account=acc, amount_minor=amount) for acc, amount in legs]
        txs.append(tx)
    db.session.add_all(txs)
    db.session.flush()  # assigns ids to accounts created in this transaction
    for p in postings:
        for acc, amount in p.legs:
            if amount:
                deltas[_account_id(acc)] = deltas.get(_account_id(acc), 0) + amount
    _move_balances(deltas)
    return txs


# --- the bulk path --------------------------------------------------------------------------

BATCH = 2000  # postings per batch: a few thousand bound parameters per statement at most
ID_CHUNK = 5000  # ids per IN (…) list
TX_TABLE = LedgerTransaction.__table__  # Core tables: no per-row ORM bookkeeping
ENTRY_TABLE = LedgerEntry.__table__
ACCOUNT_TABLE = LedgerAccount.__table__


@dataclass
class BulkResult:
    """What `post_bulk` did: the transaction id of each posting (in order) and how many of
    them were written now rather than found under their idempotency key."""

    transaction_ids: list[int] = field(default_factory=list)
    written: int = 0

    @property
    def replayed(self) -> int:
        return len(self.transaction_ids) - self.written


def _chunks(items: Sequence[Any], size: int) -> Iterable[Sequence[Any]]:
    for i in range(0, len(items), size):
        yield items[i: i + size]


def _is_postgres() -> bool:
    return db.session.get_bind().dialect.name == "postgresql"


def one_of(column: Any, values: Sequence[Any]) -> Any:
    """`column IN (…)`; on PostgreSQL `column = ANY(:array)`, one bound array instead of
    thousands of placeholders (which psycopg would have to parse on every call)."""
    if _is_postgres():
        return column == any_(bindparam(None, list(values), type_=ARRAY(column.type)))
    return column.in_(values)


def _pg_type(column: Any) -> str:
    return column.type.compile(dialect=db.session.get_bind().dialect)


def bulk_insert(table: Table, rows: Sequence[dict[str, Any]],
                returning: Sequence[str] = ()) -> list[Any]:
    """INSERT many rows in few statements, optionally RETURNING columns (in any row order).

    PostgreSQL: one `INSERT … SELECT * FROM unnest(:col1, :col2, …)` with one array per
    column. SQLite: executemany / multi-row VALUES (SQLAlchemy's insertmanyvalues)."""
    if not rows:
        return []
    if _is_postgres():
        cols = list(rows[0])
        arrays = ", ".join(f"CAST(:{c} AS {_pg_type(table.c[c])}[])" for c in cols)
        sql = f"INSERT INTO {table.name} ({', '.join(cols)}) SELECT * FROM unnest({arrays})"
        if returning:
            sql += " RETURNING " + ", ".join(returning)
        result = db.session.execute(text(sql), {c: [r[c] for r in rows] for c in cols})
        return result.all() if returning else []
    stmt = insert(table)
    if returning:
        return db.session.execute(stmt.returning(*[table.c[c] for c in returning]), rows).all()
    db.session.execute(stmt, rows)
    return []


SMALL = 20  # rows up to which SQLite gets one CASE statement instead of an executemany


def bulk_update(table: Table, column: str, values: dict[int, Any],
                relative: bool = False) -> None:
    """Set (or with `relative`, add to) `column` of many rows by id. PostgreSQL: one
    `UPDATE … FROM unnest(:ids, :values)` per chunk. SQLite: one `CASE id WHEN …` statement
    for a few rows, else one executemany (its loop runs in C). Every id must exist."""
    items = sorted(values.items())
    if not items:
        return
    col = table.c[column]
    if _is_postgres():
        new = f"{table.name}.{column} + v.value" if relative else "v.value"
        sql = text(f"UPDATE {table.name} SET {column} = {new} FROM unnest("
                   f"CAST(:ids AS BIGINT[]), CAST(:vals AS {_pg_type(col)}[])) AS v(id, value) "
                   f"WHERE {table.name}.id = v.id")
        touched = sum(db.session.execute(sql, {"ids": [i for i, _v in chunk],
                                               "vals": [v for _i, v in chunk]}).rowcount
                      for chunk in _chunks(items, ID_CHUNK))
    elif len(items) <= SMALL:
        by_id = dict(items)
        value = case(by_id, value=table.c.id, else_=0 if relative else col)
        touched = db.session.execute(update(table).where(table.c.id.in_(list(by_id)))
                                     .values({column: col + value if relative else value})
                                     ).rowcount
    else:
        stmt = (update(table).where(table.c.id == bindparam("row_id"))
                .values({column: col + bindparam("value") if relative else bindparam("value")}))
        touched = db.session.execute(stmt, [{"row_id": i, "value": v} for i, v in items]).rowcount
    if touched != len(items):
        raise UnbalancedTransaction(f"an update of {table.name} names a row that does not exist")


def write_back(model: Any, column: str, values: Iterable[tuple[int, Any]]) -> None:
    """Put values written by a bulk statement onto the objects already loaded in the session
    (without marking them dirty), so nobody reads a stale balance."""
    identity_map = db.session.identity_map
    for pk, value in values:
        obj = identity_map.get(identity_key(model, pk))
        if obj is not None:
            set_committed_value(obj, column, value)


def lock_ids(account_ids: Iterable[int]) -> dict[int, tuple[int, int]]:
    """Lock accounts by id (PostgreSQL: FOR UPDATE in ascending id order, in chunks that keep
    the order; SQLite: the IMMEDIATE transaction already holds the write lock) and return
    {id: (company_id, balance)} read under the lock. Nothing is loaded into the session."""
    ids = sorted(set(account_ids))
    db.session.flush()
    found: dict[int, tuple[int, int]] = {}
    for chunk in _chunks(ids, ID_CHUNK):
        query = (select(LedgerAccount.id, LedgerAccount.company_id, LedgerAccount.balance_minor)
                 .where(one_of(LedgerAccount.id, chunk)).order_by(LedgerAccount.id))
        if _is_postgres():
            query = query.with_for_update()
        found.update({i: (c, b) for i, c, b in db.session.execute(query)})
    return found


COMPANY_JOBS = 1  # `serialise` key: allocation runs and period closes


def serialise(company_id: int, what: int) -> None:
    """Let only one company-wide money job (`what`, e.g. COMPANY_JOBS) of a company run at a
    time. PostgreSQL: a transaction-scoped advisory lock, taken before any
    account lock, so it never joins a lock cycle. SQLite: the IMMEDIATE transaction already
    serialises every writer."""
    if _is_postgres():
        db.session.execute(select(func.pg_advisory_xact_lock(what, company_id)))


def _move_balances(deltas: dict[int, int]) -> None:
    """Add each delta to its account's balance with relative UPDATEs (never a value computed
    in Python, so an unlocked account cannot lose an update), then write the new balances
    onto the account objects loaded in the session."""
    moved = {i: d for i, d in deltas.items() if d}
    bulk_update(ACCOUNT_TABLE, "balance_minor", moved, relative=True)
    identity_map = db.session.identity_map
    loaded = [i for i in moved if identity_key(LedgerAccount, i) in identity_map]
    if loaded:
        write_back(LedgerAccount, "balance_minor", db.session.execute(
            select(LedgerAccount.id, LedgerAccount.balance_minor)
            .where(one_of(LedgerAccount.id, loaded))).all())


def _existing_keys(company_id: int, keys: Sequence[str]) -> dict[str, tuple[int, str, str | None]]:
    found: dict[str, tuple[int, str, str | None]] = {}
    for chunk in _chunks(keys, ID_CHUNK):
        found.update({k: (i, kind, ref) for i, k, kind, ref in db.session.execute(
            select(LedgerTransaction.id, LedgerTransaction.idempotency_key,
                   LedgerTransaction.kind, LedgerTransaction.reference)
            .where(LedgerTransaction.company_id == company_id,
                   one_of(LedgerTransaction.idempotency_key, chunk)))})
    return found


def post_bulk(actor: User | None, postings: Sequence[Posting], *,
              posted_at: datetime | None = None) -> BulkResult:
    """Write many balanced transactions of ONE company with few statements. Flushes, never
    commits; loads no ORM objects.

    Order of work: validate every posting (balanced, unique keys) → lock every touched account
    in ascending id order and check it belongs to the company → look up the keys already
    written (after the lock, so a twin that committed meanwhile is seen) → per batch, one
    INSERT … RETURNING for the transactions, one executemany INSERT for the entries and one
    relative UPDATE for the balances. A key already written with the same kind and reference
    is a replay (its first transaction id is returned, nothing moves); with a different kind
    or reference it is an `IdempotencyConflict` and nothing is written. `posted_at`: back-fill
    and demo data only (see the module docstring)."""
    result = BulkResult()
    if not postings:
        return result
    company_ids = {p.company_id for p in postings}
    if len(company_ids) != 1:
        raise ValueError("post_bulk writes the transactions of one company at a time")
    company_id = company_ids.pop()
    legs = [_legs(p) for p in postings]
    keys = [p.key for p in postings]
    if len(set(keys)) != len(keys):
        raise IdempotencyConflict("Two postings in one batch carry the same idempotency key.")
    accounts = lock_ids(_account_id(acc) for posting_legs in legs for acc, _a in posting_legs)
    for p, posting_legs in zip(postings, legs, strict=True):
        for acc, _a in posting_legs:
            owner = accounts.get(_account_id(acc))
            if owner is None or owner[0] != company_id:
                raise UnbalancedTransaction(f"{p.kind} {p.key}: an account of another company")
    done = _existing_keys(company_id, keys)
    for p in postings:
        if p.key in done and (done[p.key][1] != p.kind or done[p.key][2] != p.reference):
            raise IdempotencyConflict(
                "This idempotency key was already used for a different operation; "
                "send a new key.")
    actor_id = actor.id if actor is not None else None
    now = _posted_at(posted_at)
    ids: list[int | None] = [done[p.key][0] if p.key in done else None for p in postings]
    fresh = [i for i, p in enumerate(postings) if p.key not in done]
    for batch in _chunks(fresh, BATCH):
        # RETURNING the key too: rows come back in any order (asking SQLAlchemy to keep the
        # parameter order would make SQLite insert one row per statement).
        new_ids = dict(bulk_insert(TX_TABLE, [
            {"company_id": company_id, "idempotency_key": postings[i].key,
             "kind": postings[i].kind, "reference": postings[i].reference,
             "reason": postings[i].reason, "user_id": postings[i].user_id,
             "actor_id": actor_id, "created_at": now} for i in batch],
            returning=("idempotency_key", "id")))
        entries, deltas = [], {}
        for i in batch:
            ids[i] = tx_id = new_ids[postings[i].key]
            for acc, amount in legs[i]:
                account_id = _account_id(acc)
                entries.append({"transaction_id": tx_id, "account_id": account_id,
                                "amount_minor": amount})
                deltas[account_id] = deltas.get(account_id, 0) + amount
        bulk_insert(ENTRY_TABLE, entries)
        _move_balances(deltas)
        result.written += len(batch)
    result.transaction_ids = [i for i in ids if i is not None]
    return result


def transfer(source: LedgerAccount | int, target: LedgerAccount | int,
             amount_minor: int) -> list[tuple[LedgerAccount | int, int]]:
    """The two legs that move `amount_minor` from `source` to `target`."""
    return [(source, -amount_minor), (target, amount_minor)]
