"""Reports over JSON: the headline metrics and the PDF, with the same dataset as the pages."""

from __future__ import annotations

from typing import Any

from flask import Flask, Response
from flask_login import current_user

from app.api.plumbing import api_blueprint
from app.api.schema import operation
from app.tenancy import current_company

from . import datasets, pdf, runs, summary_cache
from .schemas import ReportQuery, ReportSummary

bp = api_blueprint("reports_api", __name__)


def _params(query: ReportQuery) -> datasets.Params:
    params = datasets.parse_params(current_company(), query.from_, query.to, query.team_id)
    team = runs.allowed_team(current_user, params.team_id)
    return datasets.Params(params.company_id, params.start, params.end, team)


@bp.get("/reports/summary")
@operation(query=ReportQuery, response=ReportSummary)
def summary(query: ReportQuery) -> dict[str, Any]:
    """Headline metrics of the capability report and their previous-period values."""
    params = _params(query)
    company = current_company()
    key = ("summary", params.company_id, params.start, params.end, params.team_id)
    return summary_cache.cached(
        key, lambda: datasets.build(company, params, full=False).summary_json())


@bp.get("/reports/capability.pdf")
@operation(query=ReportQuery, content_type="application/pdf")
def capability_pdf(query: ReportQuery) -> Response:
    """The executive capability report as a PDF."""
    data = datasets.build(current_company(), _params(query))
    rendered = pdf.render(data)
    return Response(rendered.pdf, mimetype="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="{pdf.filename(data)}"'})


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
