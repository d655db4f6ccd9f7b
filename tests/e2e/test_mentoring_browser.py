"""In a real browser, on the demo data: Emma finds a mentor for her biggest gap from her
capabilities page, books a slot shown in her time zone, and then cancels it."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app import demo
from app.extensions import db
from pathways.mentoring.models import MentorBooking


@pytest.mark.browser
def test_emma_books_a_mentor_for_a_gap_and_cancels(demo_world, page, login):
    login(page, "employee@acme.test", demo.DEMO_PASSWORD)
    page.goto("/me/capabilities")
    page.locator("table.gaps").first.get_by_role("link", name="Find a mentor").first.click()
    page.wait_for_url("**/mentoring?capability=*")
    assert "Mentors for" in page.locator("main").inner_text()
    page.get_by_role("link", name="See free slots").first.click()
    page.wait_for_url("**/mentoring/mentors/*")
    main = page.locator("main")
    assert "Times are shown in Europe/Dublin" in main.inner_text()
    # Pick the first free slot (a later week if this one is full), then book it.
    for _ in range(8):
        if main.locator("input[name=starts_at]").count():
            break
        main.get_by_role("link", name="Later →").click()
    main.locator("label.slot").first.click()
    main.get_by_label("What you would like to work on").fill("Review my design")
    main.get_by_role("button", name="Book this slot").click()
    page.wait_for_url("**/mentoring/sessions/*")
    assert "You both get a calendar invitation" in page.locator(".flashes").inner_text()
    booking_id = int(page.url.rsplit("/", 1)[1])
    page.get_by_label("Reason (optional, shared with the other person)").fill("Clash")
    page.get_by_role("button", name="Cancel this session").click()
    assert "Session cancelled" in page.locator(".flashes").inner_text()
    db.session.expire_all()
    booking = db.session.scalar(select(MentorBooking).where(MentorBooking.id == booking_id))
    assert (booking.status, booking.agenda, booking.cancel_reason) == (
        "cancelled", "Review my design", "Clash")
