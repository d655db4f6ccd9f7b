"""Pathway pages for employees and managers: the pathways to browse, "My learning" (progress,
next step, mark done with evidence), verification, certificates, recommendations and the
career-move page. The admin builder is `views_builder` (the same blueprint)."""

from __future__ import annotations

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
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response

from app.access import may_see
from app.extensions import db
from app.forms import ConfirmForm
from app.identity import login_required
from app.redirects import local_target
from app.tenancy import current_company, get_or_404, scoped
from app.uow import refusal
from pathways.capabilities import roles
from pathways.capabilities.models import Role

from . import builder, completing, enrolments, recommend, uploads
from .forms import CompleteStepForm
from .models import STEP_KIND_LABELS, Enrolment, Pathway, PathwayStep, StepCompletion
from .progress import team_enrolments

bp = Blueprint("learning", __name__)


# --- employees ---------------------------------------------------------------------------------

@bp.get("/pathways")
@login_required
def index() -> str:
    company = current_company()
    pathways = list(db.session.scalars(scoped(Pathway).where(Pathway.status == "published")
                                       .order_by(Pathway.title)))
    mine = dict(db.session.execute(select(Enrolment.pathway_id, Enrolment.id).where(
        Enrolment.company_id == company.id, Enrolment.user_id == current_user.id)).all())
    estimates = {p.id: builder.estimate(p) for p in pathways}
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
                           estimate=builder.estimate(pathway), confirm=ConfirmForm(),
                           kinds=STEP_KIND_LABELS, can_assign=pathway.published
                           and current_user.has_role("manager"))


@bp.post("/pathways/<int:pathway_id>/enrol")
@login_required
def enrol(pathway_id: int) -> Response:
    pathway = get_or_404(Pathway, pathway_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    with refusal() as attempt:
        enrolment = enrolments.enrol_self(current_user, pathway)
    if not attempt.ok:
        return redirect(url_for("learning.show", pathway_id=pathway.id))
    flash(f"You are enrolled in {pathway.title}.", "success")
    return redirect(url_for("learning.enrolment", enrolment_id=enrolment.id))


@bp.get("/me/learning")
@login_required
def mine() -> str:
    own = enrolments.enrolments_of(current_user)
    progress = [enrolments.progress(e) for e in own]
    pending = (completing.pending_for(current_user)
               if current_user.has_role("manager", "admin") else [])
    team = (team_enrolments(current_user)
            if current_user.has_role("manager") else [])
    return render_template("pathways/learning/mine.html", progress=progress, pending=pending,
                           team=team, confirm=ConfirmForm(), today=date.today())


def _enrolment_for_viewer(enrolment_id: int) -> Enrolment:
    """The enrolment, when the viewer may see its person's learning (app.access); else 403.

    Acting on it (marking a step done) is the service's to allow or refuse.
    """
    enrolment = get_or_404(Enrolment, enrolment_id)
    if not may_see(current_user, enrolment.user):
        abort(403)
    return enrolment


@bp.get("/me/learning/<int:enrolment_id>")
@login_required
def enrolment(enrolment_id: int) -> str:
    enrolment = _enrolment_for_viewer(enrolment_id)
    return render_template("pathways/learning/enrolment.html", enrolment=enrolment,
                           progress=enrolments.progress(enrolment),
                           form_for=lambda step: CompleteStepForm(prefix=f"s{step.id}"),
                           kinds=STEP_KIND_LABELS, confirm=ConfirmForm(),
                           sessions=enrolments.step_sessions(enrolment),
                           verify=completing.settings(
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
    with refusal() as attempt:
        enrolments.check_step_booking(current_user, enrolment, step)
    if not attempt.ok:
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
        with refusal() as attempt:
            done = enrolments.complete_step(current_user, enrolment, step, form.note.data,
                                            form.link.data, certificate)
        if not attempt.ok:
            return redirect(url_for("learning.enrolment", enrolment_id=enrolment.id)
                            + f"#step-{step.id}")
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
    with refusal() as attempt:
        completing.verify_completion(current_user, completion)
    if attempt.ok:
        flash("Verified: the evidence now counts toward the level.", "success")
    return redirect(local_target(request.form.get("next")) or url_for("learning.mine"))


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
