"""All learning requests, read-only, for executives and admins: filters, totals, CSV export."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from sqlalchemy.orm import selectinload
from werkzeug.wrappers import Response

from app.csvout import csv_response
from app.extensions import db
from app.forms import as_choices
from app.identity import roles_required
from app.models import Team, User
from app.tenancy import current_company, get_or_404, scoped
from pathways.capabilities.gaps import team_and_descendants

from . import overview
from .forms import OverviewFilterForm
from .models import STATUSES, LearningRequest
from .views import STATUS_LABELS

bp = Blueprint("request_overview", __name__, url_prefix="/requests")
PER_PAGE = 25


def _filters() -> tuple[OverviewFilterForm, overview.Filters]:
    """The filter form bound to the query string, and what it selects (a bad date selects
    nothing more: its error shows next to the field and the filter is ignored)."""
    company = current_company()
    form = OverviewFilterForm(request.args)
    teams = db.session.execute(scoped(Team).with_only_columns(Team.id, Team.name)
                               .order_by(Team.name)).all()
    statuses: list[tuple[object, str]] = [("", "Any status")]
    team_choices: list[tuple[object, str]] = [("", "Any team")]
    form.status.choices = as_choices(statuses + [(s, STATUS_LABELS[s]) for s in STATUSES])
    form.team.choices = as_choices(team_choices + [(str(i), n) for i, n in teams])
    form.validate()
    status = request.args.get("status")
    team_id = request.args.get("team") or None
    if team_id is not None:
        get_or_404(Team, team_id)  # another company's team is a 404, not an empty list
    return form, overview.Filters(
        status=status if status in STATUSES else None,
        team_ids=tuple(team_and_descendants(company.id, int(team_id))) if team_id else None,
        start=form.start.data if not form.start.errors else None,
        end=form.end.data if not form.end.errors else None)


@bp.get("/all")
@roles_required("executive", "admin")
def index() -> str:
    form, filters = _filters()
    company = current_company()
    page = db.paginate(overview.list_query(company.id, filters).options(
        selectinload(LearningRequest.requester).selectinload(User.team)),
        per_page=PER_PAGE, error_out=False)
    totals = overview.totals(company.id, filters)
    return render_template("pathways/requests/overview.html", form=form, page=page, totals=totals,
                           total_count=sum(t.count for t in totals),
                           total_requested=sum(t.requested_minor for t in totals),
                           total_spent=sum(t.spent_minor for t in totals),
                           labels=STATUS_LABELS, args=request.args, company=company)


@bp.get("/all.csv")
@roles_required("executive", "admin")
def export() -> Response:
    _form, filters = _filters()
    company = current_company()
    rows = overview.export_rows(company.id, filters)
    return csv_response(f"learning-requests-{company.slug}.csv", [
        "id", "requested_at", "requester", "team", "title", "kind", "status", "price_minor",
        "captured_minor", "refunded_minor", "currency", "provider_reference"],
        ([r[0], r[1].isoformat(timespec="seconds"), *r[2:]] for r in rows))
