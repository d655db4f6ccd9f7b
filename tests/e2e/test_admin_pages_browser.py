"""Browser: the admin's role pages in the demo, as a person sees them."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.demo import DEMO_PASSWORD
from app.extensions import db
from pathways.capabilities.models import CareerMove

pytestmark = pytest.mark.browser
WIDTH = "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"


def test_the_matrix_scrolls_inside_its_table_not_the_whole_page(demo_world, page, login):
    login(page, "hr@acme.test", DEMO_PASSWORD)
    page.goto("/roles/matrix")
    page_width, viewport = page.evaluate(WIDTH)
    assert page_width <= viewport  # its hidden cell labels once widened the page
    wrap = page.locator(".table-wrap").first
    assert wrap.evaluate("w => w.scrollWidth > w.clientWidth")  # 12 columns: the table scrolls


def test_a_role_with_career_moves_shows_them_with_remove_buttons(demo_world, page, login):
    move = db.session.scalars(select(CareerMove).order_by(CareerMove.id)).first()
    role_id, target = move.from_role_id, move.to_role.title
    db.session.rollback()  # end the read: on SQLite every transaction holds the write lock
    login(page, "hr@acme.test", DEMO_PASSWORD)
    page.goto(f"/roles/{role_id}")
    moves = page.get_by_role("region", name="Career moves from")
    assert moves.get_by_role("link", name=target).is_visible()
    moves.get_by_role("button", name=f"Remove the move to {target}").click()
    page.wait_for_url(f"**/roles/{role_id}")
    assert page.get_by_text("Career move removed.").is_visible()
    assert moves.get_by_role("link", name=target).count() == 0
