"""A pathway's mentor-session step, booked from the step: the booking is linked to it, and
when the session is held (feedback or attestation) the step is done."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.errors import Conflict, PermissionDenied, ValidationError
from app.extensions import db
from pathways.learning import enrolments
from pathways.learning.builder import StepData
from pathways.learning.models import StepCompletion
from pathways.mentoring import availability, bookings, sessions
from pathways.mentoring.models import MentorBooking
from tests.conftest import PASSWORD
from tests.pathways.learning.conftest import make_pathway  # noqa: F401  (fixtures)


@pytest.fixture
def story(acme, admin, cap, make_user, make_mentor, make_pathway):  # noqa: F811
    """Ada is on "Lead well": a reading, then a mentor session on Stakeholder management 3;
    Olga mentors it at level 4."""
    ada = make_user(acme, name="Ada", email="ada@acme.test")
    olga = make_mentor(make_user(acme, name="Olga"), {cap: 4})
    path = make_pathway(acme, "Lead well", [
        StepData("reading", "Read the playbook", url="https://r.test"),
        StepData("mentor_session", capability_id=cap.id, to_level=3)])
    reading, session_step = sorted(path.steps, key=lambda s: s.position)
    enrolment = enrolments.enrol_self(ada, path)
    db.session.commit()
    return dict(ada=ada, olga=olga, path=path, reading=reading, step=session_step,
                enrolment=enrolment)


def done_steps(enrolment) -> dict[int, str]:
    return dict(db.session.execute(select(StepCompletion.step_id, StepCompletion.status).where(
        StepCompletion.enrolment_id == enrolment.id)).all())


def test_booking_from_the_step_links_the_session_to_it(app, story, cap):
    ada, enrolment, step, olga = story["ada"], story["enrolment"], story["step"], story["olga"]
    client = app.test_client()
    client.post("/login", data={"email": ada.email, "password": PASSWORD})
    page = client.get(f"/me/learning/{enrolment.id}").get_data(as_text=True)
    assert "Book a mentor for this step" in page
    found = client.get(f"/me/learning/{enrolment.id}/steps/{step.id}/book")
    assert found.status_code == 302
    finder = client.get(found.headers["Location"]).get_data(as_text=True)
    assert "Mentor session on Stakeholder management" in finder and "Olga" in finder
    link = f"/mentoring/mentors/{olga.id}?capability={cap.id}&amp;enrolment={enrolment.id}" \
           f"&amp;step={step.id}"
    assert link in finder
    slot = availability.free_slots(olga)[0]
    response = client.post(f"/mentoring/mentors/{olga.id}/book", data={
        "starts_at": slot.starts_at.isoformat() + "Z", "enrolment_id": enrolment.id,
        "step_id": step.id})
    assert response.status_code == 302
    booking = db.session.scalar(select(MentorBooking))
    assert (booking.enrolment_id, booking.step_id, booking.capability_id) == (
        enrolment.id, step.id, cap.id)
    page = client.get(f"/me/learning/{enrolment.id}").get_data(as_text=True)
    assert "Session booked with <strong>Olga</strong>" in page


def test_feedback_after_the_session_completes_the_step(story):
    ada, enrolment, step, olga = story["ada"], story["enrolment"], story["step"], story["olga"]
    enrolments.complete_step(ada, enrolment, story["reading"], "read")
    slot = availability.free_slots(olga)[0]
    booking = sessions.book_for_step(ada, enrolment, step, olga, slot.starts_at)
    db.session.commit()
    bookings.leave_feedback(ada, booking, 5, "great",
                                   now=booking.ends_at + timedelta(minutes=1))
    db.session.commit()
    assert done_steps(enrolment) == {story["reading"].id: "done", step.id: "done"}
    assert enrolment.status == "completed"


def test_an_attestation_completes_the_step_once(story, cap):
    ada, enrolment, step, olga = story["ada"], story["enrolment"], story["step"], story["olga"]
    enrolments.complete_step(ada, enrolment, story["reading"], "read")
    booking = sessions.book_for_step(ada, enrolment, step, olga,
                                             availability.free_slots(olga)[0].starts_at)
    after = booking.ends_at + timedelta(minutes=1)
    bookings.attest(olga.user, booking, cap, 3, now=after)
    bookings.leave_feedback(ada, booking, 4, now=after)  # a second "held": no change
    db.session.commit()
    assert done_steps(enrolment)[step.id] == "done"


def test_a_locked_step_is_left_open_when_the_session_is_held(story):
    ada, enrolment, step, olga = story["ada"], story["enrolment"], story["step"], story["olga"]
    step.prerequisites = [story["reading"]]
    booking = sessions.book_for_step(ada, enrolment, step, olga,
                                             availability.free_slots(olga)[0].starts_at)
    bookings.leave_feedback(ada, booking, 5, now=booking.ends_at + timedelta(minutes=1))
    db.session.commit()
    assert done_steps(enrolment) == {}


def test_one_session_per_step_and_only_for_your_own_mentor_steps(story, acme, make_user):
    ada, enrolment, step, olga = story["ada"], story["enrolment"], story["step"], story["olga"]
    first, second = availability.free_slots(olga)[:2]
    booking = sessions.book_for_step(ada, enrolment, step, olga, first.starts_at)
    with pytest.raises(Conflict, match="already booked"):
        sessions.book_for_step(ada, enrolment, step, olga, second.starts_at)
    bookings.cancel(ada, booking)
    sessions.book_for_step(ada, enrolment, step, olga, second.starts_at)  # rebook
    with pytest.raises(ValidationError, match="not a mentor-session step"):
        sessions.check_step(ada, enrolment, story["reading"])
    with pytest.raises(PermissionDenied):
        sessions.check_step(make_user(acme), enrolment, step)


def test_the_api_books_for_a_step_and_names_a_missing_half(api_as, story):
    ada, enrolment, step, olga = story["ada"], story["enrolment"], story["step"], story["olga"]
    api = api_as(ada)
    slot = availability.free_slots(olga)[0].starts_at.isoformat() + "Z"
    half = api.post("/api/v1/mentor-bookings", json={"mentor_id": olga.id, "starts_at": slot,
                                                     "enrolment_id": enrolment.id})
    assert half.status_code == 400 and half.get_json()["error"]["field"] == "step_id"
    wrong = api.post("/api/v1/mentor-bookings", json={
        "mentor_id": olga.id, "starts_at": slot, "enrolment_id": enrolment.id,
        "step_id": story["reading"].id})
    assert wrong.status_code == 400 and "mentor-session" in wrong.get_json()["error"]["message"]
    response = api.post("/api/v1/mentor-bookings", json={
        "mentor_id": olga.id, "starts_at": slot, "enrolment_id": enrolment.id,
        "step_id": step.id})
    assert response.status_code == 201, response.get_json()
    assert (response.get_json()["enrolment_id"], response.get_json()["step_id"]) == (
        enrolment.id, step.id)
