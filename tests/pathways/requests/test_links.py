"""Requests meet pathways and mentoring: step completion, paid coach sessions."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.errors import Conflict, PermissionDenied
from app.extensions import db
from app.models import utcnow
from pathways.catalogue.models import OfferingCompletion
from pathways.learning.models import StepCompletion
from pathways.mentoring import bookings
from pathways.mentoring.models import MentorBooking, MentorProfile
from pathways.requests import submit, transitions

from .conftest import assert_ledger_ok
from .test_stories import balances


@pytest.fixture
def w(acme_world, give, fund):
    give(acme_world.ada, 100_000)
    fund(acme_world.company, 1_000_000, acme_world.harriet)
    return acme_world


@pytest.fixture
def coach_session(w):
    def factory(mentee=None, price=15_000, days=10):
        coach = MentorProfile(company_id=w.company.id, kind="external", external_name="Coach Kim",
                              hourly_rate_minor=price, currency="EUR")
        db.session.add(coach)
        db.session.flush()
        start = (utcnow() + timedelta(days=days)).replace(microsecond=0)
        booking = MentorBooking(company_id=w.company.id, mentor_id=coach.id,
                                mentee_id=(mentee or w.ada).id, starts_at=start,
                                ends_at=start + timedelta(hours=1), price_minor=price,
                                currency="EUR", ical_uid=f"uid-{start.timestamp()}-{coach.id}")
        db.session.add(booking)
        db.session.commit()
        return booking

    return factory


def test_completing_a_pathway_step_request_completes_the_step(w, make_offering, enrol_in_step):
    offering = make_offering(w.company, 15_000, "Safety basics")
    enrolment, step = enrol_in_step(w.ada, offering)
    req = submit.create_for_offering(w.ada, offering, None)
    assert req.status == "purchased"  # auto-approved step, auto purchase
    transitions.complete(w.ada, req, "Certificate SB-1")
    db.session.commit()
    done = db.session.scalar(select(StepCompletion).where(StepCompletion.step_id == step.id))
    assert done is not None and done.enrolment_id == enrolment.id
    completion = db.session.scalar(select(OfferingCompletion))
    assert completion.reference == f"request:{req.id}"
    assert_ledger_ok()  # noqa: F405


def test_a_step_already_done_still_records_the_offering(w, make_offering, enrol_in_step):
    offering = make_offering(w.company, 15_000)
    enrolment, step = enrol_in_step(w.ada, offering)
    req = submit.create_for_offering(w.ada, offering, None)
    db.session.add(StepCompletion(company_id=w.company.id, enrolment_id=enrolment.id,
                                  step_id=step.id, user_id=w.ada.id, status="done"))
    db.session.commit()
    transitions.complete(w.ada, req, None)
    db.session.commit()
    assert req.status == "completed"
    assert db.session.scalar(select(OfferingCompletion.reference)) == f"request:{req.id}"


def test_a_paid_coach_session_is_requested_approved_and_completed(w, coach_session):
    booking = coach_session()
    req = submit.create_for_booking(w.ada, booking, "Negotiation coaching")
    db.session.commit()
    assert (req.kind, booking.learning_request_id, req.price_minor) == ("mentor_booking", req.id,
                                                                        15_000)
    assert req.title.startswith("Session with Coach Kim")
    transitions.approve(w.max, req)
    transitions.complete(w.ada, req, "Good session")
    db.session.commit()
    assert req.status == "completed"
    assert balances(w.ada) == (85_000, 0, 15_000)
    with pytest.raises(Conflict, match="already funded"):
        submit.create_for_booking(w.ada, booking, None)
    assert_ledger_ok()  # noqa: F405


def test_rejecting_a_session_request_frees_the_slot(w, coach_session):
    booking = coach_session()
    req = submit.create_for_booking(w.ada, booking, None)
    transitions.reject(w.max, req, "Use an internal mentor")
    db.session.commit()
    assert booking.status == "cancelled" and balances(w.ada) == (100_000, 0, 0)
    assert_ledger_ok()  # noqa: F405


def test_cancelling_the_session_withdraws_its_request(w, coach_session):
    booking = coach_session()
    req = submit.create_for_booking(w.ada, booking, None)
    db.session.commit()
    bookings.cancel(w.ada, booking, "Clash with a release")
    db.session.commit()
    assert req.status == "cancelled" and balances(w.ada) == (100_000, 0, 0)
    assert req.events[-1].comment == "The mentor session was cancelled."
    assert_ledger_ok()  # noqa: F405


def test_only_the_mentee_requests_a_session(w, coach_session, make_user):
    booking = coach_session()
    with pytest.raises(PermissionDenied):
        submit.create_for_booking(w.max, booking, None)


def test_session_request_over_the_api(w, coach_session, api_as):
    booking = coach_session()
    r = api_as(w.ada).post("/api/v1/learning-requests", json={"mentor_booking_id": booking.id})
    assert r.status_code == 201
    assert (r.get_json()["kind"], r.get_json()["mentor_booking_id"]) == ("mentor_booking",
                                                                        booking.id)


@pytest.mark.parametrize(("who", "sees_session", "back"), [
    ("ada", True, ("/requests", "My requests")),
    ("harriet", True, ("/requests/inbox", "Approvals inbox")),
    ("max", False, ("/requests/inbox", "Approvals inbox")),
    ("executive", False, ("/requests/all", "All requests")),
])
def test_a_session_request_links_only_to_pages_the_viewer_may_open(w, coach_session, make_user,
                                                                   auth, client, who,
                                                                   sees_session, back):
    """The mentee and admins open the session; her manager and an executive see the request
    but not the session's page (it was a link to a 403), and "back" goes to a list they have."""
    booking = coach_session()
    req = submit.create_for_booking(w.ada, booking, None)
    db.session.commit()
    viewer = (make_user(w.company, roles=("executive", "employee")) if who == "executive"
              else getattr(w, who))
    auth.login(viewer)
    page = client.get(f"/requests/{req.id}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert (f'href="/mentoring/sessions/{booking.id}"' in html) is sees_session
    assert f'<a href="{back[0]}">← {back[1]}</a>' in html
    assert client.get(back[0]).status_code == 200
    assert client.get(f"/mentoring/sessions/{booking.id}").status_code == (
        200 if sees_session else 403)
