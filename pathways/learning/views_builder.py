"""The admin's pathway builder: pathways, steps, publish and archive, assigning, and the
learning settings (routes on the `learning` blueprint of `views`)."""

from __future__ import annotations

import re

from flask import (
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from sqlalchemy import and_, func, select
from sqlalchemy.orm import selectinload
from werkzeug.wrappers import Response

from app.extensions import db
from app.forms import ConfirmForm, as_choices
from app.identity import roles_required
from app.models import Team, User
from app.money import to_minor
from app.tenancy import current_company, get_or_404, scoped
from app.uow import refusal
from pathways.capabilities.frameworks import capability_options
from pathways.capabilities.models import Capability, Role
from pathways.catalogue.models import Offering

from . import builder as building  # the routes below are named after its functions
from . import completing, enrolments
from .forms import AssignPathwayForm, PathwayForm, SettingsForm, StepForm
from .models import STEP_KIND_LABELS, Enrolment, Pathway, PathwayStep, StepCompletion
from .views import bp


def _pathway_form(form: PathwayForm, company_id: int) -> None:
    form.target_role_id.choices = as_choices([("", "No role")] + [
        (r.id, r.title) for r in db.session.scalars(
            select(Role).where(Role.company_id == company_id).order_by(Role.title))])
    form.target_capability_id.choices = as_choices(
        [("", "No capability"), *capability_options(company_id)])


def _targets(form: PathwayForm) -> tuple[Role | None, Capability | None]:
    role = get_or_404(Role, form.target_role_id.data) if form.target_role_id.data else None
    cap = (get_or_404(Capability, form.target_capability_id.data)
           if form.target_capability_id.data else None)
    return role, cap


# --- admin -------------------------------------------------------------------------------------

@bp.route("/admin/pathways", methods=["GET", "POST"])
@roles_required("admin")
def admin_index() -> str | Response | tuple[str, int]:
    company = current_company()
    form = PathwayForm()
    _pathway_form(form, company.id)
    if form.validate_on_submit():
        with refusal(form, default="title") as attempt:
            role, cap = _targets(form)
            pathway = building.save_pathway(current_user, form.title.data or "",
                                            form.description.data, role, cap,
                                            form.self_enrol.data)
        if attempt.ok:
            flash("Pathway created as a draft: add its steps, then publish it.", "success")
            return redirect(url_for("learning.builder", pathway_id=pathway.id))
    rows = db.session.execute(
        select(Pathway, func.count(func.distinct(Enrolment.id)))
        .options(selectinload(Pathway.steps), selectinload(Pathway.target_role),
                 selectinload(Pathway.target_capability))
        .outerjoin(Enrolment, Enrolment.pathway_id == Pathway.id)
        .where(Pathway.company_id == company.id).group_by(Pathway.id)
        .order_by(Pathway.status.desc(), Pathway.title)).all()
    settings = SettingsForm(require_manager_verification=completing.settings(
        company.id).require_manager_verification)
    return render_template("pathways/learning/admin_index.html", rows=rows, form=form,
                           settings=settings), (400 if request.method == "POST" else 200)


@bp.post("/admin/learning/settings")
@roles_required("admin")
def save_settings() -> Response:
    form = SettingsForm()
    if form.validate_on_submit():
        completing.set_verification(current_user, form.require_manager_verification.data)
        flash("Learning settings saved.", "success")
    return redirect(url_for("learning.admin_index"))


def _step_form(pathway: Pathway) -> StepForm:
    form = StepForm(prefix="step")
    form.offering_id.choices = as_choices([("", "—")] + [
        (oid, title) for oid, title in db.session.execute(
            select(Offering.id, Offering.title).where(
                Offering.company_id == pathway.company_id, Offering.retired_at.is_(None))
            .order_by(Offering.title))])
    form.capability_id.choices = as_choices([("", "—"), *capability_options(pathway.company_id)])
    form.prerequisite_ids.choices = as_choices(
        [(s.id, f"{s.position}. {s.title}") for s in pathway.steps])
    return form


def _enrolment_rows(pathway: Pathway) -> list[tuple[Enrolment, str, int]]:
    required = select(PathwayStep.id).where(PathwayStep.pathway_id == pathway.id,
                                            PathwayStep.required.is_(True))
    return [(e, name, done) for e, name, done in db.session.execute(
        select(Enrolment, User.name, func.count(StepCompletion.id))
        .join(User, User.id == Enrolment.user_id)
        .outerjoin(StepCompletion, and_(StepCompletion.enrolment_id == Enrolment.id,
                                        StepCompletion.status == "done",
                                        StepCompletion.step_id.in_(required)))
        .where(Enrolment.pathway_id == pathway.id, Enrolment.company_id == pathway.company_id)
        .group_by(Enrolment.id, User.name).order_by(User.name).limit(200))]


@bp.route("/admin/pathways/<int:pathway_id>", methods=["GET", "POST"])
@roles_required("admin")
def builder(pathway_id: int) -> str | Response | tuple[str, int]:
    pathway = get_or_404(Pathway, pathway_id)
    form = PathwayForm(obj=pathway, prefix="path")
    _pathway_form(form, pathway.company_id)
    if form.validate_on_submit():
        with refusal(form, default="title") as attempt:
            role, cap = _targets(form)
            building.save_pathway(current_user, form.title.data or "",
                                  form.description.data, role, cap, form.self_enrol.data,
                                  pathway)
        if attempt.ok:
            flash("Pathway saved.", "success")
            return redirect(url_for("learning.builder", pathway_id=pathway.id))
    return _render_builder(pathway, form, _step_form(pathway), AssignPathwayForm(prefix="as"),
                           400 if request.method == "POST" else 200)


def _render_builder(pathway: Pathway, form: PathwayForm, step: StepForm,
                    assign: AssignPathwayForm, status: int) -> tuple[str, int]:
    assign.team_ids.choices = as_choices([(tid, name) for tid, name in db.session.execute(
        select(Team.id, Team.name).where(Team.company_id == pathway.company_id)
        .order_by(Team.name))])
    required = sum(1 for s in pathway.steps if s.required)
    enrolled = db.session.scalar(select(func.count(Enrolment.id)).where(
        Enrolment.pathway_id == pathway.id)) or 0
    return render_template(
        "pathways/learning/builder.html", pathway=pathway, form=form, step_form=step,
        assign=assign, confirm=ConfirmForm(), estimate=building.estimate(pathway),
        enrolments=_enrolment_rows(pathway), enrolled=enrolled, required=required,
        completed_ids=building.completed_step_ids(pathway),
        kinds=STEP_KIND_LABELS), status


@bp.post("/admin/pathways/<int:pathway_id>/steps")
@roles_required("admin")
def add_step(pathway_id: int) -> Response | tuple[str, int]:
    pathway = get_or_404(Pathway, pathway_id)
    form = _step_form(pathway)
    if form.validate_on_submit():
        with refusal(form, default="title") as attempt:
            building.add_step(current_user, pathway, building.StepData(
                kind=form.kind.data, title=form.title.data, description=form.description.data,
                offering_id=form.offering_id.data, capability_id=form.capability_id.data,
                to_level=form.to_level.data, url=form.url.data, required=form.required.data,
                estimated_hours=float(form.estimated_hours.data or 0),
                estimated_cost_minor=to_minor(form.estimated_cost.data, current_company().currency,
                                              "estimated_cost"),
                prerequisite_ids=form.prerequisite_ids.data or []))
        if attempt.ok:
            flash("Step added.", "success")
            return redirect(url_for("learning.builder", pathway_id=pathway.id) + "#steps")
    pathway = get_or_404(Pathway, pathway_id)
    path_form = PathwayForm(obj=pathway, prefix="path")
    _pathway_form(path_form, pathway.company_id)
    return _render_builder(pathway, path_form, form, AssignPathwayForm(prefix="as"), 400)


def _step_of(pathway: Pathway, step_id: int) -> PathwayStep:
    step = get_or_404(PathwayStep, step_id)
    if step.pathway_id != pathway.id:
        abort(404)
    return step


@bp.post("/admin/pathways/<int:pathway_id>/steps/<int:step_id>/move")
@roles_required("admin")
def move_step(pathway_id: int, step_id: int) -> Response:
    pathway = get_or_404(Pathway, pathway_id)
    step = _step_of(pathway, step_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    with refusal():
        building.move_step(current_user, pathway, step,
                           -1 if request.form.get("direction") == "up" else 1)
    return redirect(url_for("learning.builder", pathway_id=pathway.id) + "#steps")


@bp.post("/admin/pathways/<int:pathway_id>/steps/<int:step_id>/remove")
@roles_required("admin")
def remove_step(pathway_id: int, step_id: int) -> Response:
    pathway = get_or_404(Pathway, pathway_id)
    step = _step_of(pathway, step_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    with refusal() as attempt:
        building.remove_step(current_user, pathway, step)
    if attempt.ok:
        flash("Step removed.", "success")
    return redirect(url_for("learning.builder", pathway_id=pathway.id) + "#steps")


@bp.post("/admin/pathways/<int:pathway_id>/publish")
@roles_required("admin")
def publish(pathway_id: int) -> Response:
    pathway = get_or_404(Pathway, pathway_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    with refusal() as attempt:
        if pathway.published:
            building.unpublish(current_user, pathway)
        else:
            building.publish(current_user, pathway)
    if attempt.ok:
        flash("Published: people can now enrol." if pathway.published else
              "Back to draft: nobody new can enrol.", "success")
    return redirect(url_for("learning.builder", pathway_id=pathway.id))


@bp.post("/admin/pathways/<int:pathway_id>/archive")
@roles_required("admin")
def archive(pathway_id: int) -> Response:
    """Archive a pathway, or restore an archived one."""
    pathway = get_or_404(Pathway, pathway_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    with refusal() as attempt:
        if pathway.archived:
            building.restore(current_user, pathway)
        else:
            building.archive(current_user, pathway)
    if attempt.ok:
        flash(f"Restored as {pathway.status}." if not pathway.archived else
              "Archived: hidden from browsing and recommendations; people already on it "
              "carry on.", "success")
    return redirect(url_for("learning.builder", pathway_id=pathway.id))


@bp.post("/admin/pathways/<int:pathway_id>/assign")
@roles_required("admin")
def assign(pathway_id: int) -> Response | tuple[str, int]:
    pathway = get_or_404(Pathway, pathway_id)
    form = AssignPathwayForm(prefix="as")
    form.team_ids.choices = []
    if form.validate_on_submit():
        emails = [e.strip().lower() for e in re.split(r"[\s,;]+", form.emails.data or "")
                  if e.strip()]
        people = list(db.session.scalars(scoped(User).where(User.email.in_(emails)))) if (
            emails) else []
        unknown = sorted(set(emails) - {p.email for p in people})
        teams = [get_or_404(Team, t) for t in form.team_ids.data or []]
        if unknown:
            form.emails.errors = [*form.emails.errors,
                                  f"Nobody here has the e-mail {', '.join(unknown)}."]
        elif not people and not teams:
            form.emails.errors = [*form.emails.errors, "Name people or choose teams."]
        else:
            with refusal(form, default="emails") as attempt:
                result = enrolments.assign(current_user, pathway, people, teams,
                                           form.due_date.data)
            if attempt.ok:
                flash(f"{result.enrolled} enrolled"
                      + (f"; {result.already} already were" if result.already else "") + ".",
                      "success")
                return redirect(url_for("learning.builder", pathway_id=pathway.id)
                                + "#enrolments")
    path_form = PathwayForm(obj=pathway, prefix="path")
    _pathway_form(path_form, pathway.company_id)
    return _render_builder(pathway, path_form, _step_form(pathway), form, 400)
