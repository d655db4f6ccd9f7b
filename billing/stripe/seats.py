"""The per-seat platform subscription: its quantity follows the company's active people.

People joining, leaving or returning (the shell's people signals) request a seat sync after the
commit. The request is debounced with a flag on the subscription row: only the request that
turns `seat_sync_pending` on enqueues a task, so a burst (a CSV import, several deactivations
before the worker runs) costs one Stripe call. The task clears the flag first, counts the active
people and sets the quantity at Stripe. The subscription's status comes from Stripe's webhooks,
re-fetched from Stripe so late or out-of-order events cannot roll it back.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, cast

from flask import current_app
from sqlalchemy import CursorResult, func, select, update
from sqlalchemy.orm import Session

from app import audit
from app.errors import DomainError
from app.extensions import db
from app.models import Company, User, UserStatus, utcnow
from app.signals import people_joined, person_left, person_returned
from app.tasks import after_commit, huey, with_app_context

from . import gateway
from .models import PaymentMode, SeatSubscription, StripeEvent
from .topups import BillingSetupError, ensure_customer, profile_of

READ_ONLY_STATUSES = ("canceled",)
WARNING_STATUSES = ("past_due", "unpaid", "incomplete")


def active_people(company_id: int, session: Any = None) -> int:
    s = session or db.session
    return int(s.scalar(select(func.count(User.id)).where(
        User.company_id == company_id, User.status == UserStatus.ACTIVE.value)) or 0)


def subscription_of(company_id: int) -> SeatSubscription | None:
    return db.session.scalar(select(SeatSubscription).where(
        SeatSubscription.company_id == company_id))


def _ts(value: Any) -> datetime | None:
    return datetime.fromtimestamp(int(value), UTC).replace(tzinfo=None) if value else None


def mirror(row: SeatSubscription, sub: dict[str, Any]) -> None:
    """Copy Stripe's view of the subscription onto our row."""
    items = ((sub.get("items") or {}).get("data") or [])
    item = items[0] if items else {}
    row.stripe_subscription_id = sub["id"]
    row.status = str(sub.get("status") or row.status)
    row.stripe_item_id = item.get("id") or row.stripe_item_id
    row.quantity = int(item.get("quantity") or sub.get("quantity") or row.quantity or 0)
    row.current_period_end = _ts(sub.get("current_period_end")
                                 or item.get("current_period_end")) or row.current_period_end


def start_subscription(actor: User, company: Company) -> SeatSubscription:
    """Subscribe the company to the per-seat price (call outside a pending transaction)."""
    price = gateway.setting("STRIPE_SEAT_PRICE_ID")
    if not price:
        raise BillingSetupError("The seat price is not configured (STRIPE_SEAT_PRICE_ID; "
                                "run `flask billing setup-products`).", "price")
    row = subscription_of(company.id)
    if row is not None and row.stripe_subscription_id and row.status != "canceled":
        return row
    profile = profile_of(company.id)
    if profile is None:
        raise BillingSetupError("Enter the billing details first.", "legal_name")
    by_invoice = profile.payment_mode == PaymentMode.INVOICE.value
    if not by_invoice and not profile.payment_method_id:
        raise BillingSetupError("Save a card first, or choose to pay by invoice.",
                                "payment_method_id")
    customer_id = ensure_customer(company, profile)
    # One key per start: a retry of this start repeats it at Stripe; a restart after a
    # cancellation (named by the canceled subscription) is a new subscription.
    attempt = "first" if row is None or not row.stripe_subscription_id else (
        f"after-{row.stripe_subscription_id}")
    sub = gateway.create_subscription(
        customer_id=customer_id, price_id=price, quantity=max(1, active_people(company.id)),
        key=f"subscription-{company.id}-{attempt}", metadata={"company_id": str(company.id)},
        by_invoice=by_invoice)
    if row is None:
        row = SeatSubscription(company_id=company.id)
        db.session.add(row)
    mirror(row, sub)
    row.seats_synced_at = utcnow()
    db.session.flush()
    audit.record(actor, company.id, "billing.subscribed", "subscription", row.id,
                 f"Per-seat subscription started for {row.quantity} people ({row.status})")
    return row


def refresh_subscription(event: StripeEvent | None, subscription_id: str) -> None:
    row = db.session.scalar(select(SeatSubscription).where(
        SeatSubscription.stripe_subscription_id == subscription_id).with_for_update())
    if row is None:
        return  # not one of ours (or created before we stored it: the API call stores it)
    current = gateway.retrieve_subscription(subscription_id)
    before = row.status
    mirror(row, current)
    if event is not None:
        event.company_id = row.company_id
    if before != row.status:
        audit.record(None, row.company_id, "billing.subscription_status", "subscription",
                     row.id, f"Subscription is now {row.status} (was {before})",
                     {"status": (before, row.status)})
    db.session.flush()


def refresh_from_invoice(event: StripeEvent, invoice: dict[str, Any]) -> None:
    sub_id = invoice.get("subscription") or (((invoice.get("parent") or {}).get(
        "subscription_details") or {}).get("subscription"))
    if sub_id:
        refresh_subscription(event, sub_id)


def is_read_only(company_id: int) -> bool:
    status = db.session.scalar(select(SeatSubscription.status).where(
        SeatSubscription.company_id == company_id))
    return status in READ_ONLY_STATUSES


# --- seat sync through the queue ----------------------------------------------------------------

def request_seat_sync(company_id: int) -> bool:
    """Flag the subscription for a sync; enqueue the task only if it was not flagged already."""
    with Session(db.engine) as session, session.begin():
        turned_on = cast(CursorResult[Any], session.execute(update(SeatSubscription).where(
            SeatSubscription.company_id == company_id,
            SeatSubscription.stripe_subscription_id.is_not(None),
            SeatSubscription.status != "canceled",
            SeatSubscription.seat_sync_pending.is_(False)).values(seat_sync_pending=True)
        )).rowcount
    if turned_on:
        sync_seats(company_id)
    return bool(turned_on)


@huey.task(retries=3, retry_delay=60)  # type: ignore[untyped-decorator]  # huey has no types
@with_app_context
def sync_seats(company_id: int) -> int | None:
    """Set the subscription's quantity to the number of active people (one call per burst)."""
    with Session(db.engine) as session, session.begin():
        row = session.scalar(select(SeatSubscription).where(
            SeatSubscription.company_id == company_id).with_for_update())
        if row is None or not row.stripe_subscription_id or not row.stripe_item_id:
            return None
        row.seat_sync_pending = False
        wanted, current = max(1, active_people(company_id, session)), row.quantity
        sub_id, item_id = row.stripe_subscription_id, row.stripe_item_id
    try:
        result = (gateway.update_subscription_quantity(sub_id, item_id, wanted)
                  if wanted != current else None)
    except DomainError as exc:
        with Session(db.engine) as session, session.begin():
            session.execute(update(SeatSubscription).where(
                SeatSubscription.company_id == company_id).values(
                last_error=exc.message[:500]))
        current_app.logger.warning("Seat sync for company %s failed: %s", company_id, exc)
        raise
    with Session(db.engine) as session, session.begin():
        row = session.scalar(select(SeatSubscription).where(
            SeatSubscription.company_id == company_id).with_for_update())
        if row is not None:
            if result is not None:
                mirror(row, result)
            row.seats_synced_at, row.last_error = utcnow(), None
    return wanted


def _on_people(sender: User, person_ids: list[int], **_: Any) -> None:
    company_id = sender.company_id
    after_commit(db.session(), lambda: request_seat_sync(company_id))


def connect() -> None:
    for signal in (people_joined, person_left, person_returned):
        signal.connect(_on_people)
