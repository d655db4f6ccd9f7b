"""Each demo role signs in with a real browser and lands on a home page made for them."""

from __future__ import annotations

import pytest

from app import demo


@pytest.mark.browser
@pytest.mark.parametrize(("email", "sees", "nav_has", "nav_lacks"), [
    ("hr@acme.test", "people active", "People", None),
    ("manager@acme.test", "Your team", "Home", "People"),
    ("employee@acme.test", "Emma Lindqvist", "Home", "People"),
    ("exec@acme.test", "Elliot Chen", "Home", "Audit log"),
    ("hr@globex.test", "Globex", "People", None),
])
def test_demo_role_signs_in_and_sees_their_home(demo_world, page, login, email, sees, nav_has,
                                                nav_lacks):
    login(page, email, demo.DEMO_PASSWORD)
    main = page.locator("main")
    assert sees in main.inner_text() or sees in page.locator("header").inner_text()
    nav = page.locator("header")  # the main row, the admin strip and the account links
    assert nav.get_by_role("link", name=nav_has, exact=True).count() == 1
    if nav_lacks:
        assert nav.get_by_role("link", name=nav_lacks, exact=True).count() == 0


@pytest.mark.browser
def test_employee_of_manager_shows_on_the_managers_home(demo_world, page, login):
    login(page, "manager@acme.test", demo.DEMO_PASSWORD)
    assert "Emma Lindqvist" in page.locator("main").inner_text()


@pytest.mark.browser
def test_admin_adds_a_person_and_sees_them_listed(demo_world, page, login):
    login(page, "hr@acme.test", demo.DEMO_PASSWORD)
    page.goto("/people/new")
    main = page.locator("main")
    main.get_by_label("Name").fill("Grace Hopper")
    main.get_by_label("E-mail", exact=True).fill("grace.hopper@acme.test")
    main.get_by_role("button", name="Add and invite").click()
    page.wait_for_url("**/people/*")
    assert "Grace Hopper" in main.inner_text()
    page.goto("/people?q=grace+hopper")
    assert "grace.hopper@acme.test" in main.inner_text()
