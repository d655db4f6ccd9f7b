"""GET /api/v1/reports/summary and /api/v1/reports/capability.pdf."""

from __future__ import annotations

import io
from typing import Any

import pytest
from pypdf import PdfReader

from .conftest import World

PERIOD = {"from": "2025-01-01", "to": "2025-06-30"}


def test_summary_is_keyed_as_in_the_metric_definitions(small: World, api_as: Any) -> None:
    body = api_as(small.admin).get("/api/v1/reports/summary", query_string=PERIOD).get_json()
    assert body["people"] == 10 and body["levels_gained"] == 13
    assert body["spend_minor"] == 120_000 and body["currency"] == "EUR"
    assert body["budget_minor"] == 1_000_000
    assert body["cost_per_level_minor"] == 9_231
    assert body["coverage"] == pytest.approx(8 / 18, abs=1e-4)
    assert body["readiness"] == pytest.approx(11 / 27, abs=1e-4)
    assert body["utilisation"] == pytest.approx(0.195)
    assert body["previous"]["levels_gained"] == 7 and body["previous"]["from"] == "2024-07-04"
    beta = next(t for t in body["teams"] if t["name"] == "Beta")
    assert beta["spend_minor"] == "fewer than 5" and beta["coverage"] == "fewer than 5"


def test_summary_of_a_small_team_is_hidden(small: World, api_as: Any) -> None:
    body = api_as(small.admin).get("/api/v1/reports/summary", query_string=PERIOD | {
        "team_id": small.beta.id}).get_json()
    assert body["hidden"] is True
    assert body["spend_minor"] == body["levels_gained"] == "fewer than 5"


@pytest.mark.parametrize(("args", "field"), [({"from": "01/02/2025"}, "from"),
                                              ({"to": "2025-02-31"}, "to"),
                                              ({"team_id": "x"}, "team_id")])
def test_bad_parameters(small: World, api_as: Any, args: dict[str, str], field: str) -> None:
    response = api_as(small.admin).get("/api/v1/reports/summary", query_string=args)
    assert response.status_code == 400
    assert response.get_json()["error"]["field"] == field


def test_employees_are_refused_and_tokens_required(small: World, api_as: Any,
                                                   client: Any) -> None:
    response = api_as(small.people["A1"]).get("/api/v1/reports/summary")
    assert response.status_code == 403 and response.get_json()["error"]["code"] == "forbidden"
    assert client.get("/api/v1/reports/summary").status_code == 401


def test_pdf_over_the_api(small: World, api_as: Any) -> None:
    response = api_as(small.admin).get("/api/v1/reports/capability.pdf", query_string=PERIOD)
    assert response.mimetype == "application/pdf"
    assert "attachment" in response.headers["Content-Disposition"]
    text = PdfReader(io.BytesIO(response.data)).pages[0].extract_text()
    assert "Small Co" in text and "€92.31" in text


def test_openapi_lists_the_report_endpoints(small: World, client: Any) -> None:
    spec = client.get("/api/v1/openapi.json").get_json()
    summary = spec["paths"]["/api/v1/reports/summary"]["get"]
    assert {p["name"] for p in summary["parameters"]} == {"from", "to", "team_id"}
    assert "/api/v1/reports/capability.pdf" in spec["paths"]
    assert "cost_per_level_minor" in spec["components"]["schemas"]["ReportSummary"]["properties"]
