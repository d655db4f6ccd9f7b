"""The mentoring API: mentors with filters, free slots, booking (201/409/400), cancel, feedback,
attestation, and the OpenAPI document."""

from __future__ import annotations

from datetime import timedelta

from app.extensions import db
from pathways.mentoring import availability
from pathways.mentoring.models import MentorBooking


def iso(dt):
    return dt.isoformat() + "Z"


def test_mentors_filter_by_capability_and_level(acme, admin, api_as, make_user, make_mentor,
                                                make_coach, cap, make_capability):
    stats = make_capability(acme, "Statistics")
    make_mentor(make_user(acme, name="Ada"), {cap: 3})
    make_mentor(make_user(acme, name="Bob"), {cap: 5, stats: 2})
    make_coach(admin, "Cora Coach", rate=10_000, offers={stats: 5})
    api = api_as(make_user(acme))
    every = api.get("/api/v1/mentors").get_json()
    assert [m["name"] for m in every["items"]] == ["Ada", "Bob", "Cora Coach"]
    cora = every["items"][2]
    assert (cora["kind"], cora["hourly_rate_minor"], cora["session_price_minor"],
            cora["currency"]) == ("external", 10_000, 10_000, "EUR")
    names = lambda url: [m["name"] for m in api.get(url).get_json()["items"]]  # noqa: E731
    assert names(f"/api/v1/mentors?capability_id={cap.id}") == ["Ada", "Bob"]
    assert names(f"/api/v1/mentors?capability_id={cap.id}&min_level=4") == ["Bob"]
    assert names(f"/api/v1/mentors?capability_id={stats.id}&min_level=3") == ["Cora Coach"]
    bad = api.get("/api/v1/mentors?min_level=high")
    assert bad.status_code == 400 and bad.get_json()["error"]["field"] == "min_level"


def test_slots_between_from_and_to(acme, api_as, make_user, make_mentor, cap):
    mentor = make_mentor(make_user(acme), {cap: 4}, hours=[(0, "09:00", "11:00")])
    api = api_as(make_user(acme))
    free = availability.free_slots(mentor)
    start = free[0].starts_at - timedelta(hours=1)
    body = api.get(f"/api/v1/mentors/{mentor.id}/slots?from={iso(start)}"
                   f"&to={iso(start + timedelta(days=1))}").get_json()
    assert body["timezone"] == "Europe/London"
    # That day's free slots: two, or one when the test runs during the first (it has begun).
    day = [s for s in free if s.ends_at <= start + timedelta(days=1)]
    assert 1 <= len(day) <= 2
    assert body["items"] == [{"starts_at": iso(s.starts_at), "ends_at": iso(s.ends_at)}
                             for s in day]
    for query, field in (("from=yesterday", "from"), (f"from={iso(start)}&to={iso(start)}", "to"),
                         (f"to={iso(start + timedelta(days=90))}", "to"),
                         ("from=2026-12-07T09:00:00", "from")):
        response = api.get(f"/api/v1/mentors/{mentor.id}/slots?{query}")
        assert response.status_code == 400, query
        assert response.get_json()["error"]["field"] == field


def test_book_then_lose_the_race_then_cancel(acme, api_as, make_user, make_mentor, cap,
                                             fingerprint):
    ada = make_user(acme, name="Ada")
    mentor = make_mentor(ada, {cap: 4})
    emma, finn = api_as(make_user(acme)), api_as(make_user(acme))
    slot = availability.free_slots(mentor)[0]
    created = emma.post("/api/v1/mentor-bookings", json={
        "mentor_id": mentor.id, "starts_at": iso(slot.starts_at), "capability_id": cap.id})
    assert created.status_code == 201
    booking = created.get_json()
    assert (booking["status"], booking["price_minor"], booking["starts_at"]) == (
        "booked", 0, iso(slot.starts_at))
    before = fingerprint()
    lost = finn.post("/api/v1/mentor-bookings", json={"mentor_id": mentor.id,
                                                      "starts_at": iso(slot.starts_at)})
    assert lost.status_code == 409
    assert lost.get_json()["error"]["message"].startswith("That slot has just been booked")
    assert fingerprint() == before
    assert finn.post(f"/api/v1/mentor-bookings/{booking['id']}/cancel").status_code == 403
    cancelled = emma.post(f"/api/v1/mentor-bookings/{booking['id']}/cancel",
                          json={"reason": "Clash"})
    assert cancelled.get_json()["status"] == "cancelled"
    listed = api_as(ada).get("/api/v1/mentor-bookings?upcoming=0").get_json()
    assert [b["id"] for b in listed["items"]] == [booking["id"]]


def test_bad_booking_requests_are_400_and_change_nothing(acme, api_as, make_user, make_mentor,
                                                         cap, fingerprint):
    mentor = make_mentor(make_user(acme), {cap: 4})
    slot = availability.free_slots(mentor)[0]
    api = api_as(make_user(acme))
    before = fingerprint()
    for payload, field in (
            ({"starts_at": iso(slot.starts_at)}, "mentor_id"),
            ({"mentor_id": mentor.id}, "starts_at"),
            ({"mentor_id": mentor.id, "starts_at": "next monday"}, "starts_at"),
            ({"mentor_id": mentor.id, "starts_at": iso(slot.starts_at + timedelta(minutes=5))},
             "starts_at"),
            ({"mentor_id": mentor.id, "starts_at": iso(slot.starts_at - timedelta(weeks=3))},
             "starts_at"),
            ({"mentor_id": mentor.id, "starts_at": iso(slot.starts_at), "agenda": 5}, "agenda")):
        response = api.post("/api/v1/mentor-bookings", json=payload)
        assert response.status_code == 400, payload
        assert response.get_json()["error"]["field"] == field, payload
    assert fingerprint() == before


def test_feedback_and_attestation_over_the_api(acme, api_as, make_user, make_mentor,
                                               past_session, cap):
    emma, ada = make_user(acme), make_user(acme, name="Ada")
    booking = past_session(emma, make_mentor(ada, {cap: 4}), cap)
    as_emma, as_ada = api_as(emma), api_as(ada)
    assert as_emma.post(f"/api/v1/mentor-bookings/{booking.id}/feedback",
                        json={"rating": 9}).status_code == 400
    done = as_emma.post(f"/api/v1/mentor-bookings/{booking.id}/feedback",
                        json={"rating": 5, "text": "Great"})
    assert done.get_json()["feedback_rating"] == 5
    refused = as_emma.post(f"/api/v1/mentor-bookings/{booking.id}/attestation",
                           json={"capability_id": cap.id, "level": 3})
    assert refused.status_code == 403
    attested = as_ada.post(f"/api/v1/mentor-bookings/{booking.id}/attestation",
                           json={"capability_id": cap.id, "level": 3})
    assert attested.status_code == 200 and attested.get_json()["attested_level"] == 3
    levels = as_emma.get(f"/api/v1/employees/{emma.id}/levels").get_json()["items"]
    assert [(lv["level"], lv["decided_by"]["source"]) for lv in levels] == [(3, "mentor")]
    db.session.expire_all()
    assert db.session.get(MentorBooking, booking.id).status == "completed"


def test_openapi_documents_the_mentoring_endpoints(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    for path, method in (("/api/v1/mentors", "get"), ("/api/v1/mentors/{mentor_id}/slots", "get"),
                         ("/api/v1/mentor-bookings", "post"),
                         ("/api/v1/mentor-bookings/{booking_id}/cancel", "post")):
        assert method in spec["paths"][path], path
    assert {"Mentor", "Slot", "MentorBooking"} <= set(spec["components"]["schemas"])
