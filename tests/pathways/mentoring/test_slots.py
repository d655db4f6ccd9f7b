"""Availability in the mentor's time zone becomes UTC slots, across daylight-saving changes."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest

from app.errors import ValidationError
from app.extensions import db
from pathways.mentoring import availability, bookings, mentors

from .conftest import next_weekday


def starts(mentor, start, end):
    return [s.starts_at for s in availability.offered(mentor, start, end)]


def test_weekly_hours_stay_at_nine_local_when_london_falls_back(acme, make_user, make_mentor):
    mentor = make_mentor(make_user(acme), hours=[(0, "09:00", "11:00")])
    # London leaves summer time on Sunday 25 October 2026.
    got = starts(mentor, datetime(2026, 10, 19), datetime(2026, 11, 2))
    assert got == [datetime(2026, 10, 19, 8), datetime(2026, 10, 19, 9),   # 09:00, 10:00 BST
                   datetime(2026, 10, 26, 9), datetime(2026, 10, 26, 10)]  # 09:00, 10:00 GMT


def test_new_york_mentor_moves_a_week_later_than_london(acme, make_user, make_mentor):
    mentor = make_mentor(make_user(acme), tz="America/New_York", hours=[(0, "09:00", "10:00")])
    # US clocks go back on 1 November 2026, a week after Europe's.
    got = starts(mentor, datetime(2026, 10, 19), datetime(2026, 11, 10))
    assert got == [datetime(2026, 10, 19, 13), datetime(2026, 10, 26, 13),
                   datetime(2026, 11, 2, 14), datetime(2026, 11, 9, 14)]


def test_the_hour_skipped_in_spring_is_not_offered(acme, make_user, make_mentor):
    mentor = make_mentor(make_user(acme), minutes=30, hours=[(6, "01:00", "03:00")])
    # Sunday 29 March 2026: London's clocks jump from 01:00 to 02:00.
    got = starts(mentor, datetime(2026, 3, 29), datetime(2026, 3, 30))
    assert got == [datetime(2026, 3, 29, 1), datetime(2026, 3, 29, 1, 30)]  # 02:00, 02:30 BST
    # The Sunday before, all four half hours exist.
    assert len(starts(mentor, datetime(2026, 3, 22), datetime(2026, 3, 23))) == 4


def test_the_hour_repeated_in_autumn_is_offered_once(acme, make_user, make_mentor):
    mentor = make_mentor(make_user(acme), hours=[(6, "00:00", "03:00")])
    got = starts(mentor, datetime(2026, 10, 24, 20), datetime(2026, 10, 25, 6))
    # 00:00 and 01:00 BST (first occurrence), then 02:00 GMT: three sessions, no duplicates.
    assert got == [datetime(2026, 10, 24, 23), datetime(2026, 10, 25, 0),
                   datetime(2026, 10, 25, 2)]


def test_one_off_window_is_entered_in_the_mentors_zone(acme, make_user, make_mentor):
    ada = make_user(acme)
    mentor = make_mentor(ada, tz="Asia/Tokyo", hours=[])
    now = datetime(2026, 12, 1, 8)
    availability.add_one_off(ada, mentor, date(2026, 12, 3), time(18, 0), time(20, 0), now=now)
    db.session.commit()
    assert starts(mentor, now, now + timedelta(days=7)) == [datetime(2026, 12, 3, 9),
                                                            datetime(2026, 12, 3, 10)]


@pytest.mark.parametrize("args, field, message", [
    ((date(2026, 11, 1), time(9), time(10)), "date", "in the future"),
    ((date(2026, 12, 3), time(10), time(9)), "end_time", "after the start"),
    ((date(2026, 12, 3), time(9), time(9, 30)), "end_time", "at least one 60-minute"),
    ((date(2027, 6, 1), time(9), time(10)), "date", "8 weeks ahead"),
])
def test_bad_one_off_windows_are_refused(acme, make_user, make_mentor, fingerprint, args, field,
                                         message):
    ada = make_user(acme)
    mentor = make_mentor(ada, hours=[])
    before = fingerprint()
    with pytest.raises(ValidationError) as err:
        availability.add_one_off(ada, mentor, *args, now=datetime(2026, 12, 1, 8))
    db.session.rollback()
    assert err.value.field == field and message in err.value.message
    assert fingerprint() == before


def test_overlapping_weekly_hours_are_refused(acme, make_user, make_mentor):
    ada = make_user(acme)
    mentor = make_mentor(ada, hours=[(2, "09:00", "12:00")])
    with pytest.raises(ValidationError, match="overlaps hours you already offer on Wednesday"):
        availability.add_rule(ada, mentor, 2, time(11), time(13))


def test_free_slots_leave_out_booked_and_past_ones(acme, make_user, make_mentor):
    mentor = make_mentor(make_user(acme), hours=[(0, "09:00", "11:00")])
    mentee = make_user(acme)
    monday = next_weekday(0)
    free = availability.free_slots(mentor, monday, monday + timedelta(days=1))
    assert len(free) == 2
    bookings.book(mentee, mentor, free[0].starts_at)
    db.session.commit()
    assert availability.free_slots(mentor, monday, monday + timedelta(days=1)) == free[1:]
    # Seen from just after the first slot began, only the later one is left.
    later = availability.free_slots(mentor, now=free[0].starts_at + timedelta(minutes=1))
    assert later[0] == free[1]


def test_unknown_time_zone_names_the_field(acme, make_user):
    with pytest.raises(ValidationError) as err:
        mentors.opt_in(make_user(acme), mentors.ProfileData("Mars/Olympus", 4))
    assert err.value.field == "timezone"
