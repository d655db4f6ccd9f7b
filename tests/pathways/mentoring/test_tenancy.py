"""Another company's mentors, availability, bookings and capabilities are a 404 on every
mentoring route, HTML and API, and change nothing."""

from __future__ import annotations

from datetime import date, time

from sqlalchemy import select

from app.auth import service as accounts
from app.extensions import db
from pathways.mentoring import availability
from pathways.mentoring.models import AvailabilityRule, OneOffSlot
from tests.tenancy import Route, assert_foreign_404

ALL = ("admin", "manager", "employee", "executive")


def test_foreign_mentoring_ids_are_404_everywhere(app, client, auth, acme, globex, admin,
                                                  make_user, make_mentor, make_coach, cap,
                                                  make_capability, past_session):
    # Acme: a mentor with weekly and one-off hours, a coach, a past and an upcoming session.
    ada = make_user(acme, name="Ada")
    mentor = make_mentor(ada, {cap: 4})
    coach = make_coach(admin, offers={cap: 5})
    window = availability.add_one_off(ada, mentor, date.today().replace(day=1).replace(
        year=date.today().year + (date.today().month == 12),
        month=date.today().month % 12 + 1), time(9), time(11))
    db.session.commit()
    booking = past_session(make_user(acme), mentor, cap)
    rule_id = db.session.scalar(select(AvailabilityRule.id).where(
        AvailabilityRule.mentor_id == mentor.id))
    slot = availability.free_slots(mentor)[0].starts_at.isoformat() + "Z"
    m, c, b, k, w = mentor.id, coach.id, booking.id, cap.id, window.id
    assert db.session.get(OneOffSlot, w) is not None

    # Globex: holds every access role, is a mentor itself and has a session of its own.
    hank = make_user(globex, roles=ALL)
    own_cap = make_capability(globex, "Own")
    own = make_mentor(hank, {own_cap: 4})
    own_booking = past_session(make_user(globex), own, own_cap)
    _t, token = accounts.create_token(hank, "t")
    db.session.commit()
    bearer = {"Authorization": f"Bearer {token}"}
    auth.login(hank)

    routes = [
        Route("GET", f"/mentoring?capability={k}"),
        Route("GET", f"/mentoring/mentors/{m}"),
        Route("POST", f"/mentoring/mentors/{m}/book", form={"starts_at": slot}),
        Route("POST", f"/mentoring/mentors/{own.id}/book",
              form={"starts_at": slot, "capability_id": k}),
        Route("GET", f"/mentoring/sessions/{b}"),
        Route("POST", f"/mentoring/sessions/{b}/cancel", form={}),
        Route("POST", f"/mentoring/sessions/{b}/feedback", form={"feedback-rating": 5}),
        Route("POST", f"/mentoring/sessions/{b}/attest",
              form={"attest-capability_id": k, "attest-level": 2}),
        Route("POST", f"/mentoring/sessions/{own_booking.id}/attest",
              form={"attest-capability_id": k, "attest-level": 2}),
        Route("POST", f"/mentoring/mentors/{m}/offers",
              form={"offer-capability_id": k, "offer-level": 2}),
        Route("POST", f"/mentoring/mentors/{own.id}/offers",
              form={"offer-capability_id": k, "offer-level": 2}),
        Route("POST", f"/mentoring/mentors/{m}/offers/{k}/delete", form={}),
        Route("POST", f"/mentoring/mentors/{own.id}/offers/{k}/delete", form={}),
        Route("GET", f"/mentoring/mentors/{m}/availability"),
        Route("POST", f"/mentoring/mentors/{m}/availability/weekly",
              form={"rule-weekday": 1, "rule-start_time": "09:00", "rule-end_time": "11:00"}),
        Route("POST", f"/mentoring/mentors/{m}/availability/one-off",
              form={"once-date": "2030-01-02", "once-start_time": "09:00",
                    "once-end_time": "11:00"}),
        Route("POST", f"/mentoring/mentors/{m}/availability/weekly/{rule_id}/delete", form={}),
        Route("POST", f"/mentoring/mentors/{own.id}/availability/weekly/{rule_id}/delete",
              form={}),
        Route("POST", f"/mentoring/mentors/{own.id}/availability/one-off/{w}/delete", form={}),
        Route("GET", f"/mentoring/coaches/{c}"),
        Route("POST", f"/mentoring/coaches/{c}", form={"name": "Stolen", "email": "x@y.test",
                                                       "hourly_rate": "1", "timezone": "UTC",
                                                       "monthly_cap": 2, "session_minutes": 60}),
    ]
    assert_foreign_404(client, routes)
    api = app.test_client()  # no session cookie: the bearer token alone
    routes = [
        Route("GET", f"/api/v1/mentors?capability_id={k}", headers=bearer),
        Route("GET", f"/api/v1/mentors/{m}", headers=bearer),
        Route("GET", f"/api/v1/mentors/{m}/slots", headers=bearer),
        Route("POST", "/api/v1/mentor-bookings", json={"mentor_id": m, "starts_at": slot},
              headers=bearer),
        Route("POST", "/api/v1/mentor-bookings", json={
            "mentor_id": own.id, "starts_at": slot, "capability_id": k}, headers=bearer),
        Route("GET", f"/api/v1/mentor-bookings/{b}", headers=bearer),
        Route("POST", f"/api/v1/mentor-bookings/{b}/cancel", json={}, headers=bearer),
        Route("POST", f"/api/v1/mentor-bookings/{b}/feedback", json={"rating": 5},
              headers=bearer),
        Route("POST", f"/api/v1/mentor-bookings/{b}/attestation",
              json={"capability_id": k, "level": 2}, headers=bearer),
        Route("POST", f"/api/v1/mentor-bookings/{own_booking.id}/attestation",
              json={"capability_id": k, "level": 2}, headers=bearer),
    ]
    assert_foreign_404(api, routes)
    # And the lists show nothing of Acme's.
    page = client.get("/mentoring").get_data(as_text=True)
    assert "Ada" not in page and "Cora Coach" not in page
    listed = api.get("/api/v1/mentors", headers=bearer).get_json()["items"]
    assert [x["id"] for x in listed] == [own.id]
