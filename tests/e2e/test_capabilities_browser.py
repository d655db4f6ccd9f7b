"""Browser: an employee reads their capabilities and gaps, and adds a self-assessment."""

from __future__ import annotations

from datetime import date

import pytest

from tests.pathways.conftest import (  # noqa: F401  (the capability-map factories)
    assign,
    evidence,
    make_capability,
    make_framework,
    make_role,
)

pytestmark = pytest.mark.browser


def test_my_capabilities_and_gaps_in_a_real_browser(
        page, login, make_company, make_user,
        make_capability, make_role, assign, evidence):  # noqa: F811  (fixtures imported above)
    acme = make_company()
    morgan = make_user(acme, name="Morgan Avery", roles=("manager", "employee"))
    emma = make_user(acme, name="Emma Lindqvist", email="emma@acme.test", manager=morgan)
    testing = make_capability(acme, "Testing and quality")
    design = make_capability(acme, "Software design")
    make_role(acme, "Unrelated")
    engineer = make_role(acme, "Software Engineer", {testing: 3, design: (2, 2)})
    assign(emma, engineer)
    evidence(emma, testing, 2, "self", on=date(2026, 1, 10))
    evidence(emma, testing, 3, "manager", on=date(2026, 3, 2), author=morgan)
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)

    login(page, "emma@acme.test")
    page.get_by_role("link", name="My capabilities").first.click()
    page.wait_for_url("**/me/capabilities")
    assert page.get_by_role("heading", name="My capabilities and gaps").is_visible()
    chart = page.locator("svg.chart").first
    assert chart.is_visible() and chart.bounding_box()["width"] > 200
    assert page.locator("svg.chart rect.bar-gap").count() == 1  # Software design: 0 of 2
    assert page.get_by_text("Level 3 from Morgan Avery's manager rating on 2026-03-02").is_visible()
    gaps = page.locator("table.gaps tbody tr")
    assert gaps.first.locator("th").inner_text().startswith("Software design")

    form = page.locator("form", has=page.get_by_role("button", name="Save self-assessment"))
    form.get_by_label("Capability").select_option(label="Software design")
    form.get_by_label("Level", exact=True).select_option("2")
    form.get_by_label("Note").fill("Designed the plug-in API")
    page.get_by_role("button", name="Save self-assessment").click()
    page.wait_for_url("**/me/capabilities")
    assert page.get_by_text("Self-assessment of Software design saved").is_visible()
    assert page.get_by_text("Level 2 from own self-assessment").is_visible()
    assert page.locator("svg.chart rect.bar-gap").count() == 0
    assert not [p for p in problems if "Content Security Policy" in p], problems
