"""Catalogue pages: browse and search, the offering page with reviews, and the admin side
(offerings, providers, CSV import)."""

from __future__ import annotations

from decimal import Decimal

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func, select
from werkzeug.wrappers import Response

from app.errors import ValidationError
from app.extensions import db
from app.forms import ConfirmForm, CsvFileForm, as_choices
from app.identity import login_required, roles_required
from app.imports import keep_pending, uploaded_text
from app.models import PendingImport
from app.money import from_minor, to_minor
from app.redirects import local_target
from app.tenancy import current_company, get_or_404
from app.uow import refusal
from pathways.capabilities import levels
from pathways.capabilities.frameworks import capability_options

from . import completions, offering_import, offerings, search
from .forms import OfferingForm, ProviderForm, ReviewForm
from .models import FORMAT_LABELS, OFFERING_TYPE_LABELS, Offering, Provider, Review
from .providers import list_providers, save_provider, set_provider_retired
from .reviews import reviews_query, save_review

bp = Blueprint("catalogue", __name__)
PER_PAGE = 20


def _page() -> int:
    return max(1, request.args.get("page", 1, type=int) or 1)


# --- browse ------------------------------------------------------------------------------------

def _search_params() -> tuple[search.SearchParams, str | None]:
    """The search the query string asks for; an unreadable one searches everything and says why
    (a read: nothing to roll back)."""
    try:
        return search.parse_search(request.args), None
    except ValidationError as exc:
        return search.SearchParams(), exc.message


@bp.get("/catalogue")
@login_required
def browse() -> tuple[str, int] | str:
    company = current_company()
    params, error = _search_params()
    page = db.paginate(search.search(company.id, params), page=_page(), per_page=PER_PAGE,
                       error_out=False)
    deltas = search.deltas_by_offering([o.id for o in page.items])
    return render_template(
        "pathways/catalogue/browse.html", page=page, deltas=deltas, params=params, error=error,
        capabilities=capability_options(company.id), types=OFFERING_TYPE_LABELS,
        formats=FORMAT_LABELS, sorts=search.SORTS), (400 if error else 200)


@bp.get("/catalogue/<int:offering_id>")
@login_required
def show(offering_id: int) -> str:
    offering = get_or_404(Offering, offering_id)
    if offering.retired and not current_user.has_role("admin"):
        flash("This offering is retired: it stays here for its history but takes no new "
              "requests.", "warning")
    mine = levels.levels_of(current_user, [d.capability_id for d in offering.capabilities])
    reviews = db.paginate(reviews_query(offering), page=_page(), per_page=10,
                          error_out=False)
    completed = completions.has_completed(current_user, offering)
    own = db.session.scalar(select(Review).where(Review.offering_id == offering.id,
                                                 Review.user_id == current_user.id))
    form = ReviewForm(obj=own) if completed else None
    return render_template("pathways/catalogue/show.html", offering=offering, mine=mine,
                           reviews=reviews, completed=completed, form=form,
                           types=OFFERING_TYPE_LABELS, formats=FORMAT_LABELS)


@bp.post("/catalogue/<int:offering_id>/review")
@login_required
def review(offering_id: int) -> Response:
    offering = get_or_404(Offering, offering_id)
    form = ReviewForm()
    if not form.validate_on_submit():
        flash("Give 1 to 5 stars.", "error")
    else:
        with refusal() as attempt:
            save_review(current_user, offering, form.rating.data or 0, form.text.data)
        if attempt.ok:
            flash("Thank you: your review is published.", "success")
    return redirect(url_for("catalogue.show", offering_id=offering.id))


# --- admin: offerings --------------------------------------------------------------------------

@bp.get("/admin/catalogue")
@roles_required("admin")
def admin_index() -> str:
    company = current_company()
    show_retired = request.args.get("retired") == "1"
    params = search.SearchParams(q=request.args.get("q") or None, sort="title",
                                    include_retired=show_retired)
    page = db.paginate(search.search(company.id, params), page=_page(), per_page=50,
                       error_out=False)
    counts = dict(db.session.execute(
        select(Offering.retired_at.is_(None), func.count()).where(
            Offering.company_id == company.id).group_by(Offering.retired_at.is_(None))).all())
    return render_template("pathways/catalogue/admin_index.html", page=page, counts=counts,
                           show_retired=show_retired, confirm=ConfirmForm(),
                           types=OFFERING_TYPE_LABELS)


def _offering_form(form: OfferingForm, company_id: int) -> None:
    form.provider_id.choices = as_choices([("", "No provider")] + [
        (p.id, p.name) for p in list_providers(company_id)])


def _save_offering(form: OfferingForm, offering: Offering | None) -> Offering | None:
    """Save the form's offering; a refusal sits next to its field (None: nothing saved)."""
    company = current_company()
    with refusal(form, fields={"price_minor": "price"}) as attempt:
        deltas = offering_import.parse_deltas(form.capabilities.data or "",
                                              offering_import.capability_lookup(company.id))
        data = offerings.OfferingData(
            title=form.title.data or "", type=form.type.data, format=form.format.data,
            price_minor=to_minor(form.price.data, company.currency, "price_minor"),
            duration_hours=float(form.duration_hours.data or 0),
            provider_id=form.provider_id.data, description=form.description.data,
            url=form.url.data, language=form.language.data or "en", capabilities=deltas)
        saved = offerings.save_offering(current_user, data, offering)
    return saved if attempt.ok else None


@bp.route("/admin/catalogue/new", methods=["GET", "POST"])
@roles_required("admin")
def new_offering() -> str | Response | tuple[str, int]:
    form = OfferingForm()
    _offering_form(form, current_company().id)
    if form.validate_on_submit():
        offering = _save_offering(form, None)
        if offering is not None:
            flash(f"{offering.title} is in the catalogue.", "success")
            return redirect(url_for("catalogue.show", offering_id=offering.id))
    status = 400 if form.errors or request.method == "POST" else 200
    return render_template("pathways/catalogue/edit.html", form=form, offering=None,
                           capabilities=capability_options(current_company().id)), status


@bp.route("/admin/catalogue/<int:offering_id>/edit", methods=["GET", "POST"])
@roles_required("admin")
def edit_offering(offering_id: int) -> str | Response | tuple[str, int]:
    offering = get_or_404(Offering, offering_id)
    form = OfferingForm(obj=offering)
    _offering_form(form, offering.company_id)
    if request.method == "GET":
        form.price.data = from_minor(offering.price_minor, offering.currency)
        form.duration_hours.data = Decimal(str(offering.duration_hours))
        form.capabilities.data = "\n".join(
            f"{d.capability.name}: {d.from_level}-{d.to_level}" for d in offering.capabilities)
    if form.validate_on_submit() and _save_offering(form, offering) is not None:
        flash("Offering saved.", "success")
        return redirect(url_for("catalogue.show", offering_id=offering.id))
    status = 400 if request.method == "POST" else 200
    return render_template("pathways/catalogue/edit.html", form=form, offering=offering,
                           capabilities=capability_options(offering.company_id)), status


@bp.post("/admin/catalogue/<int:offering_id>/retire")
@roles_required("admin")
def retire_offering(offering_id: int) -> Response:
    offering = get_or_404(Offering, offering_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    offerings.set_offering_retired(current_user, offering, not offering.retired)
    flash(f"{offering.title} {'retired' if offering.retired else 'is back in the catalogue'}.",
          "success")
    return redirect(local_target(request.form.get("next")) or url_for("catalogue.admin_index"))


# --- admin: providers --------------------------------------------------------------------------

@bp.route("/admin/providers", methods=["GET", "POST"])
@roles_required("admin")
def providers() -> str | Response | tuple[str, int]:
    company = current_company()
    form = ProviderForm()
    if form.validate_on_submit():
        with refusal(form, default="name") as attempt:
            provider = save_provider(current_user, form.name.data or "", form.url.data,
                                     form.description.data)
        if attempt.ok:
            flash(f"Provider {provider.name} added.", "success")
            return redirect(url_for("catalogue.providers"))
    counts = dict(db.session.execute(
        select(Offering.provider_id, func.count()).where(
            Offering.company_id == company.id, Offering.retired_at.is_(None))
        .group_by(Offering.provider_id)).all())
    rows = list_providers(company.id, include_retired=True)
    return render_template("pathways/catalogue/providers.html", providers=rows, counts=counts,
                           form=form, confirm=ConfirmForm()), (
        400 if request.method == "POST" else 200)


@bp.route("/admin/providers/<int:provider_id>", methods=["GET", "POST"])
@roles_required("admin")
def edit_provider(provider_id: int) -> str | Response | tuple[str, int]:
    provider = get_or_404(Provider, provider_id)
    form = ProviderForm(obj=provider)
    if form.validate_on_submit():
        with refusal(form, default="name") as attempt:
            save_provider(current_user, form.name.data or "", form.url.data,
                          form.description.data, provider)
        if attempt.ok:
            flash("Provider saved.", "success")
            return redirect(url_for("catalogue.providers"))
    return render_template("pathways/catalogue/provider.html", provider=provider, form=form,
                           confirm=ConfirmForm()), (400 if request.method == "POST" else 200)


@bp.post("/admin/providers/<int:provider_id>/retire")
@roles_required("admin")
def retire_provider(provider_id: int) -> Response:
    provider = get_or_404(Provider, provider_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    set_provider_retired(current_user, provider, not provider.retired)
    return redirect(url_for("catalogue.providers"))


# --- admin: CSV import -------------------------------------------------------------------------

@bp.route("/admin/catalogue/import", methods=["GET", "POST"])
@roles_required("admin")
def import_upload() -> str | Response | tuple[str, int]:
    form = CsvFileForm()
    if form.validate_on_submit():
        filename = form.file.data.filename or "offerings.csv"
        text = uploaded_text(form.file)
        if text is not None:
            plan = offering_import.parse(current_company().id, text)
            if not plan.ok:
                return render_template("pathways/catalogue/import_preview.html", plan=plan,
                                       filename=filename, pending=None,
                                       confirm=ConfirmForm()), 400
            pending = keep_pending(current_company().id, current_user.id, "offerings",
                                   filename, text)
            return redirect(url_for("catalogue.import_preview", pending_id=pending.id))
    return render_template("pathways/catalogue/import.html", form=form,
                           columns=offering_import.COLUMNS), (
        400 if request.method == "POST" else 200)


@bp.route("/admin/catalogue/import/<int:pending_id>", methods=["GET", "POST"])
@roles_required("admin")
def import_preview(pending_id: int) -> str | Response | tuple[str, int]:
    pending = get_or_404(PendingImport, pending_id)
    if pending.kind != "offerings":
        abort(404)
    plan = offering_import.parse(pending.company_id, pending.content)
    confirm = ConfirmForm()
    if request.method == "POST" and confirm.validate_on_submit() and plan.ok:
        count = offering_import.apply(current_user, plan)
        db.session.delete(pending)
        flash(f"Imported {count} offerings.", "success")
        return redirect(url_for("catalogue.admin_index"))
    return render_template("pathways/catalogue/import_preview.html", plan=plan,
                           filename=pending.filename, pending=pending, confirm=confirm,
                           sample=plan.rows[:20]), (200 if plan.ok else 400)
