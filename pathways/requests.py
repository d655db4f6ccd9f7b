"""Learning requests: request → hold → approval chain → purchase (capture) → completion.

    create_for_offering(actor, offering, note, client_key=None)        → LearningRequest
    create_for_booking(actor, booking, note, client_key=None)          → LearningRequest
    approve / reject / cancel / purchase / complete / refund (actor, request, …)

The price is held on the requester's budget the moment the request is made (`billing.holds`),
so nobody can ask for more than they have. The company's approval policy (`RequestSettings`)
decides the chain when the request is made:

1. a step of a pathway the requester is enrolled in, priced at or below `auto_approve_max_minor`,
   is approved at once (chain "");
2. otherwise the line manager approves (if `manager_approval` is on and the requester has an
   active manager); without a manager the request goes to an L&D admin instead;
3. above `admin_threshold_minor` an L&D admin approves too, after the manager.

Nobody approves their own request: a manager's request goes to their own manager (or an
admin), and an admin's request needs another admin. An admin's approval settles every
remaining stage (admins are the top of the chain).

Every transition writes a `RequestEvent` (actor, time, comment) and an audit entry in the same
transaction (`request_audit`). Transitions are idempotent:
repeating one that already happened changes nothing and moves no money (the ledger keys are
"request:<id>:hold|capture|release", so even a retry from another process cannot double-move).
Functions flush, never commit; e-mail goes to the outbox and is delivered after the commit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Select, and_, or_, select, true
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased

from app.errors import Conflict, DomainError, PermissionDenied, ValidationError
from app.extensions import db
from app.mail import external_url, queue_email
from app.models import User, UserRole, UserStatus
from billing import holds
from billing.errors import InsufficientFunds
from billing.format import fmt
from billing.models import Hold

from . import request_audit, request_links
from .request_models import (
    OPEN_STATUSES,
    LearningRequest,
    PurchaseMode,
    RequestEvent,
    RequestSettings,
    RequestStatus,
    Stage,
)

S = RequestStatus
NOTE_MAX = 2000


class RequestError(DomainError):
    code = "request_error"
    status = 422


class RequestStateError(Conflict):
    code = "request_state"


# --- policy ---------------------------------------------------------------------------------

def settings_for(company_id: int) -> RequestSettings:
    """The company's approval policy; an unsaved default until an admin edits it."""
    found = db.session.scalar(select(RequestSettings).where(
        RequestSettings.company_id == company_id))
    return found or RequestSettings(company_id=company_id, admin_threshold_minor=50_000,
                                    auto_approve_max_minor=20_000, manager_approval=True,
                                    purchase_mode=PurchaseMode.AUTO.value)


@dataclass
class PolicyData:
    admin_threshold_minor: int
    auto_approve_max_minor: int
    manager_approval: bool
    purchase_mode: str


def save_settings(actor: User, data: PolicyData) -> RequestSettings:
    from app import audit

    if not actor.has_role("admin"):
        raise PermissionDenied("Only an admin can change the approval policy.")
    if data.admin_threshold_minor < 0:
        raise ValidationError("The admin threshold cannot be negative.", "admin_threshold_minor")
    if data.auto_approve_max_minor < 0:
        raise ValidationError("The auto-approval limit cannot be negative (0 switches it off).",
                              "auto_approve_max_minor")
    if data.purchase_mode not in tuple(PurchaseMode):
        raise ValidationError("Choose automatic or manual purchase.", "purchase_mode")
    row = db.session.scalar(select(RequestSettings).where(
        RequestSettings.company_id == actor.company_id))
    if row is None:
        row = RequestSettings(company_id=actor.company_id)
        db.session.add(row)
    before = _settings_snapshot(row) if row.id else {}
    row.admin_threshold_minor = data.admin_threshold_minor
    row.auto_approve_max_minor = data.auto_approve_max_minor
    row.manager_approval = data.manager_approval
    row.purchase_mode = data.purchase_mode
    db.session.flush()
    audit.record(actor, actor.company_id, "request_policy.saved", "request_settings", row.id,
                 "Approval policy for learning requests saved",
                 audit.diff(before, _settings_snapshot(row)))
    return row


def _settings_snapshot(row: RequestSettings) -> dict[str, object]:
    return {"admin_threshold_minor": row.admin_threshold_minor,
            "auto_approve_max_minor": row.auto_approve_max_minor,
            "manager_approval": row.manager_approval, "purchase_mode": row.purchase_mode}


def _active_manager(person: User) -> User | None:
    manager = person.manager
    if manager is None or manager.id == person.id or manager.status != UserStatus.ACTIVE.value:
        return None
    return manager


def decide_chain(settings: RequestSettings, requester: User, price_minor: int,
                 pathway_step: bool) -> list[str]:
    """The approval stages a request of `price_minor` by `requester` goes through."""
    if pathway_step and 0 < price_minor <= settings.auto_approve_max_minor:
        return []
    chain: list[str] = []
    if settings.manager_approval:
        chain.append(Stage.MANAGER.value if _active_manager(requester) else Stage.ADMIN.value)
    if price_minor > settings.admin_threshold_minor and Stage.ADMIN.value not in chain:
        chain.append(Stage.ADMIN.value)
    return chain


def can_decide(actor: User, req: LearningRequest) -> bool:
    """Whether `actor` may approve or reject the request at its current stage."""
    stage = req.current_stage
    if stage is None or actor.id == req.requester_id or actor.company_id != req.company_id:
        return False
    if actor.has_role("admin"):
        return True
    return stage == Stage.MANAGER.value and req.requester.manager_id == actor.id


def can_see(actor: User, req: LearningRequest) -> bool:
    return actor.company_id == req.company_id and (
        actor.id == req.requester_id or actor.has_role("admin", "executive")
        or req.requester.manager_id == actor.id)


def approvers_for(req: LearningRequest) -> list[User]:
    """Who gets the e-mail for the current stage (never the requester)."""
    stage = req.current_stage
    if stage is None:
        return []
    if stage == Stage.MANAGER.value:
        manager = _active_manager(req.requester)
        if manager is not None:
            return [manager]
    return list(db.session.scalars(
        select(User).join(UserRole, UserRole.user_id == User.id).where(
            User.company_id == req.company_id, UserRole.role == "admin",
            User.status == UserStatus.ACTIVE.value, User.id != req.requester_id)
        .order_by(User.id)))


# --- creating -------------------------------------------------------------------------------

def _clean_note(note: str | None) -> str | None:
    note = (note or "").strip()
    if len(note) > NOTE_MAX:
        raise ValidationError(f"Keep the note under {NOTE_MAX} characters.", "note")
    return note or None


def _by_client_key(company_id: int, client_key: str) -> LearningRequest | None:
    return db.session.scalar(select(LearningRequest).where(
        LearningRequest.company_id == company_id, LearningRequest.client_key == client_key))


def _enrolled_step(requester: User, offering: Any) -> tuple[Any, Any] | None:
    """(enrolment, step) when the offering is an open step of a pathway the person follows."""
    return request_links.enrolled_step(requester, offering)


def _create(actor: User, kind: str, title: str, price_minor: int, currency: str,
            note: str | None, client_key: str | None, on: date | None = None,
            **links: Any) -> LearningRequest:
    note = _clean_note(note)
    if client_key:
        again = _by_client_key(actor.company_id, client_key)
        if again is not None:
            return again
    if price_minor <= 0:
        raise RequestError("This is free: no request or approval is needed.", "price_minor")
    if currency != actor.company.currency:
        raise RequestError(f"This is priced in {currency}, but budgets are in "
                           f"{actor.company.currency}; ask an admin to fix the price.",
                           "currency")
    settings = settings_for(actor.company_id)
    step = links.pop("step_link", None)
    req = LearningRequest(company_id=actor.company_id, requester_id=actor.id, kind=kind,
                          title=title[:300], price_minor=price_minor, currency=currency,
                          note=note, status=S.PENDING.value, client_key=client_key,
                          chain=",".join(decide_chain(settings, actor, price_minor,
                                                      step is not None)),
                          stages_done=0, captured_minor=0, refunded_minor=0, **links)
    if step is not None:
        req.enrolment_id, req.step_id = step[0].id, step[1].id
    try:
        with db.session.begin_nested():
            db.session.add(req)
    except IntegrityError:  # a twin with the same Idempotency-Key committed first
        again = _by_client_key(actor.company_id, client_key or "")
        if again is None:
            raise
        return again
    hold = holds.hold(actor, actor, price_minor, req.reference, f"{req.reference}:hold", on=on)
    req.hold_id = hold.id
    _event(req, "requested", None, S.PENDING.value, actor, note, price_minor)
    if not req.stages:
        _approved(None, req, "Auto-approved: a step of a pathway you are enrolled in, within "
                  f"the {fmt(settings.auto_approve_max_minor, currency)} limit.", settings,
                  action="auto-approved")
    else:
        _notify_approvers(req)
    db.session.flush()
    return req


def create_for_offering(actor: User, offering: Any, note: str | None,
                        client_key: str | None = None, on: date | None = None
                        ) -> LearningRequest:
    """Ask for an offering: its price is held at once on the actor's budget for the period
    containing `on` (today)."""
    if offering.company_id != actor.company_id:
        raise ValidationError("No such offering.", "offering_id")
    if getattr(offering, "retired", False) or getattr(offering, "retired_at", None):
        raise RequestError("This offering is retired and can no longer be requested.",
                           "offering_id")
    step = _enrolled_step(actor, offering)
    return _create(actor, "offering", offering.title, offering.price_minor, offering.currency,
                   note, client_key, on, offering_id=offering.id, step_link=step)


def create_for_booking(actor: User, booking: Any, note: str | None,
                       client_key: str | None = None) -> LearningRequest:
    """Ask for a paid mentor booking (an external coach's session)."""
    if booking.company_id != actor.company_id:
        raise ValidationError("No such mentor booking.", "mentor_booking_id")
    title, price, currency, mentee_id = request_links.booking_terms(booking)
    if mentee_id != actor.id:
        raise PermissionDenied("You can only request your own mentor bookings.")
    req = _create(actor, "mentor_booking", title, price, currency, note, client_key,
                  mentor_booking_id=booking.id)
    request_links.link_booking(booking, req)
    return req


# --- transitions ----------------------------------------------------------------------------

def _lock(req: LearningRequest) -> None:
    """Serialise transitions of one request (PostgreSQL row lock; SQLite is IMMEDIATE)."""
    db.session.flush()
    db.session.refresh(req, with_for_update=True)


def _event(req: LearningRequest, action: str, before: str | None, after: str,
           actor: User | None, comment: str | None, amount: int | None = None) -> None:
    req.events.append(RequestEvent(company_id=req.company_id, action=action, from_status=before,
                                   to_status=after, actor_id=actor.id if actor else None,
                                   comment=(comment or "").strip() or None, amount_minor=amount))
    request_audit.record_transition(req, action, before, after, actor, amount)


def _hold(req: LearningRequest) -> Hold:
    hold = db.session.get(Hold, req.hold_id)
    assert hold is not None, f"{req.reference} has no hold"
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
        _event(req, f"{stage}-approved", S.PENDING.value, S.PENDING.value, actor, comment)
        _notify_approvers(req)
    else:
        _approved(actor, req, comment, settings_for(req.company_id))
    db.session.flush()
    return req


def _approved(actor: User | None, req: LearningRequest, comment: str | None,
              settings: RequestSettings, action: str = "approved") -> None:
    req.status = S.APPROVED.value
    _event(req, action, S.PENDING.value, S.APPROVED.value, actor, comment)
    _notify_requester(req, "approved", comment)
    if settings.purchase_mode == PurchaseMode.AUTO.value:
        try:
            with db.session.begin_nested():
                _capture(actor, req, None, None, "Purchased automatically on approval")
        except InsufficientFunds as exc:
            _event(req, "purchase-waiting", S.APPROVED.value, S.APPROVED.value, None,
                   f"Automatic purchase waits: {exc.message}")


def _capture(actor: User | None, req: LearningRequest, reference: str | None,
             amount_minor: int | None, comment: str | None) -> None:
    hold = holds.capture(actor, _hold(req), f"{req.reference}:capture", amount_minor,
                         reason=comment or "Purchased")
    req.captured_minor = hold.captured_minor
    req.provider_reference = reference
    req.status = S.PURCHASED.value
    _event(req, "purchased", S.APPROVED.value, S.PURCHASED.value, actor, comment,
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
    _event(req, "rejected", S.PENDING.value, S.REJECTED.value, actor, comment)
    request_links.release_booking(actor, req, "Its funding request was rejected.")
    _notify_requester(req, "rejected", comment)
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
    _event(req, "cancelled", before, S.CANCELLED.value, actor, comment)
    request_links.release_booking(actor, req, "Its funding request was cancelled.")
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
    _notify_requester(req, "purchased", comment)
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
    request_links.record_completion(actor, req, evidence or comment, on)
    req.status = S.COMPLETED.value
    _event(req, "completed", S.PURCHASED.value, S.COMPLETED.value, actor, comment or evidence)
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
    _event(req, "refunded", before, req.status, actor, reason, amount)
    _notify_requester(req, "refunded", reason)
    db.session.flush()
    return req


# --- e-mail ---------------------------------------------------------------------------------

QUIET = "requests_quiet"


def quiet() -> None:
    """No request e-mails for the rest of this session's transaction (demo seeding)."""
    db.session.info[QUIET] = True


def _notify_approvers(req: LearningRequest) -> None:
    if db.session.info.get(QUIET):
        return
    price = fmt(req.price_minor, req.currency)
    for person in approvers_for(req):
        queue_email(person.email, f"Approval needed: {req.requester.name} asks for {req.title}",
                    f"Hello {person.name},\n\n{req.requester.name} asks for \"{req.title}\" "
                    f"({price}, held on their budget).\n"
                    + (f"Their note: {req.note}\n" if req.note else "")
                    + f"\nApprove or reject it: {external_url('requests.detail', request_id=req.id)}"
                    + f"\nYour inbox: {external_url('requests.inbox')}\n", req.company_id)


def _notify_requester(req: LearningRequest, what: str, comment: str | None) -> None:
    if db.session.info.get(QUIET):
        return
    queue_email(req.requester.email, f"Your request for {req.title} was {what}",
                f"Hello {req.requester.name},\n\nyour request for \"{req.title}\" was {what}."
                + (f"\nComment: {comment}" if comment else "")
                + f"\n\nSee it: {external_url('requests.detail', request_id=req.id)}\n",
                req.company_id)


# --- lists ----------------------------------------------------------------------------------

def inbox_query(actor: User, status: str | None = "pending", team_id: int | None = None,
                requester_id: int | None = None) -> Select[tuple[LearningRequest]]:
    """Requests the actor can decide on or oversee: an admin's whole company, a manager's
    direct reports; never the actor's own."""
    requester = aliased(User)
    query = (select(LearningRequest).join(requester, requester.id == LearningRequest.requester_id)
             .where(LearningRequest.company_id == actor.company_id,
                    LearningRequest.requester_id != actor.id))
    if not actor.has_role("admin"):
        query = query.where(requester.manager_id == actor.id)
    if status:
        query = query.where(LearningRequest.status == status)
    if team_id:
        query = query.where(requester.team_id == team_id)
    if requester_id:
        query = query.where(LearningRequest.requester_id == requester_id)
    return query.order_by(LearningRequest.id.desc())


def waiting_for(actor: User) -> Select[tuple[LearningRequest]]:
    """Pending requests whose current stage the actor can decide (the inbox count)."""
    requester = aliased(User)
    stage_is_manager = and_(LearningRequest.stages_done == 0,
                            LearningRequest.chain.like("manager%"))
    mine = requester.manager_id == actor.id
    rule = or_(and_(stage_is_manager, mine), true()) if actor.has_role("admin") else and_(
        stage_is_manager, mine)
    return (select(LearningRequest).join(requester, requester.id == LearningRequest.requester_id)
            .where(LearningRequest.company_id == actor.company_id,
                   LearningRequest.status == S.PENDING.value,
                   LearningRequest.requester_id != actor.id, rule))


def mine_query(actor: User, status: str | None = None) -> Select[tuple[LearningRequest]]:
    query = select(LearningRequest).where(LearningRequest.company_id == actor.company_id,
                                          LearningRequest.requester_id == actor.id)
    if status:
        query = query.where(LearningRequest.status == status)
    return query.order_by(LearningRequest.id.desc())
