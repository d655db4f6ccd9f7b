"""Report pages: the dashboard (company or team), CSV exports, PDF runs and history,
scheduled delivery."""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user
from werkzeug.exceptions import Forbidden
from werkzeug.wrappers import Response

from app.csvout import csv_response
from app.errors import DomainError, PermissionDenied
from app.extensions import db
from app.identity import roles_required
from app.models import Team
from app.pagination import paginate
from app.redirects import local_target
from app.tenancy import current_company, get_or_404, scoped
from app.uow import checkpoint
from app.web import handle_http_error

from . import charts, datasets, exports, runs
from .models import FREQUENCIES, ReportRun, ReportSubscription, RunStatus

bp = Blueprint("reports", __name__, url_prefix="/reports")
VIEWERS = ("admin", "executive", "manager")


def _params() -> datasets.Params:
    """Period and team from the query string, limited to what the viewer may see (403/400)."""
    company = current_company()
    args = request.values
    params = datasets.parse_params(company, args.get("from"), args.get("to"),
                                   args.get("team_id"))
    team_id = runs.allowed_team(current_user, params.team_id)
    return datasets.Params(params.company_id, params.start, params.end, team_id)


@bp.errorhandler(DomainError)
def _refused(exc: DomainError) -> Any:
    """A period, team or subscription the viewer got wrong: the report's own error page (400),
    or the ordinary 403 page for a team they may not see. The status rolls the request back."""
    if isinstance(exc, PermissionDenied):
        return handle_http_error(Forbidden())
    return render_template("reports/invalid.html", error=exc), 400


@bp.get("")
@roles_required(*VIEWERS)
def dashboard() -> str:
    params = _params()
    data = datasets.build(current_company(), params)
    teams = (db.session.scalars(scoped(Team).order_by(Team.name)).all()
             if runs.can_see_company(current_user) else [])
    visible = [t for t in data.teams if t.people]
    f = data.fmt
    return render_template(
        "reports/dashboard.html", d=data, f=f, teams=teams, args=params.query(),
        heat_class=charts.heat_class, frequencies=FREQUENCIES,
        subscriptions=db.session.scalars(scoped(ReportSubscription).where(
            ReportSubscription.user_id == current_user.id,
            ReportSubscription.active.is_(True))).all(),
        growth_chart=charts.monthly_columns(data.months, [(s.name, s.values) for s in data.growth],
                                            "Capability levels gained per month")
        if data.growth else None,
        spend_chart=charts.money_bars(
            [(t.name, None if t.hidden else t.spend_minor,
              None if t.hidden else t.allocated_minor) for t in visible],
            "Spend against budget per team", f.money) if visible else None)


@bp.get("/export/<table>.csv")
@roles_required(*VIEWERS)
def export(table: str) -> Response:
    make = exports.TABLES.get(table)
    if make is None:
        abort(404)
    params = _params()
    data = datasets.build(current_company(), params)
    header, rows = make(data)
    scope = f"-team-{params.team_id}" if params.team_id else ""
    return csv_response(f"report-{table}-{params.start}-{params.end}{scope}.csv", header, rows)


@bp.post("/runs")
@roles_required(*VIEWERS)
def create_run() -> Response:
    params = _params()
    run = runs.request_run(current_user, params)
    if runs.renders_at_once(params.company_id):
        checkpoint("the run must exist before it renders: rendering commits its progress, and a "
                   "failure, on the run row, which the run page shows")
        runs.render_now(run.id)
    else:
        runs.enqueue(run)  # rendered by the queue once the end of the request commits the run
    return redirect(url_for("reports.run_page", run_id=run.id))


def _run_or_404(run_id: int) -> ReportRun:
    run = get_or_404(ReportRun, run_id)
    if not runs.can_see_company(current_user) and run.requested_by_id != current_user.id:
        abort(404)
    return run


@bp.get("/runs/<int:run_id>")
@roles_required(*VIEWERS)
def run_page(run_id: int) -> str:
    return render_template("reports/run.html", run=_run_or_404(run_id))


@bp.get("/runs/<int:run_id>/download")
@roles_required(*VIEWERS)
def download(run_id: int) -> Response:
    run = _run_or_404(run_id)
    path = runs.file_for(run)
    if run.status != RunStatus.DONE.value or not path.is_file():
        abort(404)
    return send_file(io.BytesIO(path.read_bytes()), mimetype="application/pdf",
                     as_attachment=True, download_name=run.filename or f"report-{run.id}.pdf")


@bp.get("/history")
@roles_required(*VIEWERS)
def history() -> str:
    query = scoped(ReportRun).order_by(ReportRun.id.desc())
    if not runs.can_see_company(current_user):
        query = query.where(ReportRun.requested_by_id == current_user.id)
    page = paginate(query, per_page=25)
    subs: Sequence[ReportSubscription] = []
    if current_user.has_role("admin"):
        subs = db.session.scalars(scoped(ReportSubscription).order_by(
            ReportSubscription.active.desc(), ReportSubscription.id)).all()
    return render_template("reports/history.html", page=page, subscriptions=subs)


@bp.post("/subscriptions")
@roles_required("admin", "executive")
def subscribe() -> Response:
    team_raw = request.form.get("team_id") or None
    params = datasets.parse_params(current_company(), None, None, team_raw)
    runs.subscribe(current_user, request.form.get("frequency", ""), params.team_id)
    flash("Subscribed: the report arrives by e-mail after each period closes.", "success")
    return redirect(url_for("reports.dashboard"))


@bp.post("/subscriptions/<int:sub_id>/stop")
@roles_required("admin", "executive")
def unsubscribe(sub_id: int) -> Response:
    sub = get_or_404(ReportSubscription, sub_id)
    if not runs.may_stop(current_user, sub):
        abort(404)  # another person's subscription: as if it did not exist
    runs.unsubscribe(current_user, sub)
    flash("The scheduled report is stopped.", "success")
    return redirect(local_target(request.form.get("next")) or url_for("reports.dashboard"))
