"""The Stripe CLI (`billing replay`, `setup-products`, `sync-seats`), starting the per-seat
subscription from the page and the API, batched seat syncs, the past-due banner and the
read-only company after a cancellation. Against localstripe."""

from __future__ import annotations

import json
import urllib.request

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.people import importer
from billing.models import BudgetPolicy, LedgerTransaction
from billing.stripe import gateway, seats, webhooks
from billing.stripe.models import SeatSubscription, StripeEvent

from ..conftest import assert_ledger_ok
from .conftest import billing_ready, read, set_up, sign, text, topup_status, wait_until, wallet_minor


def cli(app, *args):
    return app.test_cli_runner().invoke(args=["billing", *args])


@pytest.fixture
def seat_price(app, stripe_on):
    ids = gateway.setup_products("Trellis seats", 800, "eur")
    app.config["STRIPE_SEAT_PRICE_ID"] = ids["price_id"]
    return ids["price_id"]


def subscription(company_id):
    return read(lambda: seats.subscription_of(company_id))


def stripe_quantity(subscription_id):
    return gateway.retrieve_subscription(subscription_id)["items"]["data"][0]["quantity"]


def test_replay_reprocesses_a_stored_event_without_crediting_twice(app, admin, api_as,
                                                                   webhooks_to_app):
    api = api_as(admin)
    billing_ready(admin, api)
    topup = api.post("/api/v1/billing/topups", json={"amount_minor": 30_000}).get_json()
    wait_until(lambda: topup_status(topup["id"]) == "succeeded", "the top-up")
    event_id = read(lambda: db.session.scalar(select(StripeEvent.stripe_id).where(
        StripeEvent.type == "payment_intent.succeeded")))
    result = cli(app, "replay", event_id)
    assert result.exit_code == 0, result.output
    assert f"{event_id} (payment_intent.succeeded) processed, attempt 2." in result.output
    assert wallet_minor(admin.company_id) == 30_000
    assert read(lambda: db.session.scalar(select(func.count(LedgerTransaction.id)).where(
        LedgerTransaction.kind == "funding"))) == 1
    missing = cli(app, "replay", "evt_nope")
    assert missing.exit_code == 1 and "No stored event evt_nope." in missing.output
    assert_ledger_ok()


def test_replay_of_an_event_that_fails_again_exits_1_and_keeps_the_error(app, admin, api_as,
                                                                         stripe_on):
    api = api_as(admin)
    billing_ready(admin, api)
    topup = api.post("/api/v1/billing/topups", json={"amount_minor": 30_000}).get_json()
    intent = {"id": topup["payment_intent_id"], "object": "payment_intent", "amount": 1,
              "currency": "eur", "status": "succeeded", "metadata": {}}
    payload = json.dumps({"id": "evt_bad", "type": "payment_intent.succeeded",
                          "data": {"object": intent}})
    receipt = webhooks.receive(payload.encode(), sign(payload))
    assert (receipt.outcome, receipt.http) == ("failed", 200)
    assert "expects 30000 EUR" in (receipt.reason or "")
    db.session.commit()  # what the end of the webhook's request does: keep the row and its error
    result = cli(app, "replay", "evt_bad")
    assert result.exit_code == 1
    assert "evt_bad: processing failed again: " in result.output
    event = read(lambda: db.session.scalar(select(StripeEvent).where(
        StripeEvent.stripe_id == "evt_bad")))
    assert (event.attempts, event.processed_at) == (2, None) and "expects 30000" in event.error
    assert wallet_minor(admin.company_id) == 0


def test_setup_products_prints_the_price_to_configure(app, stripe_on):
    result = cli(app, "setup-products", "--amount-minor", "1200", "--currency", "EUR")
    assert result.exit_code == 0, result.output
    price_id = result.output.split("STRIPE_SEAT_PRICE_ID=")[1].strip()
    plan = gateway.client().v1.plans.retrieve(price_id)
    assert (plan.amount, plan.currency, plan.interval) == (1200, "eur", "month")
    refused = cli(app, "setup-products", "--amount-minor", "0")
    assert refused.exit_code == 2 and "--amount-minor" in refused.output


def test_sync_seats_sets_the_quantity_to_the_active_people(app, admin, api_as, make_user,
                                                           seat_price):
    billing_ready(admin, api_as(admin))
    sub_id = seats.start_subscription(admin, admin.company).stripe_subscription_id
    db.session.commit()
    for _ in range(2):
        make_user(admin.company)  # the factory sends no signal: Stripe still says 1
    assert stripe_quantity(sub_id) == 1
    db.session.rollback()  # SQLite: hold no write lock while the task writes
    result = cli(app, "sync-seats", "--company", "acme")
    assert result.exit_code == 0 and "acme: 3 seats." in result.output
    assert stripe_quantity(sub_id) == 3
    unknown = cli(app, "sync-seats", "--company", "nope")
    assert unknown.exit_code == 1 and "No company with slug 'nope'." in unknown.output


def test_the_admin_starts_the_subscription_from_the_page_and_the_api(app, admin, api_as, auth,
                                                                    client, stripe_on):
    auth.login(admin)
    set_up(client)
    assert "save a card (or choose invoice payment) to start the subscription" in text(
        client.get("/billing"))
    client.post("/billing/card", data={"payment_method_id": "pm_card_visa"})
    assert "Start the per-seat subscription (1 person)" in text(client.get("/billing"))
    refused = client.post("/billing/subscription", follow_redirects=True)
    assert "The seat price is not configured" in text(refused)
    assert subscription(admin.company_id) is None
    app.config["STRIPE_SEAT_PRICE_ID"] = gateway.setup_products("Seats", 800, "eur")["price_id"]
    r = client.post("/billing/subscription", follow_redirects=True)
    assert "Subscription started; seats follow your active people." in text(r)
    row = subscription(admin.company_id)
    assert (row.status, row.quantity) == ("active", 1)
    assert "Start the per-seat subscription" not in text(r)
    assert '<span class="badge status-active">Active</span>' in text(r)
    api = api_as(admin)
    again = api.post("/api/v1/billing/subscription")
    assert again.status_code == 201 and again.get_json()["status"] == "active"
    assert subscription(admin.company_id).stripe_subscription_id == row.stripe_subscription_id


def test_a_csv_import_of_three_people_is_one_seat_update(app, admin, api_as, seat_price,
                                                         monkeypatch):
    billing_ready(admin, api_as(admin))
    sub_id = seats.start_subscription(admin, admin.company).stripe_subscription_id
    company_id = admin.company_id
    db.session.commit()
    calls = []
    real = gateway.update_subscription_quantity

    def counted(*args, **kwargs):  # the real call, counted
        calls.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(gateway, "update_subscription_quantity", counted)
    plan = importer.parse(admin.company_id, "email,name\n" + "".join(
        f"new{i}@acme.test,New {i}\n" for i in range(3)))
    importer.apply(admin, plan)
    db.session.commit()  # one people_joined signal for the batch → one queued sync
    assert len(calls) == 1 and stripe_quantity(sub_id) == 4
    db.session.execute(SeatSubscription.__table__.update().values(seat_sync_pending=True))
    db.session.commit()
    assert seats.request_seat_sync(company_id) is False  # a sync is already queued
    assert len(calls) == 1


def renew_now(localstripe_url: str, subscription_id: str) -> dict:
    """localstripe plus ends the billing period now (what a Stripe test clock does)."""
    req = urllib.request.Request(f"{localstripe_url}/_config/subscriptions/{subscription_id}/renew",
                                 method="POST")
    with urllib.request.urlopen(req, timeout=10) as r:
        return json.load(r)


def test_a_failed_renewal_shows_admins_a_past_due_banner_on_every_page(
        admin, make_user, auth, client, api_as, seat_price, stripe_on, webhooks_to_app):
    api = api_as(admin)
    billing_ready(admin, api)
    row = seats.start_subscription(admin, admin.company)
    employee = make_user(admin.company)
    db.session.commit()
    sub_id = row.stripe_subscription_id
    # The card on file stops working; the renewal is charged to it and fails.
    assert api.post("/api/v1/billing/payment-method", json={
        "payment_method_id": "pm_card_chargeCustomerFail"}).status_code == 200
    assert renew_now(stripe_on, sub_id)["status"] == "past_due"
    wait_until(lambda: subscription(admin.company_id).status == "past_due",
               "customer.subscription.updated")
    auth.login(admin)
    assert "Subscription payment past due" in text(client.get("/home"))
    assert "Subscription payment past due" in text(client.get("/budgets"))  # on every page
    billing_page = text(client.get("/billing"))
    assert "The last subscription payment failed (past due)" in billing_page
    assert "Subscription payment past due" not in billing_page  # said once, in its own words
    assert client.post("/budgets/policies/new", data={
        "scope": "default", "annual_allowance": "100", "accrual": "upfront",
        "rollover_cap": "0"}).status_code == 302  # past due is not read-only
    auth.logout()
    auth.login(employee)
    assert "Subscription payment" not in text(client.get("/home"))


def test_a_canceled_subscription_makes_the_company_read_only_until_restarted(
        admin, make_user, api_as, auth, client, webhooks_to_app, seat_price):
    billing_ready(admin, api_as(admin))
    row = seats.start_subscription(admin, admin.company)
    db.session.commit()
    first_id = row.stripe_subscription_id
    gateway.cancel_subscription(first_id)
    wait_until(lambda: subscription(admin.company_id).status == "canceled",
               "customer.subscription.deleted")
    auth.login(admin)
    assert "Subscription canceled: the company is read-only" in text(client.get("/home"))
    assert "Subscription canceled: the company is read-only" in text(client.get("/budgets"))
    assert client.get("/budgets").status_code == 200  # everything stays visible
    refused = client.post("/budgets/policies/new", data={
        "scope": "default", "annual_allowance": "100", "accrual": "upfront"})
    assert refused.status_code == 403
    assert "Your Trellis subscription was canceled, so the company is read-only" in text(refused)
    assert read(lambda: db.session.scalar(select(func.count(BudgetPolicy.id)))) == 0
    page = text(client.get("/billing"))
    assert "The subscription was canceled: the company is read-only." in page
    employee = make_user(admin.company)
    db.session.commit()
    auth.logout()
    auth.login(employee)  # everyone learns why nothing can change, and whom to ask
    assert "Ask an admin to restart it." in text(client.get("/home"))
    auth.logout()
    auth.login(admin)
    r = client.post("/billing/subscription", follow_redirects=True)
    assert "Subscription started" in text(r)
    restarted = subscription(admin.company_id)
    assert restarted.status == "active" and restarted.stripe_subscription_id != first_id
    assert client.post("/budgets/policies/new", data={
        "scope": "default", "annual_allowance": "100", "accrual": "upfront",
        "rollover_cap": "0"}).status_code == 302
