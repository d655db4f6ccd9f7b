"""The billing page (admin): wallet, top-ups, refunds, invoices, seats; and the Stripe webhook.

One unit of work per request (`app.uow`): the routes call services and return. Where our row
must exist before Stripe is asked (billing details, a top-up, a refund) the route commits it
first through `commit_before_stripe()`, then calls Stripe (see `billing.stripe.topups`).
Stripe.js is loaded only when STRIPE_PUBLISHABLE_KEY is set, and only this page's
Content-Security-Policy is widened for js.stripe.com (see docs/stripe.md).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Flask,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from werkzeug.wrappers import Response

from app.api.plumbing import json_error
from app.errors import DomainError, ReadOnly
from app.extensions import csrf, db
from app.identity import roles_required
from app.money import from_minor, to_minor
from app.tenancy import current_company, get_or_404, scoped
from app.uow import checkpoint, refusal
from app.web import CSP

from .. import wallet
from . import gateway, seats, topups, webhooks
from .forms import CardForm, ConfirmForm, ProfileForm, RefundForm, TopUpForm
from .models import TopUp
from .schemas import TopUp as TopUpOut

bp = Blueprint("billing_stripe", __name__)
admin_only = roles_required("admin")


def stripe_csp(js_url: str) -> str:
    """The billing page's Content-Security-Policy, widened for the origin Stripe.js comes
    from (js.stripe.com in production; a stand-in such as localstripe's in tests)."""
    parts = urlsplit(js_url)
    origin = f"{parts.scheme}://{parts.netloc}"
    api = "https://api.stripe.com" if origin == "https://js.stripe.com" else origin
    return CSP.replace("script-src 'self'", f"script-src 'self' {origin}") + (
        f"; frame-src {origin} https://hooks.stripe.com; connect-src 'self' {api}")


def commit_before_stripe() -> None:
    """Commit our pending rows now, because Stripe is called next (the one mid-request commit)."""
    checkpoint("Stripe is called next with an idempotency key derived from the row just written "
               "(customer-<company>, topup-<id>, refund-<id>): the row must be committed first, so "
               "a crash or a timeout in between leaves a row that a retry completes, never money "
               "moved at Stripe that Trellis has no row for.")


def _stripe_json(answer: Callable[[], dict[str, Any]]) -> Response:
    """JSON for the page's script: Stripe's answer, or a refusal in the API's error shape (the
    4xx/5xx status makes the end of the request roll back)."""
    try:
        return jsonify(answer())
    except DomainError as exc:
        return json_error(exc.status, exc.code, exc.message)


def _invoices(customer_id: str | None) -> tuple[list[dict[str, Any]], str | None]:
    """The customer's invoices at Stripe, or none and the reason Stripe could not list them."""
    if not customer_id:
        return [], None
    try:
        return gateway.list_invoices(customer_id), None
    except DomainError as exc:
        return [], exc.message


def _page(status: int = 200, form: ProfileForm | None = None,
          topup_form: TopUpForm | None = None, refund_form: RefundForm | None = None,
          refund_for: int | None = None) -> Response:
    """The billing page; a form that failed validation comes back with its field errors
    (status 422: nothing was written)."""
    company = current_company()
    profile = topups.profile_of(company.id)
    rows = db.session.scalars(scoped(TopUp).order_by(TopUp.id.desc()).limit(50)).all()
    invoices, invoice_error = _invoices(company.stripe_customer_id)
    publishable = gateway.setting("STRIPE_PUBLISHABLE_KEY")
    html = render_template(
        # The forms not submitted start clean (formdata=None): Flask-WTF would otherwise fill
        # every form on the page from the one that was posted (they share field names).
        "billing/stripe/index.html", company=company, profile=profile,
        form=form or ProfileForm(formdata=None, obj=profile), card_form=CardForm(formdata=None),
        topup_form=topup_form or TopUpForm(formdata=None),
        refund_form=refund_form or RefundForm(formdata=None), refund_for=refund_for,
        confirm_form=ConfirmForm(formdata=None), topups=rows,
        wallet=wallet.wallet_balances(company.id),
        pending_refunds=topups.pending_refunds_minor(company.id),
        subscription=seats.subscription_of(company.id),
        active_people=seats.active_people(company.id), invoices=invoices,
        invoice_error=invoice_error, publishable_key=publishable,
        stripe_js_url=gateway.stripe_js_url(),
        refundable=topups.refundable_minor, from_minor=from_minor)
    response = Response(html, status=status, mimetype="text/html")
    if publishable:
        response.headers["Content-Security-Policy"] = stripe_csp(gateway.stripe_js_url())
    return response


@bp.get("/billing")
@admin_only
def billing_page() -> Response:
    return _page()


PROFILE_FIELDS = ("legal_name", "billing_email", "address_line1", "address_line2", "postal_code",
                  "city", "country", "tax_id", "payment_mode")
AMOUNT = {"amount_minor": "amount"}  # the services name the amount in minor units


@bp.post("/billing/profile")
@admin_only
def save_profile() -> Response:
    company, form = current_company(), ProfileForm()
    if not form.validate_on_submit():
        return _page(422, form=form)
    with refusal(form, default="legal_name") as attempt:
        profile = topups.save_profile(current_user, company, topups.ProfileData(
            **{name: form[name].data for name in PROFILE_FIELDS}))
    if not attempt.ok:
        return _page(422, form=form)
    commit_before_stripe()
    with refusal() as sent:
        topups.ensure_customer(company, profile)
    if sent.ok:
        flash("Billing details saved and sent to Stripe.", "success")
    return redirect(url_for(".billing_page"))


@bp.post("/billing/card")
@admin_only
def save_card() -> Response:
    form = CardForm()
    if not form.validate_on_submit():
        abort(400)
    with refusal() as attempt:
        topups.set_payment_method(current_user, current_company(),
                                  form.payment_method_id.data or "")
    if attempt.ok:
        flash("Card saved; top-ups are charged to it.", "success")
    return redirect(url_for(".billing_page"))


@bp.post("/billing/card/setup-intent")
@admin_only
def setup_intent() -> Response:
    """For Stripe.js: a SetupIntent's client secret (the customer is created when missing)."""
    company = current_company()
    profile = topups.profile_of(company.id)
    if profile is None:
        return json_error(409, "billing_setup", "Save the billing details first.")

    def client_secret() -> dict[str, Any]:
        intent = gateway.create_setup_intent(topups.ensure_customer(company, profile))
        return {"client_secret": intent["client_secret"]}

    return _stripe_json(client_secret)


@bp.post("/billing/topups")
@admin_only
def create_topup() -> Response:
    form, company = TopUpForm(), current_company()
    if not form.validate_on_submit():
        return _page(422, topup_form=form)
    with refusal(form, default="amount", fields=AMOUNT) as attempt:
        topup = topups.request_topup(current_user, company, to_minor(
            form.amount.data, company.currency, "amount_minor"), f"web:{form.key.data}")
    if not attempt.ok:
        return _page(422, topup_form=form)
    commit_before_stripe()
    with refusal() as sent:
        topups.submit_topup(topup)
    if sent.ok:
        flash("Top-up sent to Stripe. The wallet is credited when Stripe confirms the payment; "
              "this page updates by itself.", "success")
    return redirect(url_for(".billing_page"))


@bp.get("/billing/topups/<int:topup_id>")
@admin_only
def topup_status(topup_id: int) -> Response:
    """A top-up's live status as JSON (the page polls it while a top-up is pending)."""
    return jsonify(TopUpOut.of(get_or_404(TopUp, topup_id)).model_dump(mode="json"))


@bp.post("/billing/topups/<int:topup_id>/refund")
@admin_only
def refund_topup(topup_id: int) -> Response:
    topup, form = get_or_404(TopUp, topup_id), RefundForm()
    if not form.validate_on_submit():
        return _page(422, refund_form=form, refund_for=topup.id)
    with refusal(form, default="amount", fields=AMOUNT) as attempt:
        amount = to_minor(form.amount.data, topup.currency, "amount_minor") if (
            form.amount.data) else None
        # one form key serves every row of the page: the top-up id keeps the keys apart
        refund = topups.request_refund(current_user, topup, amount,
                                       f"web:{topup.id}:{form.key.data}")
    if not attempt.ok:
        return _page(422, refund_form=form, refund_for=topup.id)
    commit_before_stripe()
    with refusal() as sent:
        topups.submit_refund(refund)
    if sent.ok:
        flash("Refund requested at Stripe; the wallet is debited when Stripe confirms it.",
              "success")
    return redirect(url_for(".billing_page"))


@bp.post("/billing/subscription")
@admin_only
def start_subscription() -> Response:
    if not ConfirmForm().validate_on_submit():
        abort(400)
    with refusal() as attempt:
        seats.start_subscription(current_user, current_company())
    if attempt.ok:
        flash("Subscription started; seats follow your active people.", "success")
    return redirect(url_for(".billing_page"))


WEBHOOK_MAX_BYTES = 1024 * 1024  # Stripe's events are a few kilobytes; invoices with many lines more


def _webhook_body() -> bytes | None:
    """The raw body, or None when it is over the limit (read no further than the limit)."""
    limit = min(int(current_app.config.get("STRIPE_WEBHOOK_MAX_BYTES") or WEBHOOK_MAX_BYTES),
                current_app.config.get("MAX_CONTENT_LENGTH") or WEBHOOK_MAX_BYTES)
    if (request.content_length or 0) > limit:
        return None
    body = request.stream.read(limit + 1)
    return None if len(body) > limit else body


def _webhook_answer(receipt: webhooks.Receipt) -> Response:
    if receipt.outcome in ("refused", "retry"):
        return json_error(receipt.http, receipt.code or "bad_signature", receipt.reason or "")
    answer: dict[str, Any] = {"received": True, "id": receipt.stripe_id,
                              "status": receipt.outcome}
    if receipt.reason:
        answer["reason"] = receipt.reason
    return jsonify(answer)


def stripe_webhook() -> Response:
    """Stripe's events: verified, stored once, processed once (see billing.stripe.webhooks).

    400/413 for what cannot be verified; 200 for every verified event, a failed one included
    (stored with its reason); 503 only for a temporary failure, so Stripe retries."""
    body = _webhook_body()
    if body is None:
        return json_error(413, "payload_too_large", "The body is over the webhook's size limit.")
    return _webhook_answer(webhooks.receive(body, request.headers.get("Stripe-Signature")))


bp.add_url_rule("/billing/stripe/webhook", view_func=stripe_webhook, methods=["POST"])
csrf.exempt(stripe_webhook)


# --- read-only companies and the past-due banner ------------------------------------------------

OPEN_ENDPOINTS = ("auth.", "billing_stripe.", "billing_stripe_api.", "static")


def refuse_writes_when_canceled() -> None:
    if request.method in ("GET", "HEAD", "OPTIONS") or not current_user.is_authenticated:
        return
    if (request.endpoint or "").startswith(OPEN_ENDPOINTS):
        return
    if seats.is_read_only(current_user.company_id):
        raise ReadOnly("Your Trellis subscription was canceled, so the company is read-only: "
                       "everything is kept and visible, nothing can change. An admin can "
                       "restart the subscription on the Billing page.")


def read_only_error(exc: ReadOnly) -> Any:
    if request.path.startswith("/api/"):
        return json_error(exc.status, exc.code, exc.message, exc.field)
    return render_template("billing/stripe/read_only.html", message=exc.message), exc.status


def subscription_notice() -> dict[str, Any] | None:
    """The subscription when it needs attention: past due for admins, read-only for everyone."""
    if not current_user.is_authenticated:
        return None
    row = seats.subscription_of(current_user.company_id)
    if row is None or row.status not in seats.WARNING_STATUSES + seats.READ_ONLY_STATUSES:
        return None
    if row.status in seats.WARNING_STATUSES and not current_user.has_role("admin"):
        return None  # only admins can act on a failed payment
    return {"status": row.status, "url": url_for("billing_stripe.billing_page")}


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    app.before_request(refuse_writes_when_canceled)
    app.register_error_handler(ReadOnly, read_only_error)
    app.jinja_env.globals["billing_subscription_notice"] = subscription_notice
