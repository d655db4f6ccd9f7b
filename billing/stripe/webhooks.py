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
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import DBAPIError, DisconnectionError, IntegrityError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from app.extensions import db
from app.models import Company, utcnow

from . import gateway, seats, topups
from .models import StripeEvent, TopUp, TopUpRefund

Handler = Callable[[StripeEvent, dict[str, Any]], None]
HANDLERS: dict[str, Handler] = {}
KEY_CHARS = 100  # stripe_events.stripe_id and .type
PLAIN = re.compile(r"[!-~]+")  # printable ASCII without spaces, as Stripe's ids and types are
Outcome = Literal["processed", "duplicate", "ignored", "failed", "refused", "retry"]


class UnusableEvent(Exception):
    """A verified event whose content Trellis cannot act on (stored, marked failed)."""


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


def handles(*types: str) -> Callable[[Handler], Handler]:
    def register(fn: Handler) -> Handler:
        for t in types:
            HANDLERS[t] = fn
        return fn

    return register


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


# --- handlers -----------------------------------------------------------------------------------

def object_id(obj: dict[str, Any], what: str = "'data.object'") -> str:
    """The Stripe id of an event's object; an object without a usable one cannot be acted on."""
    value = obj.get("id")
    if not isinstance(value, str) or not PLAIN.fullmatch(value) or len(value) > KEY_CHARS:
        raise UnusableEvent(f"{what} has no usable 'id'.")
    return value


def _int(value: Any) -> int | None:
    """A whole number from Stripe's JSON (metadata are strings), else None."""
    if isinstance(value, bool):
        return None
    try:
        return int(value) if isinstance(value, int | str) else None
    except ValueError:
        return None


def _amount(obj: dict[str, Any], *names: str) -> int:
    """The first of `names` that holds an amount; an object without one cannot be credited."""
    for name in names:
        amount = obj.get(name)
        if isinstance(amount, int) and not isinstance(amount, bool) and amount:
            return amount
    raise UnusableEvent(f"'data.object' has no amount ({', '.join(names)}).")


def _locked_topup(**where: Any) -> TopUp | None:
    query = select(TopUp)
    for name, value in where.items():
        query = query.where(getattr(TopUp, name) == value)
    return db.session.scalar(query.with_for_update().execution_options(populate_existing=True))


def _topup_for(obj: dict[str, Any], id_field: str) -> TopUp | None:
    """Our top-up for a PaymentIntent or invoice: by Stripe's id, else by our metadata."""
    stripe_id = object_id(obj)
    topup = _locked_topup(**{id_field: stripe_id})
    if topup is None:
        meta = obj.get("metadata")
        meta = meta if isinstance(meta, dict) else {}
        topup_id, company_id = _int(meta.get("topup_id")), _int(meta.get("company_id"))
        if topup_id is None or company_id is None:
            return None
        topup = _locked_topup(id=topup_id, company_id=company_id)
        # Only a top-up still waiting for its Stripe id, of the very customer Stripe names
        # (another installation sharing the Stripe account has the same row ids).
        company = db.session.get(Company, company_id) if topup is not None else None
        if (topup is None or getattr(topup, id_field) is not None or company is None
                or not company.stripe_customer_id or obj.get("customer") != company.stripe_customer_id):
            return None
        setattr(topup, id_field, stripe_id)
    return topup


@handles("payment_intent.succeeded")
def payment_succeeded(event: StripeEvent, pi: dict[str, Any]) -> None:
    topup = _topup_for(pi, "payment_intent_id")
    if topup is None:
        return  # not a top-up of ours (e.g. an invoice's own PaymentIntent)
    event.company_id = topup.company_id
    topups.credit_topup(topup, "pi", object_id(pi), _amount(pi, "amount_received", "amount"),
                        str(pi.get("currency")))


@handles("payment_intent.payment_failed", "payment_intent.canceled")
def payment_failed(event: StripeEvent, pi: dict[str, Any]) -> None:
    topup = _topup_for(pi, "payment_intent_id")
    if topup is None:
        return
    event.company_id = topup.company_id
    current = gateway.retrieve_payment_intent(object_id(pi))  # a success may have come since
    if current.get("status") == "succeeded":
        topups.credit_topup(topup, "pi", object_id(pi),
                            _amount(current, "amount_received", "amount"),
                            str(current.get("currency")))
        return
    error = current.get("last_payment_error") or pi.get("last_payment_error") or {}
    topups.mark_failed(topup, error.get("decline_code") or error.get("code") or current.get(
        "status"), error.get("message") or "The payment was canceled.")


@handles("invoice.paid", "invoice.payment_succeeded")
def invoice_paid(event: StripeEvent, invoice: dict[str, Any]) -> None:
    topup = _topup_for(invoice, "invoice_id")
    if topup is None:
        seats.refresh_from_invoice(event, invoice)
        return
    event.company_id = topup.company_id
    # invoice.paid and invoice.payment_succeeded share the ledger key: one credit.
    topups.credit_topup(topup, "invoice", object_id(invoice), _amount(invoice, "amount_paid"),
                        str(invoice.get("currency")))


@handles("invoice.payment_failed")
def invoice_failed(event: StripeEvent, invoice: dict[str, Any]) -> None:
    if _topup_for(invoice, "invoice_id") is None:
        seats.refresh_from_invoice(event, invoice)
    # An invoice top-up stays pending: the invoice remains open until it is paid or voided.


@handles("invoice.voided", "invoice.marked_uncollectible")
def invoice_voided(event: StripeEvent, invoice: dict[str, Any]) -> None:
    topup = _topup_for(invoice, "invoice_id")
    if topup is not None:
        event.company_id = topup.company_id
        topups.mark_failed(topup, "invoice_" + event.type.split(".")[1],
                           "The invoice was voided; nothing was credited.")


def _refund_ids(event_type: str, obj: dict[str, Any]) -> list[str]:
    if event_type.startswith("refund."):
        return [object_id(obj)]
    refunds = obj.get("refunds")
    items = refunds.get("data") if isinstance(refunds, dict) else None
    if not isinstance(items, list):
        return []
    return [object_id(r, "a refund of 'data.object'") for r in items
            if isinstance(r, dict) and r.get("id")]


@handles("charge.refunded", "charge.refund.updated", "refund.created", "refund.updated",
         "refund.failed")
def refund_changed(event: StripeEvent, obj: dict[str, Any]) -> None:
    for refund_id in _refund_ids(event.type, obj):
        current = gateway.retrieve_refund(refund_id)  # the status now, whatever the order
        refund = db.session.scalar(select(TopUpRefund).where(
            TopUpRefund.stripe_refund_id == refund_id).with_for_update())
        if refund is None:
            refund = _refund_from_metadata(current)
        if refund is None:
            continue
        event.company_id = refund.company_id
        _locked_topup(id=refund.topup_id)
        topups.confirm_refund(refund, current)


def _refund_from_metadata(current: dict[str, Any]) -> TopUpRefund | None:
    """Our pending refund whose Stripe id was not stored yet, or one made in the dashboard."""
    meta = current.get("metadata") or {}
    if meta.get("refund_id"):
        refund_id = _int(meta["refund_id"])
        refund = db.session.get(TopUpRefund, refund_id) if refund_id is not None else None
        if refund is not None and str(refund.company_id) == meta.get("company_id"):
            return refund
    topup = _locked_topup(payment_intent_id=current.get("payment_intent")) if current.get(
        "payment_intent") else None
    if topup is None:
        return None
    refund = TopUpRefund(company_id=topup.company_id, topup_id=topup.id,
                         idempotency_key=f"stripe:{current['id']}",
                         amount_minor=int(current.get("amount") or 0),
                         stripe_refund_id=current["id"])
    db.session.add(refund)
    db.session.flush()
    return refund


@handles("customer.subscription.created", "customer.subscription.updated",
         "customer.subscription.deleted", "customer.subscription.paused",
         "customer.subscription.resumed")
def subscription_changed(event: StripeEvent, sub: dict[str, Any]) -> None:
    seats.refresh_subscription(event, object_id(sub))

