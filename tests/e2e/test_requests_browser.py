"""In a real browser: Ada requests a course, her manager approves it, she completes it."""

from __future__ import annotations

import pytest

from app.extensions import db
from billing.verify import run_checks
from pathways.requests.models import LearningRequest
from tests.pathways.requests.conftest import *  # noqa: F403


@pytest.mark.browser
def test_request_approve_complete_in_the_browser(acme_world, make_offering, give, fund, page,
                                                 login):
    w = acme_world
    give(w.ada, 100_000)
    fund(w.company, 500_000, w.harriet)
    course_id = make_offering(w.company, 40_000, "Robot vision in practice").id
    db.session.remove()  # SQLite: no transaction of the test may hold the write lock

    login(page, "ada@acme.test")
    page.goto(f"/catalogue/{course_id}")
    page.get_by_role("link", name="Request this (€400.00)").click()
    page.get_by_label("Why this, and why now?").fill("For the pick-and-place cell")
    page.get_by_role("button", name="Request and hold €400.00").click()
    assert "Waiting for approval" in page.locator("main").inner_text()
    page.context.clear_cookies()

    login(page, "max@acme.test")
    page.get_by_role("navigation").first.get_by_role("link", name="Approvals").click()
    page.get_by_role("link", name="Robot vision in practice").click()
    page.get_by_label("Comment").fill("Good fit for the project")
    page.get_by_role("button", name="Approve").click()
    main = page.locator("main").inner_text()
    assert "Purchased" in main and "Good fit for the project" in main
    page.context.clear_cookies()

    login(page, "ada@acme.test")
    page.get_by_role("navigation").first.get_by_role("link", name="My requests").click()
    page.get_by_role("link", name="Robot vision in practice").click()
    page.get_by_label("What did you finish? (evidence)").fill("Certificate RV-2026-7")
    page.get_by_role("button", name="Mark completed").click()
    assert "Completed" in page.locator("main").inner_text()

    db.session.expire_all()
    req = db.session.scalar(db.select(LearningRequest))
    assert [e.action for e in req.events] == ["requested", "approved", "purchased", "completed"]
    assert all(c.ok for c in run_checks())
