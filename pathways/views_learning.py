"""Pathway pages: the admin builder (steps, publish, assign), employees' pathways and "My
learning" (progress, next step, mark done with evidence), verification, recommendations and
the career-move page."""

from __future__ import annotations

import re
from datetime import date

from flask import (
    Blueprint,
    abort,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_login import current_user, login_required
from sqlalchemy import and_, func, select
from sqlalchemy.orm import selectinload
from werkzeug.wrappers import Response

from app.errors import DomainError
from app.extensions import db
from app.forms import ConfirmForm, as_choices
from app.identity import roles_required
from app.models import Team, User
from app.money import to_minor
from app.tenancy import current_company, get_or_404, scoped

from . import pathway_service, recommend, roles, uploads
from .catalogue_models import (
    STEP_KIND_LABELS,
    Enrolment,
    Offering,
    Pathway,
    PathwayStep,
    StepCompletion,
)
from .forms_catalogue import (
    AssignPathwayForm,
    CompleteStepForm,
    PathwayForm,
    SettingsForm,
    StepForm,
)
from .mentoring import sessions
from .models import Capability, Role
from .views_catalogue import _capability_options

bp = Blueprint("learning", __name__)


def _pathway_form(form: PathwayForm, company_id: int) -> None:
    form.target_role_id.choices = as_choices([("", "No role")] + [
        (r.id, r.title) for r in db.session.scalars(
            select(Role).where(Role.company_id == company_id).order_by(Role.title))])
    form.target_capability_id.choices = as_choices(
        [("", "No capability")] + _capability_options(company_id))


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
        try:
            role, cap = _targets(form)
            pathway = pathway_service.save_pathway(current_user, form.title.data or "",
                                                   form.description.data, role, cap,
                                                   form.self_enrol.data)
        except DomainError as exc:
            form.title.errors = [*form.title.errors, exc.message]
        else:
            db.session.commit()
            flash("Pathway created as a draft: add its steps, then publish it.", "success")
            return redirect(url_for("learning.builder", pathway_id=pathway.id))
    rows = db.session.execute(
        select(Pathway, func.count(func.distinct(Enrolment.id)))
        .options(selectinload(Pathway.steps), selectinload(Pathway.target_role),
                 selectinload(Pathway.target_capability))
        .outerjoin(Enrolment, Enrolment.pathway_id == Pathway.id)
        .where(Pathway.company_id == company.id).group_by(Pathway.id)
        .order_by(Pathway.status.desc(), Pathway.title)).all()
    settings = SettingsForm(require_manager_verification=pathway_service.settings(
        company.id).require_manager_verification)
    return render_template("pathways/learning/admin_index.html", rows=rows, form=form,
                           settings=settings), (400 if request.method == "POST" else 200)


@bp.post("/admin/learning/settings")
@roles_required("admin")
def save_settings() -> Response:
    form = SettingsForm()
    if form.validate_on_submit():
        pathway_service.set_verification(current_user, form.require_manager_verification.data)
        db.session.commit()
        flash("Learning settings saved.", "success")
    return redirect(url_for("learning.admin_index"))


def _step_form(pathway: Pathway) -> StepForm:
    form = StepForm(prefix="step")
    form.offering_id.choices = as_choices([("", "—")] + [
        (oid, title) for oid, title in db.session.execute(
            select(Offering.id, Offering.title).where(
                Offering.company_id == pathway.company_id, Offering.retired_at.is_(None))
            .order_by(Offering.title))])
    form.capability_id.choices = as_choices([("", "—")] + _capability_options(pathway.company_id))
    form.prerequisite_ids.choices = as_choices(
        [(s.id, f"{s.position}. {s.title}") for s in pathway.steps])
    return form


def _enrolment_rows(pathway: Pathway) -> list[tuple[Enrolment, str, int]]:
    required = select(PathwayStep.id).where(PathwayStep.pathway_id == pathway.id,
                                            PathwayStep.required.is_(True))
    return [tuple(r) for r in db.session.execute(  # type: ignore[misc]
        select(Enrolment, User.name, func.count(StepCompletion.id))
        .join(User, User.id == Enrolment.user_id)
        .outerjoin(StepCompletion, and_(StepCompletion.enrolment_id == Enrolment.id,
                                        StepCompletion.status == "done",
                                        StepCompletion.step_id.in_(required)))
        .where(Enrolment.pathway_id == pathway.id, Enrolment.company_id == pathway.company_id)
        .group_by(Enrolment.id, User.name).order_by(User.name).limit(200)).all()]


@bp.route("/admin/pathways/<int:pathway_id>", methods=["GET", "POST"])
@roles_required("admin")
def builder(pathway_id: int) -> str | Response | tuple[str, int]:
    pathway = get_or_404(Pathway, pathway_id)
    form = PathwayForm(obj=pathway, prefix="path")
    _pathway_form(form, pathway.company_id)
    if form.validate_on_submit():
        try:
            role, cap = _targets(form)
            pathway_service.save_pathway(current_user, form.title.data or "",
                                         form.description.data, role, cap, form.self_enrol.data,
                                         pathway)
        except DomainError as exc:
            form.title.errors = [*form.title.errors, exc.message]
        else:
            db.session.commit()
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
        assign=assign, confirm=ConfirmForm(), estimate=pathway_service.estimate(pathway),
        enrolments=_enrolment_rows(pathway), enrolled=enrolled, required=required,
        completed_ids=pathway_service.completed_step_ids(pathway),
        kinds=STEP_KIND_LABELS), status


@bp.post("/admin/pathways/<int:pathway_id>/steps")
@roles_required("admin")
def add_step(pathway_id: int) -> Response | tuple[str, int]:
    pathway = get_or_404(Pathway, pathway_id)
    form = _step_form(pathway)
    if form.validate_on_submit():
        try:
            pathway_service.add_step(current_user, pathway, pathway_service.StepData(
                kind=form.kind.data, title=form.title.data, description=form.description.data,
                offering_id=form.offering_id.data, capability_id=form.capability_id.data,
                to_level=form.to_level.data, url=form.url.data, required=form.required.data,
                estimated_hours=float(form.estimated_hours.data or 0),
                estimated_cost_minor=to_minor(form.estimated_cost.data, current_company().currency,
                                              "estimated_cost"),
                prerequisite_ids=form.prerequisite_ids.data or []))
        except DomainError as exc:
            db.session.rollback()
            target = getattr(form, exc.field or "title", form.title)
            target.errors = [*target.errors, exc.message]
        else:
            db.session.commit()
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
    try:
        pathway_service.move_step(current_user, pathway, step,
                                  -1 if request.form.get("direction") == "up" else 1)
    except DomainError as exc:
        flash(exc.message, "error")
    else:
        db.session.commit()
    return redirect(url_for("learning.builder", pathway_id=pathway.id) + "#steps")


@bp.post("/admin/pathways/<int:pathway_id>/steps/<int:step_id>/remove")
@roles_required("admin")
def remove_step(pathway_id: int, step_id: int) -> Response:
    pathway = get_or_404(Pathway, pathway_id)
    step = _step_of(pathway, step_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        pathway_service.remove_step(current_user, pathway, step)
    except DomainError as exc:
        flash(exc.message, "error")
    else:
        db.session.commit()
        flash("Step removed.", "success")
    return redirect(url_for("learning.builder", pathway_id=pathway.id) + "#steps")


@bp.post("/admin/pathways/<int:pathway_id>/publish")
@roles_required("admin")
def publish(pathway_id: int) -> Response:
    pathway = get_or_404(Pathway, pathway_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        if pathway.published:
            pathway_service.unpublish(current_user, pathway)
        else:
            pathway_service.publish(current_user, pathway)
    except DomainError as exc:
        flash(exc.message, "error")
    else:
        db.session.commit()
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
    try:
        if pathway.archived:
            pathway_service.restore(current_user, pathway)
        else:
            pathway_service.archive(current_user, pathway)
    except DomainError as exc:
        flash(exc.message, "error")
    else:
        db.session.commit()
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
            try:
                result = pathway_service.assign(current_user, pathway, people, teams,
                                                form.due_date.data)
            except DomainError as exc:
                form.emails.errors = [*form.emails.errors, exc.message]
            else:
                db.session.commit()
                flash(f"{result.enrolled} enrolled"
                      + (f"; {result.already} already were" if result.already else "") + ".",
                      "success")
                return redirect(url_for("learning.builder", pathway_id=pathway.id)
                                + "#enrolments")
    db.session.rollback()
    path_form = PathwayForm(obj=pathway, prefix="path")
    _pathway_form(path_form, pathway.company_id)
    return _render_builder(pathway, path_form, _step_form(pathway), form, 400)


# --- employees ---------------------------------------------------------------------------------

@bp.get("/pathways")
@login_required
def index() -> str:
    company = current_company()
    pathways = list(db.session.scalars(scoped(Pathway).where(Pathway.status == "published")
                                       .order_by(Pathway.title)))
    mine = dict(db.session.execute(select(Enrolment.pathway_id, Enrolment.id).where(
        Enrolment.company_id == company.id, Enrolment.user_id == current_user.id)).all())
    estimates = {p.id: pathway_service.estimate(p) for p in pathways}
    return render_template("pathways/learning/index.html", pathways=pathways, mine=mine,
                           estimates=estimates)


@bp.get("/pathways/<int:pathway_id>")
@login_required
def show(pathway_id: int) -> str:
    pathway = get_or_404(Pathway, pathway_id)
    enrolment = db.session.scalar(select(Enrolment).where(
        Enrolment.pathway_id == pathway.id, Enrolment.user_id == current_user.id))
    # An archived pathway stays readable for the people on it (their enrolment keeps working).
    if not (pathway.published or current_user.has_role("admin")
            or (pathway.archived and enrolment is not None)):
        abort(404)
    return render_template("pathways/learning/show.html", pathway=pathway, enrolment=enrolment,
                           estimate=pathway_service.estimate(pathway), confirm=ConfirmForm(),
                           kinds=STEP_KIND_LABELS, can_assign=pathway.published
                           and current_user.has_role("manager"))


@bp.post("/pathways/<int:pathway_id>/enrol")
@login_required
def enrol(pathway_id: int) -> Response:
    pathway = get_or_404(Pathway, pathway_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        enrolment = pathway_service.enrol_self(current_user, pathway)
    except DomainError as exc:
        flash(exc.message, "error")
        return redirect(url_for("learning.show", pathway_id=pathway.id))
    db.session.commit()
    flash(f"You are enrolled in {pathway.title}.", "success")
    return redirect(url_for("learning.enrolment", enrolment_id=enrolment.id))


@bp.get("/me/learning")
@login_required
def mine() -> str:
    enrolments = pathway_service.enrolments_of(current_user)
    progress = [pathway_service.progress(e) for e in enrolments]
    pending = (pathway_service.pending_for(current_user)
               if current_user.has_role("manager", "admin") else [])
    team = (pathway_service.team_enrolments(current_user)
            if current_user.has_role("manager") else [])
    return render_template("pathways/learning/mine.html", progress=progress, pending=pending,
                           team=team, confirm=ConfirmForm(), today=date.today())


def _enrolment_for_viewer(enrolment_id: int) -> Enrolment:
    enrolment = get_or_404(Enrolment, enrolment_id)
    person = enrolment.user
    if not (person.id == current_user.id or person.manager_id == current_user.id
            or current_user.has_role("admin")):
        abort(403)
    return enrolment


@bp.get("/me/learning/<int:enrolment_id>")
@login_required
def enrolment(enrolment_id: int) -> str:
    enrolment = _enrolment_for_viewer(enrolment_id)
    return render_template("pathways/learning/enrolment.html", enrolment=enrolment,
                           progress=pathway_service.progress(enrolment),
                           form_for=lambda step: CompleteStepForm(prefix=f"s{step.id}"),
                           kinds=STEP_KIND_LABELS, confirm=ConfirmForm(),
                           sessions=sessions.bookings_by_step(enrolment),
                           verify=pathway_service.settings(
                               enrolment.company_id).require_manager_verification,
                           max_mb=uploads.max_bytes() // 1048576)


@bp.get("/me/learning/<int:enrolment_id>/steps/<int:step_id>/book")
@login_required
def book_step(enrolment_id: int, step_id: int) -> Response:
    """From a mentor-session step: find a mentor for its capability; the booking completes it."""
    enrolment = _enrolment_for_viewer(enrolment_id)
    step = get_or_404(PathwayStep, step_id)
    if step.pathway_id != enrolment.pathway_id:
        abort(404)
    try:
        sessions.check_step(current_user, enrolment, step)
    except DomainError as exc:
        flash(exc.message, "error")
        return redirect(url_for("learning.enrolment", enrolment_id=enrolment.id)
                        + f"#step-{step.id}")
    return redirect(url_for("mentoring.index", capability=step.capability_id,
                            level=step.to_level, enrolment=enrolment.id, step=step.id))


@bp.post("/me/learning/<int:enrolment_id>/steps/<int:step_id>/done")
@login_required
def complete(enrolment_id: int, step_id: int) -> Response | tuple[str, int]:
    enrolment = _enrolment_for_viewer(enrolment_id)
    step = get_or_404(PathwayStep, step_id)
    if step.pathway_id != enrolment.pathway_id:
        abort(404)
    form = CompleteStepForm(prefix=f"s{step.id}")
    if form.validate_on_submit():
        upload = form.certificate.data
        certificate = None
        if upload and getattr(upload, "filename", ""):
            certificate = (upload.read(uploads.max_bytes() + 1), upload.filename)
        try:
            done = pathway_service.complete_step(current_user, enrolment, step, form.note.data,
                                                 form.link.data, certificate)
        except DomainError as exc:
            db.session.rollback()
            flash(exc.message, "error")
            return redirect(url_for("learning.enrolment", enrolment_id=enrolment.id)
                            + f"#step-{step.id}")
        db.session.commit()
        flash(f"'{step.title}' done." if done.status == "done" else
              f"'{step.title}' is waiting for your manager's verification.", "success")
    else:
        flash("Check the note and link.", "error")
    return redirect(url_for("learning.enrolment", enrolment_id=enrolment.id))


@bp.post("/learning/completions/<int:completion_id>/verify")
@login_required
def verify(completion_id: int) -> Response:
    completion = get_or_404(StepCompletion, completion_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        pathway_service.verify_completion(current_user, completion)
    except DomainError as exc:
        flash(exc.message, "error")
    else:
        db.session.commit()
        flash("Verified: the evidence now counts toward the level.", "success")
    back = request.form.get("next") or ""
    # Only a path of this site: never an open redirect.
    return redirect(back if back.startswith("/") and not back.startswith("//")
                    else url_for("learning.mine"))


@bp.get("/learning/completions/<int:completion_id>/certificate")
@login_required
def certificate(completion_id: int) -> Response:
    completion = get_or_404(StepCompletion, completion_id)
    _enrolment_for_viewer(completion.enrolment_id)
    if not completion.file_path:
        abort(404)
    path = uploads.full_path(completion.file_path)
    if not path.is_file():
        abort(404)
    return send_file(path, mimetype=completion.file_type, download_name=completion.file_name,
                     as_attachment=completion.file_type == "application/pdf")


# --- recommendations and career moves ----------------------------------------------------------

@bp.get("/me/recommendations")
@login_required
def recommendations() -> str:
    role = get_or_404(Role, request.args["role_id"]) if request.args.get("role_id") else None
    recs = recommend.recommend(current_user, role)
    assignment = roles.assignment(current_user)
    options = [r for r in [assignment.role if assignment else None,
                           assignment.target_role if assignment else None] if r is not None]
    options += [r for r in roles.moves_from(assignment.role_id if assignment else None)
                if r not in options]
    return render_template("pathways/learning/recommendations.html", recs=recs, options=options)


@bp.get("/me/career/<int:role_id>")
@login_required
def career(role_id: int) -> str:
    role = get_or_404(Role, role_id)
    plan = recommend.career_plan(current_user, role)
    return render_template("pathways/learning/career.html", plan=plan)
