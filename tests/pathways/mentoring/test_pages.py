"""The mentoring pages: navigation per role, becoming a mentor, the availability editor, admins'
coaches, booking from a mentor's page, and the session page's cancel, feedback and attest."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from app.extensions import db
from pathways.capabilities import levels
from pathways.mentoring import availability, matching, mentors
from pathways.mentoring.models import AvailabilityRule, MentorBooking, MentorProfile, OneOffSlot
from tests.querycount import count_queries


def test_nav_shows_mentoring_to_everyone_and_coaches_to_admins(client, auth, acme, admin,
                                                               make_user):
    auth.login(make_user(acme, roles=("executive",)))
    page = client.get("/home").get_data(as_text=True)
    assert 'href="/mentoring"' in page and "/mentoring/coaches" not in page
    assert client.get("/mentoring/coaches").status_code == 403
    auth.logout()
    auth.login(admin)
    assert 'href="/mentoring/coaches"' in client.get("/home").get_data(as_text=True)
    assert client.get("/mentoring/coaches").status_code == 200


def test_an_employee_becomes_a_mentor_offers_a_capability_and_sets_hours(client, auth, acme,
                                                                         make_user, cap):
    ada = make_user(acme, name="Ada")
    auth.login(ada)
    assert "Become a mentor" in client.get("/mentoring/profile").get_data(as_text=True)
    bad = client.post("/mentoring/profile", data={"timezone": "Mars/Base", "monthly_cap": 0,
                                                  "session_minutes": 60})
    assert bad.status_code == 400 and mentors.profile_of(ada) is None
    text = bad.get_data(as_text=True)
    assert "Not a valid choice" in text and "Number must be between 1 and 40" in text
    response = client.post("/mentoring/profile", data={
        "timezone": "Europe/Berlin", "monthly_cap": 3, "session_minutes": 45,
        "bio": "Ask me anything", "active": "y"})
    assert response.status_code == 302
    mine = mentors.profile_of(ada)
    assert (mine.timezone, mine.monthly_cap, mine.session_minutes, mine.active) == (
        "Europe/Berlin", 3, 45, True)
    client.post(f"/mentoring/mentors/{mine.id}/offers",
                data={"offer-capability_id": cap.id, "offer-level": 4})
    assert [(o.capability_id, o.level) for o in mentors.profile_of(ada).capabilities] == [
        (cap.id, 4)]
    page = client.get(f"/mentoring/mentors/{mine.id}/availability")
    assert "All times are in <strong>Europe/Berlin</strong>" in page.get_data(as_text=True)
    wrong = client.post(f"/mentoring/mentors/{mine.id}/availability/weekly", data={
        "rule-weekday": 2, "rule-start_time": "11:00", "rule-end_time": "10:00"})
    assert wrong.status_code == 400
    assert "The end time must be after the start time." in wrong.get_data(as_text=True)
    client.post(f"/mentoring/mentors/{mine.id}/availability/weekly", data={
        "rule-weekday": 2, "rule-start_time": "10:00", "rule-end_time": "12:00"})
    [rule] = db.session.scalars(select(AvailabilityRule)).all()
    assert (rule.weekday, rule.start_time.hour, rule.end_time.hour) == (2, 10, 12)
    soon = (date.today() + timedelta(days=9)).isoformat()
    wrong = client.post(f"/mentoring/mentors/{mine.id}/availability/one-off", data={
        "once-date": soon, "once-start_time": "15:00", "once-end_time": "14:00"})
    assert wrong.status_code == 400
    assert "The end time must be after the start time." in wrong.get_data(as_text=True)
    added = client.post(f"/mentoring/mentors/{mine.id}/availability/one-off", data={
        "once-date": soon, "once-start_time": "14:00", "once-end_time": "15:00"},
        follow_redirects=True)
    assert "Added " in added.get_data(as_text=True)
    [once] = db.session.scalars(select(OneOffSlot)).all()
    assert once.ends_at - once.starts_at == timedelta(hours=1)  # 14:00–15:00 Berlin, kept in UTC
    # Pausing keeps the profile and hides the slots.
    client.post("/mentoring/profile", data={"timezone": "Europe/Berlin", "monthly_cap": 3,
                                            "session_minutes": 45})
    assert mentors.profile_of(ada).active is False
    assert availability.free_slots(mentors.profile_of(ada)) == []


def test_a_mentor_in_my_reporting_line_shows_no_booking_form(client, auth, acme, make_user,
                                                               make_mentor, cap):
    boss = make_user(acme, name="Bo Boss")
    mentor = make_mentor(boss, {cap: 4})
    auth.login(make_user(acme, manager=boss))
    page = client.get(f"/mentoring/mentors/{mentor.id}").get_data(as_text=True)
    assert "is in your reporting line" in page and "Book this slot" not in page


def test_someone_else_cannot_edit_a_mentors_hours(client, auth, acme, make_user, make_mentor,
                                                  cap, fingerprint):
    mentor = make_mentor(make_user(acme), {cap: 4})
    auth.login(make_user(acme))
    before = fingerprint()
    assert client.get(f"/mentoring/mentors/{mentor.id}/availability").status_code == 403
    assert client.post(f"/mentoring/mentors/{mentor.id}/availability/weekly", data={
        "rule-weekday": 1, "rule-start_time": "09:00", "rule-end_time": "11:00"}
    ).status_code == 403
    assert fingerprint() == before


def test_an_admin_adds_and_edits_an_external_coach(client, auth, acme, admin, cap):
    auth.login(admin)
    bad = client.post("/mentoring/coaches/new", data={
        "name": "Cora", "email": "not-an-email", "hourly_rate": "-5", "timezone": "Europe/Paris",
        "monthly_cap": 5, "session_minutes": 60})
    assert bad.status_code == 400 and db.session.scalar(select(MentorProfile.id)) is None
    response = client.post("/mentoring/coaches/new", data={
        "name": "Cora Coach", "email": "Cora@Coaching.test", "hourly_rate": "150.50",
        "timezone": "Europe/Paris", "monthly_cap": 5, "session_minutes": 90, "active": "y"})
    assert response.status_code == 302
    coach = db.session.scalar(select(MentorProfile))
    assert (coach.kind, coach.name, coach.email, coach.hourly_rate_minor, coach.currency) == (
        "external", "Cora Coach", "cora@coaching.test", 15_050, "EUR")
    assert matching.session_price_minor(coach, 90) == 22_575
    form = client.get(f"/mentoring/coaches/{coach.id}").get_data(as_text=True)
    assert 'value="150.50"' in form
    client.post(f"/mentoring/coaches/{coach.id}", data={
        "name": "Cora Coach", "email": "cora@coaching.test", "hourly_rate": "160",
        "timezone": "Europe/Paris", "monthly_cap": 5, "session_minutes": 90, "active": "y"})
    db.session.expire_all()
    assert db.session.get(MentorProfile, coach.id).hourly_rate_minor == 16_000
    listing = client.get("/mentoring/coaches").get_data(as_text=True)
    assert "Cora Coach" in listing and "€160.00 an hour" in listing


def test_finding_from_a_gap_and_booking_from_the_mentor_page(client, auth, acme, make_user,
                                                             make_mentor, cap, make_role,
                                                             assign, evidence, fingerprint):
    emma = make_user(acme, name="Emma")
    assign(emma, make_role(acme, "Engineer", {cap: 3}))
    evidence(emma, cap, 1, "self")
    mentor = make_mentor(make_user(acme, name="Ada Mentor"), {cap: 4},
                         hours=[(d, "09:00", "11:00") for d in range(5)])
    auth.login(emma)
    me = client.get("/me/capabilities").get_data(as_text=True)
    assert f"/mentoring?capability={cap.id}&amp;level=3" in me
    found = client.get(f"/mentoring?capability={cap.id}&level=3").get_data(as_text=True)
    assert "Ada Mentor" in found
    page = client.get(f"/mentoring/mentors/{mentor.id}?tz=America/New_York")
    slot = availability.free_slots(mentor)[0]
    wall = mentors.local_time(slot.starts_at, mentors.zone("America/New_York"), "%H:%M")
    assert f'value="{slot.starts_at.isoformat()}Z"' in page.get_data(as_text=True)
    assert wall in page.get_data(as_text=True)
    before = fingerprint()
    for starts_at, status, message in (
            ("", 400, "Choose a slot."),
            ("2020-01-06T09:00:00Z", 400, "That slot is in the past"),
            ((slot.starts_at + timedelta(minutes=15)).isoformat() + "Z", 400,
             "is not one of Ada Mentor")):
        response = client.post(f"/mentoring/mentors/{mentor.id}/book",
                               data={"starts_at": starts_at})
        assert response.status_code == status and message in response.get_data(as_text=True)
    assert fingerprint() == before
    booked = client.post(f"/mentoring/mentors/{mentor.id}/book", data={
        "starts_at": slot.starts_at.isoformat() + "Z", "capability_id": cap.id})
    booking = db.session.scalar(select(MentorBooking))
    assert booked.headers["Location"].endswith(f"/mentoring/sessions/{booking.id}")
    again = client.post(f"/mentoring/mentors/{mentor.id}/book",
                        data={"starts_at": slot.starts_at.isoformat() + "Z"})
    assert again.status_code == 409
    assert "You have already booked this slot." in again.get_data(as_text=True)
    upcoming = client.get("/mentoring/sessions").get_data(as_text=True)
    assert "Ada Mentor" in upcoming
    home = client.get("/home").get_data(as_text=True)  # the home card lists the next session
    assert f"/mentoring/sessions/{booking.id}" in home and "with Ada Mentor" in home
    assert client.post(f"/mentoring/sessions/{booking.id}/cancel",
                       data={"cancel-reason": "Clash"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(MentorBooking, booking.id).status == "cancelled"


def test_feedback_and_attestation_from_the_session_page(client, auth, acme, make_user,
                                                        make_mentor, past_session, cap):
    emma, ada = make_user(acme, name="Emma"), make_user(acme, name="Ada")
    booking = past_session(emma, make_mentor(ada, {cap: 4}), cap)
    auth.login(emma)
    page = client.get(f"/mentoring/sessions/{booking.id}").get_data(as_text=True)
    assert "How was it?" in page and "Attest progress" not in page
    assert client.post(f"/mentoring/sessions/{booking.id}/feedback",
                       data={"feedback-rating": 9}).status_code == 400
    client.post(f"/mentoring/sessions/{booking.id}/feedback",
                data={"feedback-rating": 4, "feedback-text": "Helpful"})
    auth.logout()
    auth.login(ada)
    page = client.get(f"/mentoring/sessions/{booking.id}").get_data(as_text=True)
    assert "Attest progress" in page and "How was it?" not in page
    too_high = client.post(f"/mentoring/sessions/{booking.id}/attest",
                           data={"attest-capability_id": cap.id, "attest-level": 5})
    assert too_high.status_code == 400 and "from 1 to 4" in too_high.get_data(as_text=True)
    client.post(f"/mentoring/sessions/{booking.id}/attest",
                data={"attest-capability_id": cap.id, "attest-level": 3})
    db.session.expire_all()
    done = db.session.get(MentorBooking, booking.id)
    assert (done.status, done.feedback_rating, done.attested_level) == ("completed", 4, 3)
    assert levels.current_level(emma, cap) == 3
    assert "mentor attestation" in client.get(f"/mentoring/sessions/{booking.id}").get_data(
        as_text=True)


def test_the_busiest_pages_do_not_grow_with_the_data(client, auth, acme, admin, make_user,
                                                     make_mentor, make_coach, past_session, cap):
    emma = make_user(acme)
    mentor = make_mentor(make_user(acme), {cap: 4}, cap=20,
                         hours=[(d, "08:00", "18:00") for d in range(7)])
    auth.login(emma)

    def counts() -> tuple[int, ...]:
        out = []
        for url in ("/mentoring/sessions?tab=past", "/mentoring", f"/mentoring?capability={cap.id}",
                    f"/mentoring/mentors/{mentor.id}"):
            with count_queries() as counter:
                assert client.get(url).status_code == 200
            out.append(counter.count)
        return tuple(out)

    past_session(emma, mentor, cap)
    make_coach(admin, "Coach One", offers={cap: 5})
    small = counts()
    for i in range(4):
        past_session(emma, mentor, cap, days_ago=3 + i)
        make_coach(admin, f"Coach {i + 2}", offers={cap: 5}, email=f"c{i}@coaching.test")
        make_mentor(make_user(acme), {cap: 5})
    assert counts() == small
