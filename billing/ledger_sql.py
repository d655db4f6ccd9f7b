"""The set-based SQL the ledger writes with: bulk INSERT and UPDATE (unnest arrays on
PostgreSQL, executemany on SQLite), account locks in ascending id order, the company-wide job
lock, and the relative balance UPDATE that every posting ends with (where the money bound on
balances is enforced)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, cast

from sqlalchemy import ARRAY, Table, any_, bindparam, case, func, insert, or_, select, text, update
from sqlalchemy.engine import CursorResult, Result
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.util import identity_key

from app.extensions import db
from app.money import MAX_MINOR

from .models import LedgerAccount, LedgerEntry, LedgerTransaction
from .postings import UnbalancedTransaction, too_large

BATCH = 2000  # postings per batch: a few thousand bound parameters per statement at most
ID_CHUNK = 5000  # ids per IN (…) list


def table_of(model: type[Any]) -> Table:
    """A model's Core table (bulk statements skip the per-row ORM bookkeeping)."""
    return cast(Table, model.__table__)


TX_TABLE = table_of(LedgerTransaction)
ENTRY_TABLE = table_of(LedgerEntry)
ACCOUNT_TABLE = table_of(LedgerAccount)


def chunks(items: Sequence[Any], size: int) -> Iterable[Sequence[Any]]:
    for i in range(0, len(items), size):
        yield items[i: i + size]


def is_postgres() -> bool:
    return db.session.get_bind().dialect.name == "postgresql"


def one_of(column: Any, values: Sequence[Any]) -> Any:
    """`column IN (…)`; on PostgreSQL `column = ANY(:array)`, one bound array instead of
    thousands of placeholders (which psycopg would have to parse on every call)."""
    if is_postgres():
        return column == any_(bindparam(None, list(values), type_=ARRAY(column.type)))
    return column.in_(values)


def _pg_type(column: Any) -> str:
    return str(column.type.compile(dialect=db.session.get_bind().dialect))


def bulk_insert(table: Table, rows: Sequence[dict[str, Any]],
                returning: Sequence[str] = ()) -> list[Any]:
    """INSERT many rows in few statements, optionally RETURNING columns (in any row order).

    PostgreSQL: one `INSERT … SELECT * FROM unnest(:col1, :col2, …)` with one array per
    column. SQLite: executemany / multi-row VALUES (SQLAlchemy's insertmanyvalues)."""
    if not rows:
        return []
    if is_postgres():
        cols = list(rows[0])
        arrays = ", ".join(f"CAST(:{c} AS {_pg_type(table.c[c])}[])" for c in cols)
        sql = f"INSERT INTO {table.name} ({', '.join(cols)}) SELECT * FROM unnest({arrays})"
        if returning:
            sql += " RETURNING " + ", ".join(returning)
        result = db.session.execute(text(sql), {c: [r[c] for r in rows] for c in cols})
        return list(result.all()) if returning else []
    stmt = insert(table)
    if returning:
        return list(db.session.execute(stmt.returning(*[table.c[c] for c in returning]),
                                       rows).all())
    db.session.execute(stmt, rows)
    return []


def _rowcount(result: Result[Any]) -> int:
    """The rows an UPDATE matched (every UPDATE answers a CursorResult)."""
    return cast(CursorResult[Any], result).rowcount


SMALL = 20  # rows up to which SQLite gets one CASE statement instead of an executemany


def bulk_update(table: Table, column: str, values: Mapping[int, Any],
                relative: bool = False) -> None:
    """Set (or with `relative`, add to) `column` of many rows by id. PostgreSQL: one
    `UPDATE … FROM unnest(:ids, :values)` per chunk. SQLite: one `CASE id WHEN …` statement
    for a few rows, else one executemany (its loop runs in C). Every id must exist."""
    items = sorted(values.items())
    if not items:
        return
    col = table.c[column]
    if is_postgres():
        new = f"{table.name}.{column} + v.value" if relative else "v.value"
        sql = text(f"UPDATE {table.name} SET {column} = {new} FROM unnest("
                   f"CAST(:ids AS BIGINT[]), CAST(:vals AS {_pg_type(col)}[])) AS v(id, value) "
                   f"WHERE {table.name}.id = v.id")
        touched = sum(_rowcount(db.session.execute(sql, {"ids": [i for i, _v in chunk],
                                                         "vals": [v for _i, v in chunk]}))
                      for chunk in chunks(items, ID_CHUNK))
    elif len(items) <= SMALL:
        by_id = dict(items)
        value = case(by_id, value=table.c.id, else_=0 if relative else col)
        touched = _rowcount(db.session.execute(
            update(table).where(table.c.id.in_(list(by_id)))
            .values({column: col + value if relative else value})))
    else:
        stmt = (update(table).where(table.c.id == bindparam("row_id"))
                .values({column: col + bindparam("value") if relative else bindparam("value")}))
        touched = _rowcount(db.session.execute(stmt, [{"row_id": i, "value": v}
                                                      for i, v in items]))
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
    for chunk in chunks(ids, ID_CHUNK):
        query = (select(LedgerAccount.id, LedgerAccount.company_id, LedgerAccount.balance_minor)
                 .where(one_of(LedgerAccount.id, chunk)).order_by(LedgerAccount.id))
        if is_postgres():
            query = query.with_for_update()
        found.update({i: (c, b) for i, c, b in db.session.execute(query)})
    return found


COMPANY_JOBS = 1  # `serialise` key: allocation runs and period closes


def serialise(company_id: int, what: int) -> None:
    """Let only one company-wide money job (`what`, e.g. COMPANY_JOBS) of a company run at a
    time. PostgreSQL: a transaction-scoped advisory lock, taken before any
    account lock, so it never joins a lock cycle. SQLite: the IMMEDIATE transaction already
    serialises every writer."""
    if is_postgres():
        db.session.execute(select(func.pg_advisory_xact_lock(what, company_id)))


def move_balances(deltas: dict[int, int]) -> None:
    """Add each delta to its account's balance with relative UPDATEs (never a value computed
    in Python, so an unlocked account cannot lose an update), then write the new balances
    onto the account objects loaded in the session."""
    moved = {i: d for i, d in deltas.items() if d}
    bulk_update(ACCOUNT_TABLE, "balance_minor", moved, relative=True)
    check_bounds(list(moved))
    identity_map = db.session.identity_map
    loaded = [i for i in moved if identity_key(LedgerAccount, i) in identity_map]
    if loaded:
        write_back(LedgerAccount, "balance_minor", db.session.execute(
            select(LedgerAccount.id, LedgerAccount.balance_minor)
            .where(one_of(LedgerAccount.id, loaded))).all())


def check_bounds(account_ids: Sequence[int]) -> None:
    """Refuse (an `AmountTooLarge`, so the caller's transaction rolls back) when any of the
    accounts now holds more than ±MAX_MINOR. Legs are bounded too, so the UPDATE before this
    check cannot overflow a BIGINT: |balance| + a batch of legs stays far below 2^63."""
    balance = LedgerAccount.balance_minor
    for chunk in chunks(sorted(account_ids), ID_CHUNK):
        beyond = db.session.scalar(select(LedgerAccount.id).where(
            one_of(LedgerAccount.id, chunk),
            or_(balance > MAX_MINOR, balance < -MAX_MINOR)).limit(1))
        if beyond is not None:
            raise too_large()
