"""Mentoring pages for mentees: find a mentor (for a gap), a mentor's free slots, booking, my
sessions with cancel, feedback and attestation."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from zoneinfo import ZoneInfo

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func, select
from werkzeug.wrappers import Response

from app.errors import ValidationError
from app.extensions import db
from app.forms import Form
from app.identity import login_required
from app.models import utcnow
from app.tenancy import current_company, get_or_404
from app.uow import refusal
from pathways.capabilities import gaps, levels, roles
from pathways.capabilities.models import Capability
from pathways.learning.models import Enrolment, PathwayStep

from . import availability, bookings, matching, mentors
from .calendar import viewer_zone
from .forms import AttestForm, BookForm, CancelForm, FeedbackForm
from .models import MentorBooking, MentorCapability, MentorProfile
from .sessions import book_for_step

bp = Blueprint("mentoring", __name__, url_prefix="/mentoring")
DAYS_SHOWN = 7


def display_zone() -> ZoneInfo:
    """The viewer's zone, or the one chosen with ?tz= (ignored when it is not a zone)."""
    try:
        return mentors.zone(request.args.get("tz")) if request.args.get("tz") else viewer_zone(
            current_user)
    except ValidationError:
        return viewer_zone(current_user)


def _offered_capabilities(company_id: int) -> list[Capability]:
    return list(db.session.scalars(select(Capability).where(
        Capability.company_id == company_id, Capability.retired_at.is_(None),
        Capability.id.in_(select(MentorCapability.capability_id).join(
            MentorProfile, MentorProfile.id == MentorCapability.mentor_id).where(
            MentorProfile.company_id == company_id, MentorProfile.active.is_(True))))
        .order_by(Capability.name)))


def _for_step(enrolment_id: object, step_id: object) -> tuple[Enrolment, PathwayStep] | None:
    """The viewer's own enrolment and its step a session is being booked for (else 404)."""
    if not enrolment_id or not step_id:
        return None
    enrolment = get_or_404(Enrolment, enrolment_id)
    step = get_or_404(PathwayStep, step_id)
    if enrolment.user_id != current_user.id or step.pathway_id != enrolment.pathway_id:
        abort(404)
    return enrolment, step


def _step_args(for_step: tuple[Enrolment, PathwayStep] | None) -> dict[str, int]:
    return {"enrolment": for_step[0].id, "step": for_step[1].id} if for_step else {}


@bp.get("")
@login_required
def index() -> str:
    """Find a mentor: by capability and target level, or from one of my gaps."""
    company = current_company()
    capability = matches = None
    target = request.args.get("level", type=int)
    if request.args.get("capability"):
        capability = get_or_404(Capability, request.args.get("capability"))
        target = target or min(levels.current_level(current_user, capability) + 1,
                               capability.framework.scale.max_level)
        matches = matching.mentors_for_gap(current_user, capability, target)
    assignment = roles.assignment(current_user)
    my_gaps: dict[int, gaps.Gap] = {}
    for g in (gaps.gaps(current_user, assignment.role if assignment else None)
              + gaps.gaps(current_user, assignment.target_role if assignment else None)):
        if g.gap and g.target > getattr(my_gaps.get(g.capability_id), "target", 0):
            my_gaps[g.capability_id] = g  # the higher target (the target role's) wins
    page = None
    if capability is None:
        page = db.paginate(matching.mentors_query(company.id), page=request.args.get(
            "page", 1, type=int), per_page=20, error_out=False)
    for_step = _for_step(request.args.get("enrolment"), request.args.get("step"))
    return render_template("pathways/mentoring/index.html", capability=capability, target=target,
                           for_step=for_step, step_args=_step_args(for_step),
                           matches=matches, page=page,
                           my_gaps=sorted(my_gaps.values(), key=lambda g: (-g.gap, g.name))[:8],
                           capabilities=_offered_capabilities(company.id), tz=display_zone(),
                           mine=mentors.profile_of(current_user),
                           horizon_weeks=availability.HORIZON_WEEKS)


def _mentor_page(mentor: MentorProfile, form: BookForm, status: int = 200) -> tuple[str, int]:
    tz = display_zone()
    week = max(0, min(request.args.get("week", 0, type=int), availability.HORIZON_WEEKS - 1))
    now = utcnow()
    start = now + timedelta(days=DAYS_SHOWN * week)
    slots = availability.free_slots(mentor, start, start + timedelta(days=DAYS_SHOWN), now=now)
    days: dict[str, list[availability.Slot]] = {}
    for slot in slots:
        days.setdefault(f"{slot.local(tz):%A %d %B}", []).append(slot)
    form.capability_id.choices = [("", "—")] + [(o.capability_id, o.capability.name)
                                                 for o in mentor.capabilities]
    held = db.session.scalar(select(func.count(MentorBooking.id)).where(
        MentorBooking.mentor_id == mentor.id, MentorBooking.status == "completed")) or 0
    rating = db.session.scalar(select(func.avg(MentorBooking.feedback_rating)).where(
        MentorBooking.mentor_id == mentor.id))
    booked = db.session.scalars(select(MentorBooking).where(
        MentorBooking.mentor_id == mentor.id, MentorBooking.mentee_id == current_user.id,
        MentorBooking.status == "booked", MentorBooking.ends_at > now).order_by(
        MentorBooking.starts_at).limit(5)).all()
    for_step = _for_step(form.enrolment_id.data, form.step_id.data)
    return render_template(
        "pathways/mentoring/mentor.html", mentor=mentor, days=days, tz=tz, week=week,
        for_step=for_step, step_args=_step_args(for_step),
        booked=booked, in_line=mentor.user_id is not None and mentor.user_id != current_user.id
        and mentor.user_id in matching.reporting_line(current_user),
        form=form, mentor_tz=mentors.zone(mentor.timezone), held=held, rating=rating,
        price=matching.session_price_minor(mentor, mentor.session_minutes),
        month_used=availability.sessions_in_month(mentor, now),
        zones=mentors.timezone_names()), status


@bp.get("/mentors/<int:mentor_id>")
@login_required
def mentor(mentor_id: int) -> tuple[str, int]:
    form = BookForm()
    form.capability_id.data = request.args.get("capability", type=int)
    form.enrolment_id.data = request.args.get("enrolment", "")
    form.step_id.data = request.args.get("step", "")
    return _mentor_page(get_or_404(MentorProfile, mentor_id), form)


def _book(mentor: MentorProfile, form: BookForm) -> MentorBooking:
    """Book the slot the form names, for a pathway step when it names one."""
    if not form.validate_on_submit():
        raise ValidationError("Choose a slot.", "starts_at")
    cap = get_or_404(Capability, form.capability_id.data) if form.capability_id.data else None
    starts_at = mentors.parse_instant(form.starts_at.data, "starts_at")
    for_step = _for_step(form.enrolment_id.data, form.step_id.data)
    if for_step is not None:
        return book_for_step(current_user, *for_step, mentor, starts_at, form.agenda.data)
    return bookings.book(current_user, mentor, starts_at, cap, form.agenda.data)


@bp.post("/mentors/<int:mentor_id>/book")
@login_required
def book(mentor_id: int) -> Response | tuple[str, int]:
    mentor = get_or_404(MentorProfile, mentor_id)
    form = BookForm()
    form.capability_id.choices = []
    with refusal() as attempt:
        booking = _book(mentor, form)
    if attempt.error is not None:
        return _mentor_page(mentor, form, attempt.error.status)
    flash(f"Booked: {mentor.name} will meet you. You both get a calendar invitation by e-mail.",
          "success")
    return redirect(url_for("mentoring.booking", booking_id=booking.id))


# --- my sessions -------------------------------------------------------------------------------

@bp.get("/sessions")
@login_required
def sessions() -> str:
    tab = request.args.get("tab", "upcoming")
    if tab == "coaches" and current_user.has_role("admin"):
        query = bookings.coach_bookings_query(current_user.company_id)
    else:
        tab = tab if tab in ("upcoming", "past") else "upcoming"
        query = bookings.bookings_query(current_user, upcoming=tab == "upcoming")
    page = db.paginate(query, page=request.args.get("page", 1, type=int), per_page=20,
                       error_out=False)
    return render_template("pathways/mentoring/sessions.html", page=page, tab=tab,
                           tz=display_zone(), now=utcnow())


def _visible_booking(booking_id: int) -> MentorBooking:
    booking = get_or_404(MentorBooking, booking_id)
    if not bookings.can_view(current_user, booking):
        abort(403)
    return booking


def _booking_page(booking: MentorBooking, status: int = 200, **forms: Form) -> tuple[str, int]:
    """The session page; `forms` are the ones just submitted (shown again with their errors)."""
    attest = forms.get("attest") or AttestForm(prefix="attest")
    attest.capability_id.choices = [(o.capability_id, o.capability.name)
                                    for o in booking.mentor.capabilities]
    top = max((o.level for o in booking.mentor.capabilities), default=0)
    attest.level.choices = [(n, f"Level {n}") for n in range(1, top + 1)]
    if attest.capability_id.data is None and booking.capability_id:
        attest.capability_id.data = booking.capability_id
    now = utcnow()
    return render_template(
        "pathways/mentoring/session.html", booking=booking, tz=display_zone(), now=now,
        cancel_form=forms.get("cancel") or CancelForm(prefix="cancel"),
        feedback_form=forms.get("feedback") or FeedbackForm(prefix="feedback"),
        attest_form=attest, is_mentee=booking.mentee_id == current_user.id,
        acts_for_mentor=bookings.can_act_for_mentor(current_user, booking),
        ended=booking.ends_at <= now,
        level=levels.levels_of(booking.mentee, [booking.attested_capability_id]).get(
            booking.attested_capability_id) if booking.attested_capability_id else None), status


@bp.get("/sessions/<int:booking_id>")
@login_required
def booking(booking_id: int) -> tuple[str, int]:
    return _booking_page(_visible_booking(booking_id))


def _act(booking_id: int, form_name: str, form: Form,
         action: Callable[[MentorBooking], object], done: str) -> Response | tuple[str, int]:
    booking = _visible_booking(booking_id)
    with refusal() as attempt:
        if not form.validate_on_submit():
            raise ValidationError(next(iter(form.errors.values()))[0])
        action(booking)
    if attempt.error is not None:
        return _booking_page(_visible_booking(booking_id), attempt.error.status,
                             **{form_name: form})
    flash(done, "success")
    return redirect(url_for("mentoring.booking", booking_id=booking_id))


@bp.post("/sessions/<int:booking_id>/cancel")
@login_required
def cancel(booking_id: int) -> Response | tuple[str, int]:
    form = CancelForm(prefix="cancel")
    return _act(booking_id, "cancel", form, lambda b: bookings.cancel(
        current_user, b, form.reason.data), "Session cancelled; both of you get a cancellation "
        "for your calendars.")


@bp.post("/sessions/<int:booking_id>/feedback")
@login_required
def feedback(booking_id: int) -> Response | tuple[str, int]:
    form = FeedbackForm(prefix="feedback")
    return _act(booking_id, "feedback", form, lambda b: bookings.leave_feedback(
        current_user, b, form.rating.data, form.text.data), "Thank you for your feedback.")


@bp.post("/sessions/<int:booking_id>/attest")
@login_required
def attest(booking_id: int) -> Response | tuple[str, int]:
    form = AttestForm(prefix="attest")
    form.capability_id.choices = form.level.choices = []

    def action(b: MentorBooking) -> None:
        cap = get_or_404(Capability, form.capability_id.data)
        bookings.attest(current_user, b, cap, form.level.data or 0, form.note.data)

    return _act(booking_id, "attest", form, action, "Progress attested: it now counts as "
                "mentor-attestation evidence for the level rule.")
