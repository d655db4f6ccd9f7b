"""The only module that imports `stripe`: every call to Stripe goes through here.

It uses the official `StripeClient` with `STRIPE_SECRET_KEY` and, when `STRIPE_API_BASE` is set,
that base address (a local Stripe-compatible server such as localstripe in tests). Each creating
call carries our own idempotency key, so a retry after a timeout is the same request at Stripe.
Results are returned as plain dicts so no Stripe type leaks into the rest of billing.
"""

from __future__ import annotations

import hashlib
import json
import os
from typing import Any

import stripe
from flask import current_app

from app.errors import DomainError


class StripeNotConfigured(DomainError):
    code = "stripe_not_configured"
    status = 503


class GatewayError(DomainError):
    """Stripe refused or could not be reached; the message is safe to show. `transient` when
    Stripe could not be reached, was rate limiting or failed itself (asking again may work)."""

    code = "payment_provider_error"
    status = 502

    def __init__(self, message: str, field: str | None = None, transient: bool = False) -> None:
        super().__init__(message, field)
        self.transient = transient


class CardDeclined(DomainError):
    code = "card_declined"
    status = 402

    def __init__(self, message: str, decline_code: str | None = None,
                 payment_intent_id: str | None = None) -> None:
        super().__init__(message, "payment_method_id")
        self.decline_code = decline_code or "card_declined"
        self.payment_intent_id = payment_intent_id


class SignatureError(Exception):
    """A webhook that cannot be verified: its signature is missing, forged or stale
    (`bad_signature`), or its body is not UTF-8 text (`bad_payload`)."""

    def __init__(self, message: str, code: str = "bad_signature") -> None:
        super().__init__(message)
        self.code = code


def setting(name: str) -> str | None:
    """A STRIPE_* setting: the app config first, then the environment."""
    value = current_app.config.get(name) or os.environ.get(name)
    return value or None


def stripe_js_url() -> str:
    """Where the billing page loads Stripe.js from (STRIPE_JS_URL points tests at a stand-in)."""
    return setting("STRIPE_JS_URL") or "https://js.stripe.com/v3/"


def client() -> stripe.StripeClient:
    key = setting("STRIPE_SECRET_KEY")
    if not key:
        raise StripeNotConfigured(
            "Stripe is not configured: set STRIPE_SECRET_KEY (see docs/stripe.md).")
    base = setting("STRIPE_API_BASE")
    return stripe.StripeClient(key, base_addresses={"api": base} if base else None,
                               max_network_retries=2)


def _plain(obj: Any) -> dict[str, Any]:
    return obj.to_dict() if hasattr(obj, "to_dict") else dict(obj)


def _call(fn: Any, *args: Any, **kwargs: Any) -> dict[str, Any]:
    try:
        return _plain(fn(*args, **kwargs))
    except stripe.CardError as exc:
        err = exc.error
        pi = getattr(err, "payment_intent", None) if err is not None else None
        raise CardDeclined(exc.user_message or "The card was declined.",
                           exc.code, pi.get("id") if isinstance(pi, dict) else None) from exc
    except stripe.StripeError as exc:
        current_app.logger.warning("Stripe error: %s", exc)
        transient = isinstance(exc, stripe.APIConnectionError | stripe.RateLimitError) or (
            exc.http_status or 0) >= 500
        raise GatewayError(exc.user_message or "The payment provider refused the request; "
                           "try again in a minute or contact support.",
                           transient=transient) from exc


def _opts(key: str | None) -> dict[str, Any]:
    return {"idempotency_key": key} if key else {}


def _key_for(key: str, params: dict[str, Any]) -> str:
    """`key` plus a digest of the parameters, for requests whose parameters may change
    between attempts (the billing details, the seat count). Stripe refuses a key reused with
    other parameters for 24 hours, so a person who corrects a typo after a failed attempt
    would be stuck; an identical retry still repeats the first request."""
    digest = hashlib.sha256(json.dumps(params, sort_keys=True).encode()).hexdigest()[:16]
    return f"{key}-{digest}"


# --- customers and payment methods ------------------------------------------------------------

def customer_params(profile: Any) -> dict[str, Any]:
    address = {k: v for k, v in {
        "line1": profile.address_line1, "line2": profile.address_line2,
        "postal_code": profile.postal_code, "city": profile.city,
        "country": profile.country}.items() if v}
    params: dict[str, Any] = {"name": profile.legal_name, "email": profile.billing_email,
                              "metadata": {"company_id": str(profile.company_id)}}
    if address:
        params["address"] = address
    return params


EU_VAT_COUNTRIES = frozenset({
    "AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU",
    "IE", "IT", "LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK"})
TAX_ID_TYPES = {"GB": "gb_vat", "CH": "ch_vat", "NO": "no_vat", "AU": "au_abn", "NZ": "nz_gst"}


def tax_id_data(profile: Any) -> dict[str, str] | None:
    """Stripe's {type, value} for the profile's tax id, from its country (EU: `eu_vat`);
    None when there is none or Stripe's type cannot be told (the id is then kept only here)."""
    value = "".join((profile.tax_id or "").split()).upper()
    country = (profile.country or "").upper()
    kind = "eu_vat" if country in EU_VAT_COUNTRIES else TAX_ID_TYPES.get(country)
    return {"type": kind, "value": value} if value and kind else None


def create_customer(profile: Any, key: str) -> str:
    params = customer_params(profile)
    tax = tax_id_data(profile)
    if tax:
        params["tax_id_data"] = [tax]
    return str(_call(client().v1.customers.create, params, _opts(_key_for(key, params)))["id"])


def update_customer(customer_id: str, profile: Any) -> None:
    params = customer_params(profile)
    params.pop("metadata")
    _call(client().v1.customers.update, customer_id, params)
    sync_tax_id(customer_id, profile)


def sync_tax_id(customer_id: str, profile: Any) -> None:
    """Make the customer's tax ids at Stripe the profile's one (Stripe keeps them as a list)."""
    wanted = tax_id_data(profile)
    current = _call(client().v1.customers.tax_ids.list, customer_id).get("data") or []
    if wanted and any(t.get("value") == wanted["value"] for t in current):
        return
    for old in current:
        _call(client().v1.customers.tax_ids.delete, customer_id, old["id"])
    if wanted:
        _call(client().v1.customers.tax_ids.create, customer_id, wanted)


def customer_tax_ids(customer_id: str) -> list[str]:
    return [t["value"] for t in
            _call(client().v1.customers.tax_ids.list, customer_id).get("data") or []]


def attach_payment_method(customer_id: str, payment_method_id: str) -> dict[str, Any]:
    """Attach a `pm_…` to the customer and make it the default; returns id and card label."""
    pm = _call(client().v1.payment_methods.attach, payment_method_id, {"customer": customer_id})
    _call(client().v1.customers.update, customer_id,
          {"invoice_settings": {"default_payment_method": pm["id"]}})
    card = pm.get("card") or {}
    label = f"{card.get('brand', 'card')} •••• {card.get('last4', '????')}" if card else pm["id"]
    return {"id": pm["id"], "label": label}


def create_setup_intent(customer_id: str) -> dict[str, Any]:
    """A SetupIntent that Stripe.js confirms in the browser to save a card for off-session use."""
    return _call(client().v1.setup_intents.create, {
        "customer": customer_id, "usage": "off_session", "payment_method_types": ["card"]})


# --- top-ups ------------------------------------------------------------------------------------

def create_payment_intent(*, customer_id: str, payment_method_id: str, amount_minor: int,
                          currency: str, key: str, metadata: dict[str, str]) -> dict[str, Any]:
    """Charge the saved card off-session, confirmed at once; the webhook reports the result."""
    return _call(client().v1.payment_intents.create, {
        "amount": amount_minor, "currency": currency.lower(), "customer": customer_id,
        "payment_method": payment_method_id, "confirm": True, "off_session": True,
        "metadata": metadata}, _opts(key))


def retrieve_payment_intent(payment_intent_id: str) -> dict[str, Any]:
    return _call(client().v1.payment_intents.retrieve, payment_intent_id)


def create_invoice(*, customer_id: str, amount_minor: int, currency: str, description: str,
                   key: str, metadata: dict[str, str], days_until_due: int = 14
                   ) -> dict[str, Any]:
    """An invoice item plus a finalized invoice that Stripe e-mails to the billing contact."""
    c = client()
    _call(c.v1.invoice_items.create, {
        "customer": customer_id, "amount": amount_minor, "currency": currency.lower(),
        "description": description, "metadata": metadata}, _opts(f"{key}-item"))
    invoice = _call(c.v1.invoices.create, {
        "customer": customer_id, "collection_method": "send_invoice",
        "days_until_due": days_until_due, "pending_invoice_items_behavior": "include",
        "metadata": metadata}, _opts(f"{key}-invoice"))
    invoice = _call(c.v1.invoices.finalize_invoice, invoice["id"])
    _call(c.v1.invoices.send_invoice, invoice["id"])
    return invoice


def create_refund(*, payment_intent_id: str, amount_minor: int, key: str,
                  metadata: dict[str, str]) -> dict[str, Any]:
    return _call(client().v1.refunds.create, {
        "payment_intent": payment_intent_id, "amount": amount_minor, "metadata": metadata},
        _opts(key))


def retrieve_refund(refund_id: str) -> dict[str, Any]:
    return _call(client().v1.refunds.retrieve, refund_id)


def list_invoices(customer_id: str, limit: int = 20) -> list[dict[str, Any]]:
    result = _call(client().v1.invoices.list, {"customer": customer_id, "limit": limit})
    return list(result.get("data") or [])


# --- seats --------------------------------------------------------------------------------------

def create_subscription(*, customer_id: str, price_id: str, quantity: int, key: str,
                        metadata: dict[str, str], by_invoice: bool = False) -> dict[str, Any]:
    # `plan` accepts both a Plan and a Price id at Stripe, and is what localstripe understands.
    params: dict[str, Any] = {
        "customer": customer_id, "items": [{"plan": price_id, "quantity": max(1, quantity)}],
        "metadata": metadata}
    if by_invoice:  # invoice payers: Stripe e-mails each renewal's invoice (30 days to pay)
        params |= {"collection_method": "send_invoice", "days_until_due": 30}
    return _call(client().v1.subscriptions.create, params, _opts(_key_for(key, params)))


def update_subscription_quantity(subscription_id: str, item_id: str,
                                 quantity: int) -> dict[str, Any]:
    return _call(client().v1.subscriptions.update, subscription_id,
                 {"items": [{"id": item_id, "quantity": max(1, quantity)}]})


def retrieve_subscription(subscription_id: str) -> dict[str, Any]:
    return _call(client().v1.subscriptions.retrieve, subscription_id)


def cancel_subscription(subscription_id: str) -> dict[str, Any]:
    return _call(client().v1.subscriptions.cancel, subscription_id)


def setup_products(name: str, unit_amount_minor: int, currency: str,
                   interval: str = "month") -> dict[str, str]:
    """The product and its per-seat recurring price (created as a Plan, which is a Price)."""
    c = client()
    product = _call(c.v1.products.create, {"name": name}, _opts(f"product-{name}"))
    plan = _call(c.v1.plans.create, {
        "product": product["id"], "amount": unit_amount_minor, "currency": currency.lower(),
        "interval": interval},
        _opts(f"price-{product['id']}-{unit_amount_minor}-{currency.lower()}-{interval}"))
    return {"product_id": product["id"], "price_id": plan["id"]}


# --- webhooks -----------------------------------------------------------------------------------

def verify_event(payload: bytes, signature: str | None) -> str:
    """Check the Stripe-Signature header (HMAC-SHA256, 5-minute tolerance); the body as text.

    Raises `SignatureError` for anything that does not verify, whatever the header holds."""
    secret = setting("STRIPE_WEBHOOK_SECRET")
    if not secret:
        raise SignatureError("STRIPE_WEBHOOK_SECRET is not set")
    try:
        text = payload.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise SignatureError("The body is not UTF-8 text.", "bad_payload") from exc
    try:
        stripe.WebhookSignature.verify_header(text, signature, secret,
                                              stripe.Webhook.DEFAULT_TOLERANCE)
    except stripe.SignatureVerificationError as exc:
        raise SignatureError(str(exc)) from exc
    except (TypeError, ValueError) as exc:  # e.g. non-ASCII signatures: compare_digest refuses
        raise SignatureError("The Stripe-Signature header cannot be read.") from exc
    return text
