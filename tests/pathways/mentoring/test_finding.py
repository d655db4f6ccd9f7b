"""Finding mentors for a gap: level at or above target, outside the reporting line, spread
fairly (fewer recent sessions first, deterministic tie-break), those at their monthly cap last
with their next free slot."""

from __future__ import annotations

from datetime import timedelta

from app.extensions import db
from app.models import utcnow
from pathways.mentoring import availability, bookings, matching, mentors, models


def names(matches):
    return [m.mentor.name for m in matches]


def test_the_reporting_line_is_left_out_both_ways(acme, admin, make_user, make_mentor, make_coach,
                                                  cap):
    ceo = make_user(acme, name="Cleo CEO")
    boss = make_user(acme, name="Bo Boss", manager=ceo)
    emma = make_user(acme, name="Emma", manager=boss)
    report = make_user(acme, name="Rita Report", manager=emma)
    deep = make_user(acme, name="Dan Deep", manager=report)
    peer = make_user(acme, name="Pia Peer", manager=boss)
    other = make_user(acme, name="Oscar Other", manager=ceo)
    for person in (ceo, boss, emma, report, deep, peer, other):
        make_mentor(person, {cap: 4})
    make_coach(admin, "Cora Coach", offers={cap: 5})
    assert matching.reporting_line(emma) == {emma.id, boss.id, ceo.id, report.id, deep.id}
    found = names(matching.mentors_for_gap(emma, cap, 3))
    assert sorted(found) == ["Cora Coach", "Oscar Other", "Pia Peer"]
    # Seen from Rita, her manager Emma and everyone above are out, Dan (her report) too.
    assert sorted(names(matching.mentors_for_gap(report, cap, 3))) == [
        "Cora Coach", "Oscar Other", "Pia Peer"]


def test_only_mentors_at_or_above_the_target_level(acme, make_user, make_mentor, cap,
                                                   make_capability):
    other_cap = make_capability(acme, "Statistics")
    make_mentor(make_user(acme, name="Three"), {cap: 3})
    make_mentor(make_user(acme, name="Four"), {cap: 4})
    make_mentor(make_user(acme, name="Stats"), {other_cap: 5})
    emma = make_user(acme)
    assert sorted(names(matching.mentors_for_gap(emma, cap, 3))) == ["Four", "Three"]
    assert names(matching.mentors_for_gap(emma, cap, 4)) == ["Four"]
    assert names(matching.mentors_for_gap(emma, cap, 5)) == []


def test_paused_and_departed_mentors_are_not_found(acme, make_user, make_mentor, cap):
    paused, gone = make_user(acme, name="Paused"), make_user(acme, name="Gone")
    make_mentor(paused, {cap: 4})
    make_mentor(gone, {cap: 4})
    make_mentor(make_user(acme, name="Here"), {cap: 4})
    mentors.opt_out(paused)
    gone.status = "left"
    db.session.commit()
    assert names(matching.mentors_for_gap(make_user(acme), cap, 2)) == ["Here"]


def test_fewer_recent_sessions_rank_first(acme, make_user, make_mentor, cap):
    busy = make_mentor(make_user(acme, name="Busy"), {cap: 4}, cap=10, hours=[
        (d, "09:00", "12:00") for d in range(5)])
    quiet = make_mentor(make_user(acme, name="Quiet"), {cap: 4}, cap=10)
    make_mentor(make_user(acme, name="Idle"), {cap: 4})
    for slot in availability.free_slots(busy)[:2]:
        bookings.book(make_user(acme), busy, slot.starts_at)
    bookings.book(make_user(acme), quiet, availability.free_slots(quiet)[0].starts_at)
    db.session.commit()
    found = matching.mentors_for_gap(make_user(acme), cap, 3)
    assert names(found) == ["Idle", "Quiet", "Busy"]
    assert [m.recent_sessions for m in found] == [0, 1, 2]


def test_ties_are_broken_the_same_way_every_time_but_not_alike_for_everyone(
        acme, make_user, make_mentor, cap):
    for i in range(6):
        make_mentor(make_user(acme, name=f"Mentor {i}"), {cap: 4})
    people = [make_user(acme) for _ in range(6)]
    orders = [names(matching.mentors_for_gap(p, cap, 2)) for p in people]
    assert orders == [names(matching.mentors_for_gap(p, cap, 2)) for p in people]  # stable
    assert len({tuple(o) for o in orders}) > 1  # different people see different first picks
    assert len({o[0] for o in orders}) > 1


def fill_this_month(acme, make_user, make_mentor, cap, name="Full"):
    """A mentor with a cap of one session a month and hours every day, booked once in the
    month of the returned `now` (so they are at their cap then)."""
    full = make_mentor(make_user(acme, name=name), {cap: 4}, cap=1,
                       hours=[(d, "09:00", "17:00") for d in range(7)])
    now = utcnow()
    slot = next((s for s in availability.free_slots(full) if s.starts_at.month == now.month), None)
    if slot is None:  # the last hours of a month: book the first slot and look from then
        slot = availability.free_slots(full)[0]
        now = slot.starts_at - timedelta(minutes=1)
    bookings.book(make_user(acme), full, slot.starts_at)
    db.session.commit()
    return full, slot, now


def freeze_clock(monkeypatch, now):
    """Pages and recommendations read the clock themselves: make them look from `now` (it is
    the real time, except in a month's last hours, when `fill_this_month` moves it on)."""
    from pathways.mentoring import views

    for module in (availability, matching, views):
        monkeypatch.setattr(module, "utcnow", lambda: now)


def test_a_mentor_at_their_monthly_cap_comes_last_with_their_next_free_slot(
        acme, make_user, make_mentor, cap):
    full, slot, now = fill_this_month(acme, make_user, make_mentor, cap)
    make_mentor(make_user(acme, name="Free"), {cap: 4})
    found = matching.mentors_for_gap(make_user(acme), cap, 2, now=now)
    assert [(m.mentor.name, m.at_cap) for m in found] == [("Free", False), ("Full", True)]
    # Its other slots of that month are gone; the next month's first slot is offered.
    left = availability.free_slots(full, now=now)
    assert left and all(s.starts_at.month != slot.starts_at.month for s in left)
    assert found[1].next_slot == left[0] and found[0].next_slot is None


def test_mentors_at_their_cap_are_ranked_by_their_next_free_slot(acme, make_user, make_mentor,
                                                                 cap):
    full, _slot, now = fill_this_month(acme, make_user, make_mentor, cap)
    gone, _slot2, _ = fill_this_month(acme, make_user, make_mentor, cap, name="Gone")
    for rule in list(db.session.scalars(db.select(models.AvailabilityRule).where(
            models.AvailabilityRule.mentor_id == gone.id))):
        availability.remove_availability(gone.user, gone, rule)
    db.session.commit()
    found = matching.mentors_for_gap(make_user(acme), cap, 2, now=now)
    assert [(m.mentor.name, m.next_slot is not None) for m in found] == [
        ("Full", True), ("Gone", False)]


def test_the_finder_page_says_fully_booked_and_when_next(app, acme, make_user, make_mentor, cap,
                                                         monkeypatch):
    _full, _slot, now = fill_this_month(acme, make_user, make_mentor, cap)
    freeze_clock(monkeypatch, now)
    emma = make_user(acme, name="Emma")
    client = app.test_client()
    client.post("/login", data={"email": emma.email, "password": "correct-horse-battery"})
    page = client.get(f"/mentoring?capability={cap.id}&level=2").get_data(as_text=True)
    assert "Fully booked this month" in page and "Next free slot:" in page
