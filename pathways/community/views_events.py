"""Event pages: scheduling (on the community blueprint), the event page in the viewer's zone,
RSVP and cancel, attendance, and the `.ics` download at /events/<id>.ics."""

from __future__ import annotations

from datetime import datetime

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from app.forms import ConfirmForm, as_choices
from app.identity import login_required
from app.models import utcnow
from app.tenancy import get_or_404
from app.uow import refusal
from pathways.mentoring.mentors import timezone_names

from . import communities, events
from .forms import EventForm
from .models import CommunityEvent
from .views import bp as community_bp
from .views import load_community

bp = Blueprint("events", __name__, url_prefix="/events")


def load_event(event_id: int) -> CommunityEvent:
    event = get_or_404(CommunityEvent, event_id)
    if not communities.may_read(current_user, event.community):
        abort(404)
    return event


@community_bp.route("/<int:community_id>/events/new", methods=["GET", "POST"])
@login_required
def new_event(community_id: int) -> Response | str:
    community = load_community(community_id)
    if not communities.may_read(current_user, community):
        abort(404)
    form = EventForm()
    form.timezone.choices = as_choices([(n, n.replace("_", " ")) for n in timezone_names()])
    if request.method == "GET":
        form.timezone.data = events.viewer_zone(current_user).key
    if form.validate_on_submit():
        with refusal(form, default="title") as attempt:
            event = events.schedule(current_user, community, events.EventData(
                form.title.data or "", form.kind.data or "talk",
                form.starts_at.data or datetime.min, form.minutes.data or 60,
                form.timezone.data or "UTC", form.capacity.data, form.online_url.data,
                form.place.data, form.description.data or ""))
        if attempt.ok:
            flash("Scheduled.", "success")
            return redirect(url_for("events.show", event_id=event.id))
    return render_template("pathways/community/new_event.html", form=form, community=community)


@bp.get("/<int:event_id>")
@login_required
def show(event_id: int) -> str:
    event = load_event(event_id)
    organiser = event.organiser_id == current_user.id or communities.may_moderate(
        current_user, event.community)
    return render_template(
        "pathways/community/event.html", event=event, community=event.community,
        when=events.when(event, events.viewer_zone(current_user)),
        mine=events.rsvp_of(current_user, event), confirm=ConfirmForm(),
        member=communities.is_member(current_user, event.community), organiser=organiser,
        attendees=events.attendees(event) if organiser else [], now=utcnow(),
        kinds=events.KINDS)


@bp.get("/<int:event_id>.ics")
@login_required
def ics(event_id: int) -> Response:
    event = load_event(event_id)
    return Response(events.ics(event), mimetype="text/calendar", headers={
        "Content-Disposition": f'attachment; filename="event-{event.id}.ics"'})


@bp.post("/<int:event_id>/rsvp")
@login_required
def rsvp(event_id: int) -> Response:
    event = load_event(event_id)
    if ConfirmForm().validate_on_submit():
        with refusal() as attempt:
            events.rsvp(current_user, event)
        if attempt.ok:
            flash("You are going. Add it to your calendar with the .ics file.", "success")
    return redirect(url_for("events.show", event_id=event.id))


@bp.post("/<int:event_id>/cancel")
@login_required
def cancel(event_id: int) -> Response:
    event = load_event(event_id)
    if ConfirmForm().validate_on_submit():
        with refusal():
            events.cancel_rsvp(current_user, event)
        flash("Your seat is free again.", "success")
    return redirect(url_for("events.show", event_id=event.id))


@bp.post("/<int:event_id>/attendance")
@login_required
def attendance(event_id: int) -> Response:
    event = load_event(event_id)
    if ConfirmForm().validate_on_submit():
        came = {int(v) for v in request.form.getlist("attended") if v.isdigit()}
        with refusal() as attempt:
            count = events.mark_attended(current_user, event, came)
        if attempt.ok:
            flash(f"Attendance saved: {count} came.", "success")
    return redirect(url_for("events.show", event_id=event.id))
