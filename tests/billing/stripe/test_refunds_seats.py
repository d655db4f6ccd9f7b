"""Refunds and seats against localstripe."""

from __future__ import annotations

from sqlalchemy import func, select

from app.extensions import db
from app.people import service as people
from billing import holds
from billing.stripe import gateway, seats
from billing.stripe.models import SeatSubscription, TopUpRefund

from ..conftest import assert_ledger_ok
from .conftest import billing_ready, post_event, read, topup_status, wait_until, wallet_minor


def succeeded_topup(admin, api, amount):
    topup = api.post("/api/v1/billing/topups", json={"amount_minor": amount}).get_json()
    wait_until(lambda: topup_status(topup["id"]) == "succeeded", "the top-up")
    return topup


def test_refund_debits_the_wallet_once_when_stripe_confirms(admin, api_as, webhooks_to_app,
                                                            give, make_user):
    api = api_as(admin)
    billing_ready(admin, api)
    topup = succeeded_topup(admin, api, 50_000)
    ada = make_user(admin.company)
    give(ada, 40_000)
    hold = holds.hold(admin, ada, 40_000, "request:1", "h1")
    holds.capture(admin, hold, "c1")
    db.session.commit()  # €400 spent: €100 of the wallet is unspent
    too_much = api.post(f"/api/v1/billing/topups/{topup['id']}/refund",
                        json={"amount_minor": 20_000})
    assert too_much.status_code == 422
    assert "Only €100.00 of the wallet is unspent" in too_much.get_json()["error"]["message"]

    r = api.post(f"/api/v1/billing/topups/{topup['id']}/refund", json={"amount_minor": 6_000})
    assert r.status_code == 201 and r.get_json()["status"] == "pending"
    assert wallet_minor(admin.company_id) == 10_000  # not before Stripe confirms
    refund_id = read(lambda: db.session.get(
        TopUpRefund,
        r.get_json()["id"]).stripe_refund_id)
    # localstripe sends no refund events: sign charge.refunded / refund.updated here; the app
    # re-fetches the refund from localstripe, which says it succeeded.
    charge = {"id": "ch_x", "object": "charge", "refunds": {"data": [{"id": refund_id}]}}
    for event in ({"id": "evt_r1", "type": "charge.refunded", "data": {"object": charge}},
                  {"id": "evt_r1", "type": "charge.refunded", "data": {"object": charge}},
                  {"id": "evt_r2", "type": "refund.updated",
                   "data": {"object": {"id": refund_id, "object": "refund"}}}):
        assert post_event(webhooks_to_app, event)[0] == 200
    assert wallet_minor(admin.company_id) == 4_000
    body = api.get(f"/api/v1/billing/topups/{topup['id']}").get_json()
    assert body["refunded_minor"] == 6_000 and body["refunds"][0]["status"] == "succeeded"
    assert_ledger_ok(admin.company_id)


def test_seats_follow_joiners_and_leavers_and_cancel_makes_read_only(
        app, admin, api_as, webhooks_to_app, make_user):
    api = api_as(admin)
    billing_ready(admin, api)
    ids = gateway.setup_products("Trellis seats", 800, "eur")
    app.config["STRIPE_SEAT_PRICE_ID"] = ids["price_id"]
    seats.start_subscription(admin, admin.company)
    db.session.commit()
    row = seats.subscription_of(admin.company_id)
    assert (row.status, row.quantity) == ("active", 1)
    for n in range(3):
        people.create_person(admin, people.PersonData(email=f"new{n}@acme.test", name=f"N{n}"))
    db.session.commit()  # one signal per person; queued syncs run after commit
    sub = gateway.retrieve_subscription(row.stripe_subscription_id)
    assert sub["items"]["data"][0]["quantity"] == 4
    leaver = make_user(admin.company)
    people.deactivate_person(admin, leaver)
    db.session.commit()
    assert read(lambda: db.session.get(SeatSubscription, row.id).quantity) == 4
    assert api.get("/api/v1/billing/subscription").get_json()["active_people"] == 4

    gateway.cancel_subscription(row.stripe_subscription_id)
    wait_until(lambda: read(lambda: db.session.get(SeatSubscription, row.id).status)
               == "canceled", "customer.subscription.deleted")
    refused = api.post("/api/v1/budgets/adjustments", json={
        "employee_id": admin.id, "amount_minor": 100, "reason": "x"})
    assert refused.status_code == 403 and refused.get_json()["error"]["code"] == "read_only"
    assert api.get("/api/v1/billing/subscription").get_json()["read_only"] is True
    assert_ledger_ok(admin.company_id)



def test_a_refund_key_reused_for_another_amount_or_top_up_is_a_409(admin, api_as,
                                                                    webhooks_to_app):
    api = api_as(admin)
    billing_ready(admin, api)
    topup = succeeded_topup(admin, api, 20_000)
    url = f"/api/v1/billing/topups/{topup['id']}/refund"
    key = {"Idempotency-Key": "refund-1"}
    first = api.post(url, json={"amount_minor": 1_000}, headers=key)
    assert first.status_code == 201
    other = api.post(url, json={"amount_minor": 2_000}, headers=key)
    assert other.status_code == 409
    assert other.get_json()["error"]["code"] == "idempotency_conflict"
    again = api.post(url, json={"amount_minor": 1_000}, headers=key)
    assert again.get_json()["id"] == first.get_json()["id"]
    second = succeeded_topup(admin, api, 5_000)
    elsewhere = api.post(f"/api/v1/billing/topups/{second['id']}/refund",
                         json={"amount_minor": 1_000}, headers=key)
    assert elsewhere.status_code == 409
    assert elsewhere.get_json()["error"] == {
        "code": "idempotency_conflict", "field": "Idempotency-Key",
        "message": elsewhere.get_json()["error"]["message"]}
    assert read(lambda: db.session.scalar(select(func.count(TopUpRefund.id)))) == 1
