"""Stripe webhooks: verify, store under Stripe's event id, process each id once.

`receive()` is called by `POST /billing/stripe/webhook` with the raw body and answers a
`Receipt`. How a webhook fails (docs/stripe.md, "How webhooks fail"):

- **Not verified** (no, forged or stale signature; a body that is not UTF-8): refused (400),
  nothing stored. The view refuses a body over `STRIPE_WEBHOOK_MAX_BYTES` (413) before reading it.
- **Verified but unusable** (not JSON, not an object, no usable id or type, an id over 100
  characters, `data.object` not an object, a handler that cannot use the object): stored under
  a key that fits (`<prefix>~<digest>` for long ids, `body~<digest>` without a usable id), marked
  failed with the reason (`error`), answered 200: Stripe resending it cannot help. An operator
  reads the reason and replays it (`flask billing replay`) once the cause is fixed.
- **Transient** (the database locked or unreachable, Stripe unreachable or failing while we
  re-fetch an object, Stripe not configured): nothing kept, answered 503, so Stripe retries.

A verified event is inserted under its unique key (a concurrent duplicate waits on the unique
index, then finds the row) and locked; an event already processed is acknowledged again and
nothing happens. Processing runs in a savepoint of the same transaction that marks the row
processed, so the effect and the mark commit together; an error rolls back the effect and is
recorded on the row. Effects are idempotent on their own too: the ledger's idempotency keys
derive from Stripe's object ids and top-ups are locked before they change. Types without a
handler are stored and acknowledged as `ignored`.

Where the order of events matters (a failure arriving after a success, refunds, subscription
changes) the object is re-fetched from Stripe rather than trusted from the event.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any, Literal

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import DBAPIError, DisconnectionError, IntegrityError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from app.extensions import db
from app.models import utcnow

from . import gateway
from .handlers import HANDLERS, KEY_CHARS, PLAIN, UnusableEvent
from .models import StripeEvent

Outcome = Literal["processed", "duplicate", "ignored", "failed", "refused", "retry"]


@dataclass(frozen=True)
class Receipt:
    """What became of one delivery; `http` is the status Stripe is answered with."""

    outcome: Outcome
    stripe_id: str | None = None
    reason: str | None = None
    code: str | None = None

    @property
    def http(self) -> int:
        return {"refused": 400, "retry": 503}.get(self.outcome, 200)


def transient(exc: BaseException) -> bool:
    """Whether asking again later may work: the database or Stripe was not there for us."""
    if isinstance(exc, gateway.GatewayError):
        return exc.transient
    if isinstance(exc, gateway.StripeNotConfigured | OperationalError | PoolTimeout
                  | DisconnectionError):
        return True
    return isinstance(exc, DBAPIError) and exc.connection_invalidated


def _clean(text: str, limit: int) -> str:
    """`text` fit for a text column: no NUL characters (PostgreSQL refuses them), cut to `limit`."""
    return text.replace(chr(0), "")[:limit]


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


# --- reading a verified body --------------------------------------------------------------------

@dataclass(frozen=True)
class Parsed:
    """A verified body as it will be stored: its key, type, payload and what is wrong with it."""

    key: str
    type: str
    payload: Any
    problem: str | None


def parse(text: str) -> Parsed:
    """The stored form of a verified body, and the reason it cannot be used (None: usable)."""
    try:
        data = json.loads(text)
    except ValueError:
        return Parsed("body~" + _digest(text), "unknown", {"body": text}, "The body is not JSON.")
    if not isinstance(data, dict):
        return Parsed("body~" + _digest(text), "unknown", {"body": data},
                      "The body is not a JSON object.")
    raw_id, raw_type = data.get("id"), data.get("type")
    usable_type = isinstance(raw_type, str) and len(raw_type) <= KEY_CHARS and bool(
        PLAIN.fullmatch(raw_type))
    kind = str(raw_type) if usable_type else "unknown"
    if not isinstance(raw_id, str) or not PLAIN.fullmatch(raw_id):
        return Parsed("body~" + _digest(text), kind, data, "The event has no usable 'id'.")
    if len(raw_id) > KEY_CHARS:
        key = f"{raw_id[:KEY_CHARS - 17]}~{_digest(raw_id)[:16]}"
        return Parsed(key, kind, data, f"The event id is over {KEY_CHARS} characters.")
    return Parsed(raw_id, kind, data, None if usable_type else "The event has no usable 'type'.")


def _object_of(payload: dict[str, Any]) -> dict[str, Any]:
    data = payload.get("data")
    if not isinstance(data, dict):
        raise UnusableEvent("'data' is not an object.")
    obj = data.get("object")
    if not isinstance(obj, dict):
        raise UnusableEvent("'data.object' is not an object.")
    return obj


# --- storing and processing ---------------------------------------------------------------------

def _locked_event(key: str) -> StripeEvent | None:
    return db.session.scalar(select(StripeEvent).where(StripeEvent.stripe_id == key)
                             .with_for_update().execution_options(populate_existing=True))


def store(parsed: Parsed) -> StripeEvent:
    """The event's row, inserted now or found (and locked) when it arrived before."""
    found = _locked_event(parsed.key)
    if found is not None:
        return found
    try:
        with db.session.begin_nested():
            event = StripeEvent(stripe_id=parsed.key, type=parsed.type, payload=parsed.payload)
            db.session.add(event)
        return event
    except IntegrityError:  # the same event stored by a concurrent delivery
        found = _locked_event(parsed.key)
        if found is None:
            raise
        return found


def mark_failed(event: StripeEvent, reason: str) -> None:
    """Keep the event unprocessed with the reason it failed (the replay command retries it)."""
    event.attempts = (event.attempts or 0) + 1
    event.error = _clean(reason, 4000)
    db.session.flush()


def process(event: StripeEvent) -> None:
    """Run the event's handler in a savepoint; mark it processed or record the error.

    A transient error is raised as it is (nothing recorded: the whole delivery is retried)."""
    handler = HANDLERS.get(event.type)
    try:
        with db.session.begin_nested():
            if handler is not None:  # unknown types are acknowledged and kept
                handler(event, _object_of(event.payload))
    except Exception as exc:
        if transient(exc):
            raise
        mark_failed(event, str(exc) if isinstance(exc, UnusableEvent)
                    else f"{type(exc).__name__}: {exc}")
        raise
    event.attempts = (event.attempts or 0) + 1
    event.processed_at, event.error = utcnow(), None
    db.session.flush()


def _handle(parsed: Parsed) -> Receipt:
    event = store(parsed)
    if event.processed_at is not None:
        return Receipt("duplicate", event.stripe_id)
    if parsed.problem is not None:
        mark_failed(event, parsed.problem)
        return Receipt("failed", event.stripe_id, parsed.problem)
    try:
        process(event)
    except Exception as exc:
        if transient(exc):
            raise
        current_app.logger.warning("Stripe event %s failed: %s", event.stripe_id, event.error)
        return Receipt("failed", event.stripe_id, event.error)
    return Receipt("processed" if event.type in HANDLERS else "ignored", event.stripe_id)


def receive(payload: bytes, signature: str | None) -> Receipt:
    """Verify, store and process one delivery; never raises for what the delivery holds."""
    try:
        text = gateway.verify_event(payload, signature)
    except gateway.SignatureError as exc:
        return Receipt("refused", reason=str(exc), code=exc.code)
    try:
        return _handle(parse(text))
    except Exception as exc:
        if not transient(exc):
            raise
        current_app.logger.warning("Stripe webhook deferred (Stripe retries): %s", exc)
        return Receipt("retry", reason="Not stored: a temporary failure; Stripe retries later.",
                       code="try_again")


def replay(stripe_id: str) -> StripeEvent:
    """Reprocess a stored event (its effects are idempotent); raises when it fails again."""
    event = _locked_event(stripe_id)
    if event is None:
        raise LookupError(f"No stored event {stripe_id}.")
    problem = parse(json.dumps(event.payload)).problem
    if problem is not None:
        mark_failed(event, problem)
        raise UnusableEvent(problem)
    process(event)
    return event
