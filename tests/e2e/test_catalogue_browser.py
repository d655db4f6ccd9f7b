"""Browser: an employee finds a course for their biggest gap, then enrols in a pathway and marks
its first step done with a certificate."""

from __future__ import annotations

from datetime import date

import pytest

from tests.pathways.catalogue.conftest import PDF, make_offering  # noqa: F401  (fixtures)
from tests.pathways.conftest import (  # noqa: F401  (the capability-map factories)
    assign,
    evidence,
    make_capability,
    make_framework,
    make_role,
)
from tests.pathways.learning.conftest import make_pathway  # noqa: F401  (fixtures)

pytestmark = pytest.mark.browser


def test_find_a_course_for_my_biggest_gap_and_enrol_in_a_pathway(
        page, login, make_company, make_user, make_capability, make_role, assign,  # noqa: F811
        evidence, make_offering, make_pathway, tmp_path):  # noqa: F811
    from pathways.learning.builder import StepData

    acme = make_company()
    emma = make_user(acme, name="Emma Lindqvist", email="emma@acme.test")
    design = make_capability(acme, "Software design")
    testing = make_capability(acme, "Testing and quality")
    assign(emma, make_role(acme, "Software Engineer", {design: (4, 2), testing: 3}))
    evidence(emma, design, 1, "self", on=date(2026, 1, 10))
    evidence(emma, testing, 2, "self", on=date(2026, 1, 10))
    course = make_offering(acme, "Designing software that lasts", 45_000, 12, {design: (1, 3)})
    make_offering(acme, "Unit testing clinic", 9_900, 4, {testing: (2, 3)})
    make_offering(acme, "Knitting for engineers", 1_000, 2)
    make_pathway(acme, "Design journey", [
        StepData("offering", offering_id=course.id),
        StepData("practice", "Design a component with your lead", capability_id=design.id,
                 to_level=4, estimated_hours=6)])
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("response", lambda r: problems.append(r.url) if r.status == 404 else None)

    login(page, "emma@acme.test")
    page.goto(page.url.split("/home")[0] + "/me/capabilities")
    biggest = page.locator("table.gaps tbody tr").first.locator("th").inner_text()
    assert biggest.startswith("Software design")

    page.get_by_role("link", name="Catalogue").first.click()
    page.wait_for_url("**/catalogue")
    page.get_by_label("Develops").select_option(label="Software design")
    page.get_by_label("Sort by").select_option("price")
    page.get_by_role("button", name="Search").click()
    page.wait_for_url("**/catalogue?*")
    results = page.locator(".offering-list .offering h2")
    assert results.all_inner_texts() == ["Designing software that lasts"]
    results.first.get_by_role("link").click()
    assert page.get_by_role("heading", name="Designing software that lasts").is_visible()
    assert page.get_by_text("€450.00").first.is_visible()
    page.get_by_role("link", name="Design journey").click()

    page.get_by_role("button", name="Enrol").click()
    page.wait_for_url("**/me/learning/*")
    assert page.get_by_text("0 of 2 required steps done").is_visible()
    page.get_by_text("Mark done").first.click()
    certificate = tmp_path / "certificate.pdf"
    certificate.write_bytes(PDF)
    step = page.locator("li.step").first
    step.get_by_label("Note").fill("Passed the final project")
    step.get_by_label("Certificate").set_input_files(str(certificate))
    step.get_by_role("button", name="Mark “Designing software that lasts” done").click()
    assert page.get_by_text("'Designing software that lasts' done.").is_visible()
    assert page.get_by_text("1 of 2 required steps done").is_visible()
    assert page.get_by_role("link", name="certificate.pdf").is_visible()
    # The completed course is trusted evidence: Software design is now level 3.
    page.get_by_role("link", name="My capabilities").first.click()
    assert page.get_by_text("Level 3 from Emma Lindqvist's completed offering").is_visible()
    # (the browser's own favicon request is a 404 console error: not ours)
    assert not [p for p in problems if "Content Security Policy" in p or "/static/" in p], problems
