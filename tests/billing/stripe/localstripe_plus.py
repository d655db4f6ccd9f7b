"""localstripe with the three pieces of real Stripe it lacks and Trellis relies on.

Run as `python localstripe_plus.py --port N --from-scratch` (the `localstripe` fixture does).
It is the unmodified localstripe server plus, following Stripe's documented behaviour:

1. **Idempotency keys.** A POST with an `Idempotency-Key` header is answered once; a retry with
   the same key and the same parameters gets the first response again, with different
   parameters a 400 (as Stripe does). `GET /_config/idempotency_keys` lists the keys seen, so a
   test can prove which keys our gateway sent; `DELETE` forgets them (a fresh account).
2. **Invoice payers.** Invoices of pending invoice items (not only of subscriptions) accept
   `collection_method=send_invoice` with `days_until_due` (and
   `pending_invoice_items_behavior=include`), and have `/finalize` and `/send`; paying one with
   `paid_out_of_band=true` (the customer's bank transfer arriving) marks it paid and sends
   `invoice.paid` and `invoice.payment_succeeded`.
3. **Invoiced subscriptions.** Subscriptions accept `collection_method=send_invoice` with
   `days_until_due`: the first invoice is finalized and sent instead of charged, and the
   subscription is active at once (Stripe's behaviour for invoice collection).
4. **Renewals.** `POST /_config/subscriptions/{id}/renew` ends the period now, as a test clock
   would: the renewal is billed, and a failed card makes the subscription `past_due`.

Everything else is localstripe as released; nothing here talks to the network.
"""

from __future__ import annotations

import hashlib
import time
from typing import Any

from aiohttp import web
from localstripe import resources as r

_INVOICE_INIT = r.Invoice.__init__
_INVOICE_STATUS = r.Invoice.status
_INVOICE_API_CREATE = r.Invoice._api_create
_SUBSCRIPTION_INIT = r.Subscription.__init__
_SUBSCRIPTION_CREATE_INVOICE = r.Subscription._create_invoice
# The collection settings of the subscription being created (the server is one thread).
_pending_collection: dict[str, Any] = {}


def _collection(collection_method: str | None, days_until_due: Any) -> tuple[str, int | None]:
    method = collection_method or "charge_automatically"
    days = r.try_convert_to_int(days_until_due)
    if method not in ("charge_automatically", "send_invoice"):
        raise r.UserError(400, "Invalid collection_method")
    if method == "send_invoice" and (type(days) is not int or days < 0):
        raise r.UserError(400, "days_until_due is required with send_invoice")
    return method, days


def _apply_collection(invoice: Any, method: str, days: int | None) -> None:
    invoice.collection_method = method
    invoice._paid_out_of_band = False
    if method == "send_invoice":
        invoice.due_date = invoice.date + (days or 0) * 86400
        invoice.hosted_invoice_url = f"https://invoice.localstripe.test/{invoice.id}"


def invoice_init(self: Any, *args: Any, collection_method: str | None = None,
                 days_until_due: Any = None, **kwargs: Any) -> None:
    method, days = _collection(collection_method, days_until_due)
    _INVOICE_INIT(self, *args, **kwargs)
    _apply_collection(self, method, days)


def invoice_api_create(cls: Any, collection_method: str | None = None,
                       days_until_due: Any = None, **data: Any) -> Any:
    method, days = _collection(collection_method, days_until_due)
    if data.get("subscription"):
        invoice = _INVOICE_API_CREATE(**data)
        _apply_collection(invoice, method, days)
        return invoice
    # localstripe only invoices subscriptions; Stripe also invoices pending invoice items.
    if data.pop("pending_invoice_items_behavior", None) not in (None, "include"):
        raise r.UserError(400, "Only pending_invoice_items_behavior=include is supported")
    allowed = {"customer", "description", "metadata"}
    if set(data) - allowed:
        raise r.UserError(400, "Unexpected " + ", ".join(sorted(set(data) - allowed)))
    return r.Invoice(collection_method=method, days_until_due=days, **data)


def invoice_status(self: Any) -> str:
    status = _INVOICE_STATUS.fget(self)
    if status == "open" and getattr(self, "_paid_out_of_band", False):
        return "paid"
    return status


def finalize_invoice(id: str, **_: Any) -> Any:
    invoice = r.Invoice._api_retrieve(id)
    if invoice.status != "draft":
        raise r.UserError(400, "This invoice is already finalized")
    invoice._finalize()
    r.schedule_webhook(r.Event("invoice.finalized", invoice))
    return invoice


def send_invoice(id: str, **_: Any) -> Any:
    invoice = r.Invoice._api_retrieve(id)
    if invoice.collection_method != "send_invoice" or invoice.status != "open":
        raise r.UserError(400, "Only open invoices collected by send_invoice can be sent")
    r.schedule_webhook(r.Event("invoice.sent", invoice))
    return invoice


def pay_invoice(id: str, paid_out_of_band: Any = None, **kwargs: Any) -> Any:
    if r.try_convert_to_bool(paid_out_of_band) is not True:
        return r.Invoice._api_pay_invoice(id, **kwargs)
    invoice = r.Invoice._api_retrieve(id)
    if invoice.status != "open":
        raise r.UserError(400, "Only an open invoice can be paid out of band")
    invoice._paid_out_of_band = True
    invoice._on_payment_success()  # invoice.payment_succeeded (and activates a subscription)
    r.schedule_webhook(r.Event("invoice.paid", invoice))
    return invoice


def subscription_init(self: Any, *args: Any, collection_method: str | None = None,
                      days_until_due: Any = None, **kwargs: Any) -> None:
    method, days = _collection(collection_method, days_until_due)
    _pending_collection.update(method=method, days=days)
    try:
        _SUBSCRIPTION_INIT(self, *args, **kwargs)
    finally:
        _pending_collection.clear()
    self.collection_method = method
    self.days_until_due = days


def subscription_create_invoice(self: Any) -> None:
    method = _pending_collection.get("method") or getattr(self, "collection_method", None)
    if method != "send_invoice":
        return _SUBSCRIPTION_CREATE_INVOICE(self)
    days = _pending_collection.get("days", getattr(self, "days_until_due", 30))
    invoice = r.Invoice(customer=self.customer, subscription=self.id,
                        items=list(self.items._list), date=self.current_period_start,
                        collection_method="send_invoice", days_until_due=days)
    invoice._finalize()
    r.schedule_webhook(r.Event("invoice.finalized", invoice))
    r.schedule_webhook(r.Event("invoice.sent", invoice))
    self.status = "active"  # invoice collection: active while the invoice waits to be paid
    return None


async def renew_subscription(request: web.Request) -> web.Response:
    """Test-clock stand-in: the subscription's period ends now and Stripe bills the renewal
    (a card is charged at once; a failure makes it `past_due` with `invoice.payment_failed`
    and `customer.subscription.updated`, as Stripe sends them)."""
    sub = r.Subscription._api_retrieve(request.match_info["id"])
    before = sub.status
    sub._create_invoice()
    invoice = r.Invoice._api_retrieve(sub.latest_invoice)
    if invoice.status == "open" and invoice.collection_method == "charge_automatically":
        r.schedule_webhook(r.Event("invoice.payment_failed", invoice))
    if sub.status != before:
        r.schedule_webhook(r.Event("customer.subscription.updated", sub))
    return web.json_response({"id": sub.id, "status": sub.status, "latest_invoice": invoice.id})


@web.middleware
async def idempotency(request: web.Request, handler: Any) -> web.StreamResponse:
    key = request.headers.get("Idempotency-Key")
    if request.method != "POST" or not key:
        return await handler(request)
    fingerprint = hashlib.sha256(request.path.encode() + await request.read()).hexdigest()
    seen = _idempotency.get(key)
    if seen is not None:
        if seen[0] != fingerprint:
            return web.json_response({"error": {
                "type": "idempotency_error",
                "message": "Keys for idempotent requests can only be used with the same "
                           "parameters they were first used with."}}, status=400)
        return web.Response(status=seen[1], body=seen[2], content_type="application/json",
                            headers={"Idempotent-Replayed": "true"})
    response = await handler(request)
    if isinstance(response, web.Response) and response.status < 500:
        _idempotency[key] = (fingerprint, response.status, response.body, time.time())
    return response


_idempotency: dict[str, tuple[str, int, Any, float]] = {}


async def list_idempotency_keys(_: web.Request) -> web.Response:
    return web.json_response(sorted(_idempotency))


async def forget_idempotency_keys(_: web.Request) -> web.Response:
    """Each test starts with no keys seen, as if on a fresh Stripe account: test databases
    reuse ids (company 1, top-up 1), so their keys would otherwise replay old answers."""
    _idempotency.clear()
    return web.Response()


def install() -> None:
    """Patch localstripe before its server module builds the routes."""
    r.Invoice.__init__ = invoice_init
    r.Invoice.status = property(invoice_status)
    r.Invoice._api_create = classmethod(invoice_api_create)
    r.Subscription.__init__ = subscription_init
    r.Subscription._create_invoice = subscription_create_invoice
    r.extra_apis[:] = [(m, u, pay_invoice if u == "/v1/invoices/{id}/pay" else f)
                       for m, u, f in r.extra_apis]
    r.extra_apis.extend((("POST", "/v1/invoices/{id}/finalize", finalize_invoice),
                         ("POST", "/v1/invoices/{id}/send", send_invoice)))


if __name__ == "__main__":
    install()
    from localstripe import server

    server.app.middlewares.insert(0, idempotency)
    server.app.router.add_get("/_config/idempotency_keys", list_idempotency_keys)
    server.app.router.add_delete("/_config/idempotency_keys", forget_idempotency_keys)
    server.app.router.add_post("/_config/subscriptions/{id}/renew", renew_subscription)
    server.start()
