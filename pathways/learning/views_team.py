"""Managers' team pathways page: assign a published pathway to direct reports (or the whole
team) with an optional due date, and follow the team's enrolments with progress and overdue."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from app.forms import as_choices
from app.identity import roles_required
from app.models import User
from app.tenancy import get_or_404
from app.uow import refusal

from . import progress, team
from .forms import TeamAssignForm
from .models import Pathway

bp = Blueprint("team_learning", __name__)


def _render(form: TeamAssignForm, status: int = 200) -> tuple[str, int]:
    reports = team.direct_reports(current_user)
    form.pathway_id.choices = as_choices([("", "Choose a pathway")] + [
        (p.id, p.title) for p in team.published_pathways(current_user.company_id)])
    form.user_ids.choices = [(p.id, p.name) for p in reports]
    rows = progress.team_enrolments(current_user)
    today = date.today()
    return render_template("pathways/learning/team.html", form=form, reports=reports, rows=rows,
                           today=today, overdue=sum(1 for r in rows if r.overdue(today))), status


@bp.get("/team/pathways")
@roles_required("manager")
def index() -> tuple[str, int]:
    form = TeamAssignForm(formdata=None)
    if request.args.get("pathway_id", type=int):
        form.pathway_id.data = get_or_404(Pathway, request.args.get("pathway_id", type=int)).id
    return _render(form)


@bp.get("/pathways/<int:pathway_id>/team-assign")
@roles_required("manager")
def assign(pathway_id: int) -> Response:
    """From a pathway's page: the team page with that pathway chosen."""
    pathway = get_or_404(Pathway, pathway_id)
    return redirect(url_for("team_learning.index", pathway_id=pathway.id) + "#assign")


@bp.post("/team/pathways")
@roles_required("manager")
def submit() -> Response | tuple[str, int]:
    form = TeamAssignForm()
    if not form.validate_on_submit():
        return _render(form, 400)
    # Another company's pathway or person is a 404, like every id in a URL.
    pathway = get_or_404(Pathway, form.pathway_id.data)
    people = [get_or_404(User, uid) for uid in dict.fromkeys(form.user_ids.data or [])]
    with refusal(form, default="pathway_id") as attempt:
        result = team.assign_to_reports(current_user, pathway, people,
                                        form.everyone.data, form.due_date.data)
    if not attempt.ok:
        return _render(form, 400)
    flash(f"{pathway.title}: {result.enrolled} enrolled"
          + (f"; {result.already} already were" if result.already else "") + ".", "success")
    return redirect(url_for("team_learning.index") + "#enrolments")
