"""The bulk write path: thousands of balanced transactions of one company with a handful of
statements per batch (allocation runs, period closes, imports). Same rules as `ledger.post`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select

from app.extensions import db
from app.models import User

from .errors import IdempotencyConflict
from .ledger_sql import (
    BATCH,
    ENTRY_TABLE,
    ID_CHUNK,
    TX_TABLE,
    bulk_insert,
    chunks,
    lock_ids,
    move_balances,
    one_of,
)
from .models import LedgerTransaction
from .postings import Posting, UnbalancedTransaction, account_id, legs, stamp


@dataclass
class BulkResult:
    """What `post_bulk` did: the transaction id of each posting (in order) and how many of
    them were written now rather than found under their idempotency key."""

    transaction_ids: list[int] = field(default_factory=list)
    written: int = 0

    @property
    def replayed(self) -> int:
        return len(self.transaction_ids) - self.written


def _existing_keys(company_id: int, keys: Sequence[str]) -> dict[str, tuple[int, str, str | None]]:
    found: dict[str, tuple[int, str, str | None]] = {}
    for chunk in chunks(keys, ID_CHUNK):
        found.update({k: (i, kind, ref) for i, k, kind, ref in db.session.execute(
            select(LedgerTransaction.id, LedgerTransaction.idempotency_key,
                   LedgerTransaction.kind, LedgerTransaction.reference)
            .where(LedgerTransaction.company_id == company_id,
                   one_of(LedgerTransaction.idempotency_key, chunk)))})
    return found


def _checked_and_locked(postings: Sequence[Posting]) -> tuple[int, list[list[tuple[Any, int]]]]:
    """Validate the postings (one company, balanced legs, unique keys), lock every account they
    touch in ascending id order and check each belongs to the company; (company id, legs)."""
    company_ids = {p.company_id for p in postings}
    if len(company_ids) != 1:
        raise ValueError("post_bulk writes the transactions of one company at a time")
    company_id = company_ids.pop()
    all_legs = [legs(p) for p in postings]
    keys = [p.key for p in postings]
    if len(set(keys)) != len(keys):
        raise IdempotencyConflict("Two postings in one batch carry the same idempotency key.")
    accounts = lock_ids(account_id(acc) for posting_legs in all_legs for acc, _a in posting_legs)
    for p, posting_legs in zip(postings, all_legs, strict=True):
        for acc, _a in posting_legs:
            owner = accounts.get(account_id(acc))
            if owner is None or owner[0] != company_id:
                raise UnbalancedTransaction(f"{p.kind} {p.key}: an account of another company")
    return company_id, all_legs


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
    company_id, all_legs = _checked_and_locked(postings)
    done = _existing_keys(company_id, [p.key for p in postings])
    for p in postings:
        if p.key in done and (done[p.key][1] != p.kind or done[p.key][2] != p.reference):
            raise IdempotencyConflict(
                "This idempotency key was already used for a different operation; "
                "send a new key.")
    actor_id = actor.id if actor is not None else None
    now = stamp(posted_at)
    ids: list[int | None] = [done[p.key][0] if p.key in done else None for p in postings]
    fresh = [i for i, p in enumerate(postings) if p.key not in done]
    for batch in chunks(fresh, BATCH):
        # RETURNING the key too: rows come back in any order (asking SQLAlchemy to keep the
        # parameter order would make SQLite insert one row per statement).
        new_ids = dict(bulk_insert(TX_TABLE, [
            {"company_id": company_id, "idempotency_key": postings[i].key,
             "kind": postings[i].kind, "reference": postings[i].reference,
             "reason": postings[i].reason, "user_id": postings[i].user_id,
             "actor_id": actor_id, "created_at": now} for i in batch],
            returning=("idempotency_key", "id")))
        entries: list[dict[str, int]] = []
        deltas: dict[int, int] = {}
        for i in batch:
            ids[i] = tx_id = new_ids[postings[i].key]
            for acc, amount in all_legs[i]:
                acc_id = account_id(acc)
                entries.append({"transaction_id": tx_id, "account_id": acc_id,
                                "amount_minor": amount})
                deltas[acc_id] = deltas.get(acc_id, 0) + amount
        bulk_insert(ENTRY_TABLE, entries)
        move_balances(deltas)
        result.written += len(batch)
    result.transaction_ids = [i for i in ids if i is not None]
    return result
