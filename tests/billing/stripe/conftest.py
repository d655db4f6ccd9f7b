"""Stripe fixtures: a real localstripe server, a live server of the test app for its webhooks,
and a guard that fails any test reaching past 127.0.0.1 (the real Stripe API).

localstripe (`localstripe --port N --from-scratch`, through `localstripe_plus.py`, which adds
idempotency keys and invoice collection as Stripe documents them) is started once per session. Each test that
needs webhooks registers its live server's URL with localstripe's `/_config/webhooks/trellis`;
localstripe then POSTs events signed with STRIPE_WEBHOOK_SECRET (t=…,v1=HMAC-SHA256).
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import stripe
from flask import Flask
from sqlalchemy import func, select
from werkzeug.serving import make_server

from app.extensions import db
from billing import wallet
from billing.models import LedgerTransaction
from billing.stripe.models import TopUp

WEBHOOK_SECRET = "whsec_trellis_test"
DEAD_URL = "http://127.0.0.1:9/nowhere"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_until(check: Callable[[], Any], what: str, timeout: float = 20.0) -> Any:
    """Poll `check` until it returns something truthy, or fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        threading.Event().wait(0.05)
    pytest.fail(f"timed out after {timeout}s waiting for {what}")


@pytest.fixture(scope="session")
def localstripe() -> Iterator[str]:
    port = _free_port()
    # localstripe plus the parts of Stripe it lacks (idempotency keys, invoice collection).
    launcher = Path(__file__).with_name("localstripe_plus.py")
    proc = subprocess.Popen([sys.executable, str(launcher), "--port", str(port), "--from-scratch"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            env=os.environ | {"PYTHONWARNINGS": "ignore"})
    url = f"http://127.0.0.1:{port}"

    def answers() -> bool:
        try:
            urllib.request.urlopen(url + "/v1/balance", timeout=1).close()
            return True
        except urllib.error.HTTPError:
            return True
        except OSError:
            return proc.poll() is not None and pytest.fail("localstripe exited")

    wait_until(answers, "localstripe to answer")
    yield url
    proc.terminate()
    proc.wait(timeout=10)


def register_webhook(localstripe_url: str, url: str) -> None:
    data = json.dumps({"url": url, "secret": WEBHOOK_SECRET}).encode()
    req = urllib.request.Request(localstripe_url + "/_config/webhooks/trellis", data=data,
                                 headers={"Content-Type": "application/json"})
    urllib.request.urlopen(req, timeout=5).close()


def events_for(localstripe_url: str, object_id: str, type_: str) -> list[dict[str, Any]]:
    """The events localstripe recorded for one object (its /v1/events list)."""
    req = urllib.request.Request(f"{localstripe_url}/v1/events?type={type_}&limit=100",
                                 headers={"Authorization": "Bearer sk_test_trellis"})
    with urllib.request.urlopen(req, timeout=5) as r:
        data = json.load(r)["data"]
    return [e for e in data if e["data"]["object"].get("id") == object_id]


def sign(payload: str, timestamp: int | None = None, secret: str = WEBHOOK_SECRET) -> str:
    """A Stripe-Signature header made with the stripe library's own test helper."""
    return stripe.WebhookSignature.generate_signature_header(payload, secret, timestamp)


@pytest.fixture(autouse=True)
def no_real_stripe(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail any request the stripe library makes anywhere but a local server."""
    original = stripe.HTTPClient.request_with_retries

    def guarded(self: Any, method: str, url: str, *args: Any, **kwargs: Any) -> Any:
        if not url.startswith("http://127.0.0.1:"):
            pytest.fail(f"a test tried to reach {url}: only localstripe is allowed")
        return original(self, method, url, *args, **kwargs)

    monkeypatch.setattr(stripe.HTTPClient, "request_with_retries", guarded)


@pytest.fixture
def stripe_on(app: Flask, localstripe: str) -> str:
    """The app talks to localstripe (webhooks go nowhere until `webhooks_to_app`)."""
    app.config.update(STRIPE_SECRET_KEY="sk_test_trellis", STRIPE_API_BASE=localstripe,
                      STRIPE_WEBHOOK_SECRET=WEBHOOK_SECRET, STRIPE_PUBLISHABLE_KEY=None)
    register_webhook(localstripe, DEAD_URL)
    urllib.request.urlopen(urllib.request.Request(
        localstripe + "/_config/idempotency_keys", method="DELETE"), timeout=5).close()
    return localstripe


class LiveServer:
    def __init__(self, app: Flask) -> None:
        self._server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._thread.join(timeout=10)


@pytest.fixture
def live_server(app: Flask) -> Iterator[LiveServer]:
    server = LiveServer(app)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def webhooks_to_app(stripe_on: str, live_server: LiveServer) -> Iterator[str]:
    """localstripe delivers its signed events to the live test server."""
    register_webhook(stripe_on, live_server.url + "/billing/stripe/webhook")
    yield live_server.url
    register_webhook(stripe_on, DEAD_URL)


def post_event(url: str, event: dict[str, Any], timestamp: int | None = None,
               signature: str | None = None) -> tuple[int, dict[str, Any]]:
    """POST one event to the live server, signed unless `signature` is given."""
    payload = json.dumps(event)
    headers = {"Content-Type": "application/json",
               "Stripe-Signature": signature if signature is not None else sign(payload,
                                                                                 timestamp)}
    req = urllib.request.Request(url + "/billing/stripe/webhook", data=payload.encode(),
                                 headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, json.load(r)
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"{}")


# --- helpers of the stripe stories: a company ready to pay, reads beside the live server ---

DETAILS = {"legal_name": "Acme Robotics SAS", "billing_email": "Billing@Acme.test",
           "address_line1": "1 rue de la Paix", "postal_code": "69001", "city": "Lyon",
           "country": "fr", "tax_id": "FR 12345678901", "payment_mode": "card"}


def text(response):
    return response.get_data(as_text=True)


def set_up(client, **changes):
    r = client.post("/billing/profile", data=DETAILS | changes)
    assert r.status_code == 302, text(r)
    return r


def billing_ready(admin, api, pm="pm_card_visa"):
    from billing.stripe import topups

    topups.save_profile(admin, admin.company, topups.ProfileData(
        legal_name="Acme Robotics SAS", billing_email="billing@acme.test", city="Lyon",
        country="FR", tax_id="FR12345678901"))
    db.session.commit()
    r = api.post("/api/v1/billing/payment-method", json={"payment_method_id": pm})
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["card"].endswith("4242") or pm != "pm_card_visa"


def read(fn):
    """Read in a short transaction of its own: on SQLite every transaction holds the write
    lock (BEGIN IMMEDIATE), so the test must not sit in one while the live server writes."""
    db.session.rollback()
    try:
        return fn()
    finally:
        db.session.rollback()


def wallet_minor(company_id):
    return read(lambda: wallet.wallet_balances(company_id)["wallet_minor"])


def fundings(company_id):
    return read(lambda: db.session.scalar(select(func.count(LedgerTransaction.id)).where(
        LedgerTransaction.company_id == company_id, LedgerTransaction.kind == "funding")))


def topup_status(topup_id):
    return read(lambda: db.session.get(TopUp, topup_id).status)
