"""Learning-request transitions: approve / reject / cancel / purchase / complete / refund.

The price was held on the requester's budget when the request was made (`billing.holds`);
a purchase captures the hold, a rejection or cancellation releases it, a refund reverses the
capture.

Every transition writes a `RequestEvent` (actor, time, comment) and an audit entry in the same
transaction (`audit`). Transitions are idempotent:
repeating one that already happened changes nothing and moves no money (the ledger keys are
"request:<id>:hold|capture|release", so even a retry from another process cannot double-move).
Functions flush, never commit; e-mail goes to the outbox and is delivered after the commit.
"""

from __future__ import annotations

from datetime import date
from typing import Literal, get_args

from app.errors import DomainError, PermissionDenied, ValidationError
from app.extensions import db
from app.models import User
from billing import holds
from billing.errors import InsufficientFunds
from billing.models import Hold

from . import links
from .approval import can_decide, settings_for
from .audit import record_transition
from .errors import MissingHold, RequestStateError
from .models import (
    NOTE_MAX,
    OPEN_STATUSES,
    LearningRequest,
    PurchaseMode,
    RequestEvent,
    RequestSettings,
    RequestStatus,
)
from .notify import notify_approvers, notify_requester

S = RequestStatus
# What can be done to a request, by name: the pages' and the API's `/<id>/<action>` paths.
Action = Literal["approve", "reject", "cancel", "purchase", "complete", "refund"]
ACTIONS: tuple[Action, ...] = get_args(Action)


def _lock(req: LearningRequest) -> None:
    """Serialise transitions of one request (PostgreSQL row lock; SQLite is IMMEDIATE)."""
    db.session.flush()
    db.session.refresh(req, with_for_update=True)


def record_event(req: LearningRequest, action: str, before: str | None, after: str,
           actor: User | None, comment: str | None, amount: int | None = None) -> None:
    req.events.append(RequestEvent(company_id=req.company_id, action=action, from_status=before,
                                   to_status=after, actor_id=actor.id if actor else None,
                                   comment=(comment or "").strip() or None, amount_minor=amount))
    record_transition(req, action, before, after, actor, amount)


def _hold(req: LearningRequest) -> Hold:
    """The request's hold; an open request without one is damaged data, refused as a 409."""
    hold = db.session.get(Hold, req.hold_id) if req.hold_id is not None else None
    if hold is None:
        raise MissingHold(f"Request #{req.id} has no hold on the budget, so no money can move "
                          "for it; an admin should check it with `flask ledger verify`.")
    return hold


def _refuse(req: LearningRequest, verb: str) -> RequestStateError:
    return RequestStateError(f"This request is {req.status}; it cannot be {verb}.")


def approve(actor: User, req: LearningRequest, comment: str | None = None) -> LearningRequest:
    """Approve the current stage (an admin settles every remaining stage). Idempotent."""
    _lock(req)
    if req.status in (S.APPROVED, S.PURCHASED, S.COMPLETED):
        return req  # already approved: a repeat changes nothing and captures nothing
    if req.status != S.PENDING:
        raise _refuse(req, "approved")
    if actor.id == req.requester_id:
        raise PermissionDenied("Nobody approves their own request; it goes to your manager or "
                               "an L&D admin.")
    if not can_decide(actor, req):
        raise PermissionDenied("This request waits for its requester's manager or an L&D admin.")
    stage = req.current_stage
    req.stages_done = len(req.stages) if actor.has_role("admin") else req.stages_done + 1
    if req.stages_done < len(req.stages):
        record_event(req, f"{stage}-approved", S.PENDING.value, S.PENDING.value, actor, comment)
        notify_approvers(req)
    else:
        mark_approved(actor, req, comment, settings_for(req.company_id))
    db.session.flush()
    return req


def mark_approved(actor: User | None, req: LearningRequest, comment: str | None,
              settings: RequestSettings, action: str = "approved") -> None:
    req.status = S.APPROVED.value
    record_event(req, action, S.PENDING.value, S.APPROVED.value, actor, comment)
    notify_requester(req, "approved", comment)
    if settings.purchase_mode == PurchaseMode.AUTO.value:
        try:
            with db.session.begin_nested():
                _capture(actor, req, None, None, "Purchased automatically on approval")
        except InsufficientFunds as exc:
            record_event(req, "purchase-waiting", S.APPROVED.value, S.APPROVED.value, None,
                   f"Automatic purchase waits: {exc.message}")


def _capture(actor: User | None, req: LearningRequest, reference: str | None,
             amount_minor: int | None, comment: str | None) -> None:
    hold = holds.capture(actor, _hold(req), f"{req.reference}:capture", amount_minor,
                         reason=comment or "Purchased")
    req.captured_minor = hold.captured_minor
    req.provider_reference = reference
    req.status = S.PURCHASED.value
    record_event(req, "purchased", S.APPROVED.value, S.PURCHASED.value, actor, comment,
           hold.captured_minor)


def reject(actor: User, req: LearningRequest, comment: str | None = None) -> LearningRequest:
    """Say no at the current stage; the hold goes back to the budget. Idempotent."""
    _lock(req)
    if req.status == S.REJECTED:
        return req
    if req.status != S.PENDING:
        raise _refuse(req, "rejected")
    if not can_decide(actor, req):
        raise PermissionDenied("Only the requester's manager or an L&D admin can reject this.")
    holds.release(actor, _hold(req), f"{req.reference}:release", reason="Request rejected")
    req.status = S.REJECTED.value
    record_event(req, "rejected", S.PENDING.value, S.REJECTED.value, actor, comment)
    links.release_booking(actor, req, "Its funding request was rejected.")
    notify_requester(req, "rejected", comment)
    db.session.flush()
    return req


def cancel(actor: User, req: LearningRequest, comment: str | None = None) -> LearningRequest:
    """Withdraw a request before its purchase; the hold goes back. Idempotent."""
    _lock(req)
    if req.status == S.CANCELLED:
        return req
    if actor.id != req.requester_id and not actor.has_role("admin"):
        raise PermissionDenied("Only the requester or an admin can cancel a request.")
    if req.status not in OPEN_STATUSES:
        raise _refuse(req, "cancelled (ask an admin for a refund after a purchase)"
                      if req.status == S.PURCHASED else "cancelled")
    return withdraw(actor, req, comment)


def withdraw(actor: User | None, req: LearningRequest, comment: str | None) -> LearningRequest:
    """Cancel an open request without a permission check (callers checked, or the system
    withdraws it because its mentor session was cancelled); the hold goes back."""
    before = req.status
    holds.release(actor, _hold(req), f"{req.reference}:release", reason="Request cancelled")
    req.status = S.CANCELLED.value
    record_event(req, "cancelled", before, S.CANCELLED.value, actor, comment)
    links.release_booking(actor, req, "Its funding request was cancelled.")
    db.session.flush()
    return req


def purchase(actor: User, req: LearningRequest, provider_reference: str | None = None,
             amount_minor: int | None = None, comment: str | None = None) -> LearningRequest:
    """An admin marks an approved request purchased: the hold is captured (a lower final
    price captures less and releases the rest). Idempotent."""
    _lock(req)
    if req.status in (S.PURCHASED, S.COMPLETED):
        return req
    if not actor.has_role("admin"):
        raise PermissionDenied("Only an L&D admin records purchases.")
    if req.status != S.APPROVED:
        raise _refuse(req, "purchased" + (" before it is approved"
                                          if req.status == S.PENDING else ""))
    reference = (provider_reference or "").strip()[:200] or None
    _capture(actor, req, reference, amount_minor,
             comment or (f"Provider reference {reference}" if reference else None))
    notify_requester(req, "purchased", comment)
    db.session.flush()
    return req


def complete(actor: User, req: LearningRequest, evidence: str | None = None,
             comment: str | None = None, on: date | None = None) -> LearningRequest:
    """The requester (or an admin) marks it done: evidence is recorded (dated `on` when it
    was done before today) and the pathway step completes. Idempotent."""
    _lock(req)
    if req.status == S.COMPLETED:
        return req
    if actor.id != req.requester_id and not actor.has_role("admin"):
        raise PermissionDenied("Only the requester or an admin can mark a request completed.")
    if req.status != S.PURCHASED:
        raise _refuse(req, "completed before it is purchased" if req.status in OPEN_STATUSES
                      else "completed")
    evidence = (evidence or "").strip() or None
    if evidence and len(evidence) > NOTE_MAX:
        raise ValidationError(f"Keep the evidence under {NOTE_MAX} characters.", "evidence")
    req.evidence = evidence
    links.record_completion(actor, req, evidence or comment, on)
    req.status = S.COMPLETED.value
    record_event(req, "completed", S.PURCHASED.value, S.COMPLETED.value, actor, comment or evidence)
    db.session.flush()
    return req


def refund(actor: User, req: LearningRequest, amount_minor: int | None, key: str,
           reason: str | None = None) -> LearningRequest:
    """Reverse all (default) or part of the capture; the budget and the wallet get it back.
    Idempotent per `key`: a retry with the same key refunds nothing more."""
    _lock(req)
    if not actor.has_role("admin"):
        raise PermissionDenied("Only an L&D admin records refunds.")
    if req.status not in (S.PURCHASED, S.COMPLETED, S.REFUNDED):
        raise _refuse(req, "refunded (only a purchase can be)")
    hold = _hold(req)
    before_refunded = hold.refunded_minor
    amount = req.refundable_minor if amount_minor is None else amount_minor
    if amount <= 0 and before_refunded == req.captured_minor:
        raise _refuse(req, "refunded again: nothing is left to refund")
    reason = (reason or "").strip() or "Refund"
    holds.refund(actor, hold, amount, f"{req.reference}:refund:{key}", reason)
    if hold.refunded_minor == before_refunded:  # a retry of a refund already made
        return req
    before = req.status
    req.refunded_minor = hold.refunded_minor
    if req.refunded_minor >= req.captured_minor:
        req.status = S.REFUNDED.value
    record_event(req, "refunded", before, req.status, actor, reason, amount)
    notify_requester(req, "refunded", reason)
    db.session.flush()
    return req


def approve_many(actor: User, reqs: list[LearningRequest], comment: str | None = None
                 ) -> tuple[int, list[tuple[LearningRequest, str]]]:
    """Approve each request on its own savepoint: one refusal does not undo the others.

    Returns how many were approved and, for each refused one, the request and why.
    """
    done, refused = 0, []
    for req in reqs:
        try:
            with db.session.begin_nested():
                approve(actor, req, comment)
        except DomainError as exc:
            refused.append((req, exc.message))
        else:
            done += 1
    return done, refused


def act(actor: User, req: LearningRequest, action: Action, *, comment: str | None = None,
        provider_reference: str | None = None, amount_minor: int | None = None,
        evidence: str | None = None, key: str | None = None,
        reason: str | None = None) -> LearningRequest:
    """Do `action` to `req`: the one dispatch the pages and the JSON API share.

    Each action reads only its own details: `purchase` the provider's reference and the final
    price, `complete` the evidence, `refund` the amount, its idempotency `key` (required) and
    the reason (the comment when no reason is given).
    """
    if action == "approve":
        return approve(actor, req, comment)
    if action == "reject":
        return reject(actor, req, comment)
    if action == "cancel":
        return cancel(actor, req, comment)
    if action == "purchase":
        return purchase(actor, req, provider_reference, amount_minor, comment)
    if action == "complete":
        return complete(actor, req, evidence, comment)
    if action == "refund":
        if not key:
            raise ValueError("A refund needs an idempotency key (a retry must not refund twice).")
        return refund(actor, req, amount_minor, key, reason or comment)
    raise ValueError(f"Unknown request action {action!r}; expected one of {', '.join(ACTIONS)}.")
