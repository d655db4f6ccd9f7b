"""Invoice payers and idempotency keys, against localstripe plus (tests/billing/stripe/localstripe_plus.py).

localstripe itself has neither invoice collection (`send_invoice`) nor idempotency keys; the
launcher adds both as Stripe documents them, so these stories run through the real gateway,
the real HTTP API of the stand-in and its signed webhooks. The customer's payment of an invoice
is the one step played by the test: `pay` with `paid_out_of_band`, which is what Stripe records
when a bank transfer settles an invoice.
"""

from __future__ import annotations

import json
import urllib.request

import pytest

from app.extensions import db
from billing.stripe import gateway, seats, topups

from ..conftest import assert_ledger_ok
from .conftest import billing_ready, fundings, read, topup_status, wait_until, wallet_minor


def invoice_payer(admin) -> None:
    topups.save_profile(admin, admin.company, topups.ProfileData(
        legal_name="Acme Robotics SAS", billing_email="billing@acme.test",
        payment_mode="invoice"))
    db.session.commit()


def settle(invoice_id: str) -> dict:
    """The customer's bank transfer arrives: Stripe marks the invoice paid."""
    return gateway.client().v1.invoices.pay(invoice_id, {"paid_out_of_band": True})


def keys_seen(localstripe_url: str) -> list[str]:
    with urllib.request.urlopen(localstripe_url + "/_config/idempotency_keys", timeout=5) as r:
        return json.load(r)


@pytest.fixture
def seat_price(app, stripe_on):
    ids = gateway.setup_products("Trellis seats", 800, "eur")
    app.config["STRIPE_SEAT_PRICE_ID"] = ids["price_id"]
    return ids["price_id"]


def test_an_invoice_top_up_is_credited_once_when_the_invoice_is_paid(admin, api_as,
                                                                     webhooks_to_app):
    invoice_payer(admin)
    api = api_as(admin)
    topup = api.post("/api/v1/billing/topups", json={"amount_minor": 70_000}).get_json()
    assert topup["status"] == "pending" and topup["invoice_id"].startswith("in_")
    invoice = gateway.client().v1.invoices.retrieve(topup["invoice_id"])
    # Finalized and sent to the billing contact, due in 14 days; nothing credited yet.
    assert (invoice.status, invoice.collection_method, invoice.total) == (
        "open", "send_invoice", 70_000)
    assert invoice.customer_email == "billing@acme.test"
    assert wallet_minor(admin.company_id) == 0

    settle(topup["invoice_id"])  # sends invoice.payment_succeeded and invoice.paid
    wait_until(lambda: topup_status(topup["id"]) == "succeeded", "invoice.paid")
    assert wallet_minor(admin.company_id) == 70_000
    assert fundings(admin.company_id) == 1  # two events, one credit
    assert_ledger_ok(admin.company_id)


def test_an_invoice_payer_subscribes_without_a_card(admin, make_user, api_as, seat_price,
                                                    webhooks_to_app):
    invoice_payer(admin)
    make_user(admin.company)
    db.session.commit()
    r = api_as(admin).post("/api/v1/billing/subscription")
    assert r.status_code in (200, 201), r.get_json()
    row = read(lambda: seats.subscription_of(admin.company_id))
    sub = gateway.retrieve_subscription(row.stripe_subscription_id)
    # Invoice collection: active at once, the first invoice sent with 30 days to pay.
    assert (row.status, sub["collection_method"], sub["quantity"]) == ("active", "send_invoice", 2)
    invoice = gateway.client().v1.invoices.retrieve(sub["latest_invoice"])
    assert (invoice.status, invoice.total) == ("open", 2 * 800)
    assert invoice.due_date - invoice.date == 30 * 86400

    settle(invoice.id)
    wait_until(lambda: read(lambda: seats.subscription_of(admin.company_id)).status == "active"
               and gateway.client().v1.invoices.retrieve(invoice.id).status == "paid",
               "the subscription invoice paid")
    assert fundings(admin.company_id) == 0  # the platform fee is not wallet money
    assert_ledger_ok(admin.company_id)


def test_our_idempotency_keys_reach_stripe_and_a_retry_returns_the_first_intent(
        admin, api_as, stripe_on, webhooks_to_app):
    api = api_as(admin)
    billing_ready(admin, api)
    topup = api.post("/api/v1/billing/topups", json={"amount_minor": 12_000}).get_json()
    key = f"topup-{topup['id']}"
    assert key in keys_seen(stripe_on)
    # A retry of the same Stripe call (say after a timeout) gets the same PaymentIntent back.
    pm = read(lambda: topups.profile_of(admin.company_id).payment_method_id)
    again = gateway.create_payment_intent(
        customer_id=read(lambda: admin.company.stripe_customer_id), payment_method_id=pm,
        amount_minor=12_000, currency="EUR", key=key,
        metadata={"topup_id": str(topup["id"]), "company_id": str(admin.company_id)})
    assert again["id"] == topup["payment_intent_id"]
    wait_until(lambda: topup_status(topup["id"]) == "succeeded", "payment_intent.succeeded")
    assert wallet_minor(admin.company_id) == 12_000 and fundings(admin.company_id) == 1
    assert_ledger_ok(admin.company_id)


def test_corrected_billing_details_are_not_refused_as_a_reused_key(admin, stripe_on):
    """A customer creation that failed (say, a timeout) is retried with the details the admin
    has since corrected: Stripe would refuse the same key with other parameters for 24 hours."""
    profile = topups.ProfileData(legal_name="Acme Robotcs", billing_email="billing@acme.test")
    first = topups.save_profile(admin, admin.company, profile)
    db.session.commit()
    first_id = gateway.create_customer(first, f"customer-{admin.company_id}")
    assert gateway.create_customer(first, f"customer-{admin.company_id}") == first_id  # a retry
    first.legal_name = "Acme Robotics"
    corrected_id = gateway.create_customer(first, f"customer-{admin.company_id}")
    assert gateway.client().v1.customers.retrieve(corrected_id).name == "Acme Robotics"
