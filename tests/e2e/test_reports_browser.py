"""An executive opens the capability report in a real browser and downloads the PDF."""

from __future__ import annotations

import pytest

from app import demo


@pytest.mark.browser
def test_executive_reads_the_report_and_downloads_the_pdf(demo_world, page, login):
    login(page, "exec@acme.test", demo.DEMO_PASSWORD)
    page.get_by_role("link", name="Reports", exact=True).first.click()
    main = page.locator("main")
    assert "Capability report" in main.inner_text()
    assert page.locator("table.report-heatmap").count() >= 1
    assert page.locator("svg.chart").count() >= 1
    with page.expect_download() as download:
        page.get_by_role("link", name="Download CSV").first.click()
    assert download.value.suggested_filename.startswith("report-summary-")
    page.get_by_role("button", name="Download the executive PDF").click(timeout=90_000)
    page.get_by_role("link", name="Download the PDF").wait_for(timeout=90_000)
    with page.expect_download() as pdf:
        page.get_by_role("link", name="Download the PDF").click()
    assert pdf.value.suggested_filename.startswith("capability-report-acme-")
