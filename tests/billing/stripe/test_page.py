"""The billing page and its forms against localstripe: billing details (name, e-mail, address,
tax id), card or invoice, top-up and refund forms with their field errors, the subscription."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import AuditEntry, Company
from billing.models import LedgerTransaction
from billing.stripe import gateway, topups
from billing.stripe.models import TopUp, TopUpRefund

from .conftest import DETAILS, read, set_up, text, topup_status, wait_until, wallet_minor


def field_error(html, field_id):
    """The error list the form macro renders next to a field."""
    match = re.search(rf'<ul class="errors" id="{field_id}-errors">(.*?)</ul>', html, re.S)
    return re.sub(r"<[^>]+>", " ", match[1]).strip() if match else None


def test_an_admin_saves_billing_details_and_the_stripe_customer_gets_them(admin, auth, client,
                                                                         stripe_on):
    auth.login(admin)
    set_up(client)
    profile = topups.profile_of(admin.company_id)
    assert (profile.billing_email, profile.country) == ("billing@acme.test", "FR")
    customer_id = db.session.get(Company, admin.company_id).stripe_customer_id
    customer = gateway.client().v1.customers.retrieve(customer_id)
    assert (customer.name, customer.email) == ("Acme Robotics SAS", "billing@acme.test")
    assert (customer.address.city, customer.address.postal_code) == ("Lyon", "69001")
    assert gateway.customer_tax_ids(customer_id) == ["FR12345678901"]

    set_up(client, tax_id="FR98765432109", city="Paris")  # an edit updates the same customer
    assert db.session.get(Company, admin.company_id).stripe_customer_id == customer_id
    assert gateway.client().v1.customers.retrieve(customer_id).address.city == "Paris"
    assert gateway.customer_tax_ids(customer_id) == ["FR98765432109"]
    page = text(client.get("/billing"))
    assert 'value="Acme Robotics SAS"' in page and "Billing details saved" in page


@pytest.mark.parametrize(("changes", "field", "message"), [
    ({"legal_name": ""}, "legal_name", "This field is required."),
    ({"billing_email": "not-an-address"}, "billing_email", "e-mail"),
    ({"country": "FRA"}, "country", "Use the two-letter country code, e.g. FR or GB."),
    ({"country": "1X"}, "country", "two-letter country code"),
    ({"payment_mode": "cheque"}, "payment_mode", "Not a valid choice"),
])
def test_bad_billing_details_come_back_with_the_error_next_to_the_field(
        admin, auth, client, stripe_on, fingerprint, changes, field, message):
    auth.login(admin)
    before = fingerprint()
    r = client.post("/billing/profile", data=DETAILS | changes)
    assert r.status_code == 422
    assert message in (field_error(text(r), field) or ""), text(r)
    assert 'value="Lyon"' in text(r)  # what was typed is kept
    assert fingerprint() == before


def test_the_admin_saves_a_card_or_chooses_invoice_payment(admin, auth, client, stripe_on):
    auth.login(admin)
    set_up(client)
    assert "save a card (or choose invoice payment)" in text(client.get("/billing"))
    r = client.post("/billing/card", data={"payment_method_id": "pm_card_visa"})
    assert r.status_code == 302
    page = text(client.get("/billing"))
    assert "Saved card: <strong>visa •••• 4242</strong>" in page
    assert "Charged to visa •••• 4242." in page
    bad = client.post("/billing/card", data={"payment_method_id": "card_1"}, follow_redirects=True)
    assert "Send the &#39;pm_…&#39; id that Stripe.js returned." in text(bad)

    set_up(client, payment_mode="invoice")
    page = text(client.get("/billing"))
    assert "Charged to an invoice sent to billing@acme.test." in page
    assert topups.profile_of(admin.company_id).payment_mode == "invoice"


@pytest.mark.parametrize(("amount", "message"), [
    ("", "Enter the amount to top up."),
    ("0", "Enter an amount above zero."),
    ("-5", "Enter an amount above zero."),
    ("ten", "Not a valid decimal value."),
    ("12.345", "Use at most 2 decimal places for EUR."),
    ("1000000.01", "Top up at most €1,000,000.00 at once."),
])
def test_the_top_up_form_refuses_bad_amounts_next_to_the_field(admin, auth, client, stripe_on,
                                                               fingerprint, amount, message):
    auth.login(admin)
    set_up(client)
    client.post("/billing/card", data={"payment_method_id": "pm_card_visa"})
    before = fingerprint()
    r = client.post("/billing/topups", data={"amount": amount})
    assert r.status_code == 422
    assert message in (field_error(text(r), "amount") or ""), text(r)
    assert 'value="Acme Robotics SAS"' in text(r)  # the other forms keep their own values
    assert fingerprint() == before


def test_a_top_up_from_the_page_is_credited_by_the_webhook_then_partly_refunded(
        admin, auth, client, webhooks_to_app):
    auth.login(admin)
    set_up(client)
    client.post("/billing/card", data={"payment_method_id": "pm_card_visa"})
    r = client.post("/billing/topups", data={"amount": "250.00", "key": "k1"},
                    follow_redirects=True)
    assert "The wallet is credited when Stripe confirms" in text(r)
    topup_id = read(lambda: db.session.scalar(select(TopUp.id)))
    wait_until(lambda: topup_status(topup_id) == "succeeded", "payment_intent.succeeded")
    assert wallet_minor(admin.company_id) == 25_000
    page = text(client.get("/billing"))
    assert '<dd class="num" id="wallet-balance">€250.00</dd>' in page
    assert "status-succeeded" in page and f'id="refund-amount-{topup_id}"' in page

    # localstripe may still deliver late events (stored in stripe_events) while this runs, so
    # "nothing written" is checked on what a refund would write, not on a whole-database hash.
    before = read(lambda: (db.session.scalar(select(func.count(TopUpRefund.id))),
                           db.session.scalar(select(func.count(LedgerTransaction.id))),
                           db.session.scalar(select(func.count(AuditEntry.id)))))
    for amount, message in (("0", "Enter an amount above zero to refund."),
                            ("1.234", "Use at most 2 decimal places for EUR."),
                            ("300", "At most €250.00 of this top-up can still be refunded.")):
        r = client.post(f"/billing/topups/{topup_id}/refund", data={"amount": amount})
        assert r.status_code == 422
        errors = re.search(rf'id="refund-errors-{topup_id}">(.*?)</ul>', text(r), re.S)
        assert errors and message in errors[1], text(r)
        assert f'value="{amount}" aria-invalid="true"' in text(r)
        assert 'id="amount" min="0.01" name="amount" required step="any" type="number" value=""' \
            in text(r)  # the top-up form is not filled from the refund form
        assert 'value="Acme Robotics SAS"' in text(r)  # billing details still shown
    assert read(lambda: (db.session.scalar(select(func.count(TopUpRefund.id))),
                         db.session.scalar(select(func.count(LedgerTransaction.id))),
                         db.session.scalar(select(func.count(AuditEntry.id))))) == before
    assert wallet_minor(admin.company_id) == 25_000
    assert client.post("/billing/topups/999/refund", data={"amount": "1"}).status_code == 404

    r = client.post(f"/billing/topups/{topup_id}/refund", data={"amount": "50", "key": "r1"},
                    follow_redirects=True)
    assert "the wallet is debited when Stripe confirms it" in text(r)
    refund = read(lambda: db.session.scalar(select(TopUpRefund)))
    assert (refund.amount_minor, refund.status) == (5_000, "pending")
    assert refund.stripe_refund_id and refund.stripe_refund_id.startswith("re_")
    assert "€50.00 pending" in text(client.get("/billing"))
