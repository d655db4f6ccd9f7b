"""Reports over JSON: the headline metrics and the PDF, with the same dataset as the pages."""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, jsonify, request
from flask_login import current_user

from app.api.openapi import add_schema
from app.api.plumbing import api_blueprint
from app.tenancy import current_company

from . import datasets, pdf, runs, summary_cache

bp = api_blueprint("reports_api", __name__)

_NUM = {"oneOf": [{"type": "number"}, {"type": "string", "enum": ["fewer than 5"]}],
        "nullable": True}
SUMMARY_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "Headline metrics as defined in the product's metric definitions. A figure "
                   "over fewer than 5 people is the string \"fewer than 5\".",
    "properties": {
        "company": {"type": "string"}, "from": {"type": "string", "format": "date"},
        "to": {"type": "string", "format": "date"}, "team_id": {"type": "integer",
                                                               "nullable": True},
        "currency": {"type": "string"}, "hidden": {"type": "boolean"},
        "people": _NUM, "readiness": _NUM, "coverage": _NUM, "levels_gained": _NUM,
        "spend_minor": _NUM, "budget_minor": _NUM, "cost_per_level_minor": _NUM,
        "utilisation": _NUM,
        "previous": {"type": "object", "description": "The same keys for the period of the "
                     "same length just before, with its from/to."},
        "findings": {"type": "array", "items": {"type": "string"}},
        "teams": {"type": "array", "items": {"type": "object"}},
        "generated_at": {"type": "string", "format": "date-time"},
    },
}
_PARAMS = """
      parameters:
        - {in: query, name: from, schema: {type: string, format: date}, description: "default: fiscal year start"}
        - {in: query, name: to, schema: {type: string, format: date}, description: "default: today"}
        - {in: query, name: team_id, schema: {type: integer}, description: "a team with its sub-teams"}
"""


def _params() -> datasets.Params:
    company = current_company()
    args = request.args
    params = datasets.parse_params(company, args.get("from"), args.get("to"), args.get("team_id"))
    team = runs.allowed_team(current_user, params.team_id)
    return datasets.Params(params.company_id, params.start, params.end, team)


@bp.get("/reports/summary")
def summary() -> Response:
    """Headline metrics of the capability report.
    ---
    get:
      PARAMS
      responses:
        200:
          description: The headline metrics and their previous-period values
          content:
            application/json:
              schema: {$ref: "#/components/schemas/ReportSummary"}
    """
    params = _params()
    company = current_company()
    key = ("summary", params.company_id, params.start, params.end, params.team_id)
    return jsonify(summary_cache.cached(
        key, lambda: datasets.build(company, params, full=False).summary_json()))


@bp.get("/reports/capability.pdf")
def capability_pdf() -> Response:
    """The executive capability report as a PDF.
    ---
    get:
      PARAMS
      responses:
        200:
          description: The PDF
          content:
            application/pdf:
              schema: {type: string, format: binary}
    """
    params = _params()
    data = datasets.build(current_company(), params)
    rendered = pdf.render(data)
    return Response(rendered.pdf, mimetype="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="{pdf.filename(data)}"'})


for _view in (summary, capability_pdf):
    _view.__doc__ = (_view.__doc__ or "").replace("      PARAMS\n", _PARAMS.lstrip("\n"))


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    add_schema(app, "ReportSummary", SUMMARY_SCHEMA)
