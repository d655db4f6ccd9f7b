"""How the Stripe webhook fails (issue 13): what cannot be verified is refused (400/413) and
nothing is stored; a verified event Trellis cannot use is stored, marked failed with the reason
and answered 200; only a temporary failure (the database or Stripe not there) answers 503."""

from __future__ import annotations

import json
import sqlite3
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from app.extensions import db
from billing.stripe import webhooks
from billing.stripe.models import SeatSubscription, StripeEvent

from .conftest import WEBHOOK_SECRET, read, sign

URL = "/billing/stripe/webhook"


@pytest.fixture
def hooks(app: Flask, client: FlaskClient) -> Any:
    """POST a raw body to the webhook, signed with our secret unless `signature` is given."""
    app.config.update(STRIPE_WEBHOOK_SECRET=WEBHOOK_SECRET)

    def post(body: bytes | str | dict[str, Any], signature: str | None = None,
             signed: bool = True) -> Any:
        raw = json.dumps(body) if isinstance(body, dict) else body
        headers = {"Content-Type": "application/json"}
        if signature is not None:
            headers["Stripe-Signature"] = signature
        elif signed:
            headers["Stripe-Signature"] = sign(raw if isinstance(raw, str) else raw.decode())
        return client.post(URL, data=raw, headers=headers)

    return post


def stored() -> list[StripeEvent]:
    return read(lambda: list(db.session.scalars(select(StripeEvent).order_by(StripeEvent.id))))


def assert_failed(r: Any, reason: str) -> StripeEvent:
    """Answered 200 with status `failed` and the reason; one row kept, unprocessed, with it."""
    assert r.status_code == 200, r.get_data(as_text=True)
    assert r.get_json()["status"] == "failed" and reason in r.get_json()["reason"]
    [event] = stored()
    assert event.processed_at is None and reason in (event.error or "")
    return event


# --- what cannot be verified: 400/413, nothing stored ---------------------------------------------

@pytest.mark.parametrize(("body", "signature", "code"), [
    (b"\xff\xfe", None, "bad_payload"),                 # not UTF-8, unsigned
    (b"\xff\xfe", "t=1,v1=00", "bad_payload"),          # not UTF-8, a made-up signature
    (b'{"id": "evt_1", "type": "x"}', None, "bad_signature"),
    (b'{"id": "evt_1", "type": "x"}', "t=1,v1=\u00e9\u00e9", "bad_signature"),  # non-ASCII
    (b'{"id": "evt_1", "type": "x"}', "t=abc,v1=00", "bad_signature"),
    (b'{"id": "evt_1", "type": "x"}', "v1=00", "bad_signature"),
])
def test_what_cannot_be_verified_is_a_400_and_stores_nothing(hooks: Any, body: bytes,
                                                           signature: str | None,
                                                           code: str) -> None:
    r = hooks(body, signature=signature, signed=False)
    assert r.status_code == 400 and r.get_json()["error"]["code"] == code
    assert stored() == []


def test_a_body_over_the_size_limit_is_a_413_and_stores_nothing(app: Flask, hooks: Any) -> None:
    event = {"id": "evt_big", "type": "payment_intent.succeeded",
             "data": {"object": {"id": "pi_1", "description": "x" * (1024 * 1024)}}}
    r = hooks(event)  # signed, but over the 1 MiB the webhook reads
    assert r.status_code == 413 and r.get_json()["error"]["code"] == "payload_too_large"
    app.config["MAX_CONTENT_LENGTH"] = 100  # the site-wide limit applies too
    r = hooks({"id": "evt_small", "type": "x", "data": {"object": {"x": "y" * 200}}}, signed=False,
              signature="t=1,v1=00")
    assert r.status_code == 413 and r.get_json()["error"]["code"] == "payload_too_large"
    assert stored() == []


# --- verified but unusable: stored, failed with the reason, 200 -----------------------------------

def test_an_id_over_100_characters_is_stored_once_and_failed_on_every_delivery(hooks: Any) -> None:
    long_id = "evt_" + "a" * 150
    event = {"id": long_id, "type": "payment_intent.succeeded", "data": {"object": {}}}
    first, again = hooks(event), hooks(event)  # Stripe redelivers
    assert first.get_json()["id"] == again.get_json()["id"]
    row = assert_failed(again, "over 100 characters")
    assert len(row.stripe_id) == 100 and row.stripe_id.startswith(long_id[:80])
    assert row.attempts == 2 and row.payload["id"] == long_id  # what Stripe sent is kept
    other = hooks(event | {"id": long_id + "b"})  # another long id sharing the prefix
    assert other.status_code == 200 and len(stored()) == 2


@pytest.mark.parametrize(("event", "reason"), [
    ({"id": "evt_s", "type": "payment_intent.succeeded", "data": "a string"},
     "'data' is not an object"),
    ({"id": "evt_s", "type": "invoice.paid", "data": {"object": ["x"]}},
     "'data.object' is not an object"),
    ({"id": "evt_s", "type": "customer.subscription.updated", "data": {"object": {}}},
     "has no usable 'id'"),
    ({"id": "evt_s", "type": "customer.subscription.deleted",
      "data": {"object": {"id": {"nested": 1}}}}, "has no usable 'id'"),
    ({"id": "evt_s", "type": "payment_intent.succeeded",
      "data": {"object": {"id": "pi_\u0000"}}}, "has no usable 'id'"),
    ({"id": "evt_s", "type": "charge.refunded",
      "data": {"object": {"id": "ch_1", "refunds": {"data": [{"id": 7}]}}}},
     "has no usable 'id'"),
    ({"id": "evt_s", "type": {"not": "a type"}, "data": {"object": {}}}, "no usable 'type'"),
    ({"id": 12345, "type": "invoice.paid", "data": {"object": {}}}, "no usable 'id'"),
    ({"id": "evt_\u0000", "type": "invoice.paid", "data": {"object": {}}}, "no usable 'id'"),
    ({"type": "invoice.paid", "data": {"object": {}}}, "no usable 'id'"),
])
def test_a_verified_event_of_an_odd_shape_is_stored_and_failed_never_a_500(
        hooks: Any, event: dict[str, Any], reason: str) -> None:
    assert_failed(hooks(event), reason)


@pytest.mark.parametrize(("body", "reason"), [
    ("not json at all", "not JSON"),
    ('["a", "list"]', "not a JSON object"),
    ('"a string"', "not a JSON object"),
])
def test_a_verified_body_that_is_not_an_event_is_stored_and_failed(hooks: Any, body: str,
                                                                   reason: str) -> None:
    row = assert_failed(hooks(body), reason)
    assert row.stripe_id.startswith("body~") and row.type == "unknown"
    assert hooks(body).status_code == 200 and len(stored()) == 1  # redelivered: the same row


def test_an_unknown_type_is_stored_and_acknowledged_as_ignored(hooks: Any) -> None:
    r = hooks({"id": "evt_u", "type": "customer.discount.created", "data": {"object": {}}})
    assert r.status_code == 200 and r.get_json()["status"] == "ignored"
    [event] = stored()
    assert event.processed_at is not None and event.error is None


def test_a_refund_stripe_does_not_know_is_failed_with_stripes_reason(hooks: Any,
                                                                    stripe_on: str) -> None:
    # The handler re-fetches the refund from (local) Stripe, which answers 404: not temporary.
    r = hooks({"id": "evt_r", "type": "refund.updated",
               "data": {"object": {"id": "re_unknown", "object": "refund"}}})
    assert_failed(r, "GatewayError")


# --- temporary failures: 503, nothing kept, Stripe retries ----------------------------------------

def test_a_locked_database_is_a_503_and_stores_nothing(hooks: Any,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    def locked(key: str) -> None:
        raise OperationalError("SELECT …", {}, sqlite3.OperationalError("database is locked"))

    monkeypatch.setattr(webhooks, "_locked_event", locked)
    r = hooks({"id": "evt_l", "type": "invoice.paid", "data": {"object": {"id": "in_1"}}})
    assert r.status_code == 503 and r.get_json()["error"]["code"] == "try_again"
    monkeypatch.undo()
    assert stored() == []


def test_stripe_unreachable_while_refetching_is_a_503_and_the_retry_processes_it(
        app: Flask, hooks: Any, acme: Any, stripe_on: str) -> None:
    db.session.add(SeatSubscription(company_id=acme.id, stripe_subscription_id="sub_gone",
                                    stripe_item_id="si_1", status="active", quantity=3))
    db.session.commit()
    event = {"id": "evt_t", "type": "customer.subscription.updated",
             "data": {"object": {"id": "sub_gone"}}}
    app.config["STRIPE_API_BASE"] = "http://127.0.0.1:9"  # nothing listens there
    r = hooks(event)
    assert r.status_code == 503 and stored() == []
    app.config["STRIPE_API_BASE"] = stripe_on  # Stripe is back; it does not know sub_gone
    assert hooks(event).status_code == 200
    assert read(lambda: db.session.scalar(select(func.count(StripeEvent.id)))) == 1
