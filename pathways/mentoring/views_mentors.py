"""Mentoring pages for mentors and admins: become a mentor, offered capabilities, availability
(weekly hours and one-off windows), and the admin's list of mentors and external coaches."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from babel.numbers import get_currency_precision
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func, select
from werkzeug.wrappers import Response

from app.extensions import db
from app.forms import ConfirmForm
from app.identity import login_required, roles_required
from app.models import utcnow
from app.money import from_minor
from app.tenancy import current_company, get_or_404, scoped
from app.uow import refusal
from pathways.capabilities.models import Capability, Framework

from . import availability as mentor_availability  # `availability` is a page of this module
from . import mentors
from .forms import CoachForm, MentorProfileForm, OfferForm, OneOffForm, RuleForm
from .models import AvailabilityRule, BookingStatus, MentorBooking, MentorProfile, OneOffSlot

bp = Blueprint("mentors", __name__, url_prefix="/mentoring")


def _manageable(mentor_id: int) -> MentorProfile:
    mentor = get_or_404(MentorProfile, mentor_id)
    mentors.check_can_manage(current_user, mentor)  # a refusal is the 403 page
    return mentor


def _profile_data(form: MentorProfileForm) -> mentors.ProfileData:
    return mentors.ProfileData(form.timezone.data or "", form.monthly_cap.data or 0,
                               form.session_minutes.data or 60, form.bio.data, form.active.data)


@bp.route("/profile", methods=["GET", "POST"])
@login_required
def profile() -> str | Response | tuple[str, int]:
    """Become a mentor, change the settings, or pause."""
    mine = mentors.profile_of(current_user)
    form = MentorProfileForm(obj=mine)
    form.fill_choices()
    if mine is None and request.method == "GET":
        form.timezone.data = current_company().timezone
    if form.validate_on_submit():
        with refusal(form) as attempt:
            mine = mentors.opt_in(current_user, _profile_data(form))
        if attempt.ok:
            flash("Your mentor profile is saved." if mine.active else
                  "Mentoring paused: nobody can book you until you tick 'Taking bookings'.",
                  "success")
            return redirect(url_for("mentors.profile"))
    status = 400 if form.errors else 200
    return render_template("pathways/mentoring/profile.html", form=form, mentor=mine,
                           offer=_offer_form(mine)), status


def _offer_form(mentor: MentorProfile | None) -> OfferForm:
    form = OfferForm(prefix="offer")
    company_id = current_company().id
    form.capability_id.choices = [(c.id, c.name) for c in db.session.scalars(
        scoped(Capability, company_id).where(Capability.retired_at.is_(None))
        .order_by(Capability.name))]
    fw = db.session.scalar(scoped(Framework, company_id).order_by(Framework.id).limit(1))
    form.level.choices = [(lv.level, f"{lv.level} · {lv.name}") for lv in (
        fw.scale.levels if fw else [])]
    return form


def _back_to(mentor: MentorProfile) -> Response:
    if mentor.user_id == current_user.id:
        return redirect(url_for("mentors.profile"))
    return redirect(url_for("mentors.coach", mentor_id=mentor.id))


@bp.post("/mentors/<int:mentor_id>/offers")
@login_required
def offer(mentor_id: int) -> Response:
    mentor = _manageable(mentor_id)
    form = OfferForm(prefix="offer")
    form.capability_id.choices = form.level.choices = []
    if not form.validate_on_submit():
        flash("Choose a capability and a level.", "error")
        return _back_to(mentor)
    cap = get_or_404(Capability, form.capability_id.data)
    with refusal() as attempt:
        mentors.offer_capability(current_user, mentor, cap, form.level.data or 0)
    if not attempt.ok:
        return _back_to(mentor)
    flash(f"{mentor.name} offers {cap.name} up to level {form.level.data}.", "success")
    return _back_to(mentor)


@bp.post("/mentors/<int:mentor_id>/offers/<int:capability_id>/delete")
@login_required
def withdraw(mentor_id: int, capability_id: int) -> Response:
    mentor = _manageable(mentor_id)
    cap = get_or_404(Capability, capability_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    with refusal() as attempt:
        mentors.withdraw_capability(current_user, mentor, cap.id)
    if not attempt.ok:
        return _back_to(mentor)
    flash(f"{cap.name} is no longer offered.", "success")
    return _back_to(mentor)


# --- availability ------------------------------------------------------------------------------

def _availability(mentor: MentorProfile, rule_form: RuleForm | None = None,
                  one_off_form: OneOffForm | None = None, status: int = 200) -> tuple[str, int]:
    now = utcnow()
    tz = mentors.zone(mentor.timezone)
    preview = mentor_availability.free_slots(mentor, now, now + timedelta(days=14), now=now)
    return render_template(
        "pathways/mentoring/availability.html", mentor=mentor, tz=tz, preview=preview,
        rules=db.session.scalars(select(AvailabilityRule).where(
            AvailabilityRule.mentor_id == mentor.id).order_by(
            AvailabilityRule.weekday, AvailabilityRule.start_time)).all(),
        one_offs=db.session.scalars(select(OneOffSlot).where(
            OneOffSlot.mentor_id == mentor.id, OneOffSlot.ends_at > now).order_by(
            OneOffSlot.starts_at)).all(),
        rule_form=rule_form or RuleForm(prefix="rule"),
        one_off_form=one_off_form or OneOffForm(prefix="once"), confirm=ConfirmForm(),
        weekdays=mentors.WEEKDAYS), status


@bp.get("/availability")
@login_required
def my_availability() -> Response:
    mine = mentors.profile_of(current_user)
    if mine is None:
        flash("Become a mentor first: choose your time zone and what you offer.", "info")
        return redirect(url_for("mentors.profile"))
    return redirect(url_for("mentors.availability", mentor_id=mine.id))


@bp.get("/mentors/<int:mentor_id>/availability")
@login_required
def availability(mentor_id: int) -> tuple[str, int]:
    return _availability(_manageable(mentor_id))


def _add_availability(mentor: MentorProfile, form: Any, save: Callable[[], object],
                      added: Callable[[], str], form_name: str) -> Response | tuple[str, int]:
    """Validate an availability form, save it, and say what was added (or show the error)."""
    if form.validate_on_submit():
        with refusal(form) as attempt:
            save()
        if attempt.ok:
            flash(f"Added {added()}.", "success")
            return redirect(url_for("mentors.availability", mentor_id=mentor.id))
    return _availability(mentor, status=400, **{form_name: form})


@bp.post("/mentors/<int:mentor_id>/availability/weekly")
@login_required
def add_rule(mentor_id: int) -> Response | tuple[str, int]:
    mentor, form = _manageable(mentor_id), RuleForm(prefix="rule")
    return _add_availability(
        mentor, form,
        lambda: mentor_availability.add_rule(current_user, mentor, form.weekday.data,
                                 form.start_time.data, form.end_time.data),
        lambda: f"{mentors.WEEKDAYS[form.weekday.data]}s "
                f"{form.start_time.data:%H:%M}–{form.end_time.data:%H:%M}", "rule_form")


@bp.post("/mentors/<int:mentor_id>/availability/one-off")
@login_required
def add_one_off(mentor_id: int) -> Response | tuple[str, int]:
    mentor, form = _manageable(mentor_id), OneOffForm(prefix="once")
    return _add_availability(
        mentor, form,
        lambda: mentor_availability.add_one_off(current_user, mentor, form.date.data,
                                    form.start_time.data, form.end_time.data),
        lambda: f"{form.date.data:%d %B} {form.start_time.data:%H:%M}–"
                f"{form.end_time.data:%H:%M}", "one_off_form")


@bp.post("/mentors/<int:mentor_id>/availability/<kind>/<int:row_id>/delete")
@login_required
def remove(mentor_id: int, kind: str, row_id: int) -> Response:
    mentor = _manageable(mentor_id)
    if kind not in ("weekly", "one-off"):
        abort(404)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    row: AvailabilityRule | OneOffSlot = (get_or_404(AvailabilityRule, row_id) if kind == "weekly"
                                          else get_or_404(OneOffSlot, row_id))
    if row.mentor_id != mentor.id:
        abort(404)
    mentor_availability.remove_availability(current_user, mentor, row)
    flash("Removed; sessions already booked stay booked.", "success")
    return redirect(url_for("mentors.availability", mentor_id=mentor.id))


# --- admins: mentors and external coaches ------------------------------------------------------

@bp.get("/coaches")
@roles_required("admin")
def coaches() -> str:
    """Every mentor of the company, external coaches first, with this month's sessions."""
    company = current_company()
    query = scoped(MentorProfile).order_by(MentorProfile.kind.desc(),
                                           MentorProfile.active.desc(), MentorProfile.id)
    kind = request.args.get("kind")
    if kind in ("internal", "external"):
        query = query.where(MentorProfile.kind == kind)
    page = db.paginate(query, page=request.args.get("page", 1, type=int), per_page=25,
                       error_out=False)
    lo = utcnow().replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    counts = dict(db.session.execute(
        select(MentorBooking.mentor_id, func.count(MentorBooking.id))
        .where(MentorBooking.company_id == company.id,
               MentorBooking.mentor_id.in_([m.id for m in page.items]),
               MentorBooking.status != BookingStatus.CANCELLED.value,
               MentorBooking.starts_at >= lo).group_by(MentorBooking.mentor_id)).all())
    return render_template("pathways/mentoring/coaches.html", page=page, kind=kind,
                           counts=counts)


# The service names the rate in minor units; the form asks for it in the currency's units.
_COACH_FIELDS = {"hourly_rate_minor": "hourly_rate"}


def _coach_data(form: CoachForm) -> mentors.CoachData:
    currency = current_company().currency
    rate = Decimal(form.hourly_rate.data or 0) * (10 ** get_currency_precision(currency))
    return mentors.CoachData(
        form.timezone.data or "", form.monthly_cap.data or 0, form.session_minutes.data or 60,
        form.bio.data, form.active.data, name=form.name.data or "", email=form.email.data or "",
        hourly_rate_minor=int(rate.quantize(Decimal(1), ROUND_HALF_UP)), currency=currency,
        organisation=form.organisation.data)


@bp.route("/coaches/new", methods=["GET", "POST"])
@roles_required("admin")
def new_coach() -> str | Response | tuple[str, int]:
    return _coach_form(None)


@bp.route("/coaches/<int:mentor_id>", methods=["GET", "POST"])
@roles_required("admin")
def coach(mentor_id: int) -> str | Response | tuple[str, int]:
    return _coach_form(get_or_404(MentorProfile, mentor_id))


def _coach_form(mentor: MentorProfile | None) -> Response | tuple[str, int]:
    if mentor is not None and not mentor.is_external:
        return redirect(url_for("mentoring.mentor", mentor_id=mentor.id))
    form = CoachForm(obj=mentor)
    form.fill_choices()
    if request.method == "GET":
        if mentor is None:
            form.timezone.data = current_company().timezone
        else:
            form.name.data, form.email.data = mentor.external_name, mentor.external_email
            form.hourly_rate.data = from_minor(mentor.hourly_rate_minor,
                                               mentor.currency or current_company().currency)
    if form.validate_on_submit():
        with refusal(form, fields=_COACH_FIELDS) as attempt:
            mentor = mentors.save_coach(current_user, _coach_data(form), mentor)
        if attempt.ok and mentor is not None:
            flash(f"{mentor.name} is saved.", "success")
            return redirect(url_for("mentors.coach", mentor_id=mentor.id))
    return render_template("pathways/mentoring/coach_form.html", form=form, mentor=mentor,
                           offer=_offer_form(mentor) if mentor else None,
                           currency=current_company().currency), 400 if form.errors else 200
