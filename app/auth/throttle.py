"""Sign-in limits that every gunicorn worker shares: failures per address and per client, a lock
of an address that grows with each further failure, and a limit on password-reset requests.

The counters live where every worker sees them: in the database (the default, the table
`sign_in_counters`) or in Redis when `REDIS_URL` is set. An attempt is counted *before* the
password is checked and given back when it was right, inside one atomic read-modify-write, so
however many workers race, no more than the allowed number of guesses is ever checked.

- **Per address** (the sign-in name, whether or not any account has it, so a lock says nothing
  about existence): the `SIGNIN_ACCOUNT_MAX_FAILURES`-th failure in a row locks the address for
  `SIGNIN_LOCK_SECONDS`; each failure after a lock doubles it, up to `SIGNIN_LOCK_MAX_SECONDS`.
  While locked, no password is checked, not even the right one. A successful sign-in or a
  password reset ends the streak; a day without failures forgets it. The first lock of a streak
  e-mails the owner(s) of the address.
- **Per client address**: at most `SIGNIN_CLIENT_MAX_FAILURES` failures in
  `SIGNIN_CLIENT_WINDOW_SECONDS` from one IP (a spray over many addresses).
- **Password reset**: at most `RESET_CLIENT_MAX_REQUESTS` per `RESET_CLIENT_WINDOW_SECONDS`
  from one IP.

Addresses are stored only as a keyed hash (SECRET_KEY), never in clear: people type passwords
into the e-mail field. `RATELIMIT_ENABLED=0` switches every limit off (tests, benchmarks).
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol, TypeVar, cast

from flask import current_app
from huey import crontab
from sqlalchemy import Table, delete, select, update
from sqlalchemy.dialects import postgresql, sqlite

from ..extensions import db
from ..models import SignInCounter
from ..tasks import periodic_task, with_app_context

T = TypeVar("T")


def now() -> float:
    """The clock of every limit (seconds since the epoch); tests move it."""
    return time.time()


@dataclass
class Counter:
    count: int = 0
    expires_at: float = 0.0  # when the counter is forgotten
    locked_until: float = 0.0

    def live(self, at: float) -> Counter:
        """This counter, or a fresh one once it expired."""
        return self if max(self.expires_at, self.locked_until) > at else Counter()

    @property
    def empty(self) -> bool:
        return self.count <= 0 and self.locked_until <= 0


class Store(Protocol):
    def change(self, keys: list[str], fn: Callable[[dict[str, Counter]], T]) -> T:
        """Apply `fn` to the live counters of `keys` atomically (no other worker in between)."""


def _datetime(value: float) -> datetime:
    return datetime.fromtimestamp(value, UTC).replace(tzinfo=None)


def _seconds(value: datetime | None) -> float:
    return value.replace(tzinfo=UTC).timestamp() if value is not None else 0.0


class DatabaseStore:
    """Counters as rows, changed under a row lock (PostgreSQL: `SELECT … FOR UPDATE` in key
    order; SQLite: the `BEGIN IMMEDIATE` write lock). Writes go through the request's session:
    the caller commits right away, before the slow password check, so no lock is held then."""

    def change(self, keys: list[str], fn: Callable[[dict[str, Counter]], T]) -> T:
        keys = sorted(set(keys))
        table = cast(Table, SignInCounter.__table__)
        insert: Any = (postgresql.insert if db.session.get_bind().dialect.name == "postgresql"
                       else sqlite.insert)
        epoch = _datetime(0)
        db.session.execute(insert(table).values(
            [{"key": k, "count": 0, "expires_at": epoch, "locked_until": None} for k in keys]
        ).on_conflict_do_nothing(index_elements=["key"]))
        rows = db.session.execute(
            select(table.c.key, table.c.count, table.c.expires_at, table.c.locked_until)
            .where(table.c.key.in_(keys)).order_by(table.c.key).with_for_update()).all()
        at = now()
        counters = {key: Counter(count, _seconds(expires_at), _seconds(locked_until)).live(at)
                    for key, count, expires_at, locked_until in rows}
        result = fn(counters)
        for key, c in counters.items():
            if c.empty:
                db.session.execute(delete(table).where(table.c.key == key))
            else:
                db.session.execute(update(table).where(table.c.key == key).values(
                    count=c.count, expires_at=_datetime(max(c.expires_at, c.locked_until)),
                    locked_until=_datetime(c.locked_until) if c.locked_until else None))
        return result


class RedisStore:
    """Counters as Redis hashes that expire on their own, changed in a WATCH/MULTI transaction
    (retried when another worker changed one of the keys meanwhile)."""

    def __init__(self, url: str, prefix: str) -> None:
        import redis

        self.client = redis.Redis.from_url(url)
        self.prefix = prefix

    def change(self, keys: list[str], fn: Callable[[dict[str, Counter]], T]) -> T:
        from redis.exceptions import WatchError

        keys = sorted(set(keys))
        names = {k: self.prefix + k for k in keys}
        with self.client.pipeline() as pipe:
            while True:
                try:
                    pipe.watch(*names.values())  # type: ignore[no-untyped-call]
                    at = now()
                    counters = {}
                    for key, name in names.items():
                        stored = cast(dict[bytes, bytes], pipe.hgetall(name))
                        raw = {k.decode(): float(v) for k, v in stored.items()}
                        counters[key] = Counter(int(raw.get("count", 0)), raw.get("expires_at", 0),
                                                raw.get("locked_until", 0)).live(at)
                    result = fn(counters)
                    pipe.multi()
                    for key, c in counters.items():
                        if c.empty:
                            pipe.delete(names[key])
                            continue
                        pipe.hset(names[key], mapping={"count": c.count, "expires_at": c.expires_at,
                                                       "locked_until": c.locked_until})
                        pipe.pexpireat(names[key], int(max(c.expires_at, c.locked_until) * 1000))
                    pipe.execute()
                    return result
                except WatchError:
                    continue


def store() -> Store:
    """The app's store: Redis when `SIGNIN_THROTTLE_STORAGE` is a redis:// URL, else the database."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    found = app.extensions.get("trellis_throttle")
    if found is None:
        where = app.config.get("SIGNIN_THROTTLE_STORAGE") or "database"
        found = (RedisStore(where, app.config["SIGNIN_THROTTLE_PREFIX"])
                 if where.startswith(("redis://", "rediss://", "unix://")) else DatabaseStore())
        app.extensions["trellis_throttle"] = found
    return cast(Store, found)


# --- the rules -------------------------------------------------------------------------------

@dataclass(frozen=True)
class Verdict:
    allowed: bool
    retry_at: float | None = None  # when a refused request may try again
    why: str | None = None  # "address" or "client" when refused
    locks: bool = False  # a failure now starts the first lock of the address's streak

    @property
    def retry_after(self) -> int:
        """Whole seconds until a refused request may try again (at least 1)."""
        return max(1, int((self.retry_at or 0) - now() + 0.999))


ALLOWED = Verdict(True)


def _config(name: str) -> Any:
    return current_app.config[name]


def _enabled() -> bool:
    return bool(current_app.config.get("RATELIMIT_ENABLED"))


def address_key(address: str) -> str:
    digest = hmac.new(_config("SECRET_KEY").encode(), address.strip().lower().encode(),
                      hashlib.sha256).hexdigest()
    return "address:" + digest[:40]


def client_key(client: str | None) -> str:
    return "client:" + (client or "unknown")[:60]


def lock_seconds(failures: int) -> float:
    """The lock after the n-th failure in a row: the base at the limit, doubling after it."""
    doublings = min(failures - _config("SIGNIN_ACCOUNT_MAX_FAILURES"), 30)
    return float(min(_config("SIGNIN_LOCK_SECONDS") * 2**doublings,
                     _config("SIGNIN_LOCK_MAX_SECONDS")))


def admit_sign_in(address: str, client: str | None) -> Verdict:
    """Count one sign-in attempt for `address` from `client`, or refuse it (nothing counted)."""
    if not _enabled():
        return ALLOWED
    a, c = address_key(address), client_key(client)

    def rule(counters: dict[str, Counter]) -> Verdict:
        at = now()
        mine, theirs = counters[a], counters[c]
        if theirs.count >= _config("SIGNIN_CLIENT_MAX_FAILURES"):
            return Verdict(False, theirs.expires_at, "client")
        if mine.locked_until > at:
            return Verdict(False, mine.locked_until, "address")
        mine.count += 1
        mine.expires_at = at + _config("SIGNIN_FAILURE_MEMORY_SECONDS")
        limit = _config("SIGNIN_ACCOUNT_MAX_FAILURES")
        if mine.count >= limit:  # counted as failed until the password proves right
            mine.locked_until = at + lock_seconds(mine.count)
        if theirs.count == 0:
            theirs.expires_at = at + _config("SIGNIN_CLIENT_WINDOW_SECONDS")
        theirs.count += 1
        return Verdict(True, mine.locked_until or None, locks=mine.count == limit)

    return store().change([a, c], rule)


def signed_in(address: str, client: str | None) -> None:
    """The attempt admitted for `address` was right: end its streak, give the client's back."""
    if not _enabled():
        return
    a, c = address_key(address), client_key(client)

    def rule(counters: dict[str, Counter]) -> None:
        counters[a] = Counter()
        counters[c].count = max(0, counters[c].count - 1)

    store().change([a, c], rule)


def forget_address(address: str) -> None:
    """End the address's streak and lock (its owner chose a new password)."""
    if not _enabled():
        return

    def rule(counters: dict[str, Counter]) -> None:
        counters[address_key(address)] = Counter()

    store().change([address_key(address)], rule)


def admit_reset_request(client: str | None) -> Verdict:
    """Count one password-reset request from `client`, or refuse it."""
    if not _enabled():
        return ALLOWED
    key = "reset:" + client_key(client)

    def rule(counters: dict[str, Counter]) -> Verdict:
        counter = counters[key]
        if counter.count >= _config("RESET_CLIENT_MAX_REQUESTS"):
            return Verdict(False, counter.expires_at, "client")
        if counter.count == 0:
            counter.expires_at = now() + _config("RESET_CLIENT_WINDOW_SECONDS")
        counter.count += 1
        return ALLOWED

    return store().change([key], rule)


@periodic_task(crontab(minute="17"))
@with_app_context
def forget_expired_counters() -> int:
    """Hourly: delete the database counters nobody will read again (Redis expires its own)."""
    table = cast(Table, SignInCounter.__table__)
    deleted = db.session.execute(delete(table).where(table.c.expires_at < _datetime(now())))
    db.session.commit()
    return int(deleted.rowcount or 0)  # type: ignore[attr-defined]
