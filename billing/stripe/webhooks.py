"""Stripe webhooks: verify, store under Stripe's event id, process each id once.

`receive()` is called by `POST /billing/stripe/webhook` with the raw body. A bad, missing or stale
signature raises `SignatureError` before anything is stored. A verified event is inserted under
its unique Stripe id (a concurrent duplicate waits on the unique index, then finds the row) and
locked; an event already processed is acknowledged again and nothing happens. Processing runs in
a savepoint of the same transaction that marks the row processed, so the effect and the mark
commit together; an error rolls back the effect and is recorded on the row (Stripe retries,
`flask billing replay` reprocesses). Effects are idempotent on their own too: the ledger's
idempotency keys derive from Stripe's object ids and top-ups are locked before they change.

Where the order of events matters (a failure arriving after a success, refunds, subscription
changes) the object is re-fetched from Stripe rather than trusted from the event.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.models import Company, utcnow

from . import gateway, seats, topups
from .models import StripeEvent, TopUp, TopUpRefund

Handler = Callable[[StripeEvent, dict[str, Any]], None]
HANDLERS: dict[str, Handler] = {}


def handles(*types: str) -> Callable[[Handler], Handler]:
    def register(fn: Handler) -> Handler:
        for t in types:
            HANDLERS[t] = fn
        return fn

    return register


def _locked_event(stripe_id: str) -> StripeEvent | None:
    return db.session.scalar(select(StripeEvent).where(StripeEvent.stripe_id == stripe_id)
                             .with_for_update().execution_options(populate_existing=True))


def store(data: dict[str, Any]) -> StripeEvent:
    """The event's row, inserted now or found (and locked) when it arrived before."""
    found = _locked_event(data["id"])
    if found is not None:
        return found
    try:
        with db.session.begin_nested():
            event = StripeEvent(stripe_id=str(data["id"])[:100], type=str(data["type"])[:100],
                                payload=data)
            db.session.add(event)
        return event
    except IntegrityError:  # the same event id stored by a concurrent delivery
        found = _locked_event(data["id"])
        assert found is not None
        return found


def process(event: StripeEvent) -> None:
    """Run the event's handler in a savepoint; mark it processed or record the error."""
    event.attempts = (event.attempts or 0) + 1
    handler = HANDLERS.get(event.type)
    try:
        with db.session.begin_nested():
            if handler is not None:  # unknown types are acknowledged and kept
                handler(event, (event.payload.get("data") or {}).get("object") or {})
    except Exception as exc:
        event.error = f"{type(exc).__name__}: {exc}"[:4000]
        db.session.flush()
        raise
    event.processed_at, event.error = utcnow(), None
    db.session.flush()


def receive(payload: bytes, signature: str | None) -> tuple[StripeEvent, bool]:
    """Verify and store the event; process it unless done before. (event, newly_processed)."""
    data = gateway.verify_event(payload, signature)
    event = store(data)
    if event.processed_at is not None:
        return event, False
    process(event)
    return event, True


def replay(stripe_id: str) -> StripeEvent:
    """Reprocess a stored event (its effects are idempotent); raises when it fails again."""
    event = _locked_event(stripe_id)
    if event is None:
        raise LookupError(f"No stored event {stripe_id}.")
    process(event)
    return event


# --- handlers -----------------------------------------------------------------------------------

def _locked_topup(**where: Any) -> TopUp | None:
    query = select(TopUp)
    for name, value in where.items():
        query = query.where(getattr(TopUp, name) == value)
    return db.session.scalar(query.with_for_update().execution_options(populate_existing=True))


def _topup_for(obj: dict[str, Any], id_field: str) -> TopUp | None:
    """Our top-up for a PaymentIntent or invoice: by Stripe's id, else by our metadata."""
    topup = _locked_topup(**{id_field: obj.get("id")}) if obj.get("id") else None
    if topup is None:
        meta = obj.get("metadata") or {}
        try:
            topup_id, company_id = int(meta.get("topup_id")), int(meta.get("company_id"))
        except (TypeError, ValueError):
            return None
        topup = _locked_topup(id=topup_id, company_id=company_id)
        # Only a top-up still waiting for its Stripe id, of the very customer Stripe names
        # (another installation sharing the Stripe account has the same row ids).
        company = db.session.get(Company, company_id) if topup is not None else None
        if (topup is None or getattr(topup, id_field) is not None or company is None
                or not company.stripe_customer_id or obj.get("customer") != company.stripe_customer_id):
            return None
        setattr(topup, id_field, obj["id"])
    return topup


@handles("payment_intent.succeeded")
def payment_succeeded(event: StripeEvent, pi: dict[str, Any]) -> None:
    topup = _topup_for(pi, "payment_intent_id")
    if topup is None:
        return  # not a top-up of ours (e.g. an invoice's own PaymentIntent)
    event.company_id = topup.company_id
    amount = pi.get("amount_received") or pi.get("amount")
    topups.credit_topup(topup, "pi", pi["id"], int(amount), str(pi.get("currency")))


@handles("payment_intent.payment_failed", "payment_intent.canceled")
def payment_failed(event: StripeEvent, pi: dict[str, Any]) -> None:
    topup = _topup_for(pi, "payment_intent_id")
    if topup is None:
        return
    event.company_id = topup.company_id
    current = gateway.retrieve_payment_intent(pi["id"])  # a success may have come since
    if current.get("status") == "succeeded":
        amount = current.get("amount_received") or current.get("amount")
        topups.credit_topup(topup, "pi", pi["id"], int(amount), str(current.get("currency")))
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
    topups.credit_topup(topup, "invoice", invoice["id"], int(invoice.get("amount_paid") or 0),
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
        return [obj["id"]]
    refunds = obj.get("refunds") or {}
    return [r["id"] for r in (refunds.get("data") or []) if r.get("id")]


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
        try:
            refund = db.session.get(TopUpRefund, int(meta["refund_id"]))
        except ValueError:
            refund = None
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
    seats.refresh_subscription(event, sub["id"])

