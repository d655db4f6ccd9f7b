"""What each Stripe event type does, registered with `@handles(type, …)`.

`billing.stripe.webhooks` verifies, stores and locks the event, then runs its handler with the
event's `data.object` in a savepoint. A handler raises `UnusableEvent` for an object it cannot act
on (the event is kept, failed with that reason); where the order of events matters (a failure
after a success, refunds, subscription changes) it re-fetches the object from Stripe.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from sqlalchemy import select

from app.extensions import db
from app.models import Company

from . import gateway, seats, topups
from .models import StripeEvent, TopUp, TopUpRefund

Handler = Callable[[StripeEvent, dict[str, Any]], None]
HANDLERS: dict[str, Handler] = {}
KEY_CHARS = 100  # stripe_events.stripe_id and .type
PLAIN = re.compile(r"[!-~]+")  # printable ASCII without spaces, as Stripe's ids and types are


class UnusableEvent(Exception):
    """A verified event whose content Trellis cannot act on (stored, marked failed)."""


def handles(*types: str) -> Callable[[Handler], Handler]:
    def register(fn: Handler) -> Handler:
        for t in types:
            HANDLERS[t] = fn
        return fn

    return register


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

