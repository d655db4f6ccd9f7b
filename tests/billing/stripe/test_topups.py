"""Top-up stories against a real localstripe; its signed webhooks reach a live test server."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import func, select

from app.extensions import db
from app.models import OutboxMessage
from billing.stripe.models import StripeEvent, TopUp

from ..conftest import assert_ledger_ok
from .conftest import (
    billing_ready,
    events_for,
    fundings,
    post_event,
    read,
    sign,
    topup_status,
    wait_until,
    wallet_minor,
)


def processed_event(type_):
    return read(lambda: db.session.scalar(select(StripeEvent.id).where(
        StripeEvent.type == type_, StripeEvent.processed_at.is_not(None))))


def test_topup_is_credited_once_by_the_verified_webhook(admin, api_as, webhooks_to_app):
    api = api_as(admin)
    billing_ready(admin, api)
    r = api.post("/api/v1/billing/topups", json={"amount_minor": 50_000},
                 headers={"Idempotency-Key": "fund-march"})
    assert r.status_code == 201, r.get_json()
    topup = r.get_json()
    assert topup["status"] == "pending" and topup["payment_intent_id"].startswith("pi_")
    assert wallet_minor(admin.company_id) == 0  # nothing before Stripe confirms
    again = api.post("/api/v1/billing/topups", json={"amount_minor": 50_000},
                     headers={"Idempotency-Key": "fund-march"})
    assert again.get_json()["id"] == topup["id"]

    wait_until(lambda: topup_status(topup["id"]) == "succeeded", "payment_intent.succeeded")
    assert wallet_minor(admin.company_id) == 50_000
    assert api.get(f"/api/v1/billing/topups/{topup['id']}").get_json()["status"] == "succeeded"
    assert api.get("/api/v1/wallet").get_json()["balance_minor"] == 50_000

    # Stripe delivers the same event again: acknowledged, nothing credited twice.
    stored = read(lambda: db.session.scalar(select(StripeEvent.payload).where(
        StripeEvent.type == "payment_intent.succeeded")))
    status, body = post_event(webhooks_to_app, stored)
    assert (status, body["status"]) == (200, "duplicate")
    assert fundings(admin.company_id) == 1
    assert wallet_minor(admin.company_id) == 50_000
    assert_ledger_ok(admin.company_id)


def test_declined_card_fails_the_topup_and_credits_nothing(admin, api_as, webhooks_to_app):
    api = api_as(admin)
    billing_ready(admin, api, pm="pm_card_chargeCustomerFail")
    r = api.post("/api/v1/billing/topups", json={"amount_minor": 20_000})
    assert r.status_code == 201
    body = r.get_json()
    assert body["status"] == "failed"
    assert body["failure_reason"] == "Your card was declined."
    # localstripe also sends payment_intent.payment_failed; it is stored and changes nothing.
    wait_until(lambda: processed_event("payment_intent.payment_failed"),
               "payment_intent.payment_failed")
    assert topup_status(body["id"]) == "failed"
    assert wallet_minor(admin.company_id) == 0 and fundings(admin.company_id) == 0
    mails = db.session.scalars(select(OutboxMessage).where(
        OutboxMessage.to == "billing@acme.test")).all()
    assert len(mails) == 1 and "failed" in mails[0].subject
    assert_ledger_ok(admin.company_id)


def test_the_same_event_twice_at_the_same_instant_credits_once(admin, api_as, stripe_on,
                                                               live_server):
    api = api_as(admin)
    billing_ready(admin, api)
    topup = api.post("/api/v1/billing/topups", json={"amount_minor": 30_000}).get_json()
    # Webhooks go nowhere here; take the real event from localstripe's event list instead.
    event = wait_until(lambda: events_for(stripe_on, topup["payment_intent_id"],
                                          "payment_intent.succeeded"), "the event")[0]
    db.session.rollback()  # the live server must be free to write
    with ThreadPoolExecutor(max_workers=6) as pool:
        results = list(pool.map(lambda _: post_event(live_server.url, event), range(6)))
    assert all(status == 200 for status, _ in results), results
    assert sorted(b["status"] for _, b in results).count("processed") == 1
    assert wallet_minor(admin.company_id) == 30_000 and fundings(admin.company_id) == 1
    assert topup_status(topup["id"]) == "succeeded"
    assert_ledger_ok(admin.company_id)


def test_forged_missing_or_stale_signatures_are_refused_and_change_nothing(
        admin, api_as, stripe_on, live_server, fingerprint):
    api = api_as(admin)
    billing_ready(admin, api)
    topup = api.post("/api/v1/billing/topups", json={"amount_minor": 10_000}).get_json()
    event = wait_until(lambda: events_for(stripe_on, topup["payment_intent_id"],
                                          "payment_intent.succeeded"), "the event")[0]
    import json

    payload = json.dumps(event)
    before = fingerprint()  # (ends its transaction)
    forged = sign(payload, secret="whsec_not_ours")
    stale = sign(payload, timestamp=int(time.time()) - 3600)
    for signature in (forged, stale, "", "t=1,v1=00"):
        status, body = post_event(live_server.url, event, signature=signature)
        assert status == 400 and body["error"]["code"] == "bad_signature"
    assert fingerprint() == before
    assert topup_status(topup["id"]) == "pending" and wallet_minor(admin.company_id) == 0
    assert_ledger_ok(admin.company_id)



def test_a_key_reused_for_another_amount_is_a_409_and_the_first_top_up_stands(admin, api_as,
                                                                              stripe_on):
    api = api_as(admin)
    billing_ready(admin, api)
    first = api.post("/api/v1/billing/topups", json={"amount_minor": 10_000},
                     headers={"Idempotency-Key": "fund-april"})
    assert first.status_code == 201
    other = api.post("/api/v1/billing/topups", json={"amount_minor": 99_000},
                     headers={"Idempotency-Key": "fund-april"})
    assert other.status_code == 409, other.get_json()
    error = other.get_json()["error"]
    assert (error["code"], error["field"]) == ("idempotency_conflict", "Idempotency-Key")
    assert "different request" in error["message"]
    again = api.post("/api/v1/billing/topups", json={"amount_minor": 10_000},
                     headers={"Idempotency-Key": "fund-april"})
    assert (again.status_code, again.get_json()["id"]) == (201, first.get_json()["id"])
    assert read(lambda: db.session.scalar(select(func.count(TopUp.id)))) == 1
