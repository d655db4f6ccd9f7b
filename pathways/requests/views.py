"""Learning-request pages: request, my requests, one request, the approvals inbox, the policy."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from werkzeug.wrappers import Response

from app.access import approvable_people
from app.extensions import db
from app.forms import as_choices
from app.identity import login_required, roles_required
from app.models import Team, User
from app.money import from_minor, money, to_minor
from app.tenancy import current_company, get_or_404
from app.uow import refusal
from billing.models import Budget, Hold
from billing.policies import period_for, period_starting
from billing.queries import person_balances
from pathways.catalogue.models import Offering
from pathways.mentoring import bookings
from pathways.mentoring.models import MentorBooking

from . import approval, links, queries, submit, transitions
from .forms import (
    CompleteForm,
    DecisionForm,
    InboxFilterForm,
    PolicyForm,
    PurchaseForm,
    RefundForm,
    RequestForm,
)
from .models import STATUSES, LearningRequest, RequestEvent

bp = Blueprint("requests", __name__, url_prefix="/requests")
STATUS_LABELS = {"pending": "Waiting for approval", "approved": "Approved",
                 "purchased": "Purchased", "completed": "Completed", "rejected": "Rejected",
                 "cancelled": "Cancelled", "refunded": "Refunded"}


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new() -> str | Response:
    offering = booking = None
    if request.args.get("booking_id"):
        booking = get_or_404(MentorBooking, request.args["booking_id"])
        if booking.mentee_id != current_user.id:
            abort(404)
    else:
        offering = get_or_404(Offering, request.args.get("offering_id"))
    form = RequestForm()
    if form.validate_on_submit():
        key = f"web:{current_user.id}:{form.key.data}"
        with refusal(form, default="note") as attempt:
            req = (submit.create_for_offering(current_user, offering, form.note.data, key)
                   if offering is not None
                   else submit.create_for_booking(current_user, booking, form.note.data, key))
        if attempt.ok:
            flash(f"Requested: {money(req.price_minor, req.currency)} is held on your budget "
                  "until the request is decided." if req.status == "pending" else
                  f"Requested and {STATUS_LABELS[req.status].lower()} at once.", "success")
            return redirect(url_for("requests.detail", request_id=req.id))
    period = period_for(current_company(), date.today())
    existing = (links.open_request_for(current_user, offering.id)
                if offering is not None else None)
    return render_template("pathways/requests/new.html", form=form, offering=offering, booking=booking,
                           balances=person_balances(current_user, period),
                           existing=existing)


@bp.get("")
@login_required
def mine() -> str:
    status = request.args.get("status") if request.args.get("status") in STATUSES else None
    page = db.paginate(queries.mine_query(current_user, status).options(
        selectinload(LearningRequest.events).selectinload(RequestEvent.actor)),
        per_page=20, error_out=False)
    return render_template("pathways/requests/mine.html", page=page, status=status,
                           labels=STATUS_LABELS, args=request.args)


def _visible(request_id: int) -> LearningRequest:
    req = get_or_404(LearningRequest, request_id)
    if not approval.can_see(current_user, req):
        abort(404)
    return req


def _budget_of(req: LearningRequest) -> Budget | None:
    if req.hold_id is None:
        return None
    return db.session.scalar(select(Budget).join(Hold, Hold.budget_id == Budget.id)
                             .where(Hold.id == req.hold_id))


@bp.get("/<int:request_id>")
@login_required
def detail(request_id: int) -> str:
    req = _visible(request_id)
    return _detail(req)


def _back_link(req: LearningRequest) -> tuple[str, str]:
    """Where "back" goes from a request: a list this viewer can open that holds it."""
    if req.requester_id != current_user.id:
        if current_user.has_role("admin", "manager"):
            return url_for("requests.inbox"), "Approvals inbox"
        if current_user.has_role("executive"):
            return url_for("request_overview.index"), "All requests"
    return url_for("requests.mine"), "My requests"


def _detail(req: LearningRequest, **forms: Any) -> str:
    budget = _budget_of(req)
    booking = db.session.get(MentorBooking, req.mentor_booking_id) if req.mentor_booking_id else None
    return render_template(
        "pathways/requests/detail.html", req=req, labels=STATUS_LABELS, budget=budget,
        back=_back_link(req),
        session_visible=booking is not None and bookings.can_view(current_user, booking),
        budget_closed=budget is not None and budget.closed_at is not None,
        budget_label=period_starting(budget.period_start).label if budget else None,
        can_decide=approval.can_decide(current_user, req),
        approvers=approval.approvers_for(req),
        decision=forms.get("decision") or DecisionForm(),
        purchase_form=forms.get("purchase_form") or PurchaseForm(),
        complete_form=forms.get("complete_form") or CompleteForm(),
        refund_form=forms.get("refund_form") or RefundForm())


# Where a service's field name shows on each form (the rest goes next to the form's main field).
_FIELDS = {"amount_minor": "amount", "provider_reference": "provider_reference",
           "evidence": "evidence", "reason": "reason", "comment": "comment"}
_MAIN_FIELD = {"refund": "reason", "complete": "evidence"}


def _field_map(form: Any, action: str) -> dict[str, str]:
    """Service field → form field for `action`'s form: a field the form lacks goes to its main
    field (a refusal naming no field is flashed at the top of the page instead)."""
    main = _MAIN_FIELD.get(action, "comment")
    names = {*_FIELDS, "key", "price_minor", "offering_id", "mentor_booking_id", "currency"}
    return {name: (_FIELDS.get(name, "") if _FIELDS.get(name, "") in form else main)
            for name in names}


def _details(req: LearningRequest, action: str, form: Any) -> dict[str, Any]:
    """The details of `action` that its form carries, as `transitions.act` takes them."""
    amount = getattr(form, "amount", None)
    amount_minor = (to_minor(amount.data, req.currency, "amount_minor")
                    if amount is not None and amount.data is not None else None)
    if action == "purchase":
        return {"provider_reference": form.provider_reference.data, "amount_minor": amount_minor,
                "comment": form.comment.data}
    if action == "complete":
        return {"evidence": form.evidence.data}
    if action == "refund":
        return {"amount_minor": amount_minor, "key": f"web:{form.key.data}",
                "reason": form.reason.data}
    return {"comment": form.comment.data}


@bp.post("/<int:request_id>/<any(approve, reject, cancel, purchase, complete, refund):action>")
@login_required
def act(request_id: int, action: transitions.Action) -> str | Response | tuple[str, int]:
    req = _visible(request_id)
    forms: dict[str, Any] = {"decision": DecisionForm(), "purchase_form": PurchaseForm(),
                             "complete_form": CompleteForm(), "refund_form": RefundForm()}
    form = forms.get(f"{action}_form", forms["decision"])
    if not form.validate_on_submit():
        return _detail(req, **forms)
    with refusal(form, fields=_field_map(form, action)) as attempt:
        transitions.act(current_user._get_current_object(), req, action,
                        **_details(req, action, form))
    if attempt.error is None:
        flash(f"Request {STATUS_LABELS.get(req.status, req.status).lower()}.", "success")
        return redirect(url_for("requests.detail", request_id=req.id))
    # The refusal is next to its field or at the top of the page; the status says which kind.
    return _detail(_visible(request_id), **forms), attempt.error.status


@bp.get("/inbox")
@roles_required("admin", "manager")
def inbox() -> str:
    filters = InboxFilterForm(request.args)
    arg = request.args.get("status", "pending")
    status = arg if arg in STATUSES else None
    teams = db.session.scalars(select(Team).where(Team.company_id == current_user.company_id)
                               .order_by(Team.name))
    people = db.session.scalars(
        select(User).where(User.id.in_(select(LearningRequest.requester_id).where(
            LearningRequest.company_id == current_user.company_id)))
        .where(approvable_people(current_user)).order_by(User.name))
    statuses: list[tuple[object, str]] = [("", "Any status")]
    teams_choice: list[tuple[object, str]] = [("", "Any team")]
    people_choice: list[tuple[object, str]] = [("", "Anyone")]
    filters.status.choices = as_choices(statuses + [(s, STATUS_LABELS[s]) for s in STATUSES])
    filters.team.choices = as_choices(teams_choice + [(str(t.id), t.name) for t in teams])
    filters.requester.choices = as_choices(people_choice + [(str(p.id), p.name) for p in people])
    filters.status.data = status or ""
    query = queries.inbox_query(current_user, status, request.args.get("team", type=int),
                            request.args.get("requester", type=int)).options(
        selectinload(LearningRequest.requester).selectinload(User.team))
    page = db.paginate(query, per_page=25, error_out=False)
    decidable = {r.id for r in page.items if approval.can_decide(current_user, r)}
    return render_template("pathways/requests/inbox.html", page=page, filters=filters, args=request.args,
                           labels=STATUS_LABELS, decidable=decidable, form=DecisionForm())


@bp.post("/inbox/approve")
@roles_required("admin", "manager")
def bulk_approve() -> Response:
    form = DecisionForm()
    if not form.validate_on_submit():
        abort(400)
    ids = request.form.getlist("request_id", type=int)
    if not ids:
        flash("Tick the requests to approve first.", "error")
        return redirect(url_for("requests.inbox"))
    reqs = list(db.session.scalars(select(LearningRequest).where(
        LearningRequest.company_id == current_user.company_id, LearningRequest.id.in_(ids))
        .order_by(LearningRequest.id)))
    if len(reqs) != len(set(ids)):
        abort(404)
    done, failed = transitions.approve_many(current_user._get_current_object(), reqs,
                                            form.comment.data)
    if done:
        flash(f"Approved {done} request{'s' if done != 1 else ''}.", "success")
    for req, message in failed:
        flash(f"#{req.id} {req.title}: {message}", "error")
    same_filters: dict[str, Any] = request.args.to_dict()
    return redirect(url_for("requests.inbox", **same_filters))


_POLICY_FIELDS = {"admin_threshold_minor": "admin_threshold",
                  "auto_approve_max_minor": "auto_approve_max"}


@bp.route("/policy", methods=["GET", "POST"])
@roles_required("admin")
def policy() -> str | Response:
    company = current_company()
    settings = approval.settings_for(company.id)
    form = PolicyForm()
    if request.method == "GET":
        form.manager_approval.data = settings.manager_approval
        form.admin_threshold.data = from_minor(settings.admin_threshold_minor, company.currency)
        form.auto_approve_max.data = from_minor(settings.auto_approve_max_minor, company.currency)
        form.purchase_mode.data = settings.purchase_mode
    elif form.validate_on_submit():
        with refusal(form, default="admin_threshold", fields=_POLICY_FIELDS) as attempt:
            approval.save_settings(current_user, approval.PolicyData(
                admin_threshold_minor=to_minor(form.admin_threshold.data, company.currency,
                                               "admin_threshold_minor"),
                auto_approve_max_minor=to_minor(form.auto_approve_max.data, company.currency,
                                                "auto_approve_max_minor"),
                manager_approval=bool(form.manager_approval.data),
                purchase_mode=form.purchase_mode.data or "auto"))
        if attempt.ok:
            flash("Approval policy saved. It applies to new requests.", "success")
            return redirect(url_for("requests.policy"))
    return render_template("pathways/requests/policy.html", form=form, settings=settings)


def inbox_count() -> int:
    """Requests waiting for the signed-in person's decision (navigation badge, home card)."""
    from sqlalchemy import func

    if not current_user.is_authenticated or not current_user.has_role("admin", "manager"):
        return 0
    sub = queries.waiting_for(current_user).subquery()
    return db.session.scalar(select(func.count()).select_from(sub)) or 0


def open_for(offering_id: int) -> LearningRequest | None:
    """The signed-in person's open request for an offering (the offering page's button)."""
    if not current_user.is_authenticated:
        return None
    return links.open_request_for(current_user, offering_id)
