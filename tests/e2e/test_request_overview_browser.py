"""In a real browser: an executive opens All requests from the navigation and filters it.

Set TRELLIS_SCREENSHOT_DIR to keep a screenshot of the page (to look at the layout).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from app.extensions import db
from pathways.requests import submit, transitions
from tests.pathways.requests.conftest import *  # noqa: F403


@pytest.mark.browser
def test_executive_filters_all_requests_in_the_browser(acme_world, make_offering, make_user,
                                                       give, fund, page, login):
    w = acme_world
    make_user(w.company, email="exec@acme.test", name="Erin", roles=("executive",))
    give(w.ada, 300_000)
    give(w.max, 100_000)
    fund(w.company, 500_000, w.harriet)
    done = submit.create_for_offering(w.ada, make_offering(w.company, 40_000, "ROS 2 in practice"),
                                   "For the arm project")
    transitions.approve(w.max, done)
    transitions.complete(w.ada, done, "Certificate R-7")
    transitions.reject(w.max, submit.create_for_offering(w.ada, make_offering(w.company, 30_000,
                                                                   "Robot vision"), None))
    submit.create_for_offering(w.ada, make_offering(w.company, 65_000, "Welding masterclass"), None)
    submit.create_for_offering(w.max, make_offering(w.company, 12_000, "Leading engineers"), None)
    db.session.commit()
    db.session.remove()  # SQLite: no transaction of the test may hold the write lock

    login(page, "exec@acme.test")
    page.get_by_role("navigation").first.get_by_role("link", name="All requests").click()
    main = page.locator("main")
    assert "Welding masterclass" in main.inner_text()
    page.get_by_label("Status").select_option(label="Waiting for approval")
    page.get_by_role("button", name="Filter").click()
    rows = main.locator("section", has_text="Requests").last.locator("tbody tr")
    assert rows.count() == 2
    assert "ROS 2 in practice" not in rows.all_inner_texts()[0]
    if os.environ.get("TRELLIS_SCREENSHOT_DIR"):
        page.get_by_role("link", name="Clear").click()
        page.screenshot(path=str(Path(os.environ["TRELLIS_SCREENSHOT_DIR"])
                                 / "all-requests.png"), full_page=True)
