"""Funding the wallet through Stripe: billing profile, saved card, top-ups and their refunds.

Services flush, never commit. The order for anything that calls Stripe is: write our pending
row and commit (the view does), then call Stripe with an idempotency key derived from the row
(`topup-<id>`, `refund-<id>`), then store Stripe's id and commit. A retry repeats the same
request at Stripe. The wallet moves only in `credit_topup` / `confirm_refund`, which run from a
verified webhook, through `billing.ledger` with a key derived from Stripe's object id.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select

from app import audit
from app.errors import DomainError, ValidationError
from app.extensions import db
from app.mail import external_url, queue_email
from app.models import Company, User
from app.money import money
from app.validators import normalise_email

from .. import ledger
from ..errors import BudgetError, InsufficientFunds
from ..models import AccountKind, LedgerTransaction, TxKind
from . import gateway
from .models import (
    BillingProfile,
    PaymentMode,
    RefundStatus,
    TopUp,
    TopUpRefund,
    TopUpStatus,
)

MAX_TOPUP_MINOR = 100_000_000


class BillingSetupError(BudgetError):
    code = "billing_setup"
    status = 409


class IdempotencyConflict(DomainError):
    """A key used before for another request (as Stripe answers): the first result stands."""

    code = "idempotency_conflict"
    status = 409


def _same_request(kept_minor: int, asked_minor: int | None, what: str) -> None:
    """A repeat of a key must ask for what the key asked the first time."""
    if asked_minor is not None and asked_minor != kept_minor:
        raise IdempotencyConflict(
            f"This Idempotency-Key was used for a {what} of {money(kept_minor)}; send a new key "
            "for another amount.", "amount_minor")


@dataclass
class ProfileData:
    legal_name: str
    billing_email: str
    address_line1: str | None = None
    address_line2: str | None = None
    postal_code: str | None = None
    city: str | None = None
    country: str | None = None
    tax_id: str | None = None
    payment_mode: str | None = None


def profile_of(company_id: int) -> BillingProfile | None:
    return db.session.scalar(select(BillingProfile).where(
        BillingProfile.company_id == company_id))


def save_profile(actor: User, company: Company, data: ProfileData) -> BillingProfile:
    """Create or update the company's billing details (Stripe is told after the commit)."""
    name = (data.legal_name or "").strip()
    if not name:
        raise ValidationError("Enter the company's legal name for invoices.", "legal_name")
    email = normalise_email(data.billing_email or "", "billing_email")
    country = (data.country or "").strip().upper() or None
    if country and (len(country) != 2 or not country.isalpha()):
        raise ValidationError("Use the two-letter country code, e.g. FR or GB.", "country")
    mode = data.payment_mode or PaymentMode.CARD.value
    if mode not in (PaymentMode.CARD.value, PaymentMode.INVOICE.value):
        raise ValidationError("Choose 'card' or 'invoice'.", "payment_mode")
    profile = profile_of(company.id)
    created = profile is None
    if profile is None:
        profile = BillingProfile(company_id=company.id)
        db.session.add(profile)
    before = {"legal_name": profile.legal_name, "billing_email": profile.billing_email,
              "payment_mode": profile.payment_mode, "tax_id": profile.tax_id}

    def clean(value: str | None) -> str | None:
        return (value or "").strip() or None

    profile.legal_name, profile.billing_email, profile.country = name, email, country
    profile.address_line1, profile.address_line2 = clean(data.address_line1), clean(
        data.address_line2)
    profile.postal_code, profile.city = clean(data.postal_code), clean(data.city)
    profile.tax_id, profile.payment_mode = clean(data.tax_id), mode
    db.session.flush()
    audit.record(actor, company.id, "billing.profile_saved", "billing_profile", profile.id,
                 "Billing details created" if created else "Billing details updated",
                 audit.diff(before, {"legal_name": name, "billing_email": email,
                                     "payment_mode": mode, "tax_id": profile.tax_id}))
    return profile


def ensure_customer(company: Company, profile: BillingProfile) -> str:
    """The company's Stripe customer, created (idempotently) when it has none. Calls Stripe:
    run it outside a transaction that can still roll back, then commit the stored id."""
    if company.stripe_customer_id:
        gateway.update_customer(company.stripe_customer_id, profile)
        return company.stripe_customer_id
    company.stripe_customer_id = gateway.create_customer(profile, f"customer-{company.id}")
    db.session.flush()
    return company.stripe_customer_id


def set_payment_method(actor: User, company: Company, payment_method_id: str) -> BillingProfile:
    """Attach a card (`pm_…` from Stripe.js) and make it the default for top-ups."""
    pm = (payment_method_id or "").strip()
    if not pm.startswith("pm_"):
        raise ValidationError("Send the 'pm_…' id that Stripe.js returned.", "payment_method_id")
    profile = profile_of(company.id)
    if profile is None:
        raise BillingSetupError("Enter the billing details (name and billing e-mail) first.",
                                "legal_name")
    customer_id = ensure_customer(company, profile)
    attached = gateway.attach_payment_method(customer_id, pm)
    profile.payment_method_id, profile.card_label = attached["id"], attached["label"]
    profile.payment_mode = PaymentMode.CARD.value
    db.session.flush()
    audit.record(actor, company.id, "billing.card_saved", "billing_profile", profile.id,
                 f"Saved card {attached['label']} for top-ups")
    return profile


# --- top-ups ------------------------------------------------------------------------------------

def request_topup(actor: User, company: Company, amount_minor: int, key: str) -> TopUp:
    """A pending top-up row (idempotent per key). Stripe is asked after the commit."""
    existing = db.session.scalar(select(TopUp).where(
        TopUp.company_id == company.id, TopUp.idempotency_key == key))
    if existing is not None:
        _same_request(existing.amount_minor, amount_minor, "top-up")
        return existing
    if not isinstance(amount_minor, int) or isinstance(amount_minor, bool) or amount_minor <= 0:
        raise ValidationError("Enter an amount above zero.", "amount_minor")
    if amount_minor > MAX_TOPUP_MINOR:
        raise ValidationError(f"Top up at most {money(MAX_TOPUP_MINOR, company.currency)} at once.",
                              "amount_minor")
    profile = profile_of(company.id)
    if profile is None:
        raise BillingSetupError("Set up billing (company details and a card or invoice "
                                "payment) before topping up.", "amount_minor")
    method = profile.payment_mode
    if method == PaymentMode.CARD.value and not profile.payment_method_id:
        raise BillingSetupError("Save a card first, or choose to pay by invoice.",
                                "payment_method_id")
    topup = TopUp(company_id=company.id, idempotency_key=key, amount_minor=amount_minor,
                  currency=company.currency, method=method, actor_id=actor.id)
    db.session.add(topup)
    db.session.flush()
    audit.record(actor, company.id, "billing.topup_requested", "topup", topup.id,
                 f"Top-up of {money(amount_minor, company.currency)} requested ({method})")
    return topup


def submit_topup(topup: TopUp) -> TopUp:
    """Ask Stripe for the money (call after the pending row is committed; safe to repeat)."""
    if topup.status != TopUpStatus.PENDING.value or topup.payment_intent_id or topup.invoice_id:
        return topup
    company = db.session.get(Company, topup.company_id)
    profile = profile_of(topup.company_id)
    assert company is not None and profile is not None
    customer_id = ensure_customer(company, profile)
    metadata = {"topup_id": str(topup.id), "company_id": str(topup.company_id)}
    if topup.method == PaymentMode.INVOICE.value:
        invoice = gateway.create_invoice(
            customer_id=customer_id, amount_minor=topup.amount_minor, currency=topup.currency,
            description=f"Trellis learning wallet top-up #{topup.id}", key=topup.stripe_key,
            metadata=metadata)
        topup.invoice_id, topup.invoice_url = invoice["id"], invoice.get("hosted_invoice_url")
    else:
        try:
            intent = gateway.create_payment_intent(
                customer_id=customer_id, payment_method_id=profile.payment_method_id or "",
                amount_minor=topup.amount_minor, currency=topup.currency,
                key=topup.stripe_key, metadata=metadata)
        except gateway.CardDeclined as exc:
            if exc.payment_intent_id:
                topup.payment_intent_id = exc.payment_intent_id
            mark_failed(topup, exc.decline_code, exc.message)
            return topup
        topup.payment_intent_id = intent["id"]
    db.session.flush()
    return topup


def credit_topup(topup: TopUp, source: str, source_id: str, amount_minor: int,
                 currency: str) -> LedgerTransaction:
    """Credit the wallet for Stripe's confirmation (verified webhook only), exactly once."""
    if currency.upper() != topup.currency or amount_minor != topup.amount_minor:
        raise ValueError(f"{source} {source_id} is for {amount_minor} {currency}, top-up "
                         f"{topup.id} expects {topup.amount_minor} {topup.currency}")
    key = f"stripe:{source}:{source_id}"
    tx = ledger.existing(topup.company_id, key, TxKind.FUNDING.value)
    if tx is None:
        clearing = ledger.company_account(topup.company_id, AccountKind.BANK_CLEARING,
                                          topup.currency)
        wallet = ledger.company_account(topup.company_id, AccountKind.WALLET, topup.currency)
        ledger.lock([clearing, wallet])
        tx = ledger.post(None, ledger.Posting(
            topup.company_id, TxKind.FUNDING.value, key,
            ledger.transfer(clearing, wallet, amount_minor), reference=f"topup:{topup.id}",
            reason=f"Stripe top-up #{topup.id} ({source_id})"))
        audit.record(None, topup.company_id, "wallet.funded", "topup", topup.id,
                     f"Stripe confirmed top-up #{topup.id} of "
                     f"{money(amount_minor, topup.currency)}")
    if topup.status in (TopUpStatus.PENDING.value, TopUpStatus.FAILED.value):
        topup.status = TopUpStatus.SUCCEEDED.value
        topup.failure_code = topup.failure_message = None
    topup.ledger_transaction_id = tx.id
    db.session.flush()
    return tx


def mark_failed(topup: TopUp, code: str | None, message: str | None) -> bool:
    """A pending top-up failed at Stripe: record the reason, e-mail the billing contact once."""
    if topup.status != TopUpStatus.PENDING.value:
        return False
    topup.status = TopUpStatus.FAILED.value
    topup.failure_code = (code or "payment_failed")[:100]
    topup.failure_message = (message or "The payment failed.")[:500]
    db.session.flush()
    profile = profile_of(topup.company_id)
    audit.record(None, topup.company_id, "billing.topup_failed", "topup", topup.id,
                 f"Top-up #{topup.id} failed: {topup.failure_message}")
    if profile is not None:
        queue_email(profile.billing_email, f"Trellis: wallet top-up #{topup.id} failed",
                    f"The top-up of {money(topup.amount_minor, topup.currency)} to your Trellis "
                    f"learning wallet failed: {topup.failure_message}\n\nNothing was charged. "
                    f"Check the card or choose another one, then top up again:\n"
                    f"{external_url('billing_stripe.billing_page')}\n",
                    company_id=topup.company_id)
    return True


# --- refunds ------------------------------------------------------------------------------------

def refundable_minor(topup: TopUp) -> int:
    pending = sum(r.amount_minor for r in topup.refunds if r.status == RefundStatus.PENDING.value)
    return max(0, topup.amount_minor - topup.refunded_minor - pending)


def request_refund(actor: User, topup: TopUp, amount_minor: int | None, key: str) -> TopUpRefund:
    """A pending refund of unspent wallet money; the wallet is debited when Stripe confirms."""
    existing = db.session.scalar(select(TopUpRefund).where(
        TopUpRefund.company_id == topup.company_id, TopUpRefund.idempotency_key == key))
    if existing is not None:
        if existing.topup_id != topup.id:
            raise IdempotencyConflict("This Idempotency-Key was used for a refund of another "
                                      "top-up; send a new key.", "topup_id")
        _same_request(existing.amount_minor, amount_minor, "refund")
        return existing
    if topup.status not in (TopUpStatus.SUCCEEDED.value, TopUpStatus.REFUNDED.value):
        raise BillingSetupError("Only a top-up that Stripe confirmed can be refunded.",
                                "topup_id")
    amount = refundable_minor(topup) if amount_minor is None else amount_minor
    if not isinstance(amount, int) or isinstance(amount, bool) or amount <= 0:
        raise ValidationError("Enter an amount above zero to refund.", "amount_minor")
    if amount > refundable_minor(topup):
        raise ValidationError(
            f"At most {money(refundable_minor(topup), topup.currency)} of this top-up can still "
            "be refunded.", "amount_minor")
    wallet = ledger.company_account(topup.company_id, AccountKind.WALLET, topup.currency)
    ledger.lock([wallet])  # serialises refund requests of one company
    unspent = wallet.balance_minor - pending_refunds_minor(topup.company_id)
    if amount > unspent:
        raise InsufficientFunds(
            f"Only {money(max(0, unspent), topup.currency)} of the wallet is unspent; money "
            "already spent on learning cannot be refunded.", "amount_minor")
    refund = TopUpRefund(company_id=topup.company_id, topup_id=topup.id, idempotency_key=key,
                         amount_minor=amount, actor_id=actor.id)
    db.session.add(refund)
    db.session.flush()
    audit.record(actor, topup.company_id, "billing.refund_requested", "topup", topup.id,
                 f"Refund of {money(amount, topup.currency)} from top-up #{topup.id} requested")
    return refund


def submit_refund(refund: TopUpRefund) -> TopUpRefund:
    """Create the refund at Stripe (after the pending row is committed; safe to repeat)."""
    if refund.stripe_refund_id or refund.status != RefundStatus.PENDING.value:
        return refund
    topup = refund.topup
    if not topup.payment_intent_id:
        raise BillingSetupError("This top-up was paid by invoice; refund it from the Stripe "
                                "dashboard, Trellis follows when Stripe confirms.", "topup_id")
    created = gateway.create_refund(
        payment_intent_id=topup.payment_intent_id, amount_minor=refund.amount_minor,
        key=refund.stripe_key,
        metadata={"refund_id": str(refund.id), "topup_id": str(topup.id),
                  "company_id": str(refund.company_id)})
    refund.stripe_refund_id = created["id"]
    db.session.flush()
    return refund


def confirm_refund(refund: TopUpRefund, stripe_refund: dict[str, Any]) -> None:
    """Apply Stripe's refund status (re-fetched from Stripe): debit the wallet once on success."""
    status = stripe_refund.get("status")
    if refund.stripe_refund_id is None:
        refund.stripe_refund_id = stripe_refund["id"]
    if status == "succeeded":
        if stripe_refund.get("amount") != refund.amount_minor:
            raise ValueError(f"refund {stripe_refund['id']} is for {stripe_refund.get('amount')}, "
                             f"ours {refund.id} for {refund.amount_minor}")
        if refund.status == RefundStatus.SUCCEEDED.value:
            return
        topup = refund.topup
        key = f"stripe:refund:{stripe_refund['id']}"
        tx = ledger.existing(refund.company_id, key, TxKind.REFUND.value)
        if tx is None:
            clearing = ledger.company_account(refund.company_id, AccountKind.BANK_CLEARING,
                                              topup.currency)
            wallet = ledger.company_account(refund.company_id, AccountKind.WALLET,
                                            topup.currency)
            ledger.lock([clearing, wallet])
            tx = ledger.post(None, ledger.Posting(
                refund.company_id, TxKind.REFUND.value, key,
                ledger.transfer(wallet, clearing, refund.amount_minor),
                reference=f"topup:{topup.id}",
                reason=f"Stripe refund of top-up #{topup.id} ({stripe_refund['id']})"))
        refund.status = RefundStatus.SUCCEEDED.value
        refund.ledger_transaction_id = tx.id
        topup.refunded_minor += refund.amount_minor
        if topup.refunded_minor >= topup.amount_minor:
            topup.status = TopUpStatus.REFUNDED.value
        audit.record(None, refund.company_id, "wallet.refunded", "topup", topup.id,
                     f"Stripe refunded {money(refund.amount_minor, topup.currency)} of top-up "
                     f"#{topup.id}")
    elif status in ("failed", "canceled") and refund.status == RefundStatus.PENDING.value:
        refund.status = RefundStatus.FAILED.value
        refund.failure_message = (stripe_refund.get("failure_reason") or status)[:500]
    db.session.flush()


def pending_refunds_minor(company_id: int) -> int:
    """Wallet money promised back to the card by refunds Stripe has not confirmed yet.

    Captures may not spend it: the wallet is debited only when Stripe confirms the refund."""
    return int(db.session.scalar(select(func.coalesce(func.sum(TopUpRefund.amount_minor), 0))
                                 .where(TopUpRefund.company_id == company_id,
                                        TopUpRefund.status == RefundStatus.PENDING.value)) or 0)
